//! The checked protocol: every reference resolved, every dose and period parsed.
//!
//! A value of [`Protocol`] exists only when `check` found no error, so the runner
//! never re-validates.

use std::sync::Arc;

use jiff::civil::Date;
use rehab_dose::{Amount, Dose};
pub use rehab_syntax::patient::SessionStatus;
pub use rehab_syntax::protocol::Trigger;
use rehab_syntax::protocol::{InputKind, RangePolicy, WeekSpan};
use serde::Serialize;

pub use crate::scripts::{ScriptId, Scripts};

/// A checked protocol. Its fields are the engine's own: only checking makes one, so a
/// value of this type is always a protocol without errors. Other crates read it
/// through the methods below.
#[derive(Debug, Clone)]
pub struct Protocol {
    /// SHA-256 of the protocol file's bytes and its modules' (see `provenance`).
    pub(crate) sha256: String,
    pub(crate) id: String,
    pub(crate) title: String,
    pub(crate) version: String,
    pub(crate) summary: Option<String>,
    pub(crate) authors: Vec<Author>,
    pub(crate) sources: Vec<Source>,
    pub(crate) disclaimer: String,
    pub(crate) range_policy: RangePolicy,
    pub(crate) inputs: Vec<Input>,
    /// The id of the date input the plan starts on.
    pub(crate) starts_on: String,
    pub(crate) tables: Vec<Table>,
    pub(crate) circuits: Vec<Circuit>,
    pub(crate) assessments: Vec<Assessment>,
    pub(crate) events: Vec<Event>,
    /// What a check-in may report besides session and pain.
    pub(crate) journal_fields: Vec<JournalField>,
    /// Evidence needed before the first phase begins.
    pub(crate) requires: Vec<Requirement>,
    pub(crate) phases: Vec<Phase>,
    pub(crate) rules: Vec<Rule>,
    pub(crate) notes: Vec<Note>,
    /// Every script of the protocol, compiled once, and the sandbox that runs them.
    pub(crate) scripts: Arc<Scripts>,
}

impl Protocol {
    pub fn id(&self) -> &str {
        &self.id
    }

    /// SHA-256 of the exact bytes the protocol was checked from: its file, then each
    /// module in the order `modules:` lists them (`crate::provenance`).
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    pub fn title(&self) -> &str {
        &self.title
    }

    pub fn version(&self) -> &str {
        &self.version
    }

    pub fn summary(&self) -> Option<&str> {
        self.summary.as_deref()
    }

    pub fn authors(&self) -> &[Author] {
        &self.authors
    }

    pub fn sources(&self) -> &[Source] {
        &self.sources
    }

    pub fn disclaimer(&self) -> &str {
        &self.disclaimer
    }

    pub fn range_policy(&self) -> RangePolicy {
        self.range_policy
    }

    pub fn inputs(&self) -> &[Input] {
        &self.inputs
    }

    pub fn starts_on(&self) -> &str {
        &self.starts_on
    }

    pub fn tables(&self) -> &[Table] {
        &self.tables
    }

    pub fn circuits(&self) -> &[Circuit] {
        &self.circuits
    }

    pub fn assessments(&self) -> &[Assessment] {
        &self.assessments
    }

    pub fn events(&self) -> &[Event] {
        &self.events
    }

    pub fn journal_fields(&self) -> &[JournalField] {
        &self.journal_fields
    }

    /// Evidence needed before the first phase begins.
    pub fn requires(&self) -> &[Requirement] {
        &self.requires
    }

    pub fn phases(&self) -> &[Phase] {
        &self.phases
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    pub fn notes(&self) -> &[Note] {
        &self.notes
    }

    pub fn scripts(&self) -> &Scripts {
        &self.scripts
    }

    pub fn phase_index(&self, id: &str) -> Option<usize> {
        self.phases.iter().position(|p| p.id == id)
    }
}

/// A rule: on its trigger, in its phases, when its condition holds, it acts.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub trigger: Trigger,
    /// With an assessment or event trigger, the one assessment or event it is about.
    pub only: Option<String>,
    /// Indexes into [`Protocol::phases`]; empty means every phase.
    pub phases: Vec<usize>,
    pub condition: ScriptId,
    /// What the rule does, in order: at most a `rest` and one other action.
    pub actions: Vec<Action>,
    pub reason: String,
    pub source: String,
    pub interpretation: Option<String>,
}

impl Rule {
    pub fn applies_in(&self, phase: usize) -> bool {
        self.phases.is_empty() || self.phases.contains(&phase)
    }

    /// The rank of the rule's most conservative action (see [`Action::rank`]).
    pub fn rank(&self, from_phase: usize) -> (u8, u32) {
        self.actions
            .iter()
            .map(|a| a.rank(from_phase))
            .max()
            .unwrap_or((0, 0))
    }

    /// Whether the rule only advises, leaving the schedule as it is.
    pub fn advises(&self) -> bool {
        self.actions == [Action::Advise]
    }

    /// What the rule decides when it fires: its actions, shown as authors write them
    /// (`rest 2, regress 1`).
    pub fn verdict(&self, protocol: &Protocol) -> crate::plan::Verdict {
        crate::plan::Verdict::Rule(self.actions.iter().map(|a| a.describe(protocol)).collect())
    }
}

/// What a rule does to the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Move on now: the next week of a week-by-week phase, or out of a timed phase when
    /// its gates pass.
    Advance,
    /// Repeat the current week instead of moving on when it ends.
    Hold,
    /// Step back this many weeks, starting tomorrow.
    Regress(u32),
    /// This many rest days from tomorrow; the schedule resumes where it stopped.
    Rest(u32),
    /// Do the day over: tomorrow (or the day after a rest joined to it) takes the
    /// day's place in the schedule again, so its session is repeated.
    Repeat,
    /// Start this phase (an index into [`Protocol::phases`]) tomorrow.
    Goto(usize),
    /// Stop the plan and refer the patient to the treating clinician.
    Refer,
    /// Record the rule's reason as advice on the day; the schedule does not change.
    /// For sources that say what to do ("reduce the load") without saying by how much.
    Advise,
}

impl Action {
    /// How conservative the action is: when several rules fire on one day, the highest
    /// rank wins. Referral beats going back a phase, which beats stepping back weeks
    /// (more weeks first), which beats rest (more days first), which beats holding a
    /// week, which beats repeating a day, which beats going forward.
    pub fn rank(&self, from_phase: usize) -> (u8, u32) {
        match *self {
            Action::Refer => (7, 0),
            Action::Goto(p) if p <= from_phase => (6, u32::try_from(from_phase - p).unwrap_or(0)),
            Action::Regress(n) => (5, n),
            Action::Rest(n) => (4, n),
            Action::Hold => (3, 0),
            Action::Repeat => (2, 0),
            Action::Advance => (1, 0),
            Action::Goto(_) | Action::Advise => (0, 0),
        }
    }

    /// The action as the plan shows it, with the phase id for `goto`.
    pub fn describe(&self, protocol: &Protocol) -> crate::plan::RuleAction {
        use crate::plan::RuleAction as A;
        match *self {
            Action::Advance => A::Advance,
            Action::Hold => A::Hold,
            Action::Regress(n) => A::Regress(n),
            Action::Rest(n) => A::Rest(n),
            Action::Repeat => A::Repeat,
            Action::Goto(p) => A::Goto(
                protocol
                    .phases
                    .get(p)
                    .map_or_else(|| "?".to_string(), |p| p.id.clone()),
            ),
            Action::Refer => A::Refer,
            Action::Advise => A::Advise,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Author {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Source {
    pub id: String,
    pub citation: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Input {
    pub id: String,
    pub label: String,
    pub kind: InputKind,
    /// `(value, label)` pairs of a choice input.
    pub choices: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
pub struct Table {
    pub id: String,
    pub label: String,
    /// The input whose value selects the row.
    pub by: String,
    pub source: String,
    pub interpretation: Option<String>,
    pub rows: Vec<Row>,
}

#[derive(Debug, Clone)]
pub struct Row {
    pub key: String,
    pub value: Amount,
    pub note: Option<String>,
    /// The row's own source, when it is not the table's.
    pub source: Option<String>,
}

impl Table {
    pub fn row(&self, key: &str) -> Option<&Row> {
        self.rows.iter().find(|r| r.key == key)
    }
}

#[derive(Debug, Clone)]
pub struct Circuit {
    pub id: String,
    pub title: String,
    pub exercises: Dose,
    pub source: String,
    pub interpretation: Option<String>,
    pub notes: Vec<Note>,
}

#[derive(Debug, Clone)]
pub struct Assessment {
    pub id: String,
    pub title: String,
    pub source: String,
    pub interpretation: Option<String>,
    pub questions: Vec<Question>,
    pub checklist: Vec<String>,
}

/// A question of an assessment: yes/no or a measured number, with the mark that
/// passes, if any.
#[derive(Debug, Clone)]
pub struct Question {
    pub id: String,
    pub text: String,
    /// Whether the answer is a number (a measurement) rather than yes or no.
    pub number: bool,
    pub unit: Option<String>,
    pub pass: Option<PassMark>,
}

/// What a passing answer is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PassMark {
    /// This yes/no answer.
    Answer(bool),
    /// A number within these bounds; every bound given must hold.
    Bounds {
        at_least: Option<f64>,
        above: Option<f64>,
        at_most: Option<f64>,
        below: Option<f64>,
    },
}

/// An answer to a question, as the journal gives it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Answer {
    Yes(bool),
    Number(f64),
}

/// An answer as plans show it: `yes`, `no`, or the number.
impl std::fmt::Display for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Answer::Yes(true) => write!(f, "yes"),
            Answer::Yes(false) => write!(f, "no"),
            Answer::Number(n) => write!(f, "{n}"),
        }
    }
}

impl Answer {
    pub fn value(&self) -> Value {
        match *self {
            Answer::Yes(b) => Value::Bool(b),
            Answer::Number(n) => Value::Number(n),
        }
    }
}

impl Question {
    /// Whether `answer` meets the pass mark; `None` when the question has none.
    pub fn passes(&self, answer: &Answer) -> Option<bool> {
        let mark = self.pass?;
        Some(match (mark, *answer) {
            (PassMark::Answer(want), Answer::Yes(given)) => want == given,
            (
                PassMark::Bounds {
                    at_least,
                    above,
                    at_most,
                    below,
                },
                Answer::Number(n),
            ) => {
                at_least.is_none_or(|b| n >= b)
                    && above.is_none_or(|b| n > b)
                    && at_most.is_none_or(|b| n <= b)
                    && below.is_none_or(|b| n < b)
            }
            _ => false,
        })
    }

    /// The pass mark in words: `at least 80 %`, `yes`.
    pub fn mark_text(&self) -> Option<String> {
        let unit = self
            .unit
            .as_deref()
            .map_or(String::new(), |u| format!(" {u}"));
        match self.pass? {
            PassMark::Answer(b) => Some(Answer::Yes(b).to_string()),
            PassMark::Bounds {
                at_least,
                above,
                at_most,
                below,
            } => {
                let parts: Vec<String> = [
                    ("at least", at_least),
                    ("above", above),
                    ("at most", at_most),
                    ("below", below),
                ]
                .into_iter()
                .filter_map(|(w, b)| b.map(|b| format!("{w} {b}{unit}")))
                .collect();
                Some(parts.join(" and "))
            }
        }
    }

    /// An answer that passes (or, with `pass` false, one that fails), for patients a
    /// simulation makes up: at the bound itself, or one past it.
    pub fn example_answer(&self, pass: bool) -> Answer {
        match self.pass {
            Some(PassMark::Answer(b)) => Answer::Yes(b == pass),
            None if !self.number => Answer::Yes(true),
            None => Answer::Number(0.0),
            Some(PassMark::Bounds {
                at_least,
                above,
                at_most,
                below,
            }) => {
                let n = if pass {
                    at_least
                        .or(above.map(|b| b + 1.0))
                        .or(at_most)
                        .or(below.map(|b| b - 1.0))
                } else {
                    at_least
                        .map(|b| b - 1.0)
                        .or(above)
                        .or(at_most.map(|b| b + 1.0))
                        .or(below)
                };
                Answer::Number(n.unwrap_or(0.0))
            }
        }
    }
}

#[derive(Debug, Clone)]
pub struct Event {
    pub id: String,
    pub title: String,
}

/// A further thing a check-in may report, such as swelling or stiffness.
#[derive(Debug, Clone)]
pub struct JournalField {
    pub id: String,
    pub text: String,
    /// Whether the value is a number rather than yes or no.
    pub number: bool,
    pub unit: Option<String>,
    /// The lowest and highest numbers a check-in may report, when the protocol bounds
    /// them.
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub source: Option<String>,
    pub interpretation: Option<String>,
}

impl JournalField {
    /// What a value must be, for messages: "true or false", "a number from 0 to 10".
    pub fn expects(&self) -> String {
        if !self.number {
            return "true or false".into();
        }
        match (self.min, self.max) {
            (Some(lo), Some(hi)) => format!("a number from {lo} to {hi}"),
            (Some(lo), None) => format!("a number of at least {lo}"),
            (None, Some(hi)) => format!("a number of at most {hi}"),
            (None, None) => "a number".into(),
        }
    }
}

/// Guidance with where it comes from, and for whom it holds.
#[derive(Debug, Clone)]
pub struct Note {
    pub text: String,
    pub source: String,
    pub interpretation: Option<String>,
    pub when: Option<Condition>,
}

/// Holds when input `input` has (or, with `negated`, has not) one of `values`.
#[derive(Debug, Clone)]
pub struct Condition {
    pub input: String,
    pub values: Vec<String>,
    pub negated: bool,
}

#[derive(Debug, Clone)]
pub struct Phase {
    pub id: String,
    pub title: String,
    pub source: String,
    pub interpretation: Option<String>,
    pub purpose: Option<String>,
    pub length: Length,
    pub allowed: Vec<Note>,
    pub avoided: Vec<Note>,
    pub cross: Option<Dose>,
    /// Indexes into [`Protocol::circuits`]: the circuits strength days take in turn
    /// (one for a phase with a single circuit, none without).
    pub strength: Vec<usize>,
    /// Circuits left out of strength days while a gate of the phase fails.
    pub withhold: Vec<Withhold>,
    pub pattern: Vec<PatternRule>,
    /// Week-by-week sessions; in a level-by-level phase, the levels (`weeks` holds the
    /// level numbers).
    pub weeks: Vec<WeekPlan>,
    /// When a level-by-level phase moves up a level.
    pub advance: Option<Advance>,
    pub limits: Vec<Limit>,
    /// Indexes into [`Protocol::assessments`].
    pub on_entry: Vec<usize>,
    /// Evidence needed each time the phase is entered, before it begins.
    pub requires: Vec<Requirement>,
    pub gates: Vec<Gate>,
    pub notes: Vec<Note>,
    /// The notes that are also reminders on the days they apply to.
    pub reminders: Vec<Reminder>,
}

/// A strength circuit left out from the day a gate of its phase fails until it passes.
#[derive(Debug, Clone)]
pub struct Withhold {
    /// Index into [`Protocol::circuits`].
    pub circuit: usize,
    /// Index into the phase's gates.
    pub gate: usize,
    pub source: String,
    pub interpretation: Option<String>,
}

/// A phase note shown on each day of some kinds, in some weeks.
#[derive(Debug, Clone)]
pub struct Reminder {
    pub note: Note,
    /// The kinds of day it is shown on; every kind when empty.
    pub days: Vec<crate::plan::PartKind>,
    /// The weeks of the phase it is shown in; every week when absent.
    pub weeks: Option<WeekSpan>,
}

impl Reminder {
    /// Whether the reminder is shown on a day of week `week` holding `parts`.
    pub fn on(&self, week: u32, parts: &[crate::plan::Part]) -> bool {
        self.weeks.is_none_or(|w| w.contains(week))
            && (self.days.is_empty() || parts.iter().any(|p| self.days.contains(&p.kind)))
    }
}

/// How a phase's number of days is found.
#[derive(Debug, Clone)]
pub struct Length {
    pub basis: LengthBasis,
    /// A date input: the phase ends when the period has passed since that date.
    pub since: Option<String>,
    pub source: Option<String>,
    pub interpretation: Option<String>,
}

#[derive(Debug, Clone)]
pub enum LengthBasis {
    /// A period written in the phase.
    Period(Amount),
    /// A period looked up in a table (index into [`Protocol::tables`]).
    Table(usize),
    /// As many weeks as the phase's week-by-week sessions list; each week is a level
    /// that rules may hold or step back.
    Weeks(u32),
    /// A Rhai expression giving days or a period.
    Computed(ScriptId),
    /// As many levels as the phase lists: the phase ends when the last level's sessions
    /// are done, however long that takes.
    Levels(u32),
}

/// When a level-by-level phase moves up a level.
#[derive(Debug, Clone)]
pub struct Advance {
    /// Sessions done at a level before the next one.
    pub sessions: u32,
    pub source: String,
    pub interpretation: Option<String>,
}

pub use rehab_syntax::protocol::LimitOf;

/// At most `max` sessions (or level rises) in any `days` consecutive days.
#[derive(Debug, Clone)]
pub struct Limit {
    pub max: u32,
    pub of: LimitOf,
    pub days: i64,
    pub source: String,
    pub interpretation: Option<String>,
}

impl Limit {
    /// The limit in words: `at most 4 sessions in any 7 days`.
    pub fn describe(&self) -> String {
        let what = match (self.of, self.max) {
            (LimitOf::Sessions, 1) => "session",
            (LimitOf::Sessions, _) => "sessions",
            (LimitOf::Levels, 1) => "level",
            (LimitOf::Levels, _) => "levels",
        };
        if self.of == LimitOf::Sessions && self.max == 1 && self.days == 2 {
            return "never on consecutive days".to_string();
        }
        format!("at most {} {what} in any {} days", self.max, self.days)
    }
}

#[derive(Debug, Clone)]
pub struct PatternRule {
    pub weeks: Option<WeekSpan>,
    pub days: [DayKind; 7],
    pub source: String,
    pub interpretation: Option<String>,
}

/// What a day of a phase week holds; a day with none of them is a day off.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DayKind {
    pub session: bool,
    pub cross: bool,
    pub strength: bool,
}

impl DayKind {
    pub fn is_off(&self) -> bool {
        !(self.session || self.cross || self.strength)
    }
}

#[derive(Debug, Clone)]
pub struct WeekPlan {
    pub weeks: WeekSpan,
    pub session: Option<Dose>,
    /// Doses of the week's session days in order, when they differ.
    pub sessions: Vec<Dose>,
    /// A Rhai expression giving the session dose, instead of `session`.
    pub compute: Option<ScriptId>,
    pub cross: Option<Dose>,
    pub note: Option<String>,
    pub interpretation: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Gate {
    pub id: String,
    pub title: String,
    pub assessment: Option<usize>,
    pub event: Option<usize>,
    pub when: Option<ScriptId>,
    /// Passes once the phase's shortest length has passed, and lets the phase end that
    /// early when its other gates pass on evidence.
    pub time_minimum: bool,
    /// Days a failed gate holds the phase before the retest.
    pub retest_days: i64,
    pub source: String,
    pub interpretation: Option<String>,
}

impl Gate {
    /// Whether the gate tests anything; one that does not is a checkpoint for the
    /// clinician.
    pub fn is_checkpoint(&self) -> bool {
        self.assessment.is_none()
            && self.event.is_none()
            && self.when.is_none()
            && !self.time_minimum
    }
}

/// Evidence needed before a phase begins: at most one of an assessment, an event and a
/// condition; with none, a checkpoint the plan records but cannot test.
#[derive(Debug, Clone)]
pub struct Requirement {
    pub id: String,
    pub title: String,
    /// Index into [`Protocol::assessments`].
    pub assessment: Option<usize>,
    /// Index into [`Protocol::events`].
    pub event: Option<usize>,
    pub when: Option<ScriptId>,
    pub source: String,
    pub interpretation: Option<String>,
}

impl Requirement {
    /// Whether the requirement tests anything; one that does not is a checkpoint.
    pub fn is_checkpoint(&self) -> bool {
        self.assessment.is_none() && self.event.is_none() && self.when.is_none()
    }
}

/// A patient's inputs and journal, checked against one protocol.
/// A patient checked against one protocol: only checking makes one. Other crates read
/// it through the methods below.
#[derive(Debug, Clone)]
pub struct Patient {
    pub(crate) name: Option<String>,
    /// Values in the protocol's declaration order.
    pub(crate) inputs: Vec<(String, Value)>,
    /// Journal entries in date order.
    pub(crate) journal: Vec<Entry>,
}

impl Patient {
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The inputs, in the protocol's declaration order.
    pub fn inputs(&self) -> &[(String, Value)] {
        &self.inputs
    }

    /// The journal entries, in date order.
    pub fn journal(&self) -> &[Entry] {
        &self.journal
    }

    /// The same patient with an empty journal: the inputs a simulation starts from.
    pub fn without_journal(&self) -> Patient {
        Patient {
            name: self.name.clone(),
            inputs: self.inputs.clone(),
            journal: Vec::new(),
        }
    }
}

/// One checked journal entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub date: Date,
    pub kind: EntryKind,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum EntryKind {
    /// A check-in: how the session went and pain before, during, after and the next day.
    CheckIn {
        session: Option<SessionStatus>,
        pain: [Option<i64>; 4],
        /// The protocol's journal fields the check-in reports, in the file's order.
        fields: Vec<(String, Answer)>,
    },
    /// An assessment result; `passed` is `None` for a checklist without pass marks.
    Assessment {
        id: String,
        answers: Vec<(String, Answer)>,
        passed: Option<bool>,
    },
    /// A named event.
    Event { id: String },
}

impl Patient {
    pub fn input(&self, id: &str) -> Option<&Value> {
        self.inputs.iter().find(|(k, _)| k == id).map(|(_, v)| v)
    }
}

/// A typed value: a patient's input, or one a rule or gate saw. Inputs are never lists
/// or maps; scripts' host calls give them (`checkins(n)`, `table(id)`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Value {
    Text(String),
    Date(Date),
    Number(f64),
    Bool(bool),
    List(Vec<Value>),
    /// Entries in order; serialized as an object.
    #[serde(serialize_with = "ordered_entries")]
    Map(Vec<(String, Value)>),
}

fn ordered_entries<S: serde::Serializer>(
    entries: &[(String, Value)],
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_map(entries.iter().map(|(k, v)| (k, v)))
}

/// A value as plans show it: text as written, and lists and maps inline, as in YAML's
/// flow style (`[{date: 2026-01-05, pain: {during: 2}}]`), with text inside them quoted
/// where it would otherwise run into the punctuation.
impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Text(s) => write!(f, "{s}"),
            Value::Date(d) => write!(f, "{d}"),
            Value::Number(n) => write!(f, "{n}"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::List(items) => {
                write!(f, "[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    item.fmt_inside(f)?;
                }
                write!(f, "]")
            }
            Value::Map(entries) => {
                write!(f, "{{")?;
                for (i, (key, item)) in entries.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write_text_inside(f, key)?;
                    write!(f, ": ")?;
                    item.fmt_inside(f)?;
                }
                write!(f, "}}")
            }
        }
    }
}

impl Value {
    /// The value as an item of a list or map.
    fn fmt_inside(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Text(s) => write_text_inside(f, s),
            other => write!(f, "{other}"),
        }
    }
}

/// Text inside a list or map: plain, or in double quotes when it is empty, has spaces at
/// an end, or holds a character that could be read as part of the list or map.
fn write_text_inside(f: &mut std::fmt::Formatter<'_>, text: &str) -> std::fmt::Result {
    let plain = !text.is_empty()
        && text.trim() == text
        && !text.contains(|c: char| c.is_control() || ",:[]{}\"'#\\".contains(c));
    if plain {
        return write!(f, "{text}");
    }
    write!(f, "\"")?;
    for c in text.chars() {
        match c {
            '"' => write!(f, "\\\"")?,
            '\\' => write!(f, "\\\\")?,
            '\n' => write!(f, "\\n")?,
            c if c.is_control() => write!(f, "\\u{:04x}", u32::from(c))?,
            c => write!(f, "{c}")?,
        }
    }
    write!(f, "\"")
}

impl Condition {
    pub fn holds(&self, patient: &Patient) -> bool {
        let found = match patient.input(&self.input) {
            Some(Value::Text(v)) => self.values.iter().any(|x| x == v),
            _ => false,
        };
        found != self.negated
    }
}

impl Note {
    pub fn applies_to(&self, patient: &Patient) -> bool {
        self.when.as_ref().is_none_or(|c| c.holds(patient))
    }
}
