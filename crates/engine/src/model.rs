//! The checked protocol: every reference resolved, every dose and period parsed.
//!
//! A value of [`Protocol`] exists only when `check` found no error, so the runner
//! never re-validates.

use jiff::civil::Date;
use rehab_dose::{Amount, Dose};
use rehab_syntax::protocol::{InputKind, RangePolicy, WeekSpan};
use serde::Serialize;

#[derive(Debug, Clone)]
pub struct Protocol {
    pub id: String,
    pub title: String,
    pub version: String,
    pub summary: Option<String>,
    pub authors: Vec<Author>,
    pub sources: Vec<Source>,
    pub disclaimer: String,
    pub range_policy: RangePolicy,
    pub inputs: Vec<Input>,
    /// The id of the date input the plan starts on.
    pub starts_on: String,
    pub tables: Vec<Table>,
    pub circuits: Vec<Circuit>,
    pub assessments: Vec<Assessment>,
    pub events: Vec<Event>,
    pub phases: Vec<Phase>,
    pub notes: Vec<Note>,
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
    pub questions: Vec<(String, String)>,
    pub checklist: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Event {
    pub id: String,
    pub title: String,
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
    /// Index into [`Protocol::circuits`].
    pub strength: Option<usize>,
    pub pattern: Vec<PatternRule>,
    pub weeks: Vec<WeekPlan>,
    /// Indexes into [`Protocol::assessments`].
    pub on_entry: Vec<usize>,
    pub gates: Vec<Gate>,
    pub notes: Vec<Note>,
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
    /// As many weeks as the phase's week-by-week sessions list.
    Weeks(u32),
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
    pub source: String,
    pub interpretation: Option<String>,
}

/// A patient's inputs, checked against one protocol.
#[derive(Debug, Clone)]
pub struct Patient {
    pub name: Option<String>,
    /// Values in the protocol's declaration order.
    pub inputs: Vec<(String, Value)>,
    /// How many journal entries the file holds; a nominal run does not apply them.
    pub journal_entries: usize,
}

impl Patient {
    pub fn input(&self, id: &str) -> Option<&Value> {
        self.inputs.iter().find(|(k, _)| k == id).map(|(_, v)| v)
    }
}

/// A typed input value.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Value {
    Text(String),
    Date(Date),
    Number(f64),
    Bool(bool),
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Text(s) => write!(f, "{s}"),
            Value::Date(d) => write!(f, "{d}"),
            Value::Number(n) => write!(f, "{n}"),
            Value::Bool(b) => write!(f, "{b}"),
        }
    }
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
