//! The one sandboxed Rhai engine that evaluates the conditions written in protocols.
//!
//! Protocol files are written by other clinicians and are therefore untrusted. Everything
//! their scripts can do goes through [`Sandbox`], which:
//!
//! - starts from a bare engine and registers only pure computation (arithmetic, logic,
//!   maths, strings, arrays, maps): no file, network, environment, clock or sleep access;
//! - bounds every evaluation by the numbers in [`Limits`] (operations, call and expression
//!   depth, data sizes, imported modules, wall-clock time);
//! - resolves `import` only against the plugin modules it was given as text
//!   ([`ModuleSource`]), never against the file system;
//! - collects `print` and `debug` output in a trace that callers take with
//!   [`Sandbox::take_trace`].
//!
//! This crate never reads files, prints or exits: the command line does all input and output.

// Input-dependent paths return errors; a panic would lose the author's work and say
// nothing useful. Tests may unwrap.
#![deny(clippy::unwrap_used, clippy::expect_used)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

mod callbacks;
mod error;
mod evaluator;
mod host;
mod limits;
mod modules;
mod native;
mod sandbox;
mod vars;

pub use error::{ScriptError, ScriptErrorKind};
pub use evaluator::{Evaluator, Prepared};
pub use host::{
    AssessmentRecord, CheckIn, EventRecord, HOST_FUNCTIONS, HostData, HostFunction, Named,
    PAIN_TIMES, Seen, TableRow,
};
pub use limits::Limits;
pub use modules::{ModuleSource, is_module_name};
pub use sandbox::{LiteralArgument, Sandbox, Script};
pub use vars::{Value, Vars};
