//! The sandboxed engine: how it is built, and compiling and evaluating scripts with it.

use std::cell::{Cell, RefCell, RefMut};
use std::collections::BTreeSet;
use std::fmt;
use std::rc::Rc;
use std::time::Instant;

use rhai::packages::{
    ArithmeticPackage, BasicArrayPackage, BasicFnPackage, BasicIteratorPackage, BasicMapPackage,
    BasicMathPackage, BasicStringPackage, LogicPackage, MoreStringPackage, Package,
};
use rhai::{AST, Dynamic, Engine, FLOAT, INT, Position, Scope};

use crate::error::{ScriptError, ScriptErrorKind};
use crate::host::{HOST_FUNCTIONS, Host, HostData, Seen};
use crate::limits::Limits;
use crate::modules::{
    ModuleSource, ModuleStore, StoreResolver, forbidden_reason, is_module_name, normalize,
};
use crate::vars::{Value, Vars};

/// Variables converted for scripts once, to evaluate several scripts on; see
/// [`Sandbox::prepare`].
#[derive(Debug, Clone)]
pub struct Prepared(Scope<'static>);

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
    origin: String,
    ast: AST,
    /// The variables the script reads, when that can be told from its text (it defines
    /// no functions or closures, and does not look variables up by name).
    reads: Option<Vec<String>>,
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
}

/// The one Rhai engine that runs protocol scripts, with its limits, plugin modules and
/// `print`/`debug` trace.
///
/// A sandbox is meant for one thread; it may evaluate any number of scripts one after the
/// other, and each evaluation starts with a fresh scope, operation count and clock.
pub struct Sandbox {
    engine: Engine,
    limits: Limits,
    trace: Rc<RefCell<Vec<String>>>,
    deadline: Rc<Cell<Option<Instant>>>,
    module_names: Vec<String>,
    /// Operations spent by the current run so far, and by the evaluation under way.
    budget: Rc<Budget>,
    host: Rc<Host>,
    /// Every function name scripts can call, with its module name (empty for global).
    known: BTreeSet<(String, String)>,
    compilations: Cell<usize>,
}

impl fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sandbox")
            .field("limits", &self.limits)
            .field("modules", &self.module_names)
            .field("trace_lines", &self.trace.borrow().len())
            .finish_non_exhaustive()
    }
}

impl Sandbox {
    /// Builds the engine and loads the plugin modules that scripts may `import` by name.
    ///
    /// Each module is compiled and its top level run once here (within the limits), so a
    /// broken module is reported now, with its path as the error's origin.
    pub fn new(limits: Limits, modules: Vec<ModuleSource>) -> Result<Sandbox, ScriptError> {
        let trace = Rc::new(RefCell::new(Vec::new()));
        let deadline = Rc::new(Cell::new(None));
        let budget = Rc::new(Budget::default());
        let host = Rc::new(Host::default());
        let mut engine = build_engine(&limits, &trace, &deadline, &budget);
        crate::host::register(&mut engine, &host);

        let store = Rc::new(ModuleStore::default());
        let mut paths = Vec::new();
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
            if store.contains(&key) {
                return Err(ScriptError::new(
                    ScriptErrorKind::Runtime,
                    &module.path,
                    format!("a second module is called '{key}'"),
                ));
            }
            let mut ast = engine
                .compile(&module.text)
                .map_err(|err| ScriptError::from_parse(&module.path, &err))?;
            ast.set_source(module.path.as_str());
            store.insert(key.clone(), ast);
            paths.push((key, module.path));
        }
        engine.set_module_resolver(StoreResolver {
            store: Rc::clone(&store),
            imports: Rc::clone(&budget.imports),
            max_imports: limits.max_modules,
        });

        let module_names = store.names();
        let mut sandbox = Sandbox {
            engine,
            limits,
            trace,
            deadline,
            module_names,
            budget,
            host,
            known: BTreeSet::new(),
            compilations: Cell::new(0),
        };
        let mut loaded = Vec::new();
        for (key, path) in &paths {
            sandbox.start_clock();
            let module = store
                .load(&sandbox.engine, key, Position::NONE)
                .map_err(|err| sandbox.eval_error(path, err))?;
            loaded.push((key.clone(), module));
        }
        sandbox.deadline.set(None);
        // The modules' top levels are the protocol's, not any run's.
        sandbox.budget.evaluation.set(0);
        // A module whose name is a plain identifier is also reachable without `import`,
        // as `name::function(...)`, from every script.
        for (key, module) in loaded {
            if is_module_name(&key) {
                sandbox.engine.register_static_module(key.as_str(), module);
            }
        }
        sandbox.known = sandbox
            .engine
            .collect_fn_metadata(
                None,
                |info| Some((info.namespace.to_string(), info.metadata.name.to_string())),
                true,
            )
            .into_iter()
            .collect();
        Ok(sandbox)
    }

    /// Starts a run: replaces what the host functions see and gives the run a fresh
    /// operation budget ([`Limits::max_run_operations`]). The engine calls this once per
    /// run (and per simulated patient), then moves `today` forward with
    /// [`Sandbox::host_data`].
    pub fn begin_run(&self, data: HostData) {
        *self.host.data.borrow_mut() = data;
        self.budget.run.set(0);
        self.budget.evaluation.set(0);
    }

    /// The operations the current run has spent so far, over all its evaluations.
    pub fn run_operations(&self) -> u64 {
        self.budget.run.get()
    }

    /// What the host functions see, to update between evaluations.
    pub fn host_data(&self) -> RefMut<'_, HostData> {
        self.host.data.borrow_mut()
    }

    /// The host function calls (with their results) made since the last call.
    pub fn take_seen(&self) -> Vec<Seen> {
        std::mem::take(&mut *self.host.seen.borrow_mut())
    }

    /// How many scripts [`Sandbox::compile`] has compiled, so that callers and benchmarks
    /// can show compilation happens once per script, not once per evaluation.
    pub fn compilations(&self) -> usize {
        self.compilations.get()
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
            .engine
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

    /// Compiles `source` once. `origin` names it in errors, e.g. a file path or
    /// `"protocols/morra.yaml:120:16"`; error positions stay relative to `source`.
    pub fn compile(&self, origin: &str, source: &str) -> Result<Script, ScriptError> {
        self.compilations.set(self.compilations.get() + 1);
        let mut ast = self
            .engine
            .compile(source)
            .map_err(|err| ScriptError::from_parse(origin, &err))?;
        ast.set_source(origin);
        let reads = variables_read(&ast);
        Ok(Script {
            origin: origin.to_owned(),
            ast,
            reads,
        })
    }

    /// Evaluates a condition: it must give `true` or `false`.
    pub fn eval_bool(&self, script: &Script, vars: &Vars) -> Result<bool, ScriptError> {
        self.eval_bool_in(script, &mut self.prepare(vars))
    }

    /// The variables of one evaluation, converted once for scripts: several conditions
    /// evaluated on the same variables (the rules of one check-in) share them.
    pub fn prepare(&self, vars: &Vars) -> Prepared {
        let mut scope = Scope::new();
        for (name, value) in vars.iter() {
            scope.push_constant_dynamic(name, value.to_dynamic());
        }
        Prepared(scope)
    }

    /// Evaluates a condition on prepared variables; whatever the script declares is
    /// dropped afterwards, so the next script sees the variables as they were.
    pub fn eval_bool_in(&self, script: &Script, vars: &mut Prepared) -> Result<bool, ScriptError> {
        let value = self.run_in(script, &mut vars.0)?;
        value.as_bool().map_err(|_| {
            ScriptError::new(
                ScriptErrorKind::NotABool,
                &script.origin,
                format!(
                    "a condition must give true or false, but this one gave {}",
                    describe_value(&value)
                ),
            )
        })
    }

    /// Evaluates a script and returns its value.
    pub fn eval_value(&self, script: &Script, vars: &Vars) -> Result<Value, ScriptError> {
        let value = self.run(script, vars)?;
        Value::from_dynamic(value).map_err(|type_name| {
            ScriptError::new(
                ScriptErrorKind::Runtime,
                &script.origin,
                format!("the script gave a value of type {type_name}, which has no plain form"),
            )
        })
    }

    /// Takes the `print` and `debug` lines written since the last call.
    pub fn take_trace(&self) -> Vec<String> {
        std::mem::take(&mut *self.trace.borrow_mut())
    }

    fn run(&self, script: &Script, vars: &Vars) -> Result<Dynamic, ScriptError> {
        self.run_in(script, &mut self.prepare(vars).0)
    }

    fn run_in(&self, script: &Script, scope: &mut Scope<'static>) -> Result<Dynamic, ScriptError> {
        let before = scope.len();
        self.start_clock();
        let result = self
            .engine
            .eval_ast_with_scope::<Dynamic>(scope, &script.ast);
        self.deadline.set(None);
        self.budget.close_evaluation();
        scope.rewind(before);
        result.map_err(|err| self.eval_error(&script.origin, err))
    }

    fn start_clock(&self) {
        self.budget.imports.set(0);
        self.budget.evaluation.set(0);
        self.deadline
            .set(Instant::now().checked_add(self.limits.timeout));
    }

    fn eval_error(&self, origin: &str, err: Box<rhai::EvalAltResult>) -> ScriptError {
        ScriptError::from_eval(origin, err, &self.limits, &self.module_names)
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
const SPECIAL_FORMS: &[&str] = &[
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

/// Builds the bare engine with only the packages rule scripts need.
fn build_engine(
    limits: &Limits,
    trace: &Rc<RefCell<Vec<String>>>,
    deadline: &Rc<Cell<Option<Instant>>>,
    budget: &Rc<Budget>,
) -> Engine {
    // `new_raw` has no packages, no module resolver and no print/debug output. Of Rhai's
    // packages only pure computation is added:
    // - arithmetic, logic (comparisons across ints and floats, min/max) and maths
    //   (floor, round, abs, sqrt, parse_int...) for scores and thresholds;
    // - basic and more string functions (also what `print`/`debug` use to format values);
    // - arrays and maps with their basic methods, for history lists and `pain.during`;
    // - iterators (`for x in 0..n`, `for item in list`) and function pointers (`Fn`,
    //   `call`, closures), which only ever reach script and sandbox functions.
    // Left out on purpose: `LanguageCorePackage` (its `sleep` blocks the thread beyond any
    // operation limit; `exit`, tags and JSON parsing are not needed), `BasicTimePackage`
    // (the clock would make rules non-reproducible), blobs and bit fields (not needed).
    // Rhai has no file, network, process or environment access except through its file
    // module resolver and `fs` packages, which are neither enabled nor registered here.
    let mut engine = Engine::new_raw();
    for module in [
        ArithmeticPackage::new().as_shared_module(),
        LogicPackage::new().as_shared_module(),
        BasicMathPackage::new().as_shared_module(),
        BasicStringPackage::new().as_shared_module(),
        MoreStringPackage::new().as_shared_module(),
        BasicArrayPackage::new().as_shared_module(),
        BasicMapPackage::new().as_shared_module(),
        BasicIteratorPackage::new().as_shared_module(),
        BasicFnPackage::new().as_shared_module(),
    ] {
        engine.register_global_module(module);
    }

    engine
        .set_max_operations(limits.max_operations)
        .set_max_call_levels(limits.max_call_levels)
        .set_max_expr_depths(limits.max_expr_depth, limits.max_function_expr_depth)
        .set_max_string_size(limits.max_string_size)
        .set_max_array_size(limits.max_array_size)
        .set_max_map_size(limits.max_map_size)
        .set_max_modules(limits.max_modules);
    // Scripts run code only through functions and modules: building code from text would
    // bypass the compile step the caller controls.
    engine.disable_symbol("eval");

    crate::callbacks::register(&mut engine);
    engine.register_fn("clamp", clamp_int);
    engine.register_fn("clamp", clamp_float);

    let max_lines = limits.max_trace_lines;
    let print_trace = Rc::clone(trace);
    engine.on_print(move |text| push_trace(&print_trace, max_lines, text.to_owned()));
    let debug_trace = Rc::clone(trace);
    engine.on_debug(move |text, source, pos| {
        let line = match (source, pos.line(), pos.position()) {
            (Some(source), Some(line), Some(column)) => {
                format!("{source}:{line}:{column}: {text}")
            }
            (None, Some(line), Some(column)) => format!("{line}:{column}: {text}"),
            _ => text.to_owned(),
        };
        push_trace(&debug_trace, max_lines, line);
    });

    let deadline = Rc::clone(deadline);
    let budget = Rc::clone(budget);
    let max_run = limits.max_run_operations;
    let max_operations = limits.max_operations;
    engine.on_progress(move |_| {
        // Rhai calls this once per operation. Its own count is not enough: a callback
        // called from a native function (`sort`, `filter`, `map`...) runs on a copy of
        // the count that is thrown away afterwards, so nested callbacks would never
        // reach the limit. This count sees every operation, wherever it runs.
        let operations = budget.evaluation.get() + 1;
        budget.evaluation.set(operations);
        if operations > max_operations {
            return Some(Dynamic::from(OPERATIONS));
        }
        if budget.run.get().saturating_add(operations) > max_run {
            return Some(Dynamic::from(RUN_BUDGET));
        }
        // Reading the clock costs about as much as a few operations: check every 64th.
        if !operations.is_multiple_of(64) {
            return None;
        }
        match deadline.get() {
            Some(deadline) if Instant::now() >= deadline => Some(Dynamic::from(DEADLINE)),
            _ => None,
        }
    });
    engine
}

/// What `on_progress` terminates a script with when one evaluation has run more than
/// [`Limits::max_operations`], counted across callbacks.
pub(crate) const OPERATIONS: &str = "operations";
/// What `on_progress` terminates a script with when the run's budget is spent.
pub(crate) const RUN_BUDGET: &str = "run-budget";
/// What `on_progress` terminates a script with when the wall-clock backstop is reached.
pub(crate) const DEADLINE: &str = "deadline";

/// Counted limits that span more than one Rhai operation count.
#[derive(Debug, Default)]
struct Budget {
    /// Operations of the evaluations of this run that have finished.
    run: Cell<u64>,
    /// Operations of the evaluation under way, callbacks included.
    evaluation: Cell<u64>,
    /// `import` statements run by the evaluation under way; Rhai's own module limit
    /// counts only the modules alive at once, so imports in a loop would pass it.
    imports: Rc<Cell<usize>>,
}

impl Budget {
    /// Adds the finished evaluation's operations to the run.
    fn close_evaluation(&self) {
        self.run
            .set(self.run.get().saturating_add(self.evaluation.replace(0)));
    }
}

fn push_trace(trace: &RefCell<Vec<String>>, max_lines: usize, line: String) {
    let mut trace = trace.borrow_mut();
    if trace.len() < max_lines {
        trace.push(line);
    } else if trace.len() == max_lines {
        trace.push(format!(
            "(more than {max_lines} lines of output: the rest was dropped)"
        ));
    }
}

/// `clamp(x, low, high)`: `x` limited to `low..=high` (`low` wins if `low > high`).
fn clamp_int(x: INT, low: INT, high: INT) -> INT {
    x.min(high).max(low)
}

/// `clamp(x, low, high)` for floats; a NaN `x` stays NaN.
fn clamp_float(x: FLOAT, low: FLOAT, high: FLOAT) -> FLOAT {
    if x.is_nan() { x } else { x.min(high).max(low) }
}

/// A short description of a value for messages, e.g. `the number 5`.
fn describe_value(value: &Dynamic) -> String {
    if value.is_unit() {
        "nothing".to_owned()
    } else if value.is_int() || value.is_float() {
        format!("the number {value}")
    } else if value.is_string() || value.is_char() {
        format!("the text {value:?}")
    } else {
        format!("a value of type {}", value.type_name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clamp_limits_both_ways() {
        assert_eq!(clamp_int(5, 0, 3), 3);
        assert_eq!(clamp_int(-5, 0, 3), 0);
        assert_eq!(clamp_int(2, 0, 3), 2);
        assert_eq!(clamp_int(2, 5, 3), 5);
        assert!((clamp_float(7.5, 0.0, 5.0) - 5.0).abs() < f64::EPSILON);
        assert!(clamp_float(f64::NAN, 0.0, 5.0).is_nan());
    }

    #[test]
    fn trace_is_capped_with_one_note() {
        let trace = RefCell::new(Vec::new());
        for i in 0..10 {
            push_trace(&trace, 3, i.to_string());
        }
        let lines = trace.into_inner();
        assert_eq!(lines.len(), 4);
        assert!(lines[3].contains("dropped"));
    }
}
