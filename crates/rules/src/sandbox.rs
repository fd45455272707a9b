//! The sandboxed engine: how it is built, and compiling and evaluating scripts with it.

use std::collections::BTreeSet;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use rhai::{AST, Engine};

use crate::error::{ScriptError, ScriptErrorKind};
use crate::evaluator::{Evaluator, SharedModule, State, build_engine, packages};
use crate::host::HOST_FUNCTIONS;
use crate::limits::Limits;
use crate::modules::{ModuleSource, forbidden_reason, normalize};
use crate::native::{self, FuncCache, Library, Program};

/// A name written in a script: a text literal passed as the first argument of a call
/// ([`Sandbox::literal_arguments`]; `function` is the function), or a property read of
/// a variable ([`Sandbox::properties_read`]; `function` is the variable).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiteralArgument {
    pub function: String,
    pub text: String,
    /// 1-based line and column of the literal within the script, when known.
    pub line: Option<usize>,
    pub column: Option<usize>,
}

/// A script compiled once by [`Sandbox::compile`], to be evaluated any number of times.
#[derive(Debug, Clone)]
pub struct Script {
    pub(crate) origin: String,
    pub(crate) ast: AST,
    /// The variables the script reads, when that can be told from its text (it defines
    /// no functions or closures, and does not look variables up by name).
    reads: Option<Vec<String>>,
    /// The script in native form, or why it stays in Rhai.
    pub(crate) native: Result<Arc<Program>, String>,
}

impl Script {
    /// The script's value when it is one constant (`false`, `3`, `"6wk"`), known without
    /// running it; `None` for anything that reads a variable or calls a function.
    pub fn constant(&self) -> Option<rhai::Dynamic> {
        if self.ast.iter_functions().next().is_some() {
            return None;
        }
        match self.ast.statements() {
            [rhai::Stmt::Expr(e)] if e.is_constant() => e.get_literal_value(None),
            _ => None,
        }
    }

    /// The variables the script reads, sorted, when they can be told without running it;
    /// `None` means it may read any.
    pub fn reads(&self) -> Option<&[String]> {
        self.reads.as_deref()
    }

    /// Where the script came from, as given to [`Sandbox::compile`].
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Why the script is evaluated by Rhai rather than in native form; `None` when it
    /// compiled to native form (see `native/`).
    pub fn why_not_native(&self) -> Option<&str> {
        self.native.as_ref().err().map(String::as_str)
    }
}

/// The protocol's scripts' sandbox as an inert value: the limits, the plugin modules
/// compiled once, and the engine that compiles scripts. It is `Send + Sync`, so one
/// checked protocol serves every thread; what changes while scripts run (the host data,
/// the operation counts, the trace) lives in an [`Evaluator`] made from it, one per
/// thread or run.
pub struct Sandbox {
    /// Compiles scripts; it never evaluates one.
    compiler: Engine,
    limits: Limits,
    /// Rhai's packages, built once and shared by every evaluator's engine.
    pub(crate) packages: Vec<SharedModule>,
    /// The plugin modules: lookup key, path for messages, and compiled text.
    pub(crate) modules: Vec<(String, String, AST)>,
    module_names: Vec<String>,
    /// Every function name scripts can call, with its module name (empty for global).
    known: BTreeSet<(String, String)>,
    compilations: AtomicUsize,
    /// The module functions compiled to native form so far.
    natives: FuncCache,
}

impl fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sandbox")
            .field("limits", &self.limits)
            .field("modules", &self.module_names)
            .finish_non_exhaustive()
    }
}

impl Sandbox {
    /// Compiles the plugin modules that scripts may `import` by name.
    ///
    /// Each module's top level is also run once here (within the limits), by an
    /// evaluator made for the purpose, so a broken module is reported now, with its path
    /// as the error's origin.
    pub fn new(limits: Limits, modules: Vec<ModuleSource>) -> Result<Sandbox, ScriptError> {
        let packages = packages();
        let compiler = build_engine(&limits, &packages, &Arc::new(State::default()));
        let mut compiled: Vec<(String, String, AST)> = Vec::new();
        for module in modules {
            let key = normalize(&module.name);
            let refused = forbidden_reason(&module.name)
                .or_else(|| key.is_empty().then_some("the module name is empty"));
            if let Some(reason) = refused {
                return Err(ScriptError::new(
                    ScriptErrorKind::ForbiddenImport,
                    &module.path,
                    format!(
                        "module name '{}' is refused: {reason}; modules may only come from the protocol's own folder",
                        module.name
                    ),
                ));
            }
            if compiled.iter().any(|(k, ..)| *k == key) {
                return Err(ScriptError::new(
                    ScriptErrorKind::Runtime,
                    &module.path,
                    format!("a second module is called '{key}'"),
                ));
            }
            let mut ast = compiler
                .compile(&module.text)
                .map_err(|err| ScriptError::from_parse(&module.path, &err))?;
            ast.set_source(module.path.as_str());
            compiled.push((key, module.path, ast));
        }
        let mut module_names: Vec<String> = compiled.iter().map(|(k, ..)| k.clone()).collect();
        module_names.sort();
        let mut sandbox = Sandbox {
            compiler,
            limits,
            packages,
            modules: compiled,
            module_names,
            known: BTreeSet::new(),
            compilations: AtomicUsize::new(0),
            natives: FuncCache::default(),
        };
        let probe = Evaluator::new(&sandbox)?;
        sandbox.known = probe.known_functions();
        Ok(sandbox)
    }

    /// A new evaluator for these scripts, with its own engine and state: one per thread,
    /// reused run after run ([`Evaluator::begin_run`]). It runs each module's top level
    /// again, which succeeded when the sandbox was made and reads nothing that changes.
    pub fn evaluator(&self) -> Result<Evaluator, ScriptError> {
        Evaluator::new(self)
    }

    /// How many scripts [`Sandbox::compile`] has compiled, so that callers and benchmarks
    /// can show compilation happens once per script, not once per evaluation.
    pub fn compilations(&self) -> usize {
        self.compilations.load(Ordering::Relaxed)
    }

    /// Calls in `script` to functions that neither the script, the sandbox nor the
    /// protocol's modules define, each with its position. Calls through an `import ... as`
    /// alias are left to evaluation, since the alias is only known when the script runs.
    pub fn undefined_calls(&self, script: &Script) -> Vec<ScriptError> {
        let own: BTreeSet<String> = script
            .ast
            .iter_functions()
            .map(|f| f.name.to_owned())
            .collect();
        let mut found = Vec::new();
        script.ast.walk(&mut |path: &[rhai::ASTNode]| {
            // A call alone in a statement is a statement node, elsewhere an expression.
            let (call, pos, method) = match path.last() {
                Some(rhai::ASTNode::Expr(rhai::Expr::FnCall(call, pos)))
                | Some(rhai::ASTNode::Stmt(rhai::Stmt::FnCall(call, pos))) => (call, *pos, false),
                Some(rhai::ASTNode::Expr(rhai::Expr::MethodCall(call, pos))) => (call, *pos, true),
                _ => return true,
            };
            let name = call.name.as_str();
            if call.op_token.is_some()
                || !name.starts_with(|c: char| c.is_alphabetic() || c == '_')
                || SPECIAL_FORMS.contains(&name)
            {
                return true;
            }
            let namespace = if call.namespace.is_empty() {
                String::new()
            } else {
                call.namespace.root().to_owned()
            };
            if !namespace.is_empty() && !self.module_names.contains(&namespace) {
                return true;
            }
            let defined = (namespace.is_empty() && !method && own.contains(name))
                || self.known.contains(&(namespace.clone(), name.to_owned()))
                || (method && self.known.iter().any(|(_, n)| n == name));
            if !defined {
                let shown = if namespace.is_empty() {
                    name.to_owned()
                } else {
                    format!("{namespace}::{name}")
                };
                let message = if namespace.is_empty() {
                    format!("function '{shown}' is not defined")
                } else {
                    format!("module '{namespace}' has no function '{name}'")
                };
                found.push(
                    ScriptError::new(ScriptErrorKind::UndefinedFunction, &script.origin, message)
                        .at(pos),
                );
            }
            true
        });
        found
    }

    /// Calls in `script` whose first argument is a text literal, such as
    /// `table("healing")` or `fired("pain-holds", 14)`: the function's name, the text,
    /// and the literal's line and column within the script. The engine checks that such
    /// names are declared in the protocol before anything runs.
    pub fn literal_arguments(&self, script: &Script) -> Vec<LiteralArgument> {
        let mut found = Vec::new();
        script.ast.walk(&mut |path: &[rhai::ASTNode]| {
            let call = match path.last() {
                Some(rhai::ASTNode::Expr(rhai::Expr::FnCall(call, _)))
                | Some(rhai::ASTNode::Stmt(rhai::Stmt::FnCall(call, _))) => call,
                _ => return true,
            };
            if !call.namespace.is_empty() {
                return true;
            }
            if let Some(rhai::Expr::StringConstant(text, pos)) = call.args.first() {
                found.push(LiteralArgument {
                    function: call.name.to_string(),
                    text: text.to_string(),
                    line: pos.line(),
                    column: pos.position(),
                });
            }
            true
        });
        found
    }

    /// The properties `script` reads of the variable `variable` by name, such as
    /// `swelling` in `fields.swelling`, with their line and column within the script.
    /// The engine checks them against what the protocol declares. A script that binds a
    /// variable of that name itself (`let fields = ...`) reads its own, not the one the
    /// engine hands it; such reads are listed too.
    pub fn properties_read(&self, script: &Script, variable: &str) -> Vec<LiteralArgument> {
        let mut found = Vec::new();
        script.ast.walk(&mut |path: &[rhai::ASTNode]| {
            let Some(rhai::ASTNode::Expr(rhai::Expr::Dot(chain, ..))) = path.last() else {
                return true;
            };
            let rhai::Expr::Variable(v, ..) = &chain.lhs else {
                return true;
            };
            if v.1.as_str() != variable || !v.2.is_empty() {
                return true;
            }
            // `fields.a` has the property on the right; `fields.a.b` a chain starting
            // with it.
            let first = match &chain.rhs {
                rhai::Expr::Dot(rest, ..) => &rest.lhs,
                other => other,
            };
            if let rhai::Expr::Property(p, pos) = first {
                found.push(LiteralArgument {
                    function: variable.to_string(),
                    text: p.2.to_string(),
                    line: pos.line(),
                    column: pos.position(),
                });
            }
            true
        });
        found
    }

    /// The names of the functions scripts can call that take a callback (a function
    /// pointer or closure), sorted: the functions in which a script's code runs inside
    /// Rhai's own. Tests hold each of them to the limits.
    pub fn callback_functions(&self) -> Vec<String> {
        let callback = std::any::TypeId::of::<rhai::FnPtr>();
        let names: BTreeSet<String> = self
            .compiler
            .collect_fn_metadata(
                None,
                |info| {
                    info.metadata
                        .param_types
                        .contains(&callback)
                        .then(|| info.metadata.name.to_string())
                },
                true,
            )
            .into_iter()
            .collect();
        names.into_iter().collect()
    }

    /// The limits this sandbox enforces.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The module names scripts may import, sorted.
    pub fn module_names(&self) -> &[String] {
        &self.module_names
    }

    /// The host functions this crate registers for scripts (beyond Rhai's own operators and
    /// basic string, array, map and maths functions), sorted.
    pub fn function_names(&self) -> Vec<String> {
        let mut names: Vec<String> = HOST_FUNCTIONS.iter().map(|f| f.name.to_owned()).collect();
        names.sort();
        names
    }

    /// The number of the sandbox's native programs ([`FuncCache`]), unique within the
    /// process.
    pub(crate) fn native_number(&self) -> u64 {
        self.natives.sandbox
    }

    /// Compiles `source` once. `origin` names it in errors, e.g. a file path or
    /// `"protocols/morra.yaml:120:16"`; error positions stay relative to `source`.
    pub fn compile(&self, origin: &str, source: &str) -> Result<Script, ScriptError> {
        self.compilations.fetch_add(1, Ordering::Relaxed);
        let mut ast = self
            .compiler
            .compile(source)
            .map_err(|err| ScriptError::from_parse(origin, &err))?;
        ast.set_source(origin);
        let reads = variables_read(&ast);
        let library = Library {
            modules: &self.modules,
            cache: &self.natives,
        };
        let native = native::compile(&ast, &library).map(Arc::new);
        Ok(Script {
            origin: origin.to_owned(),
            ast,
            reads,
            native,
        })
    }
}

/// The variables `ast` reads, or `None` when that cannot be told statically: a script
/// with functions or closures (which may capture), or one that names variables in text
/// (`is_def_var`, `eval`).
fn variables_read(ast: &AST) -> Option<Vec<String>> {
    if ast.iter_functions().next().is_some() {
        return None;
    }
    let mut names = BTreeSet::new();
    let mut dynamic = false;
    ast.walk(&mut |path: &[rhai::ASTNode]| {
        match path.last() {
            Some(rhai::ASTNode::Expr(rhai::Expr::Variable(x, ..))) if x.2.is_empty() => {
                names.insert(x.1.to_string());
            }
            Some(
                rhai::ASTNode::Expr(rhai::Expr::FnCall(call, _))
                | rhai::ASTNode::Stmt(rhai::Stmt::FnCall(call, _)),
            ) if matches!(call.name.as_str(), "is_def_var" | "eval") => dynamic = true,
            _ => {}
        }
        true
    });
    (!dynamic).then(|| names.into_iter().collect())
}

/// Names Rhai handles itself rather than as registered functions.
pub(crate) const SPECIAL_FORMS: &[&str] = &[
    "print",
    "debug",
    "type_of",
    "Fn",
    "call",
    "curry",
    "is_def_var",
    "is_def_fn",
    "is_shared",
    "eval",
];
