//! `engine today`: the card for one day of a patient's plan, in plain words: the phase
//! and week, what to do, what to report tonight, the pain rules, the day's reminders and
//! the disclaimer. The plan is run on the journal as it stood that day.

use std::fmt::Write as _;

use jiff::civil::Date;
use rehab_engine::RunConfig;
use rehab_engine::model::{Protocol, Trigger};
use rehab_engine::plan::{Day, OutcomeStatus, PartKind, Plan, Status};
use rehab_syntax::{Diagnostic, codes};
use serde::Serialize;

use crate::args::{ReportFormat, TodayArgs};
use crate::load::Session;
use crate::render::{assessments, part_label, status_word, wrap};

const WIDTH: usize = 88;

/// Today's card: the JSON shape of `engine today --format json` (documented in
/// docs/patient-outputs.md). Text from files is kept as written; the text card escapes
/// it for the terminal.
#[derive(Debug, Serialize)]
pub struct Card {
    pub date: Date,
    pub protocol: CardProtocol,
    pub patient: Option<String>,
    /// `before_start`, `day`, `referred` or `completed`.
    pub state: &'static str,
    /// What the state means for the patient, in a sentence, when it is not an ordinary
    /// day of the plan.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phase: Option<CardPhase>,
    /// The day's status in the plan (`planned`, `done`, `off`...), when it is a day of
    /// the plan.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<&'static str>,
    pub rest_day: bool,
    pub todo: Vec<Todo>,
    pub assessments: Vec<String>,
    pub report_tonight: Vec<Question>,
    pub pain_rules: Vec<PainRule>,
    pub reminders: Vec<String>,
    /// What changed the plan on the day, each decision's reason.
    pub changes: Vec<String>,
    pub outcome: CardOutcome,
    pub disclaimer: String,
}

#[derive(Debug, Serialize)]
pub struct CardProtocol {
    pub id: String,
    pub version: String,
    pub title: String,
}

#[derive(Debug, Serialize)]
pub struct CardPhase {
    pub id: String,
    pub title: String,
    pub week: u32,
    pub day: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<u32>,
}

#[derive(Debug, Serialize)]
pub struct Todo {
    /// `session`, `cross` or `strength`.
    pub kind: PartKind,
    /// The label the patient reads: `Run`, `Session`, `Cross-training`, `Strength`.
    pub label: &'static str,
    /// The dose in plain words.
    pub words: String,
    /// The dose in the protocol's notation.
    pub dose: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub circuit: Option<CardCircuit>,
}

#[derive(Debug, Serialize)]
pub struct CardCircuit {
    pub id: String,
    pub title: String,
}

#[derive(Debug, Serialize)]
pub struct Question {
    /// `pain.before`, `pain.during`, `pain.after`, `pain.next_day`, or a journal field's id.
    pub id: String,
    pub question: String,
}

#[derive(Debug, Serialize)]
pub struct PainRule {
    pub rule: String,
    pub reason: String,
}

#[derive(Debug, Serialize)]
pub struct CardOutcome {
    pub status: OutcomeStatus,
    pub date: Date,
}

pub fn today(a: &TodayArgs) -> (Option<String>, Session, bool) {
    let mut s = Session::default();
    let Some((protocol, protocol_file, example)) = s.protocol(&a.protocol) else {
        return (None, s, false);
    };
    let Some((doc, file)) = s.patient_or_example(
        a.patient.as_deref(),
        (&protocol, &a.protocol, protocol_file),
        example,
        "give a patient file with --patient FILE, or add `example_patient` to the protocol",
    ) else {
        return (None, s, false);
    };
    let Some(patient) = s.patient(&protocol, &doc, file) else {
        return (None, s, false);
    };
    // The journal as it stood that day: later entries are not known yet.
    let patient = patient.known_on(a.as_of);
    let config = RunConfig {
        start: None,
        as_of: Some(a.as_of),
        quiet: true,
    };
    let plan = match rehab_engine::run(&protocol, &patient, &config) {
        Ok(p) => p,
        Err(d) => {
            s.diagnostics
                .push(d.in_file(a.protocol.display().to_string()));
            return (None, s, false);
        }
    };
    let card = card(&protocol, &plan, a.as_of);
    let out = match a.format {
        ReportFormat::Text => Ok(text(&card)),
        ReportFormat::Json => serde_json::to_string_pretty(&card)
            .map(|j| j + "\n")
            .map_err(|e| format!("cannot write the card as JSON: {e}")),
    };
    match out {
        Ok(out) => (Some(out), s, true),
        Err(message) => {
            s.diagnostics
                .push(Diagnostic::error(codes::BAD_OPTION, message));
            (None, s, false)
        }
    }
}

/// The card for `date` of `plan`.
pub fn card(protocol: &Protocol, plan: &Plan, date: Date) -> Card {
    let day = plan.days.iter().find(|d| d.date == date);
    let last = plan.days.last().map_or(plan.start, |d| d.date);
    let referred = plan.outcome.status == OutcomeStatus::Referred;
    let (state, message) = match day {
        _ if date < plan.start => (
            "before_start",
            Some(format!("The plan starts on {}.", plan.start)),
        ),
        Some(_) if referred && date == plan.outcome.date => (
            "referred",
            Some(
                "The plan stops today: contact your clinician before any further sessions."
                    .to_string(),
            ),
        ),
        Some(_) => ("day", None),
        None if referred => (
            "referred",
            Some(format!(
                "The plan stopped on {}: contact your clinician before any further sessions.",
                plan.outcome.date
            )),
        ),
        None => (
            "completed",
            Some(format!(
                "The plan was completed on {last}: there is nothing more on it."
            )),
        ),
    };
    let mut card = Card {
        date,
        protocol: CardProtocol {
            id: plan.protocol.id.clone(),
            version: plan.protocol.version.clone(),
            title: plan.protocol.title.clone(),
        },
        patient: plan.patient.name.clone(),
        state,
        message,
        phase: None,
        status: None,
        rest_day: false,
        todo: Vec::new(),
        assessments: Vec::new(),
        report_tonight: Vec::new(),
        pain_rules: Vec::new(),
        reminders: Vec::new(),
        changes: Vec::new(),
        outcome: CardOutcome {
            status: plan.outcome.status,
            date: plan.outcome.date,
        },
        disclaimer: plan.disclaimer.clone(),
    };
    if let Some(day) = day {
        fill(&mut card, protocol, plan, day);
    }
    card
}

/// The parts of the card an ordinary day of the plan has.
fn fill(card: &mut Card, protocol: &Protocol, plan: &Plan, day: &Day) {
    let phase = plan.phases.iter().find(|p| p.id == day.phase);
    card.phase = Some(CardPhase {
        id: day.phase.clone(),
        title: phase.map_or_else(|| day.phase.clone(), |p| p.title.clone()),
        week: day.week,
        day: day.day,
        level: day.level,
    });
    card.status = Some(status_word(day.status));
    let circuits = phase
        .into_iter()
        .flat_map(|p| p.strength.iter().chain(&p.rotation));
    card.todo = day
        .session
        .parts
        .iter()
        .filter(|p| p.kind != PartKind::Off)
        .map(|p| Todo {
            kind: p.kind,
            label: part_label(p),
            words: p.plain.to_string(),
            dose: p.text.clone(),
            circuit: p.circuit.as_ref().map(|id| CardCircuit {
                id: id.clone(),
                title: circuits
                    .clone()
                    .find(|c| &c.id == id)
                    .map_or_else(|| id.clone(), |c| c.title.clone()),
            }),
        })
        .collect();
    card.assessments = assessments(plan, day);
    card.rest_day = card.todo.is_empty() && card.assessments.is_empty();
    card.reminders = day.reminders.iter().map(|r| r.text.clone()).collect();
    card.changes = day
        .decisions
        .iter()
        .filter(|d| crate::render::is_adaptive(d) && d.overridden_by.is_none())
        .map(|d| d.reason.clone())
        .collect();
    if day.status == Status::Waiting {
        card.message = Some("No sessions today: the plan waits for the phase to begin.".into());
    }
    // Once the plan has stopped, there is nothing more to report to it.
    if card.state == "referred" {
        return;
    }
    if !card.todo.is_empty() {
        card.report_tonight = questions(protocol);
    }
    let index = protocol.phase_index(&day.phase);
    for r in protocol
        .rules()
        .iter()
        .filter(|r| r.trigger == Trigger::CheckIn && index.is_some_and(|i| r.applies_in(i)))
    {
        if !card.pain_rules.iter().any(|p| p.reason == r.reason) {
            card.pain_rules.push(PainRule {
                rule: r.id.clone(),
                reason: r.reason.clone(),
            });
        }
    }
}

/// What to report tonight: the four pain scores a check-in records (every protocol's
/// rules may read any of them, directly or through a plugin function), then the
/// protocol's own journal fields, whose texts are its questions.
fn questions(protocol: &Protocol) -> Vec<Question> {
    const TIMES: [(&str, &str); 4] = [
        ("before", "Pain before the session, from 0 (none) to 10?"),
        ("during", "Pain during the session, from 0 to 10?"),
        ("after", "Pain after the session, from 0 to 10?"),
        (
            "next_day",
            "Tomorrow morning: pain the day after, from 0 to 10?",
        ),
    ];
    let mut out: Vec<Question> = TIMES
        .iter()
        .map(|(t, q)| Question {
            id: format!("pain.{t}"),
            question: (*q).to_string(),
        })
        .collect();
    out.extend(protocol.journal_fields().iter().map(|f| Question {
        id: f.id.clone(),
        question: f.text.clone(),
    }));
    out
}

/// The card as text for a terminal; text from files is escaped as it is wrapped.
fn text(card: &Card) -> String {
    let mut o = String::new();
    let line = |o: &mut String, text: &str| {
        let _ = writeln!(o, "{}", wrap(text, WIDTH, "  "));
    };
    let title = format!(
        "{}: {} ({} v{})",
        card.date.strftime("%a %Y-%m-%d"),
        card.protocol.title,
        card.protocol.id,
        card.protocol.version
    );
    line(&mut o, &title);
    if let Some(who) = &card.patient {
        line(&mut o, &format!("Patient: {who}"));
    }
    if let Some(p) = &card.phase {
        let mut at = format!("Phase: {}, week {}", p.title, p.week);
        if let Some(level) = p.level {
            at.push_str(&format!(", level {level}"));
        }
        line(&mut o, &at);
    }
    if let Some(m) = &card.message {
        line(&mut o, m);
    }
    let _ = writeln!(o);
    if card.state == "day" || !card.todo.is_empty() {
        if card.rest_day && card.status != Some("waiting") {
            line(&mut o, "Rest day: nothing to do today.");
        }
        if !card.todo.is_empty() || !card.assessments.is_empty() {
            let _ = writeln!(o, "Today");
        }
        for t in &card.todo {
            let what = match &t.circuit {
                Some(c) => format!("{} ({}): {}", t.label, c.title, t.words),
                None => format!("{}: {}", t.label, t.words),
            };
            list(&mut o, &what);
        }
        for a in &card.assessments {
            list(&mut o, &format!("Assessment: {a}"));
        }
        let reported = match card.status {
            Some("done") => Some("done"),
            Some("partial") => Some("partly done"),
            Some("skipped") => Some("skipped"),
            _ => None,
        };
        if let Some(s) = reported {
            line(&mut o, &format!("Journal: {s}."));
        }
        section(&mut o, "Reminders", &card.reminders);
        section(&mut o, "Changes to the plan today", &card.changes);
        let asks: Vec<String> = card
            .report_tonight
            .iter()
            .map(|q| q.question.clone())
            .collect();
        section(&mut o, "Tonight, report", &asks);
        let rules: Vec<String> = card.pain_rules.iter().map(|r| r.reason.clone()).collect();
        section(&mut o, "Pain rules", &rules);
        let _ = writeln!(o);
    }
    line(&mut o, &format!("Disclaimer: {}", card.disclaimer));
    o
}

fn section(o: &mut String, heading: &str, items: &[String]) {
    if items.is_empty() {
        return;
    }
    let _ = writeln!(o, "{heading}");
    for i in items {
        list(o, i);
    }
}

fn list(o: &mut String, item: &str) {
    let _ = writeln!(o, "  - {}", wrap(item, WIDTH - 4, "    "));
}
