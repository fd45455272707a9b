//! The plan as an RFC 5545 calendar (`--format ics`): one all-day event for each day
//! with something to do (a session, cross-training, strength work, an assessment), and
//! one for the day a plan refers the patient to the clinician.
//!
//! Written by hand: the subset a calendar of all-day events needs is small (content
//! lines, TEXT escaping, folding at 75 octets), and writing it here keeps every byte
//! under the engine's control, so two runs give identical output. Text from files is
//! made safe for the medium here, once: line breaks and tabs become spaces, other
//! control characters and invisible direction marks are dropped, and TEXT values escape
//! `\`, `;`, `,` and the line breaks the renderer itself puts in descriptions.

use jiff::civil::Date;
use rehab_engine::plan::{Day, Decider, Decision, Part, PartKind, Plan, Status, Verdict};
use rehab_syntax::escape::is_unsafe;

/// The longest content line, in octets, line break excluded (RFC 5545, 3.1).
const FOLD_AT: usize = 75;

/// A summary longer than this many characters is cut at a word and ends in `...`; the
/// description always holds the whole day.
const SUMMARY_CHARS: usize = 120;

pub fn ics(plan: &Plan) -> Result<String, String> {
    let mut cal = Calendar::default();
    cal.line("BEGIN", "VCALENDAR");
    cal.line("VERSION", "2.0");
    cal.line(
        "PRODID",
        &format!("-//rehab//engine {}//EN", env!("CARGO_PKG_VERSION")),
    );
    cal.line("CALSCALE", "GREGORIAN");
    cal.line("METHOD", "PUBLISH");
    let name = match &plan.patient.name {
        Some(who) => format!("{}: {}", plan.protocol.title, who),
        None => plan.protocol.title.clone(),
    };
    cal.line("X-WR-CALNAME", &text(&clean(&name)));

    // The stamp is the day the plan is read on, or its first day: never the clock.
    let stamp = plan.as_of.unwrap_or(plan.start);
    let who = patient_key(plan);
    let protocol = slug(&plan.protocol.id);
    for day in &plan.days {
        let items = items(plan, day);
        if !items.is_empty() {
            let summary = summary(&items);
            let mut description: Vec<String> = items
                .iter()
                .map(|(label, what)| format!("{label}: {what}"))
                .collect();
            description.extend(day_context(plan, day));
            let event = Event {
                uid: format!("{}-day-{protocol}-{who}@rehab-engine", compact(day.date)),
                date: day.date,
                summary,
                description,
                status: event_status(plan, day),
            };
            cal.event(plan, stamp, &event)?;
        }
        if let Some(refer) = referral(day) {
            let event = Event {
                uid: format!(
                    "{}-referral-{protocol}-{who}@rehab-engine",
                    compact(day.date)
                ),
                date: day.date,
                summary: "Contact your clinician".to_string(),
                description: vec![
                    format!(
                        "The plan stops here: contact your clinician before any further sessions. {}",
                        clean(&refer.reason)
                    ),
                    format!("Protocol: {}", protocol_line(plan)),
                ],
                status: "CONFIRMED",
            };
            cal.event(plan, stamp, &event)?;
        }
    }
    cal.line("END", "VCALENDAR");
    Ok(cal.out)
}

/// One event before it is written out: the summary and description lines are plain,
/// already cleaned text; TEXT escaping happens when they are written.
struct Event {
    uid: String,
    date: Date,
    summary: String,
    description: Vec<String>,
    status: &'static str,
}

#[derive(Default)]
struct Calendar {
    out: String,
}

impl Calendar {
    /// One content line, `NAME:value` (the name may carry parameters), folded.
    fn line(&mut self, name: &str, value: &str) {
        fold(&mut self.out, &format!("{name}:{value}"));
    }

    fn event(&mut self, plan: &Plan, stamp: Date, e: &Event) -> Result<(), String> {
        let end = e
            .date
            .tomorrow()
            .map_err(|err| format!("cannot write the calendar: {err}"))?;
        let mut description = e.description.join("\n");
        description.push_str("\n\n");
        description.push_str(&clean(&plan.disclaimer));
        self.line("BEGIN", "VEVENT");
        self.line("UID", &text(&e.uid));
        self.line("DTSTAMP", &format!("{}T000000Z", compact(stamp)));
        self.line("DTSTART;VALUE=DATE", &compact(e.date));
        self.line("DTEND;VALUE=DATE", &compact(end));
        self.line("SUMMARY", &text(&e.summary));
        self.line("DESCRIPTION", &text(&description));
        self.line("STATUS", e.status);
        // An all-day reminder of a session does not make the patient busy all day.
        self.line("TRANSP", "TRANSPARENT");
        self.line("END", "VEVENT");
        Ok(())
    }
}

/// What the day asks for, as (label, plain words): its parts other than rest, then the
/// assessments due that day.
fn items(plan: &Plan, day: &Day) -> Vec<(String, String)> {
    let mut items: Vec<(String, String)> = day
        .session
        .parts
        .iter()
        .filter(|p| p.kind != PartKind::Off)
        .map(|p| (part_label(p).to_string(), clean(&p.plain)))
        .collect();
    for title in assessments(plan, day) {
        items.push(("Assessment".to_string(), clean(&title)));
    }
    items
}

/// The label a part goes by for a patient.
pub(crate) fn part_label(p: &Part) -> &'static str {
    match p.kind {
        PartKind::Session if p.runs() => "Run",
        PartKind::Session => "Session",
        PartKind::Cross => "Cross-training",
        PartKind::Strength => "Strength",
        PartKind::Off => "Rest",
    }
}

/// The titles of the assessments due on the day: those a phase asks for when it begins,
/// and those its gates are decided on (passed, projected to pass, held or waiting).
pub(crate) fn assessments(plan: &Plan, day: &Day) -> Vec<String> {
    let phase = plan.phases.iter().find(|p| p.id == day.phase);
    let mut titles = Vec::new();
    for d in &day.decisions {
        let title = match (&d.by, &d.action) {
            (Decider::Assessment(id), Verdict::Assess) => plan
                .phases
                .iter()
                .flat_map(|p| &p.on_entry)
                .find(|a| &a.id == id)
                .map(|a| a.title.clone()),
            (Decider::Gate(id), _) => phase
                .and_then(|p| p.gates.iter().find(|g| &g.id == id))
                .filter(|g| g.assessment.is_some())
                .map(|g| g.title.clone()),
            _ => None,
        };
        if let Some(t) = title
            && !titles.contains(&t)
        {
            titles.push(t);
        }
    }
    titles
}

/// The summary: the day's items in one line, cut at a word when long.
fn summary(items: &[(String, String)]) -> String {
    let whole = items
        .iter()
        .enumerate()
        .map(|(i, (label, what))| {
            if i == 0 {
                format!("{label}: {what}")
            } else {
                format!("{}: {what}", label.to_lowercase())
            }
        })
        .collect::<Vec<_>>()
        .join("; ");
    if whole.chars().count() <= SUMMARY_CHARS {
        return whole;
    }
    let mut cut = String::new();
    for word in whole.split(' ') {
        if cut.chars().count() + word.chars().count() + 1 > SUMMARY_CHARS - 3 {
            break;
        }
        if !cut.is_empty() {
            cut.push(' ');
        }
        cut.push_str(word);
    }
    let kept = cut.trim_end_matches([';', ',', ':']).len();
    cut.truncate(kept);
    cut.push_str("...");
    cut
}

/// The description's lines after the day's items: the phase and week, what the journal
/// says of the day, what changed the plan that day, and the day's reminders.
fn day_context(plan: &Plan, day: &Day) -> Vec<String> {
    let mut lines = Vec::new();
    let phase = plan
        .phases
        .iter()
        .find(|p| p.id == day.phase)
        .map_or_else(|| clean(&day.phase), |p| clean(&p.title));
    let mut at = format!("Phase: {phase}, week {}", day.week);
    if let Some(level) = day.level {
        at.push_str(&format!(", level {level}"));
    }
    lines.push(at);
    let followed = plan.journal.followed_until.is_some_and(|f| day.date <= f);
    lines.push(
        match (followed, day.status) {
            (true, Status::Done) => "Journal: done.",
            (true, Status::Partial) => "Journal: partly done.",
            (true, Status::Skipped) => "Journal: skipped.",
            (true, _) => "Journal: nothing reported for this day.",
            (false, _) => "Planned: the plan may change with what you report.",
        }
        .to_string(),
    );
    if let Some(note) = day.report.as_ref().and_then(|r| r.note.as_deref()) {
        lines.push(format!("Your note: {}", clean(note)));
    }
    for d in day
        .decisions
        .iter()
        .filter(|d| super::is_adaptive(d) && d.overridden_by.is_none() && !is_referral(d))
    {
        lines.push(format!("Change: {}", clean(&d.reason)));
    }
    for r in &day.reminders {
        lines.push(format!("Reminder: {}", clean(&r.text)));
    }
    lines
}

/// The status of a day's event: days the journal reports are confirmed (or cancelled
/// when skipped), projected days tentative.
fn event_status(plan: &Plan, day: &Day) -> &'static str {
    let followed = plan.journal.followed_until.is_some_and(|f| day.date <= f);
    match (followed, day.status) {
        (true, Status::Skipped) => "CANCELLED",
        (true, _) => "CONFIRMED",
        (false, _) => "TENTATIVE",
    }
}

fn is_referral(d: &Decision) -> bool {
    d.overridden_by.is_none()
        && matches!(&d.action, Verdict::Rule(actions)
            if actions.contains(&rehab_engine::plan::RuleAction::Refer))
}

/// The decision that referred the patient on the day, if any.
fn referral(day: &Day) -> Option<&Decision> {
    day.decisions.iter().find(|d| is_referral(d))
}

fn protocol_line(plan: &Plan) -> String {
    format!(
        "{} ({} v{})",
        clean(&plan.protocol.title),
        clean(&plan.protocol.id),
        clean(&plan.protocol.version)
    )
}

/// Who the calendar is for, in its UIDs: the patient's name as a slug, or when there is
/// none (or nothing of it survives), a hash of the inputs, so that two patients' plans
/// under one protocol do not share UIDs while one patient's updated plan does.
fn patient_key(plan: &Plan) -> String {
    if let Some(name) = &plan.patient.name {
        let s = slug(name);
        if !s.is_empty() {
            return s;
        }
    }
    let mut inputs = String::new();
    for (k, v) in &plan.patient.inputs {
        inputs.push_str(&format!("{k}={v}\n"));
    }
    format!("patient-{:016x}", fnv1a(inputs.as_bytes()))
}

/// FNV-1a, 64 bits: stable across runs, platforms and versions of Rust, unlike the
/// standard library's hasher.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Lower-case ASCII letters and digits, other runs of characters as one `-`, at most 48.
fn slug(text: &str) -> String {
    let mut s = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            s.push(c.to_ascii_lowercase());
        } else if !s.is_empty() && !s.ends_with('-') {
            s.push('-');
        }
    }
    let s: String = s.chars().take(48).collect();
    s.trim_end_matches('-').to_string()
}

/// `20261110`.
fn compact(date: Date) -> String {
    date.strftime("%Y%m%d").to_string()
}

/// Text from a file made safe for a calendar: line breaks and tabs (and any run of
/// white space) become one space, other control characters and invisible direction
/// marks are dropped.
pub(crate) fn clean(text: &str) -> String {
    let kept: String = text
        .chars()
        .filter(|c| c.is_whitespace() || !is_unsafe(*c))
        .collect();
    kept.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A TEXT value (RFC 5545, 3.3.11): `\`, `;` and `,` escaped, line breaks as `\n`.
fn text(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 8);
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            // Only the renderer's own line breaks reach here; anything else unsafe
            // that did is dropped rather than written raw.
            c if is_unsafe(c) => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends `line` folded into lines of at most [`FOLD_AT`] octets, each continuation
/// starting with a space, never inside a character; every line ends in CRLF.
fn fold(out: &mut String, line: &str) {
    let mut used = 0;
    for c in line.chars() {
        if used + c.len_utf8() > FOLD_AT {
            out.push_str("\r\n ");
            used = 1;
        }
        out.push(c);
        used += c.len_utf8();
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_keeps_lines_short_and_characters_whole() {
        let mut out = String::new();
        let long = format!("SUMMARY:{}", "é".repeat(100));
        fold(&mut out, &long);
        for l in out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(l.len() <= FOLD_AT, "{l:?} has {} octets", l.len());
        }
        let unfolded = out.trim_end_matches("\r\n").replace("\r\n ", "");
        assert_eq!(unfolded, long);
    }

    #[test]
    fn text_values_are_escaped_and_controls_dropped() {
        assert_eq!(text("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
        assert_eq!(
            clean("x\u{1b}[31m\u{7}\0\r\nPlan:\u{202e} y\tz"),
            "x[31m Plan: y z"
        );
    }

    #[test]
    fn slugs_and_hashes_are_stable() {
        assert_eq!(slug("Zoë O'Brien, 42"), "zo-o-brien-42");
        assert_eq!(slug("---"), "");
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
