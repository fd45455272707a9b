//! The dose notation: a compact text for one day's session of a rehabilitation protocol.
//!
//! ```
//! use rehab_dose::{Activity, Dose};
//!
//! let dose = Dose::parse("Walk 2 mins, run 1-2min; repeat 20min").unwrap();
//! assert_eq!(dose.to_string(), "walk 2min, run 1-2min; repeat 20min");
//! // Running: between 6 and 10 minutes, in milliseconds.
//! assert_eq!(dose.time_in(Activity::is_running), Some((360_000, 600_000)));
//! ```
//!
//! * [`Dose::parse`] reads a dose, [`Amount::parse`] an amount alone (`up to 12wk`).
//! * `Display` on every value prints the canonical text, which parses back to the same value.
//! * [`Dose::time_in`] counts time spent in chosen activities (see [`time`] for the rules).
//! * Errors are [`DoseError`]s: a byte span and a readable message; [`DoseError::render`]
//!   shows them under the text.
//!
//! The grammar is `grammar/dose.pest` at the workspace root; the reference for protocol
//! authors is `docs/dose-notation.md`.

// Input-dependent paths return errors; a panic would lose the author's work and say
// nothing useful. Tests may unwrap.
#![deny(clippy::unwrap_used, clippy::expect_used)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

mod error;
mod parse;
mod plain;
mod print;
pub mod time;
mod value;

pub use error::DoseError;
pub use value::{
    Activity, Amount, Dimension, Dose, Effort, Intensity, Item, Load, MAX_NUMBER, Milli, Range,
    Repeat, Segment, Unit,
};
