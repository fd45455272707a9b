//! Evaluating compiled scripts: the per-thread engine and everything that changes while
//! scripts run (host data, operation counts, the clock, the trace).
//!
//! A [`Sandbox`] is inert and shared; an [`Evaluator`] is made from it for one thread and
//! reused run after run. Its state sits behind an `Arc` only because Rhai's `sync` build
//! wants the engine's callbacks to be `Send + Sync`: no two threads ever share it.

use std::collections::BTreeSet;
use std::fmt;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use rhai::packages::{
    ArithmeticPackage, BasicArrayPackage, BasicFnPackage, BasicIteratorPackage, BasicMapPackage,
    BasicMathPackage, BasicStringPackage, LogicPackage, MoreStringPackage, Package,
};
use rhai::{Dynamic, Engine, FLOAT, INT, Module, Position, Scope, Shared};
use smallvec::SmallVec;

/// A compiled package of functions, shared between engines.
pub(crate) type SharedModule = Shared<Module>;

use crate::error::{ScriptError, ScriptErrorKind};
use crate::host::{Host, HostData, Seen};
use crate::limits::Limits;
use crate::modules::{ModuleStore, StoreResolver, is_module_name};
use crate::sandbox::{Sandbox, Script};
use crate::vars::{Value, Vars};

/// Variables made ready once, to evaluate several scripts on; see
/// [`Evaluator::prepare`]. Scripts in native form read the variables as they are; the
/// conversion to Rhai's values is made the first time a script needs Rhai.
#[derive(Debug, Clone)]
pub struct Prepared<'v> {
    vars: &'v Vars,
    scope: Option<Scope<'static>>,
    /// The variables' values as numbered by the evaluator's memory, found once for
    /// all the scripts evaluated on them.
    numbers: Numbers,
}

impl Prepared<'_> {
    fn scope(&mut self) -> &mut Scope<'static> {
        let vars = self.vars;
        self.scope.get_or_insert_with(|| {
            let mut scope = Scope::new();
            for (name, value) in vars.iter() {
                scope.push_constant_dynamic(name, value.to_dynamic());
            }
            scope
        })
    }
}

/// What changes while an evaluator's scripts run.
#[derive(Debug, Default)]
pub(crate) struct State {
    trace: Mutex<Vec<String>>,
    /// When the evaluation under way must stop, as a backstop.
    deadline: Mutex<Option<Instant>>,
    /// Operations of the evaluations of this run that have finished.
    run: AtomicU64,
    /// Operations of the evaluation under way, callbacks included.
    evaluation: AtomicU64,
    /// `import` statements run by the evaluation under way; Rhai's own module limit
    /// counts only the modules alive at once.
    imports: Arc<AtomicUsize>,
    host: Arc<Host>,
    /// Evaluations the native form finished, over the evaluator's life.
    native: AtomicU64,
}

impl State {
    fn trace(&self) -> MutexGuard<'_, Vec<String>> {
        self.trace.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn deadline(&self) -> MutexGuard<'_, Option<Instant>> {
        self.deadline.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds the finished evaluation's operations to the run.
    fn close_evaluation(&self) {
        let spent = self.evaluation.swap(0, Ordering::Relaxed);
        let run = self.run.load(Ordering::Relaxed).saturating_add(spent);
        self.run.store(run, Ordering::Relaxed);
    }
}

/// Runs compiled scripts for one thread: an engine of its own, the plugin modules
/// loaded into it, and the state of the run under way.
///
/// Each evaluation starts with a fresh scope, operation count and clock; all the
/// evaluations between two [`Evaluator::begin_run`] calls share the run's budget.
pub struct Evaluator {
    engine: Engine,
    state: Arc<State>,
    limits: Limits,
    module_names: Vec<String>,
    /// Whether scripts in native form run natively (the default) or in Rhai.
    native: bool,
    /// The last native result of each script that calls no host function, with the
    /// values it read: the same values give the same result and the same operations.
    memory: Mutex<Memory>,
    /// The sandbox this evaluator was made from ([`Sandbox::native_number`]): only its
    /// programs' results are remembered.
    sandbox: u64,
}

/// What an evaluator remembers of native evaluations that called no host function: the
/// values the variables had, each numbered once, and the results of each script for
/// each combination of numbers seen. Two values get the same number only when
/// [`same_value`] holds, and a number is never given to another value, so the same
/// numbers mean the same values. Only the programs of the evaluator's own sandbox are
/// remembered, by their number there.
#[derive(Debug)]
struct Memory {
    /// Unique within the process: a [`Prepared`]'s numbers are this memory's.
    id: u64,
    /// By variable name (its number in the sandbox), the values seen lately with their
    /// numbers, the most recently seen first.
    values: Vec<Vec<Numbered>>,
    /// The last number given; 0 stands for a variable not handed in.
    next: u64,
    /// By program (its number in the sandbox), its latest results.
    scripts: Vec<Remembered>,
}

/// A value with its number.
type Numbered = (u64, Value);

/// A script's latest results, the most recently used first: at most
/// [`RESULTS_PER_SCRIPT`], each the numbers of the values read (in the order of the
/// script's `reads`), the value and the operations counted.
#[derive(Debug, Default)]
struct Remembered {
    results: Vec<(Key, Value, u64)>,
}

/// The numbers of the variables' values found so far for one set of variables, by name
/// number, and whose memory numbered them.
#[derive(Debug, Clone, Default)]
struct Numbers {
    memory: u64,
    found: SmallVec<[(u32, u64); 8]>,
}

/// The numbers of the values a script read, in the order of its `reads`.
type Key = SmallVec<[u64; 4]>;

/// How many results an evaluator remembers per script: a rule sees a few kinds of day
/// (a session, an off day, a painful one) again and again.
const RESULTS_PER_SCRIPT: usize = 16;
/// How many values of one variable are remembered; a variable that changes every day
/// (`today`) only ever costs this many comparisons.
const VALUES_PER_NAME: usize = 16;

impl Memory {
    fn new() -> Memory {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        Memory {
            id: NEXT.fetch_add(1, Ordering::Relaxed),
            values: Vec::new(),
            next: 0,
            scripts: Vec::new(),
        }
    }

    /// The number of the value of variable `name` (its number in the sandbox), given one
    /// if it is new.
    fn number(&mut self, name: u32, value: Option<&Value>) -> u64 {
        let Some(value) = value else {
            return 0;
        };
        let name = name as usize;
        if self.values.len() <= name {
            self.values.resize_with(name + 1, Vec::new);
        }
        let seen = &mut self.values[name];
        if let Some(i) = seen.iter().position(|(_, v)| same_value(v, value)) {
            if i > 0 {
                seen[..=i].rotate_right(1);
            }
            return seen[0].0;
        }
        self.next += 1;
        if seen.len() >= VALUES_PER_NAME {
            seen.pop();
        }
        seen.insert(0, (self.next, value.clone()));
        self.next
    }

    /// The result remembered for these numbers; it moves to the front, where the
    /// next search starts.
    fn recall(&mut self, slot: u32, key: &Key) -> Option<(Value, u64)> {
        let script = self.scripts.get_mut(slot as usize)?;
        // Compared number by number: the keys are short, and most differ in the first.
        let i = script.results.iter().position(|(k, ..)| {
            k.len() == key.len() && k.iter().zip(key.iter()).all(|(a, b)| a == b)
        })?;
        if i > 0 {
            script.results[..=i].rotate_right(1);
        }
        let (_, value, operations) = &script.results[0];
        Some((value.clone(), *operations))
    }

    fn remember(&mut self, slot: u32, key: Key, value: &Value, operations: u64) {
        let slot = slot as usize;
        if self.scripts.len() <= slot {
            self.scripts.resize_with(slot + 1, Remembered::default);
        }
        // The newest goes first and the least recently used falls off the end.
        let results = &mut self.scripts[slot].results;
        if results.len() >= RESULTS_PER_SCRIPT {
            results.pop();
        }
        results.insert(0, (key, value.clone(), operations));
    }
}

impl fmt::Debug for Evaluator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Evaluator")
            .field("limits", &self.limits)
            .field("modules", &self.module_names)
            .field("run_operations", &self.run_operations())
            .finish_non_exhaustive()
    }
}

impl Evaluator {
    /// Builds the engine and loads the sandbox's modules, running each top level once.
    pub(crate) fn new(sandbox: &Sandbox) -> Result<Evaluator, ScriptError> {
        let mut evaluator = Evaluator::without_modules(sandbox);
        let store = Arc::new(ModuleStore::default());
        for (key, _, ast) in &sandbox.modules {
            store.insert(key.clone(), ast.clone());
        }
        evaluator.engine.set_module_resolver(StoreResolver {
            store: Arc::clone(&store),
            imports: Arc::clone(&evaluator.state.imports),
            max_imports: sandbox.limits().max_modules,
        });
        let mut loaded = Vec::new();
        for (key, path, _) in &sandbox.modules {
            evaluator.start_clock();
            let module = store
                .load(&evaluator.engine, key, Position::NONE)
                .map_err(|err| evaluator.eval_error(path, err))?;
            loaded.push((key.clone(), module));
        }
        *evaluator.state.deadline() = None;
        // The modules' top levels belong to the protocol, not to any run.
        evaluator.state.evaluation.store(0, Ordering::Relaxed);
        // A module whose name is a plain identifier is also reachable without `import`,
        // as `name::function(...)`, from every script.
        for (key, module) in loaded {
            if is_module_name(&key) {
                evaluator
                    .engine
                    .register_static_module(key.as_str(), module);
            }
        }
        Ok(evaluator)
    }

    /// An evaluator without the sandbox's modules, to load them into.
    fn without_modules(sandbox: &Sandbox) -> Evaluator {
        let state = Arc::new(State::default());
        let engine = build_engine(sandbox.limits(), &sandbox.packages, &state);
        Evaluator {
            engine,
            state,
            limits: sandbox.limits().clone(),
            module_names: sandbox.module_names().to_vec(),
            native: true,
            sandbox: sandbox.native_number(),
            memory: Mutex::new(Memory::new()),
        }
    }

    /// Runs every script in Rhai when `false`, even those with a native form; the
    /// differential tests compare the two ways. Results are the same either way.
    pub fn set_native(&mut self, enabled: bool) {
        self.native = enabled;
    }

    /// Every function name scripts can call by name, with its module name (empty for
    /// global). Operators (`+`, `==`: hundreds of overloads in Rhai's packages) are left
    /// out, as [`Sandbox::undefined_calls`] never looks them up.
    pub(crate) fn known_functions(&self) -> BTreeSet<(String, String)> {
        self.engine
            .collect_fn_metadata(
                None,
                |info| {
                    let name = info.metadata.name.as_str();
                    name.starts_with(|c: char| c.is_alphabetic() || c == '_')
                        .then(|| (info.namespace.to_string(), name.to_string()))
                },
                true,
            )
            .into_iter()
            .collect()
    }

    /// Starts a run: replaces what the host functions see and gives the run a fresh
    /// operation budget ([`Limits::max_run_operations`]). The engine calls this once per
    /// run (and per simulated patient), then moves `today` forward with
    /// [`Evaluator::host_data`].
    pub fn begin_run(&self, data: HostData) {
        *self.state.host.data() = data;
        self.state.host.seen().clear();
        self.state.trace().clear();
        self.state.run.store(0, Ordering::Relaxed);
        self.state.evaluation.store(0, Ordering::Relaxed);
    }

    /// The operations the current run has spent so far, over all its evaluations.
    pub fn run_operations(&self) -> u64 {
        self.state.run.load(Ordering::Relaxed)
    }

    /// How many evaluations the native form finished (rather than Rhai) since the
    /// evaluator was made, for tests and benchmarks.
    pub fn native_evaluations(&self) -> u64 {
        self.state.native.load(Ordering::Relaxed)
    }

    /// What the host functions see, to update between evaluations.
    pub fn host_data(&self) -> MutexGuard<'_, HostData> {
        self.state.host.data()
    }

    /// The host function calls (with their results) made since the last call.
    pub fn take_seen(&self) -> Vec<Seen> {
        std::mem::take(&mut *self.state.host.seen())
    }

    /// Takes the `print` and `debug` lines written since the last call.
    pub fn take_trace(&self) -> Vec<String> {
        std::mem::take(&mut *self.state.trace())
    }

    /// Evaluates a condition: it must give `true` or `false`.
    pub fn eval_bool(&self, script: &Script, vars: &Vars) -> Result<bool, ScriptError> {
        match self.try_native(script, vars, &mut Numbers::default()) {
            Some(Value::Bool(holds)) => return Ok(holds),
            Some(value) => return as_bool(script, value.to_dynamic()),
            None => {}
        }
        let value = self.run_in(script, self.prepare(vars).scope())?;
        as_bool(script, value)
    }

    /// The variables of one evaluation, made ready once: several conditions evaluated on
    /// the same variables (the rules of one check-in) share them.
    pub fn prepare<'v>(&self, vars: &'v Vars) -> Prepared<'v> {
        Prepared {
            vars,
            scope: None,
            numbers: Numbers::default(),
        }
    }

    /// Evaluates a condition on prepared variables; whatever the script declares is
    /// dropped afterwards, so the next script sees the variables as they were.
    pub fn eval_bool_in(
        &self,
        script: &Script,
        vars: &mut Prepared<'_>,
    ) -> Result<bool, ScriptError> {
        match self.try_native(script, vars.vars, &mut vars.numbers) {
            Some(Value::Bool(holds)) => return Ok(holds),
            Some(value) => return as_bool(script, value.to_dynamic()),
            None => {}
        }
        let value = self.run_in(script, vars.scope())?;
        as_bool(script, value)
    }

    /// Evaluates a script and returns its value.
    pub fn eval_value(&self, script: &Script, vars: &Vars) -> Result<Value, ScriptError> {
        if let Some(value) = self.try_native(script, vars, &mut Numbers::default()) {
            return Ok(crate::native::as_rhai_gives(value));
        }
        let value = self.run_in(script, self.prepare(vars).scope())?;
        Value::from_dynamic(value).map_err(|type_name| {
            ScriptError::new(
                ScriptErrorKind::Runtime,
                &script.origin,
                format!("the script gave a value of type {type_name}, which has no plain form"),
            )
        })
    }

    /// Runs the script's native form, when it has one and it can finish the evaluation
    /// exactly as Rhai would; otherwise undoes what the attempt recorded and gives
    /// `None`, for Rhai to run the script from the start.
    ///
    /// A native evaluation that called no host function gave a value, and counted
    /// operations, that depend only on the values of the variables the script reads:
    /// the same values take the same path again. Such results are remembered with
    /// those values (see [`Memory`]) and given again, their operations counted again,
    /// when the same values come back; floats are compared bit for bit, so `-0.0` is
    /// not `0.0`.
    fn try_native(&self, script: &Script, vars: &Vars, numbers: &mut Numbers) -> Option<Value> {
        if !self.native {
            return None;
        }
        let program = script.native.as_ref().ok()?;
        let key = match program.slot {
            Some(slot) if program.sandbox == self.sandbox => {
                let mut memory = self.memory.lock().unwrap_or_else(PoisonError::into_inner);
                if numbers.memory != memory.id {
                    numbers.memory = memory.id;
                    numbers.found.clear();
                }
                let mut key = Key::new();
                for (name, n) in &program.reads {
                    let number = match numbers.found.iter().find(|(m, _)| m == n) {
                        Some((_, number)) => *number,
                        None => {
                            let number = memory.number(*n, vars.get(name));
                            numbers.found.push((*n, number));
                            number
                        }
                    };
                    key.push(number);
                }
                if let Some((value, operations)) = memory.recall(slot, &key) {
                    drop(memory);
                    return self.count_native(operations).then_some(value);
                }
                Some((slot, key))
            }
            _ => None,
        };
        let seen = self.state.host.seen().len();
        let mut cx = crate::native::Cx {
            outer: vars,
            host: &self.state.host,
            limits: &self.limits,
            ops: 0,
            host_calls: 0,
        };
        let value = crate::native::run(program, &mut cx).map(crate::native::V::into_owned);
        match value {
            Some(value) if self.count_native(cx.ops) => {
                // Without host calls, the same values take the same path again.
                if let (Some((slot, key)), 0) = (key, cx.host_calls) {
                    self.memory
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .remember(slot, key, &value, cx.ops);
                }
                Some(value)
            }
            _ => {
                self.state.host.seen().truncate(seen);
                None
            }
        }
    }

    /// Adds a native evaluation's operations to the run's, unless they pass either
    /// limit: Rhai stops a script at the operation past a limit, so such a script is
    /// left to Rhai, which reports it.
    fn count_native(&self, operations: u64) -> bool {
        let total = self
            .state
            .run
            .load(Ordering::Relaxed)
            .saturating_add(operations);
        if operations > self.limits.max_operations || total > self.limits.max_run_operations {
            return false;
        }
        self.state.run.store(total, Ordering::Relaxed);
        self.state.native.fetch_add(1, Ordering::Relaxed);
        true
    }

    fn run_in(&self, script: &Script, scope: &mut Scope<'static>) -> Result<Dynamic, ScriptError> {
        let before = scope.len();
        self.start_clock();
        let result = self
            .engine
            .eval_ast_with_scope::<Dynamic>(scope, &script.ast);
        *self.state.deadline() = None;
        self.state.close_evaluation();
        scope.rewind(before);
        result.map_err(|err| self.eval_error(&script.origin, err))
    }

    fn start_clock(&self) {
        self.state.imports.store(0, Ordering::Relaxed);
        self.state.evaluation.store(0, Ordering::Relaxed);
        *self.state.deadline() = Instant::now().checked_add(self.limits.timeout);
    }

    fn eval_error(&self, origin: &str, err: Box<rhai::EvalAltResult>) -> ScriptError {
        ScriptError::from_eval(origin, err, &self.limits, &self.module_names)
    }
}

/// Rhai's packages that rule scripts may use, built once per sandbox.
///
/// Of Rhai's packages only pure computation is included:
/// - arithmetic, logic (comparisons across ints and floats, min/max) and maths
///   (floor, round, abs, sqrt, parse_int...) for scores and thresholds;
/// - basic and more string functions (also what `print`/`debug` use to format values);
/// - arrays and maps with their basic methods, for history lists and `pain.during`;
/// - iterators (`for x in 0..n`, `for item in list`) and function pointers (`Fn`,
///   `call`, closures), which only ever reach script and sandbox functions.
///
/// Left out on purpose: `LanguageCorePackage` (its `sleep` blocks the thread beyond any
/// operation limit; `exit`, tags and JSON parsing are not needed), `BasicTimePackage`
/// (the clock would make rules non-reproducible), blobs and bit fields (not needed).
/// Rhai has no file, network, process or environment access except through its file
/// module resolver and `fs` packages, which are neither enabled nor registered here.
///
/// Built once per process and shared by every sandbox: packages are inert once built,
/// and building them was about 40 % of making a sandbox (`engine check` of several
/// protocols makes one each).
pub(crate) fn packages() -> Vec<SharedModule> {
    static PACKAGES: std::sync::LazyLock<Vec<SharedModule>> = std::sync::LazyLock::new(|| {
        vec![
            ArithmeticPackage::new().as_shared_module(),
            LogicPackage::new().as_shared_module(),
            BasicMathPackage::new().as_shared_module(),
            BasicStringPackage::new().as_shared_module(),
            MoreStringPackage::new().as_shared_module(),
            BasicArrayPackage::new().as_shared_module(),
            BasicMapPackage::new().as_shared_module(),
            BasicIteratorPackage::new().as_shared_module(),
            BasicFnPackage::new().as_shared_module(),
        ]
    });
    PACKAGES.clone()
}

/// Builds a bare engine with `packages`, the limits, the host functions and the
/// engine's own callback functions, reporting to `state`.
pub(crate) fn build_engine(
    limits: &Limits,
    packages: &[SharedModule],
    state: &Arc<State>,
) -> Engine {
    // `new_raw` has no packages, no module resolver and no print/debug output.
    let mut engine = Engine::new_raw();
    for module in packages {
        engine.register_global_module(module.clone());
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
    crate::host::register(&mut engine, &state.host);
    engine.register_fn("clamp", clamp_int);
    engine.register_fn("clamp", clamp_float);

    let max_lines = limits.max_trace_lines;
    let print_state = Arc::clone(state);
    engine.on_print(move |text| push_trace(&mut print_state.trace(), max_lines, text.to_owned()));
    let debug_state = Arc::clone(state);
    engine.on_debug(move |text, source, pos| {
        let line = match (source, pos.line(), pos.position()) {
            (Some(source), Some(line), Some(column)) => {
                format!("{source}:{line}:{column}: {text}")
            }
            (None, Some(line), Some(column)) => format!("{line}:{column}: {text}"),
            _ => text.to_owned(),
        };
        push_trace(&mut debug_state.trace(), max_lines, line);
    });

    let progress_state = Arc::clone(state);
    let max_run = limits.max_run_operations;
    let max_operations = limits.max_operations;
    engine.on_progress(move |_| {
        let state = &progress_state;
        // Rhai calls this once per operation. Its own count is not enough: a callback
        // called from a native function (`sort`, `filter`, `map`...) runs on a copy of
        // the count that is thrown away afterwards, so nested callbacks would never
        // reach the limit. This count sees every operation, wherever it runs.
        let operations = state.evaluation.load(Ordering::Relaxed) + 1;
        state.evaluation.store(operations, Ordering::Relaxed);
        if operations > max_operations {
            return Some(Dynamic::from(OPERATIONS));
        }
        if state.run.load(Ordering::Relaxed).saturating_add(operations) > max_run {
            return Some(Dynamic::from(RUN_BUDGET));
        }
        // Reading the clock costs about as much as a few operations: check every 64th.
        if !operations.is_multiple_of(64) {
            return None;
        }
        match *state.deadline() {
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

fn push_trace(trace: &mut Vec<String>, max_lines: usize, line: String) {
    if trace.len() < max_lines {
        trace.push(line);
    } else if trace.len() == max_lines {
        trace.push(format!(
            "(more than {max_lines} lines of output: the rest was dropped)"
        ));
    }
}

/// `clamp(x, low, high)`: `x` limited to `low..=high` (`low` wins if `low > high`).
pub(crate) fn clamp_int(x: INT, low: INT, high: INT) -> INT {
    x.min(high).max(low)
}

/// `clamp(x, low, high)` for floats; a NaN `x` stays NaN.
pub(crate) fn clamp_float(x: FLOAT, low: FLOAT, high: FLOAT) -> FLOAT {
    if x.is_nan() { x } else { x.min(high).max(low) }
}

/// Whether two values are the same for a script: equal, with floats equal bit for bit
/// (`-0.0` and `0.0` differ, and a NaN is the same as itself), and maps' properties in
/// the same order.
fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Float(x), Value::Float(y)) => x.to_bits() == y.to_bits(),
        (Value::List(x), Value::List(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same_value(a, b))
        }
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y.iter())
                    .all(|((n, a), (m, b))| n == m && same_value(a, b))
        }
        _ => a == b,
    }
}

/// A condition's value as `true` or `false`, or the error that it is neither.
fn as_bool(script: &Script, value: Dynamic) -> Result<bool, ScriptError> {
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
        let mut trace = Vec::new();
        for i in 0..10 {
            push_trace(&mut trace, 3, i.to_string());
        }
        assert_eq!(trace.len(), 4);
        assert!(trace[3].contains("dropped"));
    }
}
