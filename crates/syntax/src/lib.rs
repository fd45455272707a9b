//! Protocol and patient files: YAML text to a spanned model, and the diagnostics type
//! every later stage reports with.
//!
//! This crate knows YAML and places in files; it does not know what a protocol means.
//! Checking references, doses and periods is the engine's job.

// Input-dependent paths return errors; a panic would lose the author's work and say
// nothing useful. Tests may unwrap.
#![deny(clippy::unwrap_used, clippy::expect_used)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod codes;
mod diagnostic;
pub mod edit;
pub mod escape;
mod from_tree;
mod load;
pub mod patient;
pub mod protocol;
pub mod scenario;
pub mod schema;
mod source;
mod spanned;
pub mod structure;
pub mod suggest;

pub use diagnostic::{Diagnostic, Severity};
pub use load::{
    MAX_ALIASES, MAX_FILE_BYTES, MAX_NESTING, MAX_NODES, parse_patient, parse_protocol,
    parse_scenario, read_tree,
};
pub use source::{FileId, LineCol, Place, SourceFile, Sources, Span};
pub use spanned::S;
