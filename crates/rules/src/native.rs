//! Scripts compiled to a native form: a small tree evaluated directly, without Rhai's
//! machinery around each evaluation.
//!
//! Most rule conditions are short expressions (`pain.during >= 4 && week > 2`, a call to
//! a module function that compares a score). Rhai spends about a microsecond setting up
//! any evaluation, however small; this form spends a few dozen nanoseconds. It covers a
//! subset of Rhai and must give exactly what Rhai gives:
//!
//! - **What compiles.** Literals (numbers, text, `true`/`false`, `()`), the variables the
//!   engine hands in, property reads (`pain.during`, `fields["x"]`), arithmetic
//!   (`+ - * / % **`), comparisons, `&&`, `||`, `!`, unary `-`, `if`, `let`, `return`,
//!   `throw` (left to Rhai when reached), blocks, assignments to `let` variables,
//!   `for` loops over an array written out (`for p in [a, b, c] { ... }`), `text.contains(text)`, calls to the host functions and calls to the
//!   protocol's module functions whose bodies are themselves in the subset. Anything else
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
//!
//! The differential tests (`tests/native_conditions.rs` in the root package and the
//! fuzz target `fuzz/fuzz_targets/conditions.rs`) hold the two to the same results.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use rhai::{AST, ASTFlags, Dynamic, Expr, FnCallExpr, Stmt};

use crate::host::{Host, HostCall, call_native};
use crate::limits::Limits;
use crate::modules::is_module_name;
use crate::vars::{Value, Vars};

/// How deep module functions may call each other in the native form; deeper chains
/// stay in Rhai (its own limit on call levels is far above this).
const MAX_CALL_DEPTH: usize = 8;

/// A script in native form.
#[derive(Debug)]
pub(crate) struct Program {
    body: Box<[St]>,
    slots: usize,
}

/// A module function in native form.
#[derive(Debug)]
struct Func {
    body: Box<[St]>,
    params: usize,
    slots: usize,
}

#[derive(Debug)]
enum St {
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
enum Bin {
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
enum Ex {
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

/// The protocol's module functions compiled to native form, shared by every script of a
/// sandbox: a module function is compiled once, or found not to compile once.
#[derive(Debug, Default)]
pub(crate) struct FuncCache {
    compiled: Mutex<HashMap<FuncId, Result<Arc<Func>, String>>>,
}

/// What the compiler reads: the sandbox's modules, by key.
pub(crate) struct Library<'s> {
    pub(crate) modules: &'s [(String, String, AST)],
    pub(crate) cache: &'s FuncCache,
}

/// Compiles a script to native form, or says why it stays in Rhai.
pub(crate) fn compile(ast: &AST, library: &Library<'_>) -> Result<Program, String> {
    if ast.iter_functions().next().is_some() {
        return Err("the script defines functions of its own".to_owned());
    }
    let mut compiler = Compiler {
        library,
        module: None,
        stack: Vec::new(),
    };
    let mut scope = Names {
        names: Vec::new(),
        slots: 0,
        top: true,
    };
    let body = compiler.block(ast.statements(), &mut scope)?;
    Ok(Program {
        body,
        slots: scope.slots,
    })
}

struct Names {
    /// Each visible name, its slot, and whether the script may assign to it (a `let`
    /// variable).
    names: Vec<(String, usize, bool)>,
    slots: usize,
    /// The script's top level, where unknown names are the variables handed in.
    top: bool,
}

impl Names {
    fn find(&self, name: &str) -> Option<(usize, bool)> {
        self.names
            .iter()
            .rev()
            .find(|(n, ..)| n == name)
            .map(|(_, slot, assignable)| (*slot, *assignable))
    }

    fn push(&mut self, name: &str, assignable: bool) -> usize {
        let slot = self.slots;
        self.slots += 1;
        self.names.push((name.to_owned(), slot, assignable));
        slot
    }
}

struct Compiler<'l, 's> {
    library: &'l Library<'s>,
    /// The module whose function is being compiled: its functions are callable
    /// unqualified.
    module: Option<usize>,
    /// The module functions being compiled, to refuse recursion.
    stack: Vec<FuncId>,
}

impl Compiler<'_, '_> {
    fn block(&mut self, statements: &[Stmt], scope: &mut Names) -> Result<Box<[St]>, String> {
        let mark = scope.names.len();
        let result = statements
            .iter()
            .map(|s| self.stmt(s, scope))
            .collect::<Result<Vec<_>, _>>();
        scope.names.truncate(mark);
        result.map(Vec::into_boxed_slice)
    }

    fn stmt(&mut self, stmt: &Stmt, scope: &mut Names) -> Result<St, String> {
        Ok(match stmt {
            Stmt::Noop(..) => St::Noop,
            Stmt::Expr(e) => St::Expr(self.expr(e, scope)?),
            Stmt::FnCall(call, _) => St::Call(self.call(call, scope)?),
            Stmt::Var(x, flags, _) => {
                if flags.intersects(!ASTFlags::CONSTANT) {
                    return Err("an exported variable".to_owned());
                }
                let (name, value, _) = &**x;
                let value = self.expr(value, scope)?;
                let assignable = !flags.contains(ASTFlags::CONSTANT);
                St::Let(scope.push(name.name.as_str(), assignable), value)
            }
            Stmt::If(x, _) => {
                let guard = self.expr(&x.expr, scope)?;
                let body = self.block(x.body.statements(), scope)?;
                let branch = self.block(x.branch.statements(), scope)?;
                St::If(Box::new((guard, body, branch)))
            }
            // `throw` always ends in an error, which Rhai reports.
            Stmt::Return(_, flags, _) if flags.contains(ASTFlags::BREAK) => St::Throw,
            Stmt::Return(value, ..) => St::Return(match value {
                Some(e) => Some(self.expr(e, scope)?),
                None => None,
            }),
            Stmt::Block(block) => St::Block(self.block(block.statements(), scope)?),
            Stmt::Assignment(x) => {
                let (op, target) = &**x;
                let name = match &target.lhs {
                    Expr::Variable(v, ..) if v.2.is_empty() && !op.is_op_assignment() => {
                        v.1.as_str()
                    }
                    _ => return Err("an assignment other than `variable = value`".to_owned()),
                };
                let Some((slot, true)) = scope.find(name) else {
                    return Err(format!(
                        "an assignment to `{name}`, which is not a `let` variable"
                    ));
                };
                St::Assign(slot, self.expr(&target.rhs, scope)?)
            }
            Stmt::For(x, _) => {
                let (var, counter, flow) = &**x;
                let Expr::Array(items, _) = &flow.expr else {
                    return Err(
                        "a `for` loop over something other than an array written out".to_owned(),
                    );
                };
                if counter.is_some() {
                    return Err("a `for` loop with a counter".to_owned());
                }
                let items = self.exprs(items, scope)?;
                let mark = scope.names.len();
                let slot = scope.push(var.name.as_str(), false);
                let body = self.block(flow.body.statements(), scope);
                scope.names.truncate(mark);
                St::For(Box::new((slot, items, body?)))
            }
            other => {
                return Err(format!(
                    "a statement of a kind it does not have ({})",
                    stmt_kind(other)
                ));
            }
        })
    }

    fn expr(&mut self, expr: &Expr, scope: &mut Names) -> Result<Ex, String> {
        Ok(match expr {
            Expr::DynamicConstant(..)
            | Expr::BoolConstant(..)
            | Expr::IntegerConstant(..)
            | Expr::FloatConstant(..)
            | Expr::StringConstant(..)
            | Expr::Unit(..) => Ex::Lit(literal(expr)?),
            Expr::Variable(v, ..) => {
                if !v.2.is_empty() {
                    return Err(format!("reads the module variable `{}::{}`", v.2, v.1));
                }
                let name = v.1.as_str();
                match scope.find(name) {
                    Some((slot, _)) => Ex::Local(slot),
                    None if scope.top => Ex::Outer(name.to_owned()),
                    None => {
                        return Err(format!(
                            "a module function reads `{name}`, which is not one of its parameters or variables"
                        ));
                    }
                }
            }
            Expr::Dot(x, flags, _) => {
                if !flags.is_empty() {
                    return Err("`?.` or a parenthesised chain".to_owned());
                }
                let base = self.chain_base(&x.lhs, scope)?;
                match &x.rhs {
                    Expr::MethodCall(call, _) => {
                        if call.name.as_str() != "contains"
                            || call.args.len() != 1
                            || !call.namespace.is_empty()
                            || self.module_has("contains", 2)
                        {
                            return Err(format!("calls the method `{}`", call.name));
                        }
                        let arg = self.expr(&call.args[0], scope)?;
                        Ex::Contains(Box::new((base, arg)))
                    }
                    rhs => {
                        let mut path = Vec::new();
                        properties(rhs, &mut path)?;
                        Ex::Prop {
                            base: Box::new(base),
                            path: path.into_boxed_slice(),
                            index: false,
                        }
                    }
                }
            }
            Expr::Index(x, flags, _) => {
                if !flags.is_empty() {
                    return Err("`?[` or a parenthesised chain".to_owned());
                }
                let Expr::StringConstant(key, _) = &x.rhs else {
                    return Err("an index that is not a text literal".to_owned());
                };
                let base = self.chain_base(&x.lhs, scope)?;
                Ex::Prop {
                    base: Box::new(base),
                    path: vec![key.to_string()].into_boxed_slice(),
                    index: true,
                }
            }
            Expr::And(list, _) => Ex::And(self.exprs(list, scope)?),
            Expr::Or(list, _) => Ex::Or(self.exprs(list, scope)?),
            Expr::Stmt(block) => Ex::Block(self.block(block.statements(), scope)?),
            Expr::FnCall(call, _) => self.call(call, scope)?,
            Expr::CharConstant(..) => return Err("a character literal".to_owned()),
            Expr::InterpolatedString(..) => return Err("an interpolated string".to_owned()),
            Expr::Array(..) => return Err("an array literal".to_owned()),
            Expr::Map(..) => return Err("a map literal".to_owned()),
            Expr::Coalesce(..) => return Err("`??`".to_owned()),
            Expr::MethodCall(call, _) => return Err(format!("calls the method `{}`", call.name)),
            _ => return Err("an expression of a kind it does not have".to_owned()),
        })
    }

    fn exprs(&mut self, list: &[Expr], scope: &mut Names) -> Result<Box<[Ex]>, String> {
        list.iter()
            .map(|e| self.expr(e, scope))
            .collect::<Result<Vec<_>, _>>()
            .map(Vec::into_boxed_slice)
    }

    /// The root of a property chain: anything but another chain.
    fn chain_base(&mut self, lhs: &Expr, scope: &mut Names) -> Result<Ex, String> {
        match lhs {
            Expr::Dot(..) | Expr::Index(..) | Expr::ThisPtr(..) => {
                Err("a chain of property reads it does not have".to_owned())
            }
            other => self.expr(other, scope),
        }
    }

    fn module_has(&self, name: &str, arity: usize) -> bool {
        self.module.is_some_and(|m| {
            self.library.modules[m]
                .2
                .iter_fn_def()
                .any(|f| f.name.as_str() == name && f.params.len() == arity)
        })
    }

    fn call(&mut self, call: &FnCallExpr, scope: &mut Names) -> Result<Ex, String> {
        let name = call.name.as_str();
        let arity = call.args.len();
        if call.capture_parent_scope {
            return Err(format!(
                "calls `{name}!`, which sees the caller's variables"
            ));
        }
        if call.op_token.is_some() {
            let args = self.exprs(&call.args, scope)?;
            let mut args = args.into_vec().into_iter();
            return Ok(match (name, args.next(), args.next(), args.next()) {
                ("!", Some(a), None, None) => Ex::Not(Box::new(a)),
                ("-", Some(a), None, None) => Ex::Neg(Box::new(a)),
                (op, Some(a), Some(b), None) => {
                    let op = match op {
                        "+" => Bin::Add,
                        "-" => Bin::Sub,
                        "*" => Bin::Mul,
                        "/" => Bin::Div,
                        "%" => Bin::Rem,
                        "**" => Bin::Pow,
                        "==" => Bin::Eq,
                        "!=" => Bin::Ne,
                        "<" => Bin::Lt,
                        "<=" => Bin::Le,
                        ">" => Bin::Gt,
                        ">=" => Bin::Ge,
                        _ => return Err(format!("the operator `{op}`")),
                    };
                    Ex::Bin(op, Box::new((a, b)))
                }
                _ => return Err(format!("the operator `{name}`")),
            });
        }
        if !call.namespace.is_empty() {
            let root = call.namespace.root();
            let shown = format!("{root}::{name}");
            if call.namespace.path.len() != 1 || !is_module_name(root) {
                return Err(format!("calls `{shown}` through a path it does not follow"));
            }
            let Some(module) = self.library.modules.iter().position(|(k, ..)| k == root) else {
                return Err(format!("calls `{shown}` of a module it does not know"));
            };
            let func = self.func(module, name, arity, true)?;
            let args = self.exprs(&call.args, scope)?;
            return Ok(Ex::Script {
                func,
                args,
                qualified: true,
            });
        }
        if crate::sandbox::SPECIAL_FORMS.contains(&name) {
            return Err(format!("calls `{name}`"));
        }
        if let Some(module) = self.module.filter(|_| self.module_has(name, arity)) {
            let func = self.func(module, name, arity, false)?;
            let args = self.exprs(&call.args, scope)?;
            return Ok(Ex::Script {
                func,
                args,
                qualified: false,
            });
        }
        match HostCall::resolve(name, arity) {
            Some(host) => Ok(Ex::Host(host, self.exprs(&call.args, scope)?)),
            None => Err(format!(
                "calls `{name}`, a built-in function the native form does not have"
            )),
        }
    }

    /// Module `module`'s function `name` of `arity` parameters in native form.
    fn func(
        &mut self,
        module: usize,
        name: &str,
        arity: usize,
        qualified: bool,
    ) -> Result<Arc<Func>, String> {
        let (key, _, ast) = &self.library.modules[module];
        let id = (key.clone(), name.to_owned(), arity);
        let shown = format!("{key}::{name}");
        if self.stack.contains(&id) {
            return Err(format!("`{shown}` calls itself"));
        }
        if self.stack.len() >= MAX_CALL_DEPTH {
            return Err(format!("`{shown}` is called too deeply"));
        }
        let cached = self
            .library
            .cache
            .compiled
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&id)
            .cloned();
        match cached {
            Some(found) => found,
            None => {
                let Some(def) = ast
                    .iter_fn_def()
                    .find(|f| f.name.as_str() == name && f.params.len() == arity)
                else {
                    return Err(format!("calls `{shown}`, which the module does not define"));
                };
                if qualified && def.access == rhai::FnAccess::Private {
                    return Err(format!("calls the private function `{shown}`"));
                }
                if def.this_type.is_some() {
                    return Err(format!("`{shown}` is a method of a type"));
                }
                let mut scope = Names {
                    names: Vec::new(),
                    slots: 0,
                    top: false,
                };
                for p in &def.params {
                    scope.push(p.as_str(), false);
                }
                // Rhai does not name the type of a function's body outside the crate:
                // walk a copy of the module holding only this function, whose
                // outermost nodes are the body's statements.
                let mut only = ast.clone_functions_only();
                only.retain_functions(|_, _, n, a| n == name && a == arity);
                let outer = self.module.replace(module);
                self.stack.push(id.clone());
                let mut statements = Vec::new();
                let mut refused = None;
                only.walk(&mut |path: &[rhai::ASTNode]| {
                    if let (1, Some(rhai::ASTNode::Stmt(s))) = (path.len(), path.last())
                        && refused.is_none()
                    {
                        match self.stmt(s, &mut scope) {
                            Ok(st) => statements.push(st),
                            Err(why) => refused = Some(why),
                        }
                    }
                    true
                });
                self.stack.pop();
                self.module = outer;
                let body = match refused {
                    Some(why) => Err(why),
                    None => Ok(statements.into_boxed_slice()),
                };
                let compiled = body
                    .map(|body| {
                        Arc::new(Func {
                            body,
                            params: arity,
                            slots: scope.slots,
                        })
                    })
                    .map_err(|why| {
                        if why.starts_with('`') || why.starts_with("in `") {
                            why
                        } else {
                            format!("in `{shown}`: {why}")
                        }
                    });
                // A refusal that depends on where the function was reached from (the
                // depth, a cycle through the caller) is not cached.
                if compiled.is_ok() || self.stack.is_empty() {
                    self.library
                        .cache
                        .compiled
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .insert(id, compiled.clone());
                }
                compiled
            }
        }
    }
}

/// The properties of a chain `.a.b.c`, innermost last.
fn properties(rhs: &Expr, path: &mut Vec<String>) -> Result<(), String> {
    match rhs {
        Expr::Property(p, _) => {
            path.push(p.2.to_string());
            Ok(())
        }
        Expr::Dot(x, flags, _) if flags.is_empty() => {
            let Expr::Property(p, _) = &x.lhs else {
                return Err("a chain of property reads it does not have".to_owned());
            };
            path.push(p.2.to_string());
            properties(&x.rhs, path)
        }
        _ => Err("a chain of property reads it does not have".to_owned()),
    }
}

fn literal(expr: &Expr) -> Result<Value, String> {
    let value = expr
        .get_literal_value(None)
        .ok_or_else(|| "a constant it cannot read".to_owned())?;
    if value.is_unit() || value.is_int() || value.is_float() || value.is_bool() || value.is_string()
    {
        Value::from_dynamic(value).map_err(|t| format!("a constant of type {t}"))
    } else {
        Err(format!("a constant of type {}", value.type_name()))
    }
}

fn stmt_kind(stmt: &Stmt) -> &'static str {
    match stmt {
        Stmt::For(..) => "`for` loop",
        Stmt::While(..) | Stmt::Do(..) => "loop",
        Stmt::Switch(..) => "`switch`",
        Stmt::Assignment(..) => "assignment",
        Stmt::TryCatch(..) => "`try`",
        Stmt::Import(..) | Stmt::Export(..) => "`import`",
        _ => "other",
    }
}

/// A value during a native evaluation: borrowed from the variables or the script, or
/// made by it.
#[derive(Debug)]
pub(crate) enum V<'a> {
    B(&'a Value),
    O(Value),
}

impl V<'_> {
    fn get(&self) -> &Value {
        match self {
            V::B(v) => v,
            V::O(v) => v,
        }
    }

    pub(crate) fn into_owned(self) -> Value {
        match self {
            V::B(v) => v.clone(),
            V::O(v) => v,
        }
    }
}

/// Why a native evaluation stopped early.
enum Stop<'a> {
    /// Rhai must run the script instead.
    Bail,
    /// A `return` on its way to the function or script it leaves.
    Ret(V<'a>),
}

type R<'a, T> = Result<T, Stop<'a>>;

/// The state of one native evaluation.
pub(crate) struct Cx<'a> {
    pub(crate) outer: &'a Vars,
    pub(crate) host: &'a Host,
    pub(crate) limits: &'a Limits,
    /// Operations counted so far, as Rhai would count them.
    pub(crate) ops: u64,
}

/// Runs a program; `None` when Rhai must run it instead.
pub(crate) fn run<'a>(program: &'a Program, cx: &mut Cx<'a>) -> Option<V<'a>> {
    let mut frame: Vec<V<'a>> = Vec::new();
    frame.resize_with(program.slots, || V::O(Value::Unit));
    match block(&program.body, cx, &mut frame) {
        Ok(v) | Err(Stop::Ret(v)) => Some(v),
        Err(Stop::Bail) => None,
    }
}

fn block<'a>(body: &'a [St], cx: &mut Cx<'a>, frame: &mut Vec<V<'a>>) -> R<'a, V<'a>> {
    let mut last = V::O(Value::Unit);
    for s in body {
        last = stmt(s, cx, frame)?;
    }
    Ok(last)
}

fn stmt<'a>(s: &'a St, cx: &mut Cx<'a>, frame: &mut Vec<V<'a>>) -> R<'a, V<'a>> {
    cx.ops += 1;
    Ok(match s {
        St::Noop => V::O(Value::Unit),
        St::Expr(e) => expr(e, cx, frame)?,
        St::Call(e) => inner(e, cx, frame)?,
        St::Let(slot, e) => {
            let value = expr(e, cx, frame)?;
            frame[*slot] = value;
            V::O(Value::Unit)
        }
        St::Assign(slot, e) => {
            let value = expr(e, cx, frame)?;
            cx.ops += 1;
            frame[*slot] = value;
            V::O(Value::Unit)
        }
        St::For(x) => {
            let (slot, items, body) = &**x;
            // The array is an expression of its own: one operation, then its items.
            cx.ops += 1;
            let mut list = Vec::with_capacity(items.len());
            for item in items.iter() {
                list.push(expr(item, cx, frame)?.into_owned());
            }
            let list = Value::List(list);
            if !within_limits(&list, cx.limits) {
                return Err(Stop::Bail);
            }
            let Value::List(list) = list else {
                return Err(Stop::Bail);
            };
            for item in list {
                if body.is_empty() {
                    cx.ops += 1;
                    continue;
                }
                frame[*slot] = V::O(item);
                block(body, cx, frame)?;
            }
            V::O(Value::Unit)
        }
        St::If(x) => {
            let (guard, body, branch) = &**x;
            match expr(guard, cx, frame)?.get() {
                Value::Bool(true) if !body.is_empty() => block(body, cx, frame)?,
                Value::Bool(false) if !branch.is_empty() => block(branch, cx, frame)?,
                Value::Bool(_) => V::O(Value::Unit),
                _ => return Err(Stop::Bail),
            }
        }
        St::Return(value) => {
            let value = match value {
                Some(e) => expr(e, cx, frame)?,
                None => V::O(Value::Unit),
            };
            return Err(Stop::Ret(value));
        }
        St::Block(body) => block(body, cx, frame)?,
        St::Throw => return Err(Stop::Bail),
    })
}

/// An expression as Rhai's `eval_expr` evaluates it: one operation, then its own.
fn expr<'a>(e: &'a Ex, cx: &mut Cx<'a>, frame: &mut Vec<V<'a>>) -> R<'a, V<'a>> {
    cx.ops += 1;
    inner(e, cx, frame)
}

fn boolean(v: &V<'_>) -> Result<bool, ()> {
    match v.get() {
        Value::Bool(b) => Ok(*b),
        _ => Err(()),
    }
}

fn inner<'a>(e: &'a Ex, cx: &mut Cx<'a>, frame: &mut Vec<V<'a>>) -> R<'a, V<'a>> {
    Ok(match e {
        Ex::Lit(v) => V::B(v),
        Ex::Local(slot) => match &frame[*slot] {
            V::B(v) => V::B(v),
            V::O(v) => V::O(v.clone()),
        },
        Ex::Outer(name) => V::B(cx.outer.get(name).ok_or(Stop::Bail)?),
        Ex::Prop { base, path, index } => {
            if !index && path.len() >= 2 {
                cx.ops += path.len() as u64;
            }
            let mut value = expr(base, cx, frame)?;
            for key in path.iter() {
                cx.ops += 1;
                value = match value {
                    V::B(Value::Map(map)) => match map.get(key) {
                        Some(v) => V::B(v),
                        None => V::O(Value::Unit),
                    },
                    V::O(Value::Map(map)) => V::O(map.get(key).cloned().unwrap_or(Value::Unit)),
                    _ => return Err(Stop::Bail),
                };
            }
            value
        }
        Ex::And(list) => {
            for item in list.iter() {
                if !boolean(&expr(item, cx, frame)?).map_err(|()| Stop::Bail)? {
                    return Ok(V::O(Value::Bool(false)));
                }
            }
            V::O(Value::Bool(true))
        }
        Ex::Or(list) => {
            for item in list.iter() {
                if boolean(&expr(item, cx, frame)?).map_err(|()| Stop::Bail)? {
                    return Ok(V::O(Value::Bool(true)));
                }
            }
            V::O(Value::Bool(false))
        }
        Ex::Not(a) => match expr(a, cx, frame)?.get() {
            Value::Bool(b) => V::O(Value::Bool(!b)),
            _ => return Err(Stop::Bail),
        },
        Ex::Neg(a) => match expr(a, cx, frame)?.get() {
            Value::Int(i) => V::O(Value::Int(i.checked_neg().ok_or(Stop::Bail)?)),
            Value::Float(f) => V::O(Value::Float(-f)),
            _ => return Err(Stop::Bail),
        },
        Ex::Bin(op, x) => {
            let a = expr(&x.0, cx, frame)?;
            let b = expr(&x.1, cx, frame)?;
            V::O(binary(*op, a.get(), b.get()).ok_or(Stop::Bail)?)
        }
        Ex::Host(call, args) => {
            // No host function takes more than three arguments.
            let value = match &args[..] {
                [] => {
                    cx.ops += 1;
                    call_native(cx.host, *call, &[])
                }
                [a] => {
                    let a = expr(a, cx, frame)?;
                    cx.ops += 1;
                    call_native(cx.host, *call, &[a.get()])
                }
                [a, b] => {
                    let a = expr(a, cx, frame)?;
                    let b = expr(b, cx, frame)?;
                    cx.ops += 1;
                    call_native(cx.host, *call, &[a.get(), b.get()])
                }
                [a, b, c] => {
                    let a = expr(a, cx, frame)?;
                    let b = expr(b, cx, frame)?;
                    let c = expr(c, cx, frame)?;
                    cx.ops += 1;
                    call_native(cx.host, *call, &[a.get(), b.get(), c.get()])
                }
                _ => None,
            }
            .ok_or(Stop::Bail)?;
            if !within_limits(&value, cx.limits) {
                return Err(Stop::Bail);
            }
            V::O(value)
        }
        Ex::Script {
            func,
            args,
            qualified,
        } => {
            let mut callee: Vec<V<'a>> = Vec::with_capacity(func.slots);
            for a in args.iter() {
                callee.push(expr(a, cx, frame)?);
            }
            if func.body.is_empty() {
                // Rhai skips an empty body before counting the call, except through a
                // module path.
                if *qualified {
                    cx.ops += 1;
                }
                return Ok(V::O(Value::Unit));
            }
            cx.ops += 1;
            debug_assert_eq!(callee.len(), func.params);
            callee.resize_with(func.slots, || V::O(Value::Unit));
            match block(&func.body, cx, &mut callee) {
                Ok(v) | Err(Stop::Ret(v)) => v,
                Err(Stop::Bail) => return Err(Stop::Bail),
            }
        }
        Ex::Block(body) => block(body, cx, frame)?,
        Ex::Contains(x) => {
            // Rhai evaluates the method's argument first, then the object.
            cx.ops += 1;
            let arg = expr(&x.1, cx, frame)?;
            let base = expr(&x.0, cx, frame)?;
            cx.ops += 1;
            match (base.get(), arg.get()) {
                (Value::Str(s), Value::Str(t)) => V::O(Value::Bool(s.contains(t.as_str()))),
                _ => return Err(Stop::Bail),
            }
        }
    })
}

/// Whether a host function's value is well within Rhai's data limits; a value near them
/// is left to Rhai, which checks them exactly.
fn within_limits(value: &Value, limits: &Limits) -> bool {
    fn sizes(value: &Value, total: &mut (usize, usize, usize)) {
        match value {
            Value::Str(s) => total.2 += s.len(),
            Value::List(items) => {
                total.0 += items.len();
                for item in items {
                    sizes(item, total);
                }
            }
            Value::Map(vars) => {
                total.1 += vars.len();
                for (_, item) in vars.iter() {
                    sizes(item, total);
                }
            }
            _ => {}
        }
    }
    let mut total = (0, 0, 0);
    sizes(value, &mut total);
    total.0 < limits.max_array_size / 2
        && total.1 < limits.max_map_size / 2
        && total.2 < limits.max_string_size / 2
}

/// A binary operator as Rhai's built-in operators apply it; `None` where Rhai would
/// fail or look the operator up among registered functions.
fn binary(op: Bin, x: &Value, y: &Value) -> Option<Value> {
    use Value::{Bool, Float, Int, Str, Unit};
    match (x, y) {
        (Int(a), Int(b)) => int_op(op, *a, *b),
        (Float(a), Float(b)) => float_op(op, *a, *b),
        #[allow(clippy::cast_precision_loss)]
        (Float(a), Int(b)) => float_op(op, *a, *b as f64),
        #[allow(clippy::cast_precision_loss)]
        (Int(a), Float(b)) => float_op(op, *a as f64, *b),
        (Bool(a), Bool(b)) => compare(op, a.cmp(b)),
        (Str(a), Str(b)) => compare(op, a.as_str().cmp(b.as_str())),
        (Unit, Unit) => match op {
            Bin::Eq => Some(Bool(true)),
            Bin::Ne | Bin::Lt | Bin::Le | Bin::Gt | Bin::Ge => Some(Bool(false)),
            _ => None,
        },
        _ if std::mem::discriminant(x) == std::mem::discriminant(y) => None,
        // Different types, not both numbers: Rhai's comparisons say they differ.
        _ => match op {
            Bin::Ne => Some(Bool(true)),
            Bin::Eq | Bin::Lt | Bin::Le | Bin::Gt | Bin::Ge => Some(Bool(false)),
            _ => None,
        },
    }
}

fn compare(op: Bin, order: std::cmp::Ordering) -> Option<Value> {
    Some(Value::Bool(match op {
        Bin::Eq => order.is_eq(),
        Bin::Ne => order.is_ne(),
        Bin::Lt => order.is_lt(),
        Bin::Le => order.is_le(),
        Bin::Gt => order.is_gt(),
        Bin::Ge => order.is_ge(),
        _ => return None,
    }))
}

fn int_op(op: Bin, x: i64, y: i64) -> Option<Value> {
    Some(Value::Int(match op {
        Bin::Add => x.checked_add(y)?,
        Bin::Sub => x.checked_sub(y)?,
        Bin::Mul => x.checked_mul(y)?,
        Bin::Div if y == 0 => return None,
        Bin::Div => x.checked_div(y)?,
        Bin::Rem => x.checked_rem(y)?,
        Bin::Pow => x.checked_pow(u32::try_from(y).ok()?)?,
        _ => return compare(op, x.cmp(&y)),
    }))
}

/// Floats as Rhai's checked build compares them: equal within a relative epsilon.
fn float_op(op: Bin, x: f64, y: f64) -> Option<Value> {
    let scale = || {
        if x * y == 0.0 {
            1.0
        } else {
            x.abs().max(y.abs())
        }
    };
    let eps = f64::EPSILON;
    Some(match op {
        Bin::Add => Value::Float(x + y),
        Bin::Sub => Value::Float(x - y),
        Bin::Mul => Value::Float(x * y),
        Bin::Div => Value::Float(x / y),
        Bin::Rem => Value::Float(x % y),
        Bin::Pow => Value::Float(x.powf(y)),
        Bin::Eq => {
            let max = scale();
            Value::Bool(max == 0.0 || (x - y).abs() / max <= eps)
        }
        Bin::Ne => {
            let max = scale();
            Value::Bool(max != 0.0 && (x - y).abs() / max > eps)
        }
        Bin::Gt => {
            let max = scale();
            Value::Bool(max != 0.0 && (x - y) / max > eps)
        }
        Bin::Ge => {
            let max = scale();
            Value::Bool(max == 0.0 || (x - y) / max > -eps)
        }
        Bin::Lt => {
            let max = scale();
            Value::Bool(max != 0.0 && (y - x) / max > eps)
        }
        Bin::Le => {
            let max = scale();
            Value::Bool(max == 0.0 || (y - x) / max > -eps)
        }
    })
}

/// Converts a native result to what Rhai would have returned: maps come back from Rhai
/// with their properties sorted.
pub(crate) fn as_rhai_gives(value: Value) -> Value {
    match value {
        Value::Map(_) | Value::List(_) => {
            Value::from_dynamic(value.to_dynamic()).unwrap_or(Value::Unit)
        }
        other => other,
    }
}

/// Whether `d` is one of the plain values [`Value`] holds exactly.
#[allow(dead_code)]
pub(crate) fn is_plain(d: &Dynamic) -> bool {
    d.is_unit() || d.is_int() || d.is_float() || d.is_bool() || d.is_string()
}
