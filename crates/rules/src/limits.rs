//! The resource limits that bound every script evaluation.

use std::time::Duration;

/// Bounds applied to every compilation and evaluation of a [`Sandbox`](crate::Sandbox).
///
/// Rule conditions are short expressions over one patient's data, so the defaults are far
/// above what a sensible condition needs and far below what could stall the engine when a
/// protocol is run over a whole year of days. The same numbers apply in debug and release
/// builds so that a protocol behaves identically everywhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Most Rhai operations (roughly: expressions and statements evaluated) in one
    /// evaluation. Default 100,000: a condition needs tens, a loop over years of daily
    /// entries a few thousand; an endless loop stops within milliseconds.
    pub max_operations: u64,
    /// Deepest nesting of script function calls. Default 32: enough for helper functions
    /// calling helpers, and low enough that runaway recursion stops long before the native
    /// stack of even a debug build is at risk.
    pub max_call_levels: usize,
    /// Deepest nesting of expressions at top level, checked when compiling. Default 32.
    pub max_expr_depth: usize,
    /// Deepest nesting of expressions inside function bodies, checked when compiling.
    /// Default 16.
    pub max_function_expr_depth: usize,
    /// Longest string, in bytes. Default 10,000: far longer than any message or label.
    pub max_string_size: usize,
    /// Most items in one array. Default 10,000: several years of daily readings.
    pub max_array_size: usize,
    /// Most properties in one object map. Default 1,000. Rhai checks it when a map is
    /// built, returned from a function or assigned as a whole (`m += other`); keys added
    /// one at a time by index (`m[k] = v`) are bounded by `max_operations` instead.
    pub max_map_size: usize,
    /// Most `import` statements executed in one evaluation. Default 16.
    pub max_modules: usize,
    /// Wall-clock time allowed for one evaluation (and for running the top level of each
    /// plugin module once). Default 1 second: a backstop for slow built-in functions; the
    /// operation limit normally stops a runaway script much sooner.
    pub timeout: Duration,
    /// Most lines kept in the `print`/`debug` trace between two calls of
    /// [`Sandbox::take_trace`](crate::Sandbox::take_trace); later lines are dropped and one
    /// note says so. Default 1,000.
    pub max_trace_lines: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_operations: 100_000,
            max_call_levels: 32,
            max_expr_depth: 32,
            max_function_expr_depth: 16,
            max_string_size: 10_000,
            max_array_size: 10_000,
            max_map_size: 1_000,
            max_modules: 16,
            timeout: Duration::from_secs(1),
            max_trace_lines: 1_000,
        }
    }
}
