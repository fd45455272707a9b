//! Rendering a plan for people (text, Markdown, a calendar) and for programs (JSON,
//! YAML, FHIR); and a protocol as FHIR.

mod chart;
pub mod fhir;
mod html;
mod ics;
mod markdown;
mod text;

use rehab_engine::plan::{MinuteRange, OutcomeStatus, Plan, Status, WeekSummary};
use std::borrow::Cow;

use rehab_syntax::escape::{is_unsafe, visible};

pub use html::html;
pub use ics::ics;
pub(crate) use ics::{assessments, part_label};
pub use markdown::markdown;
pub use text::text;

/// The text of a plan without its provenance footer, for scenario snapshots: they pin
/// what the plan says, so a comment edited in the protocol, which changes the
/// protocol's SHA-256, does not make every snapshot stale.
pub fn text_without_provenance(
    plan: &Plan,
    detail: Detail,
    audience: Audience,
) -> Result<String, String> {
    let mut t = text(plan, detail, audience)?;
    if let Some(i) = t.rfind(&format!("\n{}", text::PROVENANCE)) {
        t.truncate(i);
    }
    Ok(t)
}

/// How much of each decision a plan for people shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    /// The decisions that changed the plan, each with its rule, action and reason.
    Changes,
    /// Every decision, with the condition, the values it saw, its source and reading
    /// (`--explain`).
    Explained,
}

/// Who reads a plan for people.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Ids, source tags, interpretations and the rule behind each decision.
    Clinician,
    /// Plain words: each day's doses in words, decisions by their reasons, and no ids,
    /// source tags or interpretations.
    Patient,
}

impl Audience {
    /// A source tag as the clinician sees it (` [morra-article]`), or nothing.
    fn tag(self, source: &str) -> String {
        match self {
            Audience::Clinician => format!(" [{source}]"),
            Audience::Patient => String::new(),
        }
    }

    fn is_patient(self) -> bool {
        self == Audience::Patient
    }
}

/// A day's prescription in plain words, for patients: each part's `plain` words,
/// joined with "plus".
fn plain_day(d: &rehab_engine::plan::Day) -> String {
    let level = d.level.map_or(String::new(), |l| format!("level {l}: "));
    let parts = d
        .session
        .parts
        .iter()
        .map(|p| &*p.plain)
        .collect::<Vec<_>>()
        .join(", plus ");
    format!("{level}{parts}")
}

pub fn json(plan: &Plan) -> Result<String, String> {
    serde_json::to_string_pretty(plan)
        .map(|s| s + "\n")
        .map_err(|e| format!("cannot write the plan as JSON: {e}"))
}

pub fn yaml(plan: &Plan) -> Result<String, String> {
    serde_saphyr::to_string(plan).map_err(|e| format!("cannot write the plan as YAML: {e}"))
}

/// `6-10 min`, or `20 min` when both ends agree.
/// A week's running distance: `1.3 mi`, `2-2.5 km`.
pub(crate) fn distance(d: rehab_engine::plan::DistanceRange) -> String {
    if d.min == d.max {
        format!("{} {}", d.min, d.unit.symbol())
    } else {
        format!("{}-{} {}", d.min, d.max, d.unit.symbol())
    }
}

/// What a week's summary says of running: the minutes when every running session is
/// timed, the distance when some are given by distance, and then that the time is not
/// known (a week's minutes are never a partial sum). Nothing for a week without running.
fn running_words(w: &WeekSummary) -> Option<String> {
    match (w.run_minutes, w.run_distance) {
        (Some(m), None) if m.max > 0.0 => Some(format!("running {}", minutes(m))),
        (Some(_), None) => None,
        (Some(m), Some(d)) => Some(format!("running {}, {}", minutes(m), distance(d))),
        (None, Some(d)) if w.timed_runs_left_out > 0 => Some(format!(
            "running {} and {} by time (time not known)",
            distance(d),
            plural(w.timed_runs_left_out, "session")
        )),
        (None, Some(d)) => Some(format!("running {} (time not known)", distance(d))),
        (None, None) => Some("running time and distance not known".to_string()),
    }
}

fn minutes(m: MinuteRange) -> String {
    if m.min == m.max {
        format!("{} min", m.min)
    } else {
        format!("{}-{} min", m.min, m.max)
    }
}

fn outcome_words(status: OutcomeStatus) -> &'static str {
    match status {
        OutcomeStatus::Completed => "completed",
        OutcomeStatus::InProgress => "in progress, projected to complete",
        OutcomeStatus::Referred => "referred",
    }
}

/// The status of a day as the JSON contract spells it.
pub(crate) fn status_word(status: Status) -> &'static str {
    match status {
        Status::Done => "done",
        Status::Partial => "partial",
        Status::Skipped => "skipped",
        Status::Planned => "planned",
        Status::Off => "off",
        Status::Waiting => "waiting",
    }
}

fn plural(n: u32, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// Greedy word wrap to lines of at most `width` characters (not counting `indent`), every
/// line after the first indented by `indent`. Line breaks in `text` are folded like any
/// other space, and each word is escaped for the terminal ([`visible`]): most text from
/// files reaches the output through here.
pub(crate) fn wrap(text: &str, width: usize, indent: &str) -> String {
    // Most text has nothing to escape: then its words are written as they are, without
    // looking at each one again.
    let plain = !text.chars().any(is_unsafe);
    let mut out = String::with_capacity(text.len() + text.len() / width.max(1) * indent.len());
    let mut line_len = 0;
    for word in text.split_whitespace() {
        let word = if plain {
            Cow::Borrowed(word)
        } else {
            visible(word)
        };
        let len = if word.is_ascii() {
            word.len()
        } else {
            word.chars().count()
        };
        if line_len > 0 && line_len + 1 + len > width {
            out.push('\n');
            out.push_str(indent);
            line_len = 0;
        } else if line_len > 0 {
            out.push(' ');
            line_len += 1;
        }
        out.push_str(&word);
        line_len += len;
    }
    out
}

/// A check-in's pain scores as words: `during 3`, `next day 1`.
fn pain_words(r: &rehab_engine::plan::Report) -> Vec<String> {
    r.pain
        .iter()
        .map(|(t, v)| format!("{} {v}", t.replace('_', " ")))
        .collect()
}

/// A check-in's journal fields as words: `more swelling yes`, `morning stiffness 3`.
fn field_words(r: &rehab_engine::plan::Report) -> Vec<String> {
    r.fields
        .iter()
        .map(|(id, answer)| format!("{} {answer}", id.replace('_', " ")))
        .collect()
}

/// What a week note is, for a label: `Note`, `Interpretation`, or for a level entry
/// `Level 1 note`, `Levels 2-3 interpretation`.
fn week_note_label(n: &rehab_engine::plan::WeekNote, what: &str) -> String {
    match n.levels {
        Some(l) if l.first == l.last => format!("Level {l} {what}"),
        Some(l) => format!("Levels {l} {what}"),
        None => {
            let mut chars = what.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect())
                .unwrap_or_default()
        }
    }
}

/// The reminders shown on a week's days, each once, in the order the week reaches them,
/// with the days it is on (`Mon, Wed, Fri`): plans for people print each once under the
/// week, not under every day.
fn week_reminders<'a>(
    days: impl IntoIterator<Item = &'a rehab_engine::plan::Day>,
) -> Vec<(&'a rehab_engine::plan::ReminderOut, String)> {
    let mut found: Vec<(&rehab_engine::plan::ReminderOut, Vec<String>)> = Vec::new();
    for d in days {
        let weekday = d.date.strftime("%a").to_string();
        for r in &d.reminders {
            match found.iter_mut().find(|(f, _)| *f == r) {
                Some((_, on)) => on.push(weekday.clone()),
                None => found.push((r, vec![weekday.clone()])),
            }
        }
    }
    found
        .into_iter()
        .map(|(r, on)| (r, on.join(", ")))
        .collect()
}

/// Whether the patient's view shows a decision (it shows the adaptive ones only). It
/// leaves out what only repeats another decision in the engine's words, naming ids: a
/// week held or stepped back by the rule whose own decision, in its author's words, is
/// shown on the day it fired, and a circuit withheld by a failing gate, which the phase
/// lists by title.
pub(crate) fn shown_to_patient(d: &rehab_engine::plan::Decision) -> bool {
    use rehab_engine::plan::{Decider, Verdict};
    is_adaptive(d) && !matches!(d.by, Decider::Week(_)) && d.action != Verdict::Withhold
}

/// Whether a decision changed the plan in response to the patient (shown even without
/// `--explain`), rather than recording the nominal schedule.
pub(crate) fn is_adaptive(d: &rehab_engine::plan::Decision) -> bool {
    use rehab_engine::plan::Verdict as V;
    !matches!(
        d.action,
        V::Enter | V::Assess | V::AssumePassed | V::Pass | V::Checkpoint | V::Complete | V::Off
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_breaks_between_words_and_indents() {
        assert_eq!(wrap("aa bb cc dd", 5, "  "), "aa bb\n  cc dd");
        assert_eq!(wrap("aaaaaa bb", 4, "> "), "aaaaaa\n> bb");
        assert_eq!(wrap("", 5, "  "), "");
        // Words with control characters are escaped; line breaks fold like spaces.
        assert_eq!(wrap("a\u{1b}b\nc", 20, ""), "a\\u{1b}b c");
        assert_eq!(wrap("ü ü ü", 3, ""), "ü ü\nü");
    }
}
