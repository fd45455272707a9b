//! Errors from compiling or evaluating a script, with positions relative to the script.

use std::fmt;

use rhai::{EvalAltResult, ParseError, ParseErrorType, Position};

use crate::evaluator::{OPERATIONS, RUN_BUDGET};
use crate::limits::Limits;
use crate::modules::forbidden_reason;

/// What went wrong, for callers that react differently to different failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScriptErrorKind {
    /// The script (or a module) is not valid Rhai.
    Syntax,
    /// A function is called that neither the script, its modules nor the sandbox define.
    UndefinedFunction,
    /// A variable is read that is neither passed in nor defined by the script.
    UndefinedVariable,
    /// The script ran more operations than [`Limits::max_operations`].
    TooManyOperations,
    /// Function calls or expressions are nested too deeply (including runaway recursion).
    TooDeep,
    /// A string, array or map grew past its limit, or too many modules or variables.
    TooLarge,
    /// The run's evaluations together spent more than [`Limits::max_run_operations`].
    RunBudget,
    /// The script ran longer than [`Limits::timeout`], the wall-clock backstop.
    Timeout,
    /// An `import` names something outside the protocol's own folder.
    ForbiddenImport,
    /// An `import` names a module that was not given to the sandbox.
    ModuleNotFound,
    /// A condition gave something other than `true` or `false`.
    NotABool,
    /// Any other failure while running: a type mismatch, an arithmetic error, a `throw`,
    /// an import cycle, a result that is not a plain value.
    Runtime,
}

/// A failed compilation or evaluation.
///
/// `line` and `column` are 1-based and relative to the script text that was compiled (or,
/// when the failure happened inside a plugin module, to that module's text, and `origin` is
/// then the module's path). A script embedded in a YAML file starts at some line and column
/// of that file: the caller adds that offset, this crate does not know it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptError {
    /// What went wrong.
    pub kind: ScriptErrorKind,
    /// A lowercase explanation without trailing period and without the position.
    pub message: String,
    /// Where the script came from, as given to [`Sandbox::compile`](crate::Sandbox::compile)
    /// or the plugin module's path.
    pub origin: String,
    /// 1-based line within the script, when known.
    pub line: Option<usize>,
    /// 1-based column within the script, when known.
    pub column: Option<usize>,
}

impl ScriptError {
    pub(crate) fn new(kind: ScriptErrorKind, origin: &str, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            origin: origin.to_owned(),
            line: None,
            column: None,
        }
    }

    pub(crate) fn at(mut self, pos: Position) -> Self {
        self.line = pos.line();
        self.column = pos.position();
        self
    }

    /// Maps a compilation error of the script from `origin`.
    pub(crate) fn from_parse(origin: &str, err: &ParseError) -> Self {
        Self::from_parse_type(origin, &err.0, err.position())
    }

    fn from_parse_type(origin: &str, err: &ParseErrorType, pos: Position) -> Self {
        let kind = match err {
            ParseErrorType::ExprTooDeep => ScriptErrorKind::TooDeep,
            ParseErrorType::LiteralTooLarge(..) => ScriptErrorKind::TooLarge,
            _ => ScriptErrorKind::Syntax,
        };
        let message = match err {
            ParseErrorType::ExprTooDeep => "expressions are nested too deeply".to_owned(),
            other => format!("syntax error: {}", tidy(&other.to_string())),
        };
        Self::new(kind, origin, message).at(pos)
    }

    /// Maps an evaluation error of the script from `origin`; `modules` are the names that
    /// may be imported, for the message of an unknown import.
    pub(crate) fn from_eval(
        origin: &str,
        err: Box<EvalAltResult>,
        limits: &Limits,
        modules: &[String],
    ) -> Self {
        let mut origin = origin.to_owned();
        // The innermost known position, and where the innermost error sits in the chain.
        let mut fallback = (origin.clone(), Position::NONE);
        let mut calls: Vec<String> = Vec::new();
        let mut err = err;
        loop {
            match *err {
                EvalAltResult::ErrorInFunctionCall(name, source, inner, pos) => {
                    if !pos.is_none() {
                        fallback = (origin.clone(), pos);
                    }
                    if !source.is_empty() {
                        origin = source;
                    }
                    if calls.last() != Some(&name) {
                        calls.push(name);
                    }
                    err = inner;
                }
                EvalAltResult::ErrorInModule(name, inner, pos) => {
                    if !pos.is_none() {
                        fallback = (origin.clone(), pos);
                    }
                    origin = name;
                    err = inner;
                }
                _ => break,
            }
        }
        let mut err = *err;
        let pos = err.take_position();
        let (origin, pos) = if pos.is_none() {
            fallback
        } else {
            (origin, pos)
        };
        let (kind, mut message) = describe(err, limits, modules);
        if let Some(first) = calls.first() {
            message.push_str(&format!(" (in function '{first}')"));
        }
        Self::new(kind, &origin, message).at(pos)
    }
}

/// The kind and message of one (unwrapped, position-less) evaluation error.
fn describe(err: EvalAltResult, limits: &Limits, modules: &[String]) -> (ScriptErrorKind, String) {
    use ScriptErrorKind as K;
    match err {
        EvalAltResult::ErrorParsing(p, _) => {
            let e = ScriptError::from_parse_type("", &p, Position::NONE);
            (e.kind, e.message)
        }
        EvalAltResult::ErrorVariableNotFound(name, _) => (
            K::UndefinedVariable,
            format!("variable '{name}' is not defined"),
        ),
        EvalAltResult::ErrorFunctionNotFound(signature, _) => {
            let name = signature.split([' ', '(']).next().unwrap_or(&signature);
            if name.starts_with(|c: char| c.is_alphabetic() || c == '_') {
                (
                    K::UndefinedFunction,
                    format!("function '{name}' is not defined (called as {signature})"),
                )
            } else {
                // An operator exists but not for these types, e.g. `"a" - 1`.
                (
                    K::Runtime,
                    format!(
                        "operator '{name}' cannot be used on these values (called as {signature})"
                    ),
                )
            }
        }
        EvalAltResult::ErrorModuleNotFound(name, _) => match forbidden_reason(&name) {
            Some(reason) => (
                K::ForbiddenImport,
                format!(
                    "cannot import '{name}': {reason}; modules may only come from the protocol's own folder"
                ),
            ),
            None if modules.is_empty() => (
                K::ModuleNotFound,
                format!("no module '{name}': no modules were found next to this protocol"),
            ),
            None => (
                K::ModuleNotFound,
                format!(
                    "no module '{name}'; the modules next to this protocol are: {}",
                    modules.join(", ")
                ),
            ),
        },
        // The sandbox counts operations itself (callbacks included) and stops a script
        // with its own token; Rhai's count may stop it first.
        EvalAltResult::ErrorTooManyOperations(_) => too_many_operations(limits),
        EvalAltResult::ErrorTerminated(token, _) if is_token(&token, OPERATIONS) => {
            too_many_operations(limits)
        }
        EvalAltResult::ErrorStackOverflow(_) => (
            K::TooDeep,
            format!(
                "function calls are nested deeper than {} levels (is there endless recursion?)",
                limits.max_call_levels
            ),
        ),
        EvalAltResult::ErrorDataTooLarge(what, _) => {
            let what = what.to_lowercase();
            let message = if what.contains("string") {
                format!("a string grew longer than {} bytes", limits.max_string_size)
            } else if what.contains("array") {
                format!("an array grew past {} items", limits.max_array_size)
            } else if what.contains("map") {
                format!("a map grew past {} properties", limits.max_map_size)
            } else {
                format!("{} is over its limit", tidy(&what))
            };
            (K::TooLarge, message)
        }
        EvalAltResult::ErrorTooManyModules(_) => (
            K::TooLarge,
            format!("more than {} modules were imported", limits.max_modules),
        ),
        EvalAltResult::ErrorTooManyVariables(_) => {
            (K::TooLarge, "too many variables were defined".to_owned())
        }
        EvalAltResult::ErrorTerminated(token, _) if is_token(&token, RUN_BUDGET) => (
            K::RunBudget,
            format!(
                "the run's scripts together ran more than {} operations, the budget of one run",
                limits.max_run_operations
            ),
        ),
        EvalAltResult::ErrorTerminated(..) => (
            K::Timeout,
            format!(
                "the script ran longer than {} seconds (the time backstop)",
                limits.timeout.as_secs_f64()
            ),
        ),
        EvalAltResult::ErrorRuntime(value, _) => {
            let text = if value.is_string() {
                value.to_string()
            } else {
                format!("{value:?}")
            };
            (K::Runtime, format!("the script threw an error: {text}"))
        }
        other => (K::Runtime, tidy(&other.to_string())),
    }
}

fn too_many_operations(limits: &Limits) -> (ScriptErrorKind, String) {
    (
        ScriptErrorKind::TooManyOperations,
        format!(
            "the script ran more than {} operations (is there an endless loop?)",
            limits.max_operations
        ),
    )
}

/// Whether a script was terminated with `token` (see the sandbox's `on_progress`).
fn is_token(value: &rhai::Dynamic, token: &str) -> bool {
    value
        .read_lock::<rhai::ImmutableString>()
        .is_some_and(|t| t.as_str() == token)
}

/// Lowercases the first letter and drops a trailing period, to match the crate's style.
fn tidy(text: &str) -> String {
    let text = text.trim().trim_end_matches('.');
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

impl fmt::Display for ScriptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(line), Some(column)) => write!(f, "{}:{line}:{column}: ", self.origin)?,
            (Some(line), None) => write!(f, "{}:{line}: ", self.origin)?,
            _ => write!(f, "{}: ", self.origin)?,
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for ScriptError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tidy_lowercases_and_drops_the_period() {
        assert_eq!(tidy("Division by zero."), "division by zero");
        assert_eq!(tidy(""), "");
    }

    #[test]
    fn display_shows_what_position_is_known() {
        let err = ScriptError::new(ScriptErrorKind::NotABool, "a.yaml:3:5", "it gave 1");
        assert_eq!(err.to_string(), "a.yaml:3:5: it gave 1");
        let err = err.at(Position::new(2, 7));
        assert_eq!(err.to_string(), "a.yaml:3:5:2:7: it gave 1");
    }

    #[test]
    fn unknown_import_names_are_classified_by_the_name() {
        let limits = Limits::default();
        let modules = vec!["hop".to_owned()];
        let at = Position::new(1, 8);
        let forbidden = EvalAltResult::ErrorModuleNotFound("/etc/passwd".into(), at);
        let err = ScriptError::from_eval("t", forbidden.into(), &limits, &modules);
        assert_eq!(err.kind, ScriptErrorKind::ForbiddenImport);
        assert_eq!((err.line, err.column), (Some(1), Some(8)));
        let missing = EvalAltResult::ErrorModuleNotFound("jump".into(), at);
        let err = ScriptError::from_eval("t", missing.into(), &limits, &modules);
        assert_eq!(err.kind, ScriptErrorKind::ModuleNotFound);
        assert!(err.message.ends_with("are: hop"), "{err}");
    }
}
