//! The plan a run produces: phases with dates, every day's prescription, weekly
//! summaries, decisions with their reasons, and the outcome.
//!
//! These types are the JSON contract of `engine run --format json`; renderers for
//! people read the same values.

use jiff::civil::Date;
use rehab_syntax::protocol::RangePolicy;
use serde::{Serialize, Serializer};

use crate::model::{Author, Source, Value};

#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub protocol: ProtocolInfo,
    pub disclaimer: String,
    pub patient: PatientInfo,
    pub scheduling: SchedulingInfo,
    pub start: Date,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub as_of: Option<Date>,
    pub phases: Vec<PhasePlan>,
    pub weeks: Vec<WeekSummary>,
    pub days: Vec<Day>,
    /// Protocol-wide guidance that applies to this patient.
    pub notes: Vec<NoteOut>,
    pub outcome: Outcome,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProtocolInfo {
    pub id: String,
    pub version: String,
    pub title: String,
    pub authors: Vec<Author>,
    pub sources: Vec<Source>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PatientInfo {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(serialize_with = "ordered_map")]
    pub inputs: Vec<(String, Value)>,
}

fn ordered_map<S: Serializer>(entries: &[(String, Value)], s: S) -> Result<S::Ok, S::Error> {
    s.collect_map(entries.iter().map(|(k, v)| (k, v)))
}

#[derive(Debug, Clone, Serialize)]
pub struct SchedulingInfo {
    pub ranges: RangePolicy,
    /// How ranges were scheduled, in words, for every output format.
    pub explanation: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct PhasePlan {
    pub id: String,
    pub title: String,
    pub start: Date,
    /// The last day of the phase (inclusive).
    pub end: Date,
    pub days: u32,
    /// How the length was found, in words.
    pub length: String,
    /// The source the length comes from.
    pub length_source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    pub source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interpretation: Option<String>,
    pub allowed: Vec<NoteOut>,
    pub avoided: Vec<NoteOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strength: Option<CircuitOut>,
    pub on_entry: Vec<AssessmentOut>,
    pub gates: Vec<GateOut>,
    pub patterns: Vec<PatternOut>,
    pub notes: Vec<NoteOut>,
}

#[derive(Debug, Clone, Serialize)]
pub struct NoteOut {
    pub text: String,
    pub source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interpretation: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CircuitOut {
    pub id: String,
    pub title: String,
    pub exercises: String,
    pub source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interpretation: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AssessmentOut {
    pub id: String,
    pub title: String,
    pub questions: Vec<String>,
    pub checklist: Vec<String>,
    pub source: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct GateOut {
    pub id: String,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assessment: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    pub source: String,
}

/// A weekly pattern as the plan applied it, for the reader to see the week's shape.
#[derive(Debug, Clone, Serialize)]
pub struct PatternOut {
    /// `all` or a week range such as `1-8`.
    pub weeks: String,
    pub days: Vec<String>,
    pub source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interpretation: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Day {
    pub date: Date,
    pub phase: String,
    /// The week of the phase, from 1.
    pub week: u32,
    /// The day of the phase week, 1-7.
    pub day: u32,
    pub session: SessionOut,
    pub status: Status,
    pub decisions: Vec<Decision>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SessionOut {
    /// The whole day's prescription in one line.
    pub text: String,
    pub parts: Vec<Part>,
}

/// One kind of activity on a day, with its dose in canonical notation.
#[derive(Debug, Clone, Serialize)]
pub struct Part {
    pub kind: PartKind,
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub circuit: Option<String>,
    /// Time spent running or jogging, low and high end, in milliseconds.
    #[serde(skip)]
    pub running_ms: Option<(u64, u64)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PartKind {
    Session,
    Cross,
    Strength,
    Off,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Done,
    Partial,
    Skipped,
    Planned,
    Off,
}

/// Why the plan did something on a day, with the values it looked at.
#[derive(Debug, Clone, Serialize)]
pub struct Decision {
    pub rule: String,
    pub action: String,
    pub reason: String,
    #[serde(serialize_with = "ordered_map")]
    pub values: Vec<(String, Value)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct WeekSummary {
    pub phase: String,
    pub week: u32,
    pub start: Date,
    pub end: Date,
    /// Minutes of running and jogging in the week, at the low and high ends of the doses.
    pub run_minutes: MinuteRange,
    pub sessions: u32,
    pub cross_days: u32,
    pub strength_days: u32,
    pub off_days: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MinuteRange {
    pub min: f64,
    pub max: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub status: OutcomeStatus,
    /// The completion date: reached, or projected when the run is still in progress.
    pub date: Date,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeStatus {
    Completed,
    InProgress,
    Referred,
}
