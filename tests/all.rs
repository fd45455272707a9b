//! Every test of the root package in one binary. Each file stays a module of its own
//! (its snapshots are named `all__<file>__...`); one link instead of a dozen keeps the
//! suite quick on CI's two cores.

mod common;

mod adaptive;
mod batch;
mod calendar;
mod circuits;
mod cli;
mod compare;
mod engine_names_no_protocol;
mod errors_doc;
mod fhir;
mod handout;
mod hostile;
mod hostile_scripts;
mod invariants;
mod limits_doc;
mod log;
mod native_conditions;
mod reference_doc;
mod scenarios;
mod schema;
mod simulate;
mod today;
