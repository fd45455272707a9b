//! Checking a protocol and running it for a patient into a day-by-day plan.
//!
//! This crate never reads files, prints or exits: it takes parsed documents, or a reading
//! function ([`load::Loader`]), and returns values and diagnostics. The command line owns
//! all input and output.

// Input-dependent paths return errors; a panic would lose the author's work and say
// nothing useful. Tests may unwrap.
#![deny(clippy::unwrap_used, clippy::expect_used)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod batch;
mod check;
pub mod disagree;
pub mod json;
pub mod load;
pub mod model;
mod patient;
pub mod plan;
pub mod provenance;
mod run;
pub mod scenario;
mod scripts;
pub mod simulate;

pub use check::check_protocol;
pub use patient::{MAX_YEAR, MIN_YEAR, check_patient, plausible, undeclared_journal_fields};
pub use rehab_rules::{PAIN_TIMES, is_module_name};
pub use run::{
    Course, DayView, GateNeed, MAX_PLAN_DAYS, Responder, RunConfig, Scratch, run, run_course,
    run_using, run_with,
};
pub use scripts::Evaluator;
pub use scripts::ModuleFile;

// A checked protocol is an inert value that threads share (simulation workers, a batch,
// an embedding service): this stops compiling the day it is no longer `Send + Sync`.
const _: () = {
    const fn shared<T: Send + Sync>() {}
    shared::<model::Protocol>();
    shared::<model::Patient>();
    shared::<rehab_rules::Sandbox>();
};
