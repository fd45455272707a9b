//! The plan a run produces: phases with dates, every day's prescription, weekly
//! summaries, decisions with their reasons, and the outcome.
//!
//! These types are the JSON contract of `engine run --format json`; renderers for
//! people read the same values.

use jiff::civil::Date;
use rehab_syntax::protocol::{LimitOf, RangePolicy};
use serde::{Serialize, Serializer};

use crate::model::{Answer, Author, Source, Value};

#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub protocol: ProtocolInfo,
    pub disclaimer: String,
    pub patient: PatientInfo,
    pub scheduling: SchedulingInfo,
    pub start: Date,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub as_of: Option<Date>,
    pub journal: JournalInfo,
    /// The protocol's requirements: the evidence needed before its first phase begins.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub requires: Vec<GateOut>,
    pub phases: Vec<PhasePlan>,
    pub weeks: Vec<WeekSummary>,
    pub days: Vec<Day>,
    /// Protocol-wide guidance that applies to this patient.
    pub notes: Vec<NoteOut>,
    pub outcome: Outcome,
    /// What made the plan: the protocol's and the patient's digests, the engine's version.
    pub provenance: crate::provenance::Provenance,
}

/// How much of the plan follows the patient's journal.
#[derive(Debug, Clone, Serialize)]
pub struct JournalInfo {
    /// Entries in the patient file.
    pub entries: usize,
    /// Entries dated within the plan, which the run applied.
    pub applied: usize,
    /// The last journal date: days up to it follow what was reported, later days are
    /// projected. Absent when the journal is empty and every day is projected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub followed_until: Option<Date>,
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
    /// How the phase's dates moved from its scheduled length, and why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub adjustments: Vec<String>,
    /// The first days of the stay, when the plan waited for the phase's requirements
    /// before the phase began (its own schedule starts the day after `waited.end`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waited: Option<Waited>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    pub source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interpretation: Option<String>,
    pub allowed: Vec<NoteOut>,
    pub avoided: Vec<NoteOut>,
    /// The phase's strength circuit, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strength: Option<CircuitOut>,
    /// The circuits strength days take in turn, when the phase lists several (then
    /// `strength` is absent).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rotation: Vec<CircuitOut>,
    /// Circuits left out of strength days while a gate fails.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub withhold: Vec<WithholdOut>,
    pub on_entry: Vec<AssessmentOut>,
    /// The evidence needed each time the phase is entered, before it begins.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub requires: Vec<GateOut>,
    pub gates: Vec<GateOut>,
    pub patterns: Vec<PatternOut>,
    pub notes: Vec<NoteOut>,
}

/// Days a plan waited before a phase began, and the evidence it waited for.
#[derive(Debug, Clone, Serialize)]
pub struct Waited {
    pub start: Date,
    /// The last day waited (inclusive).
    pub end: Date,
    pub days: u32,
    /// The titles of the requirements that were not met while the plan waited.
    #[serde(rename = "for")]
    pub missing: Vec<String>,
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

/// A circuit left out of strength days from the day a gate fails until it passes.
#[derive(Debug, Clone, Serialize)]
pub struct WithholdOut {
    pub circuit: String,
    /// The gate's id.
    pub while_failing: String,
    pub source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interpretation: Option<String>,
}

/// A phase note shown on a day it applies to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReminderOut {
    pub text: String,
    pub source: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct AssessmentOut {
    pub id: String,
    pub title: String,
    pub questions: Vec<String>,
    pub checklist: Vec<String>,
    pub source: String,
}

/// A gate, or a requirement, as the plan lists it.
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
    #[serde(serialize_with = "day_date")]
    pub date: Date,
    pub phase: String,
    /// The week of the phase, from 1; 0 on a day the plan waits for the phase's
    /// requirements before the phase begins.
    pub week: u32,
    /// The day of the phase week, 1-7; 0 on a day the plan waits.
    pub day: u32,
    pub session: SessionOut,
    /// The level of a level-by-level phase.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<u32>,
    pub status: Status,
    /// What the patient reported for the day, when the journal has a check-in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report: Option<Report>,
    pub decisions: Vec<Decision>,
    /// The phase's notes that apply to the day's kind and week (`days`, `weeks`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reminders: Vec<ReminderOut>,
    /// Which week of the plan the day falls in, counting repeated weeks apart.
    #[serde(skip)]
    pub seq: u32,
}

/// A day's date as `YYYY-MM-DD`, as its `Display` writes it, but without the formatting
/// machinery (a plan writes some two hundred of them).
fn day_date<S: Serializer>(date: &Date, s: S) -> Result<S::Ok, S::Error> {
    let year = date.year();
    if !(1000..=9999).contains(&year) {
        return date.serialize(s);
    }
    let digit = |n: i16| b'0' + (n % 10) as u8;
    let (month, day) = (i16::from(date.month()), i16::from(date.day()));
    let text = [
        digit(year / 1000),
        digit(year / 100),
        digit(year / 10),
        digit(year),
        b'-',
        digit(month / 10),
        digit(month),
        b'-',
        digit(day / 10),
        digit(day),
    ];
    match std::str::from_utf8(&text) {
        Ok(text) => s.serialize_str(text),
        Err(_) => date.serialize(s),
    }
}

/// A day's check-in as reported.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session: Option<Status>,
    /// Pain scores given, by time: before, during, after, next_day.
    #[serde(serialize_with = "ordered_ints")]
    pub pain: Vec<(&'static str, i64)>,
    /// The protocol's journal fields the check-in reported, by id.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        serialize_with = "ordered_answers"
    )]
    pub fields: Vec<(String, Answer)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

fn ordered_answers<S: Serializer>(entries: &[(String, Answer)], s: S) -> Result<S::Ok, S::Error> {
    s.collect_map(entries.iter().map(|(k, v)| (k, v.value())))
}

fn ordered_ints<S: Serializer>(entries: &[(&'static str, i64)], s: S) -> Result<S::Ok, S::Error> {
    s.collect_map(entries.iter().map(|(k, v)| (k, v)))
}

#[derive(Debug, Clone, Serialize)]
pub struct SessionOut {
    /// The whole day's prescription in one line.
    pub text: String,
    pub parts: Vec<Part>,
}

impl SessionOut {
    /// Whether the day holds a part of this kind.
    pub fn has(&self, kind: PartKind) -> bool {
        self.parts.iter().any(|p| p.kind == kind)
    }

    /// Whether the day prescribes running or jogging, by time or by distance.
    pub fn runs(&self) -> bool {
        self.parts.iter().any(Part::runs)
    }
}

impl Part {
    /// Whether the part prescribes running or jogging, by time or by distance.
    pub fn runs(&self) -> bool {
        self.has_running
            && (self.running_ms.is_none_or(|(_, hi)| hi > 0) || self.running_mm.is_some())
    }

    /// Whether the time the part spends running is known: it runs by time only, or does
    /// not run. Running given by distance, or repeated to a distance, takes a time that
    /// depends on the patient's pace.
    pub fn running_time_known(&self) -> bool {
        !self.runs() || (self.running_ms.is_some() && self.running_mm.is_none())
    }
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
    /// Distance run or jogged, low and high end, in millimetres, with the unit the
    /// dose writes distances in; absent when the dose gives no running distance.
    #[serde(skip)]
    pub running_mm: Option<(u64, u64, DistanceUnit)>,
    /// Whether the dose has running or jogging in it at all, even where neither its
    /// time nor its distance can be known (`walk 0.1mi, jog 0.1mi; repeat 20min`).
    #[serde(skip)]
    pub has_running: bool,
    /// The dose in plain words for patients (`walk 2 minutes, jog 1-2 minutes, repeat
    /// for 20 minutes in all`); not in JSON, whose `text` is the canonical notation.
    #[serde(skip)]
    pub plain: std::sync::Arc<str>,
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
    /// A day the plan waits for a phase's requirements before the phase begins.
    Waiting,
}

impl From<crate::model::SessionStatus> for Status {
    fn from(s: crate::model::SessionStatus) -> Self {
        use crate::model::SessionStatus as S;
        match s {
            S::Done => Status::Done,
            S::Partial => Status::Partial,
            S::Skipped => Status::Skipped,
        }
    }
}

/// Why the plan did something on a day, with the values it looked at.
#[derive(Debug, Clone, Serialize)]
pub struct Decision {
    /// Who decided: a protocol rule, a gate, a limit, the progression, or the engine.
    #[serde(rename = "rule")]
    pub by: Decider,
    /// What was decided.
    pub action: Verdict,
    pub reason: String,
    #[serde(serialize_with = "ordered_map")]
    pub values: Vec<(String, Value)>,
    /// The rule's condition as written, for decisions made by a rule or a scripted gate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// How the protocol reads its source for this rule, when it says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interpretation: Option<String>,
    /// Set when this rule fired but a more conservative one on the same day won: the
    /// winning rule's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overridden_by: Option<String>,
}

impl Decision {
    /// Whether `id` names a decision the engine makes itself (`rest`, `complete`, or a
    /// `kind:name` such as `gate:hop-test`); protocol rules may not use such ids, so a
    /// [`Decider`] written out can always be told from a rule's id.
    pub fn is_engine_id(id: &str) -> bool {
        id.contains(':') || matches!(id, "rest" | "complete")
    }

    /// A decision the engine makes itself, not a protocol rule.
    pub fn engine(by: Decider, action: Verdict, reason: String) -> Self {
        Decision {
            by,
            action,
            reason,
            values: Vec::new(),
            condition: None,
            source: None,
            interpretation: None,
            overridden_by: None,
        }
    }

    #[must_use]
    pub fn with_source(mut self, source: impl Into<String>) -> Self {
        self.source = Some(source.into());
        self
    }

    #[must_use]
    pub fn with_values(mut self, values: Vec<(String, Value)>) -> Self {
        self.values = values;
        self
    }
}

/// Who made a decision. Written out as the plan's `rule` string: a rule's id, or
/// `kind:name` (`gate:hop-test`, `limit:levels`, `week:3`) or `rest`/`complete` for the
/// engine's own, which rule ids may not look like.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decider {
    /// A protocol rule, by id.
    Rule(String),
    /// A phase's gate, by id.
    Gate(String),
    /// A requirement of a phase, or of the protocol, before the phase begins, by id.
    Requirement(String),
    /// A phase's limit on sessions or on levels.
    Limit(LimitOf),
    /// Entering a phase, by id.
    Phase(String),
    /// An assessment asked for when a phase begins, by id.
    Assessment(String),
    /// The week-by-week progression, at this week.
    Week(u32),
    /// The level-by-level progression, at this level.
    Level(u32),
    /// Rest days a rule asked for.
    Rest,
    /// The end of the protocol.
    Complete,
}

impl Decider {
    /// The rule's id, when a protocol rule decided.
    pub fn rule_id(&self) -> Option<&str> {
        match self {
            Decider::Rule(id) => Some(id),
            _ => None,
        }
    }
}

impl std::fmt::Display for Decider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Decider::Rule(id) => f.write_str(id),
            Decider::Gate(id) => write!(f, "gate:{id}"),
            Decider::Requirement(id) => write!(f, "requires:{id}"),
            Decider::Limit(LimitOf::Sessions) => f.write_str("limit:sessions"),
            Decider::Limit(LimitOf::Levels) => f.write_str("limit:levels"),
            Decider::Phase(id) => write!(f, "phase:{id}"),
            Decider::Assessment(id) => write!(f, "assess:{id}"),
            Decider::Week(n) => write!(f, "week:{n}"),
            Decider::Level(n) => write!(f, "level:{n}"),
            Decider::Rest => f.write_str("rest"),
            Decider::Complete => f.write_str("complete"),
        }
    }
}

// The JSON contract has strings; the engine has the enum. This is the one place one
// becomes the other.
impl Serialize for Decider {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// What a decision decided. Written out as the plan's `action` string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// A phase begins: `enter`.
    Enter,
    /// An assessment is due: `assess`.
    Assess,
    /// Rest days begin: `rest`.
    Rest,
    /// The protocol, or a phase's last level, is done: `complete`.
    Complete,
    /// The next level from tomorrow: `advance`.
    Advance,
    /// Held back: a week repeated, a level that waits, a gate not passed: `hold`.
    Hold,
    /// No session today, by a limit: `off`.
    Off,
    /// A gate passed: `pass`.
    Pass,
    /// A gate for the clinician to confirm: `checkpoint`.
    Checkpoint,
    /// A gate waits for evidence: `wait`.
    Wait,
    /// A gate without evidence is projected to pass: `assume-passed`.
    AssumePassed,
    /// A circuit is left out of strength days while a gate fails: `withhold`.
    Withhold,
    /// What a protocol rule asked for, as its author wrote it: `rest 2, regress 1`.
    Rule(Vec<RuleAction>),
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let word = match self {
            Verdict::Enter => "enter",
            Verdict::Assess => "assess",
            Verdict::Rest => "rest",
            Verdict::Complete => "complete",
            Verdict::Advance => "advance",
            Verdict::Hold => "hold",
            Verdict::Off => "off",
            Verdict::Pass => "pass",
            Verdict::Checkpoint => "checkpoint",
            Verdict::Wait => "wait",
            Verdict::AssumePassed => "assume-passed",
            Verdict::Withhold => "withhold",
            Verdict::Rule(actions) => {
                for (i, a) in actions.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{a}")?;
                }
                return Ok(());
            }
        };
        f.write_str(word)
    }
}

impl Serialize for Verdict {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// One action of a protocol rule, with the phase it goes to named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleAction {
    Advance,
    Hold,
    Regress(u32),
    Rest(u32),
    Repeat,
    Goto(String),
    Refer,
    Advise,
}

impl std::fmt::Display for RuleAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RuleAction::Advance => f.write_str("advance"),
            RuleAction::Hold => f.write_str("hold"),
            RuleAction::Regress(n) => write!(f, "regress {n}"),
            RuleAction::Rest(n) => write!(f, "rest {n}"),
            RuleAction::Repeat => f.write_str("repeat"),
            RuleAction::Goto(phase) => write!(f, "goto {phase}"),
            RuleAction::Refer => f.write_str("refer"),
            RuleAction::Advise => f.write_str("advise"),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct WeekSummary {
    pub phase: String,
    /// The week of the phase, from 1; 0 for the days the plan waited before it began.
    pub week: u32,
    /// The levels the week's days were at, in a level-by-level phase.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub levels: Option<LevelSpan>,
    pub start: Date,
    pub end: Date,
    /// Minutes of running and jogging in the week, at the low and high ends of the doses;
    /// `None` (JSON `null`) when a running dose of the week gives its running by distance
    /// (`jog 2mi`, `walk 2min, run 3min; repeat 1mi`), whose time depends on the pace.
    /// Then the week's timed sessions are not counted either, so no partial sum reads as
    /// the week's minutes; `run_distance` gives the distance instead.
    pub run_minutes: Option<MinuteRange>,
    /// Distance run or jogged in the week, when the doses give distances: the distance
    /// of the running items, or the whole total of a run/walk sequence repeated to a
    /// distance (walking breaks included). Timed sessions add no distance.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_distance: Option<DistanceRange>,
    /// Timed running sessions of a week whose minutes are unknown: `run_distance` leaves
    /// them out, so renderers say so rather than show the distance as the week's running.
    #[serde(skip)]
    pub timed_runs_left_out: u32,
    pub sessions: u32,
    pub cross_days: u32,
    pub strength_days: u32,
    pub off_days: u32,
    /// What the phase's `weeks` entry for the week says beside its doses: its `note`
    /// and `interpretation`. In a level-by-level phase, one for each `levels` entry the
    /// week's days were at, in the order the week reached them. Absent when there is
    /// none, and for a week past the last listed one (which only continues its doses).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<WeekNote>,
}

/// The `note` and `interpretation` of an entry of a phase's `weeks` or `levels`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WeekNote {
    /// The levels the entry covers, in a level-by-level phase (the week is the summary's
    /// own otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub levels: Option<LevelSpan>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interpretation: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LevelSpan {
    pub first: u32,
    pub last: u32,
}

impl std::fmt::Display for LevelSpan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.first == self.last {
            write!(f, "{}", self.first)
        } else {
            write!(f, "{}-{}", self.first, self.last)
        }
    }
}

/// A distance range in the unit the protocol's doses use.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DistanceRange {
    pub min: f64,
    pub max: f64,
    pub unit: DistanceUnit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DistanceUnit {
    Km,
    Mi,
}

impl DistanceUnit {
    /// Millimetres in this unit, to two decimal places.
    pub fn from_mm(self, mm: u64) -> f64 {
        let per = match self {
            DistanceUnit::Km => 1_000_000.0,
            DistanceUnit::Mi => 1_609_344.0,
        };
        (mm as f64 / per * 100.0).round() / 100.0
    }

    pub fn symbol(self) -> &'static str {
        match self {
            DistanceUnit::Km => "km",
            DistanceUnit::Mi => "mi",
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_date_is_written_as_its_display_writes_it() {
        for (y, m, d) in [
            (2026, 9, 1),
            (1000, 1, 1),
            (9999, 12, 31),
            (999, 5, 17),
            (1, 1, 1),
        ] {
            let date = jiff::civil::date(y, m, d);
            let json = day_date(&date, serde_json::value::Serializer).unwrap();
            assert_eq!(json, serde_json::Value::String(date.to_string()), "{date}");
        }
    }
}
