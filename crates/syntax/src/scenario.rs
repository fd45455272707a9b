//! A scenario file as written: a patient, and what a reviewer expects of the plan the
//! protocol gives them. `engine test` runs every scenario stored next to a protocol
//! (`protocols/<id>/scenarios/*.yaml`).

use schemars::JsonSchema;
use serde::Deserialize;

use crate::patient::PatientDoc;
use crate::protocol::S;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScenarioDoc {
    /// What the scenario shows, in a sentence: printed with its result.
    pub title: String,
    /// The protocol file, relative to this file. When absent, the protocol is the one
    /// whose folder holds the `scenarios` folder: `protocols/morra.yaml` for
    /// `protocols/morra/scenarios/*.yaml`.
    #[serde(default)]
    pub protocol: Option<S<String>>,
    /// A patient file, relative to this file.
    #[serde(default)]
    pub patient_file: Option<S<String>>,
    /// The patient, written here. Without `patient` or `patient_file`, the protocol's
    /// example patient is run.
    #[serde(default)]
    pub patient: Option<PatientDoc>,
    /// The first day of the plan, instead of the protocol's start input (YYYY-MM-DD).
    #[serde(default)]
    pub start: Option<S<String>>,
    /// The day the plan is read on (YYYY-MM-DD): before its last day, the outcome is
    /// "in progress".
    #[serde(default)]
    pub as_of: Option<S<String>>,
    /// What must hold of the plan. Each expectation checks one thing.
    #[serde(default)]
    pub expect: Vec<Expectation>,
    /// Pin the whole plan, as text, in `snapshots/<scenario>.txt` next to this file.
    /// `engine test` fails when the plan differs from it; `engine test --update` writes
    /// it after review.
    #[serde(default)]
    pub snapshot: bool,
}

/// One expectation. Write one of: `phase`, `level`, `fires` or `does_not_fire` with `on`;
/// `no_running_before`; `outcome`, optionally with `by`; `running_rise_at_most`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Expectation {
    /// The day the expectation is about (YYYY-MM-DD).
    #[serde(default)]
    pub on: Option<S<String>>,
    /// On that day, the plan is in this phase.
    #[serde(default)]
    pub phase: Option<S<String>>,
    /// On that day, a level-by-level phase is at this level.
    #[serde(default)]
    pub level: Option<S<u32>>,
    /// On that day, this rule fires (its condition holds; its action may be overridden).
    #[serde(default)]
    pub fires: Option<S<String>>,
    /// On that day, this rule does not fire.
    #[serde(default)]
    pub does_not_fire: Option<S<String>>,
    /// No day before this date (YYYY-MM-DD) prescribes running.
    #[serde(default)]
    pub no_running_before: Option<S<String>>,
    /// The plan's outcome.
    #[serde(default)]
    pub outcome: Option<S<OutcomeWord>>,
    /// With `outcome`: the outcome's date is on or before this one (YYYY-MM-DD).
    #[serde(default)]
    pub by: Option<S<String>>,
    /// From one week of the plan to the next, the running minutes (at the high end of
    /// their range) never rise by more than this many minutes.
    #[serde(default)]
    pub running_rise_at_most: Option<S<f64>>,
}

/// The outcomes a scenario can expect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeWord {
    Completed,
    InProgress,
    Referred,
}

impl OutcomeWord {
    pub fn as_str(self) -> &'static str {
        match self {
            OutcomeWord::Completed => "completed",
            OutcomeWord::InProgress => "in_progress",
            OutcomeWord::Referred => "referred",
        }
    }
}
