//! The protocol file as written: a serde model of `protocols/<id>.yaml`, with spans.
//!
//! Nothing here is checked beyond its YAML shape; references, doses and periods are
//! still text. The engine's `check` turns this into a checked protocol.

use crate::patient::PatientDoc;
use schemars::JsonSchema;
use serde::Deserialize;

pub use crate::spanned::S;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProtocolDoc {
    /// Short identifier, also the file's name (`morra` for `protocols/morra.yaml`).
    pub id: S<String>,
    pub title: String,
    pub version: S<String>,
    #[serde(default)]
    pub summary: Option<String>,
    pub authors: Vec<Author>,
    pub sources: Vec<SourceRef>,
    /// Printed with every plan.
    pub disclaimer: String,
    #[serde(default)]
    pub scheduling: Scheduling,
    pub inputs: Vec<InputDecl>,
    /// The date input that the first day of the plan is anchored to.
    pub starts_on: S<String>,
    #[serde(default)]
    pub tables: Vec<Table>,
    #[serde(default)]
    pub circuits: Vec<Circuit>,
    #[serde(default)]
    pub assessments: Vec<Assessment>,
    #[serde(default)]
    pub events: Vec<EventDecl>,
    /// What a check-in may report besides its session and pain, such as swelling or
    /// stiffness: each a key of its own on the journal entry (`swelling: true`).
    #[serde(default)]
    pub journal_fields: Vec<JournalField>,
    /// Evidence needed before the first phase begins, tested from the plan's first day.
    #[serde(default)]
    pub requires: Vec<Requirement>,
    pub phases: Vec<Phase>,
    /// Rules that adapt the plan to what the patient reports.
    #[serde(default)]
    pub rules: Vec<RuleDoc>,
    /// Plugin modules: `.rhai` files in the protocol's folder, named without the
    /// extension (`morra` for `protocols/morra.rhai`). Scripts call their functions as
    /// `morra::name(...)`.
    #[serde(default)]
    pub modules: Vec<S<String>>,
    /// Guidance that holds across the whole protocol.
    #[serde(default)]
    pub notes: Vec<Note>,
    /// A patient to run when no patient file is given.
    #[serde(default)]
    pub example_patient: Option<PatientDoc>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Author {
    pub name: String,
    #[serde(default)]
    pub role: Option<String>,
}

/// A published source the protocol's facts come from.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SourceRef {
    pub id: S<String>,
    pub citation: String,
    #[serde(default)]
    pub note: Option<String>,
}

/// How ranges in phase lengths are turned into dates.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Scheduling {
    #[serde(default)]
    pub ranges: RangePolicy,
}

/// Which end of a range (`6-8wk`, `up to 2wk`) a phase's length is scheduled at.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RangePolicy {
    /// The longer end: more time to heal before load rises. The default.
    #[default]
    Upper,
    /// The shorter end; "up to" periods have no lower end and keep their upper bound.
    Lower,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InputDecl {
    pub id: S<String>,
    pub label: String,
    #[serde(rename = "type")]
    pub kind: S<InputKind>,
    /// The allowed values of a `choice` input.
    #[serde(default)]
    pub choices: Vec<Choice>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum InputKind {
    Choice,
    Date,
    Number,
    Text,
    Bool,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    pub value: S<String>,
    pub label: String,
}

/// A lookup table keyed by the value of one input, such as healing time by site.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Table {
    pub id: S<String>,
    pub label: String,
    /// The input whose value selects the row.
    pub by: S<String>,
    pub source: S<String>,
    #[serde(default)]
    pub interpretation: Option<String>,
    pub rows: Vec<Row>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Row {
    pub key: S<String>,
    /// A period in the dose notation: `6-8wk`, `up to 12wk`.
    pub value: S<String>,
    #[serde(default)]
    pub note: Option<String>,
    /// Where this row's figure comes from, when not from the table's `source`.
    #[serde(default)]
    pub source: Option<S<String>>,
}

/// A named set of exercises done together, written as a dose.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Circuit {
    pub id: S<String>,
    pub title: String,
    pub exercises: S<String>,
    pub source: S<String>,
    #[serde(default)]
    pub interpretation: Option<String>,
    #[serde(default)]
    pub notes: Vec<Note>,
}

/// A test or evaluation a clinician performs, such as the single-leg hop test.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Assessment {
    pub id: S<String>,
    pub title: String,
    pub source: S<String>,
    #[serde(default)]
    pub interpretation: Option<String>,
    /// Questions the result answers (the patient file's `result` keys).
    #[serde(default)]
    pub questions: Vec<Question>,
    /// Topics the clinician reviews, for evaluations without a pass mark.
    #[serde(default)]
    pub checklist: Vec<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Question {
    pub id: S<String>,
    pub text: String,
    /// `yes-no` (the default) or `number`: a measurement such as a limb symmetry index.
    #[serde(default, rename = "type")]
    pub kind: Option<S<QuestionKind>>,
    /// The answer that passes, for yes/no questions.
    #[serde(default)]
    pub pass: Option<S<bool>>,
    /// The unit of a number answer, shown with it (`%`, `degrees`).
    #[serde(default)]
    pub unit: Option<String>,
    /// A number answer passes when it is at least this.
    #[serde(default)]
    pub at_least: Option<S<f64>>,
    /// A number answer passes when it is more than this.
    #[serde(default)]
    pub above: Option<S<f64>>,
    /// A number answer passes when it is at most this.
    #[serde(default)]
    pub at_most: Option<S<f64>>,
    /// A number answer passes when it is less than this.
    #[serde(default)]
    pub below: Option<S<f64>>,
}

/// What kind of answer a question takes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum QuestionKind {
    /// True or false.
    #[default]
    YesNo,
    /// A measured number.
    Number,
}

/// A named event the protocol may wait for, such as clearance by a physician.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EventDecl {
    pub id: S<String>,
    pub title: String,
    #[serde(default)]
    pub source: Option<S<String>>,
}

/// Something a check-in may report besides session and pain, such as next-day
/// swelling or morning stiffness. Patients write it as a key of the check-in
/// (`swelling: true`, `stiffness: 3`); scripts read it as `fields.<id>`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct JournalField {
    /// The key a check-in uses: letters, digits and `_`, not one of the keys every
    /// entry has (`date`, `session`, `pain`, `note`, `assessment`, `result`, `event`).
    pub id: S<String>,
    /// The question the patient answers, as a check-in form would ask it.
    pub text: String,
    /// `yes-no` (the default) or `number`.
    #[serde(default, rename = "type")]
    pub kind: Option<S<QuestionKind>>,
    /// The unit of a number, shown with it.
    #[serde(default)]
    pub unit: Option<String>,
    /// The lowest number a check-in may report (a scale's bottom, such as 0).
    #[serde(default)]
    pub min: Option<S<f64>>,
    /// The highest number a check-in may report (a scale's top, such as 10).
    #[serde(default)]
    pub max: Option<S<f64>>,
    #[serde(default)]
    pub source: Option<S<String>>,
    /// Present when the file reads a vague source one particular way; says how and why.
    #[serde(default)]
    pub interpretation: Option<String>,
}

/// A piece of guidance with its provenance.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Note {
    pub text: String,
    pub source: S<String>,
    /// Present when the file reads a vague source one particular way; says how and why.
    #[serde(default)]
    pub interpretation: Option<String>,
    /// Limits the note to patients whose inputs match.
    #[serde(default)]
    pub when: Option<Condition>,
}

/// A condition on one input's value.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    pub input: S<String>,
    /// Holds when the input's value is one of these.
    #[serde(default, rename = "in")]
    pub any_of: Option<Vec<S<String>>>,
    /// Holds when the input's value is none of these.
    #[serde(default)]
    pub not_in: Option<Vec<S<String>>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Phase {
    pub id: S<String>,
    pub title: String,
    pub source: S<String>,
    #[serde(default)]
    pub interpretation: Option<String>,
    #[serde(default)]
    pub purpose: Option<String>,
    /// How long the phase lasts. Absent for a phase whose `weeks` set its length.
    #[serde(default)]
    pub duration: Option<DurationSpec>,
    #[serde(default)]
    pub allowed: Vec<Note>,
    #[serde(default)]
    pub avoided: Vec<Note>,
    /// The dose of a cross-training day, unless a week gives its own.
    #[serde(default)]
    pub cross: Option<S<String>>,
    /// The circuit done on strength days, or a list of circuits that strength days take
    /// in turn, in the order listed.
    #[serde(default)]
    pub strength: Option<S<CircuitIds>>,
    /// Circuits left out of strength days while a gate of the phase fails.
    #[serde(default)]
    pub withhold: Vec<Withhold>,
    /// Which kind of day falls on each of the seven days of a phase week.
    #[serde(default)]
    pub pattern: Vec<PatternRule>,
    /// Week-by-week sessions.
    #[serde(default)]
    pub weeks: Vec<WeekPlan>,
    /// Level-by-level sessions, instead of `weeks`: the patient moves up a level by
    /// doing its sessions, not as the calendar turns, and rules may step back a level.
    #[serde(default)]
    pub levels: Vec<LevelPlan>,
    /// When a level-by-level phase moves up a level; after one session done if absent.
    #[serde(default)]
    pub advance: Option<AdvanceSpec>,
    /// Limits on how often sessions fall or levels rise, whatever the pattern and the
    /// rules would do.
    #[serde(default)]
    pub limits: Vec<Limit>,
    /// Assessments done when the phase begins.
    #[serde(default)]
    pub on_entry: Vec<S<String>>,
    /// Evidence needed before the phase begins, tested each time it is entered.
    #[serde(default)]
    pub requires: Vec<Requirement>,
    /// Conditions to leave the phase; a nominal plan assumes they pass on its last day.
    #[serde(default)]
    pub gates: Vec<Gate>,
    /// Guidance for the phase; a note with `days` or `weeks` is also a reminder on
    /// each day it applies to.
    #[serde(default)]
    pub notes: Vec<PhaseNote>,
}

/// A phase's `strength`: one circuit id, or a list of circuit ids that strength days
/// take in turn.
#[derive(Debug, Clone, PartialEq)]
pub enum CircuitIds {
    /// One circuit, on every strength day; its place is the `strength` value's own.
    One(String),
    /// Circuits taken in turn, the first on the phase's first strength day.
    Rotation(Vec<S<String>>),
}

impl JsonSchema for CircuitIds {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "CircuitIds".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A circuit id, or a list of circuit ids that strength days take in turn.",
            "anyOf": [
                { "type": "string" },
                { "type": "array", "items": { "type": "string" } }
            ]
        })
    }
}

impl<'de> Deserialize<'de> for CircuitIds {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = CircuitIds;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a circuit id or a list of circuit ids")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<CircuitIds, E> {
                Ok(CircuitIds::One(v.to_string()))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<CircuitIds, A::Error> {
                let mut ids = Vec::new();
                while let Some(id) = seq.next_element::<S<String>>()? {
                    ids.push(id);
                }
                Ok(CircuitIds::Rotation(ids))
            }
        }
        d.deserialize_any(V)
    }
}

/// A circuit left out of the phase's strength days from the day a gate of the phase
/// fails until it passes: hopping while a hop test hurts.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Withhold {
    /// One of the phase's strength circuits.
    pub circuit: S<String>,
    /// The id of one of the phase's gates.
    pub while_failing: S<String>,
    pub source: S<String>,
    #[serde(default)]
    pub interpretation: Option<String>,
}

/// A phase's note: guidance listed with the phase and, when it says `days` or `weeks`,
/// also shown as a reminder on each day of those kinds in those weeks.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PhaseNote {
    pub text: String,
    pub source: S<String>,
    /// Present when the file reads a vague source one particular way; says how and why.
    #[serde(default)]
    pub interpretation: Option<String>,
    /// Limits the note to patients whose inputs match.
    #[serde(default)]
    pub when: Option<Condition>,
    /// The kinds of day the note is a reminder on; every kind when absent and `weeks`
    /// is given.
    #[serde(default)]
    pub days: Vec<DayName>,
    /// The weeks of the phase the note is a reminder in (`1-8`); every week when absent
    /// and `days` is given.
    #[serde(default)]
    pub weeks: Option<S<WeekSpan>>,
}

impl PhaseNote {
    /// The note as guidance, without what makes it a reminder.
    pub fn note(&self) -> Note {
        Note {
            text: self.text.clone(),
            source: self.source.clone(),
            interpretation: self.interpretation.clone(),
            when: self.when.clone(),
        }
    }
}

/// A kind of day, as a reminder names it: a day holding a session, cross-training,
/// strength work, or nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum DayName {
    Session,
    Cross,
    Strength,
    Off,
}

/// A phase length: a fixed period or one looked up in a table, optionally counted from
/// a date input instead of from the phase's first day.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DurationSpec {
    #[serde(default)]
    pub period: Option<S<String>>,
    #[serde(default)]
    pub table: Option<S<String>>,
    /// A date input: the phase ends when the period has passed since that date.
    #[serde(default)]
    pub since: Option<S<String>>,
    /// A Rhai expression giving the length: a whole number of days, or a period in the
    /// dose notation such as `"6-8wk"`.
    #[serde(default)]
    pub compute: Option<S<String>>,
    #[serde(default)]
    pub source: Option<S<String>>,
    #[serde(default)]
    pub interpretation: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PatternRule {
    /// The weeks of the phase this pattern covers (`1-8`, `9`); all weeks when absent.
    #[serde(default)]
    pub weeks: Option<S<WeekSpan>>,
    /// Seven day kinds: `session`, `cross`, `strength`, `off`, or several joined by `+`.
    pub days: S<Vec<S<String>>>,
    pub source: S<String>,
    #[serde(default)]
    pub interpretation: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WeekPlan {
    pub week: S<WeekSpan>,
    /// The dose on session days.
    #[serde(default)]
    pub session: Option<S<String>>,
    /// Doses that differ from one session of the week to the next, in order: the first
    /// session day of the week gets the first, and so on. Instead of `session`.
    #[serde(default)]
    pub sessions: Vec<S<String>>,
    /// A Rhai expression giving the session dose as text in the dose notation, instead of
    /// `session`.
    #[serde(default)]
    pub compute: Option<S<String>>,
    /// The dose on cross-training days, when it differs from the phase's.
    #[serde(default)]
    pub cross: Option<S<String>>,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub interpretation: Option<String>,
}

/// The session of one level (`3`) or of a run of levels with the same dose (`2-4`).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LevelPlan {
    pub level: S<WeekSpan>,
    /// The dose on session days at this level.
    pub session: S<String>,
    /// The dose on cross-training days, when it differs from the phase's.
    #[serde(default)]
    pub cross: Option<S<String>>,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub interpretation: Option<String>,
}

/// How many sessions of a level must be done before the next level.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AdvanceSpec {
    /// Sessions done at a level (not skipped, not partial, and with no rule holding
    /// them back) before moving up.
    pub sessions: S<u32>,
    pub source: S<String>,
    #[serde(default)]
    pub interpretation: Option<String>,
}

/// At most `max` sessions, or level rises, in any `per` days: "at most 4 sessions a
/// week" is `{ max: 4, of: sessions, per: 7d }`; "never on consecutive days" is
/// `{ max: 1, of: sessions, per: 2d }`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Limit {
    pub max: S<u32>,
    pub of: S<LimitOf>,
    /// A period of whole days or weeks: `7d`, `1wk`.
    pub per: S<String>,
    pub source: S<String>,
    #[serde(default)]
    pub interpretation: Option<String>,
}

/// What a limit counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LimitOf {
    /// Session days.
    Sessions,
    /// Moves up a level, in a level-by-level phase.
    Levels,
}

/// A condition for leaving a phase: an assessment passed, an event reported, a Rhai
/// condition, or the phase's minimum time; a gate with none of them is a checkpoint for
/// the clinician that the plan records but cannot test.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Gate {
    pub id: S<String>,
    pub title: String,
    /// Passes when the latest result of this assessment passes.
    #[serde(default)]
    pub assessment: Option<S<String>>,
    /// Passes once this event is in the journal.
    #[serde(default)]
    pub event: Option<S<String>>,
    /// Passes when this Rhai condition is true.
    #[serde(default)]
    pub when: Option<S<String>>,
    /// `minimum`: passes once the shortest length of the phase's duration has passed,
    /// and lets the phase end that early when its other gates pass on evidence.
    #[serde(default)]
    pub time: Option<S<TimeGate>>,
    /// How long a failed gate holds the phase before it is tested again; 1wk if absent.
    #[serde(default)]
    pub retest: Option<S<String>>,
    pub source: S<String>,
    #[serde(default)]
    pub interpretation: Option<String>,
}

/// Evidence needed before a phase begins: an assessment passed, an event reported or a
/// Rhai condition; one with none of them is a checkpoint for the clinician that the plan
/// records but cannot test. While a requirement is not met, the plan waits to begin the
/// phase.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Requirement {
    pub id: S<String>,
    pub title: String,
    /// Met when the latest result of this assessment, on or before the day, passes.
    #[serde(default)]
    pub assessment: Option<S<String>>,
    /// Met once this event is in the journal.
    #[serde(default)]
    pub event: Option<S<String>>,
    /// Met when this Rhai condition is true.
    #[serde(default)]
    pub when: Option<S<String>>,
    pub source: S<String>,
    #[serde(default)]
    pub interpretation: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TimeGate {
    Minimum,
}

/// A rule: when its trigger happens and its condition holds, it acts on the plan.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleDoc {
    pub id: S<String>,
    pub on: S<Trigger>,
    /// With `on: assessment`, only results of this assessment.
    #[serde(default)]
    pub assessment: Option<S<String>>,
    /// With `on: event`, only this event.
    #[serde(default)]
    pub event: Option<S<String>>,
    /// The phases the rule applies in; every phase when absent.
    #[serde(default)]
    pub phases: Vec<S<String>>,
    /// A Rhai condition.
    pub when: S<String>,
    /// `advance`, `hold`, `regress N`, `rest N`, `repeat`, `goto PHASE`, `refer` or
    /// `advise`; `rest N` may be joined to advance, hold, regress or repeat:
    /// `rest 2, regress 1`, `rest 1, repeat`.
    pub action: S<String>,
    pub reason: String,
    pub source: S<String>,
    #[serde(default)]
    pub interpretation: Option<String>,
}

/// What makes a rule look at the patient.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Trigger {
    /// A journal entry reporting a session or pain.
    CheckIn,
    /// The last day of each week of a phase.
    WeekEnd,
    /// A journal entry with an assessment result.
    Assessment,
    /// A journal entry with a named event.
    Event,
}

/// The highest week number a protocol may use: ten years of weeks.
pub const MAX_WEEK: u32 = 520;

/// One week (`3`) or an inclusive run of weeks (`1-8`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WeekSpan {
    pub first: u32,
    pub last: u32,
}

impl WeekSpan {
    pub fn contains(&self, week: u32) -> bool {
        (self.first..=self.last).contains(&week)
    }

    fn parse(text: &str) -> Result<WeekSpan, String> {
        let number = |s: &str| {
            s.trim()
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=MAX_WEEK).contains(n))
                .ok_or_else(|| {
                    format!(
                        "expected a week number from 1 to {MAX_WEEK}, found `{}`",
                        s.trim()
                    )
                })
        };
        let (first, last) = match text.split_once('-') {
            Some((a, b)) => (number(a)?, number(b)?),
            None => {
                let n = number(text)?;
                (n, n)
            }
        };
        if first > last {
            return Err(format!("week range is inverted: {first} is after {last}"));
        }
        Ok(WeekSpan { first, last })
    }
}

impl JsonSchema for WeekSpan {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "WeekSpan".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "One week (3) or an inclusive run of weeks (\"1-8\"), counted from 1, at most 520.",
            "anyOf": [
                { "type": "integer", "minimum": 1, "maximum": MAX_WEEK },
                { "type": "string", "pattern": "^\\s*[0-9]+\\s*(-\\s*[0-9]+\\s*)?$" }
            ]
        })
    }
}

impl std::fmt::Display for WeekSpan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.first == self.last {
            write!(f, "{}", self.first)
        } else {
            write!(f, "{}-{}", self.first, self.last)
        }
    }
}

impl<'de> Deserialize<'de> for WeekSpan {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = WeekSpan;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a week number or a range of weeks such as 1-8")
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<WeekSpan, E> {
                WeekSpan::parse(&v.to_string()).map_err(E::custom)
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<WeekSpan, E> {
                WeekSpan::parse(&v.to_string()).map_err(E::custom)
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<WeekSpan, E> {
                WeekSpan::parse(v).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}
