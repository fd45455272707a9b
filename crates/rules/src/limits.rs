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
    /// Most `import` statements executed in one evaluation, counted per statement run
    /// (an import inside a loop counts once per time round). Default 16.
    pub max_modules: usize,
    /// Most Rhai operations in one whole run: every evaluation between two
    /// [`Sandbox::begin_run`](crate::Sandbox::begin_run) calls (one plan, or one
    /// simulated patient). Default 1,000,000: a whole simulated course of any shipped
    /// protocol spends under 1 % of it (at most about 7,000), while rules that each cost
    /// nearly [`max_operations`](Limits::max_operations) on every check-in stop after
    /// about a dozen check-ins, well within a second.
    pub max_run_operations: u64,
    /// Wall-clock time allowed for one evaluation (and for running the top level of each
    /// plugin module once). Default 10 seconds. Only a backstop: the counted limits above
    /// stop every script the test suite knows of long before it, on any machine, and no
    /// outcome a test or snapshot pins depends on it.
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
            max_run_operations: 1_000_000,
            timeout: Duration::from_secs(10),
            max_trace_lines: 1_000,
        }
    }
}
