//! Compiling a script's Rhai syntax tree to the native form, or saying why not.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use rhai::{AST, ASTFlags, Expr, FnCallExpr, Stmt};

use super::{Bin, Ex, Func, FuncId, MAX_CALL_DEPTH, Program, St};
use crate::host::HostCall;
use crate::modules::is_module_name;
use crate::vars::Value;

/// The protocol's module functions compiled to native form, shared by every script of a
/// sandbox: a module function is compiled once, or found not to compile once. It also
/// numbers the sandbox's programs and the variable names they read, for evaluators'
/// memory of results (`Evaluator::try_native`).
#[derive(Debug)]
pub(crate) struct FuncCache {
    compiled: Mutex<HashMap<FuncId, Result<Arc<Func>, String>>>,
    /// The sandbox's number, unique within the process.
    pub(crate) sandbox: u64,
    /// The names of the variables scripts read; a name's number is its place here.
    names: Mutex<Vec<String>>,
    /// How many programs have been compiled; a program's number is the count before it.
    programs: AtomicU32,
}

impl Default for FuncCache {
    fn default() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        FuncCache {
            compiled: Mutex::default(),
            sandbox: NEXT.fetch_add(1, Ordering::Relaxed),
            names: Mutex::default(),
            programs: AtomicU32::new(0),
        }
    }
}

impl FuncCache {
    /// The number of a variable name in the sandbox.
    pub(super) fn name(&self, name: &str) -> u32 {
        let mut names = self.names.lock().unwrap_or_else(PoisonError::into_inner);
        let at = match names.iter().position(|n| n == name) {
            Some(at) => at,
            None => {
                names.push(name.to_owned());
                names.len() - 1
            }
        };
        u32::try_from(at).unwrap_or(u32::MAX)
    }

    /// The number of the next program compiled.
    pub(super) fn next_program(&self) -> u32 {
        self.programs.fetch_add(1, Ordering::Relaxed)
    }
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
    Ok(Program::new(body, scope.slots, library.cache))
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
        // Checked on every call, not only when compiling: a private function compiled
        // for a call from its own module cannot be called through the module's name.
        if qualified
            && ast.iter_fn_def().any(|f| {
                f.name.as_str() == name
                    && f.params.len() == arity
                    && f.access == rhai::FnAccess::Private
            })
        {
            return Err(format!("calls the private function `{shown}`"));
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
