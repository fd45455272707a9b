//! Scripts compiled to a native form: a small tree evaluated directly, without Rhai's
//! machinery around each evaluation.
//!
//! Most rule conditions are short expressions (`pain.during >= 4 && week > 2`, a call to
//! a module function that compares a score). Rhai spends about a microsecond setting up
//! any evaluation, however small; this form spends a small fraction of that. It covers
//! a subset of Rhai and must give exactly what Rhai gives:
//!
//! - **What compiles.** Literals (numbers, text, `true`/`false`, `()`), the variables the
//!   engine hands in, property reads (`pain.during`, `fields["x"]`), arithmetic
//!   (`+ - * / % **`), comparisons, `&&`, `||`, `!`, unary `-`, `if`, `let`, `return`,
//!   `throw` (left to Rhai when reached), blocks, assignments to `let` variables,
//!   `for` loops over an array written out (`for p in [a, b, c] { ... }`),
//!   `text.contains(text)`, calls to the host functions and calls to the protocol's
//!   module functions whose bodies are themselves in the subset. Anything else
//!   (other loops, closures, other assignments, arrays and maps elsewhere, other built-in
//!   functions, `print`, `import`...) leaves the whole script to Rhai: [`compile`] says
//!   why.
//! - **Only the ordinary path is native.** At run time the native form handles the
//!   values it is sure about (numbers, text, booleans, `()`, maps read by property).
//!   Whenever Rhai would do something else (an error of any kind, an overflow, an
//!   operator on mixed types that Rhai resolves through its function tables, a property
//!   of something that is not a map, a limit reached), the native evaluation stops and
//!   the caller runs the script again in Rhai from the start, after undoing what the
//!   native attempt recorded. Errors, their messages and positions therefore always come
//!   from Rhai.
//! - **The same operations are counted.** Rhai counts an operation at each statement,
//!   each expression, each argument, each variable read by a call, each property read and
//!   each function call (see `track_operation` in Rhai's source); the native form adds
//!   the same counts at the same nodes, so `run_operations()` and the limits agree.
//!   The wall-clock backstop is not read: the native form has no unbounded loop and no
//!   recursion, so its evaluations end long before it.
//!
//! The differential tests (`crates/rules/tests/native.rs`, `tests/native_conditions.rs`
//! in the root package over every protocol's scripts, and the fuzz target
//! `fuzz/fuzz_targets/conditions.rs`) hold the two to the same results.

mod compile;
mod eval;

use std::sync::Arc;

use crate::host::HostCall;
use crate::vars::Value;

pub(crate) use compile::{FuncCache, Library, compile};
pub(crate) use eval::{Cx, V, as_rhai_gives, run};

/// How deep module functions may call each other in the native form; deeper chains
/// stay in Rhai (its own limit on call levels is far above this).
const MAX_CALL_DEPTH: usize = 8;

/// A script in native form.
#[derive(Debug)]
pub(crate) struct Program {
    body: Box<[St]>,
    slots: usize,
    /// The sandbox that compiled it ([`FuncCache`]'s number) and its number there, by
    /// which evaluators remember its results; `None` past [`MAX_REMEMBERED`] programs.
    pub(crate) sandbox: u64,
    pub(crate) slot: Option<u32>,
    /// The variables it reads, in the order it first names them, each with its number
    /// in the sandbox (module functions read only their parameters). An evaluation that
    /// calls no host function gives a value, and counts operations, that depend on
    /// nothing else: the same values give the same result, so evaluators remember it
    /// (see `Evaluator::try_native`).
    pub(crate) reads: Box<[(String, u32)]>,
}

/// How many programs, and variable names, of one sandbox evaluators remember results
/// for: a protocol has a few dozen; only a long-lived sandbox compiling scripts one by
/// one goes past it, and its later scripts are simply evaluated every time.
pub(crate) const MAX_REMEMBERED: u32 = 4096;

/// A module function in native form.
#[derive(Debug)]
pub(crate) struct Func {
    body: Box<[St]>,
    params: usize,
    slots: usize,
}

impl Program {
    fn new(body: Box<[St]>, slots: usize, cache: &FuncCache) -> Program {
        let mut names = Vec::new();
        for s in &body {
            reads_st(s, &mut names);
        }
        let reads: Box<[(String, u32)]> = names
            .into_iter()
            .map(|n| {
                let number = cache.name(&n);
                (n, number)
            })
            .collect();
        let slot = cache.next_program();
        let counted = slot < MAX_REMEMBERED && reads.iter().all(|(_, n)| *n < MAX_REMEMBERED);
        Program {
            body,
            slots,
            sandbox: cache.sandbox,
            slot: counted.then_some(slot),
            reads,
        }
    }
}

/// Adds the names of the variables handed in that a statement reads to `reads`.
fn reads_st(s: &St, reads: &mut Vec<String>) {
    match s {
        St::Noop | St::Throw | St::Return(None) => {}
        St::Expr(e) | St::Call(e) | St::Let(_, e) | St::Assign(_, e) | St::Return(Some(e)) => {
            reads_ex(e, reads);
        }
        St::For(x) => {
            let (_, items, body) = &**x;
            items.iter().for_each(|e| reads_ex(e, reads));
            body.iter().for_each(|s| reads_st(s, reads));
        }
        St::If(x) => {
            let (guard, body, branch) = &**x;
            reads_ex(guard, reads);
            body.iter()
                .chain(branch.iter())
                .for_each(|s| reads_st(s, reads));
        }
        St::Block(body) => body.iter().for_each(|s| reads_st(s, reads)),
    }
}

fn reads_ex(e: &Ex, reads: &mut Vec<String>) {
    match e {
        Ex::Lit(_) | Ex::Local(_) => {}
        Ex::Outer(name) => {
            if !reads.contains(name) {
                reads.push(name.clone());
            }
        }
        Ex::Prop { base, .. } | Ex::Not(base) | Ex::Neg(base) => reads_ex(base, reads),
        Ex::And(list) | Ex::Or(list) => list.iter().for_each(|e| reads_ex(e, reads)),
        Ex::Bin(_, x) | Ex::Contains(x) => {
            reads_ex(&x.0, reads);
            reads_ex(&x.1, reads);
        }
        Ex::Host(_, args) | Ex::Script { args, .. } => args.iter().for_each(|e| reads_ex(e, reads)),
        Ex::Block(body) => body.iter().for_each(|s| reads_st(s, reads)),
    }
}

#[derive(Debug)]
pub(crate) enum St {
    Noop,
    /// An expression statement: one operation, then the expression's own.
    Expr(Ex),
    /// A call standing alone as a statement: Rhai evaluates it without the expression's
    /// operation.
    Call(Ex),
    Let(usize, Ex),
    /// `variable = value`, to a `let` variable.
    Assign(usize, Ex),
    /// `for variable in [items] { body }`.
    For(Box<ForLoop>),
    If(Box<IfElse>),
    Return(Option<Ex>),
    Block(Box<[St]>),
    /// `throw`: the evaluation is Rhai's to finish.
    Throw,
}

/// The guard, the body and the `else` branch.
type IfElse = (Ex, Box<[St]>, Box<[St]>);
/// The loop variable's slot, the array's items and the body.
type ForLoop = (usize, Box<[Ex]>, Box<[St]>);
/// A module function by module, name and number of parameters.
type FuncId = (String, String, usize);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Bin {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    Pow,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug)]
pub(crate) enum Ex {
    Lit(Value),
    Local(usize),
    Outer(String),
    /// `base.a.b` (`index` false) or `base["a"]` (`index` true, one key).
    Prop {
        base: Box<Ex>,
        path: Box<[String]>,
        index: bool,
    },
    And(Box<[Ex]>),
    Or(Box<[Ex]>),
    Not(Box<Ex>),
    Neg(Box<Ex>),
    Bin(Bin, Box<(Ex, Ex)>),
    Host(HostCall, Box<[Ex]>),
    Script {
        func: Arc<Func>,
        args: Box<[Ex]>,
        qualified: bool,
    },
    Block(Box<[St]>),
    /// `base.contains(arg)` on text.
    Contains(Box<(Ex, Ex)>),
}
