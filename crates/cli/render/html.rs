//! The plan as one self-contained, printable HTML page for the patient or the clinician:
//! phases with their weeks in compact tables, a weekly load chart in SVG, a "what if it
//! hurts" box built from the protocol's own rules and notes, a check-in grid to fill in
//! by hand, the disclaimer and blanks for the clinician's name and contact.
//!
//! The page is a template (`handout.html`) rendered by minijinja with HTML auto-escaping:
//! this module builds the view, plain data whose text from files has had its control
//! characters removed ([`clean`]), and the template escapes every value it writes.

use jiff::civil::Date;
use minijinja::Environment;
use rehab_engine::model::{Action, Protocol};
use rehab_engine::plan::{Day, Decision, NoteOut, PartKind, PhasePlan, Plan, Status};
use rehab_syntax::escape::is_unsafe;
use serde::Serialize;

use super::{Audience, outcome_words, plural, status_word};

const TEMPLATE: &str = include_str!("handout.html");

/// Days in the check-in grid: the coming two weeks.
const CHECK_IN_DAYS: i32 = 14;

/// Text from files for the page: whitespace folded to single spaces, and control
/// characters and invisible direction marks removed. HTML escaping is the template's.
pub fn clean(text: &str) -> String {
    text.split_whitespace()
        .map(|w| w.chars().filter(|c| !is_unsafe(*c)).collect::<String>())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[derive(Debug, Serialize)]
struct Page {
    patient_view: bool,
    title: String,
    id: String,
    version: String,
    summary: Option<String>,
    patient: String,
    inputs: Vec<(String, String)>,
    span: String,
    outcome: String,
    as_of: Option<String>,
    journal: String,
    disclaimer: String,
    scheduling: String,
    phases: Vec<PhaseView>,
    chart: super::chart::Chart,
    hurts: Vec<Section>,
    check_in: CheckIn,
    notes: Vec<Item>,
    sources: Vec<(String, String)>,
    /// What made the plan (`docs/provenance.md`), for the page's footer.
    provenance: String,
}

/// A piece of guidance: its text, and for the clinician where it comes from (a source,
/// a rule's id) and how the protocol reads it.
#[derive(Debug, Serialize)]
struct Item {
    text: String,
    tag: Option<String>,
    interpretation: Option<String>,
}

#[derive(Debug, Serialize)]
struct Section {
    title: &'static str,
    items: Vec<Item>,
}

#[derive(Debug, Serialize)]
struct PhaseView {
    n: usize,
    id: String,
    title: String,
    dates: String,
    purpose: Option<String>,
    length: Option<String>,
    interpretation: Option<String>,
    lists: Vec<Section>,
    adjustments: Vec<String>,
    weeks: Vec<WeekView>,
}

#[derive(Debug, Serialize)]
struct WeekView {
    heading: String,
    notes: Vec<String>,
    reminders: Vec<String>,
    rows: Vec<Row>,
}

/// A row of a week's table: one day, or a run of rest days (`Mon-Wed`).
#[derive(Debug, Serialize)]
struct Row {
    days: String,
    dates: String,
    what: String,
    status: String,
    rest: bool,
    reported: String,
    decisions: Vec<String>,
}

#[derive(Debug, Serialize)]
struct CheckIn {
    /// The columns after the date and the plan: the pain times, then the protocol's
    /// journal fields.
    columns: Vec<String>,
    /// The questions behind the journal-field columns, with how to answer.
    questions: Vec<String>,
    /// Dated rows (date, what is planned), or blank rows for a generic grid.
    rows: Vec<(String, String)>,
    from: Option<String>,
}

pub fn html(plan: &Plan, protocol: &Protocol, audience: Audience) -> Result<String, String> {
    let page = page(plan, protocol, audience);
    let mut env = Environment::new();
    env.add_template("handout.html", TEMPLATE)
        .map_err(|e| format!("the handout template does not compile: {e}"))?;
    let template = env
        .get_template("handout.html")
        .map_err(|e| format!("the handout template is missing: {e}"))?;
    template
        .render(minijinja::value::Serde(&page))
        .map(|s| s + "\n")
        .map_err(|e| format!("cannot write the handout: {e}"))
}

fn page(plan: &Plan, protocol: &Protocol, audience: Audience) -> Page {
    let patient_view = audience.is_patient();
    let item = |text: &str, source: &str, interpretation: Option<&String>| Item {
        text: clean(text),
        tag: (!patient_view).then(|| clean(source)),
        interpretation: interpretation.filter(|_| !patient_view).map(|i| clean(i)),
    };
    let span = match plan.days.last() {
        Some(last) => format!("{} to {}, {} days", plan.start, last.date, plan.days.len()),
        None => String::new(),
    };
    let journal = match plan.journal.followed_until {
        Some(d) => format!(
            "{} of {} entries applied; days to {d} follow it, later days are projected",
            plan.journal.applied, plan.journal.entries
        ),
        None => "none; every day is projected".to_string(),
    };
    let phases = plan
        .phases
        .iter()
        .enumerate()
        .map(|(i, ph)| phase(plan, i + 1, ph, audience))
        .collect();
    Page {
        patient_view,
        title: clean(&plan.protocol.title),
        id: clean(&plan.protocol.id),
        version: clean(&plan.protocol.version),
        summary: protocol.summary().map(clean),
        patient: clean(plan.patient.name.as_deref().unwrap_or("Patient")),
        inputs: plan
            .patient
            .inputs
            .iter()
            .map(|(k, v)| (clean(&k.replace('_', " ")), clean(&v.to_string())))
            .collect(),
        span,
        outcome: format!(
            "{} {}",
            outcome_words(plan.outcome.status),
            plan.outcome.date
        ),
        as_of: plan.as_of.map(|d| d.to_string()),
        journal: clean(&journal),
        disclaimer: clean(&plan.disclaimer),
        provenance: clean(&format!(
            "protocol {} v{}, sha256 {}; patient sha256 {}; engine {}",
            plan.provenance.protocol.id,
            plan.provenance.protocol.version,
            plan.provenance.protocol.sha256,
            plan.provenance.patient.sha256,
            plan.provenance.engine.version
        )),
        scheduling: clean(&plan.scheduling.explanation),
        phases,
        chart: super::chart::chart(plan),
        hurts: hurts(plan, protocol, audience),
        check_in: check_in(plan, protocol),
        notes: plan
            .notes
            .iter()
            .map(|n| item(&n.text, &n.source, n.interpretation.as_ref()))
            .collect(),
        sources: plan
            .protocol
            .sources
            .iter()
            .map(|s| (clean(&s.id), clean(&s.citation)))
            .collect(),
    }
}

fn items(list: &[NoteOut], audience: Audience) -> Vec<Item> {
    list.iter()
        .map(|n| Item {
            text: clean(&n.text),
            tag: (!audience.is_patient()).then(|| clean(&n.source)),
            interpretation: n
                .interpretation
                .as_ref()
                .filter(|_| !audience.is_patient())
                .map(|i| clean(i)),
        })
        .collect()
}

fn phase(plan: &Plan, n: usize, ph: &PhasePlan, audience: Audience) -> PhaseView {
    let patient = audience.is_patient();
    let mut lists = vec![
        Section {
            title: "Allowed",
            items: items(&ph.allowed, audience),
        },
        Section {
            title: "Avoid",
            items: items(&ph.avoided, audience),
        },
    ];
    let strength: Vec<Item> = ph
        .strength
        .iter()
        .chain(&ph.rotation)
        .map(|c| Item {
            text: clean(&format!("{}: {}", c.title, c.exercises)),
            tag: (!patient).then(|| clean(&format!("{}, {}", c.id, c.source))),
            interpretation: c
                .interpretation
                .as_ref()
                .filter(|_| !patient)
                .map(|i| clean(i)),
        })
        .collect();
    let title = if ph.rotation.is_empty() {
        "Strength work"
    } else {
        "Strength work, taken in turn"
    };
    lists.push(Section {
        title,
        items: strength,
    });
    let withheld = ph
        .withhold
        .iter()
        .map(|w| {
            let circuit = ph
                .rotation
                .iter()
                .chain(&ph.strength)
                .find(|c| c.id == w.circuit)
                .map_or(w.circuit.as_str(), |c| c.title.as_str());
            let gate = ph
                .gates
                .iter()
                .find(|g| g.id == w.while_failing)
                .map_or(w.while_failing.as_str(), |g| g.title.as_str());
            Item {
                text: clean(&format!("{circuit}, until this is passed: {gate}")),
                tag: (!patient).then(|| clean(&w.source)),
                interpretation: w
                    .interpretation
                    .as_ref()
                    .filter(|_| !patient)
                    .map(|i| clean(i)),
            }
        })
        .collect();
    lists.push(Section {
        title: "Left out for now",
        items: withheld,
    });
    let on_entry = ph
        .on_entry
        .iter()
        .flat_map(|a| {
            a.checklist.iter().chain(&a.questions).map(|q| Item {
                text: clean(&format!("{}: {q}", a.title)),
                tag: (!patient).then(|| clean(&a.source)),
                interpretation: None,
            })
        })
        .collect();
    lists.push(Section {
        title: "When it begins",
        items: on_entry,
    });
    let gate_items = |list: &[rehab_engine::plan::GateOut]| {
        list.iter()
            .map(|g| Item {
                text: clean(&g.title),
                tag: (!patient).then(|| clean(&g.source)),
                interpretation: None,
            })
            .collect()
    };
    lists.push(Section {
        title: "Before it begins",
        items: gate_items(&ph.requires),
    });
    lists.push(Section {
        title: "To move on",
        items: gate_items(&ph.gates),
    });
    lists.push(Section {
        title: "Notes",
        items: items(&ph.notes, audience),
    });
    lists.retain(|s| !s.items.is_empty());

    let in_phase = |date| date >= ph.start && date <= ph.end;
    let weeks = plan
        .weeks
        .iter()
        .filter(|w| w.phase == ph.id && in_phase(w.start))
        .map(|w| {
            let days: Vec<&Day> = plan
                .days
                .iter()
                .filter(|d| d.date >= w.start && d.date <= w.end)
                .collect();
            let notes =
                w.notes
                    .iter()
                    .flat_map(|n| {
                        let note = n
                            .note
                            .as_ref()
                            .map(|t| format!("{}: {t}", super::week_note_label(n, "note")));
                        let reading = n.interpretation.as_ref().filter(|_| !patient).map(|t| {
                            format!("{}: {t}", super::week_note_label(n, "interpretation"))
                        });
                        note.into_iter().chain(reading)
                    })
                    .map(|t| clean(&t))
                    .collect();
            let reminders = super::week_reminders(days.iter().copied())
                .into_iter()
                .map(|(r, on)| clean(&format!("{on}: {}{}", r.text, audience.tag(&r.source))))
                .collect();
            WeekView {
                heading: clean(&super::text::week_line(w)),
                notes,
                reminders,
                rows: rows(&days, audience),
            }
        })
        .collect();
    PhaseView {
        n,
        id: clean(&ph.id),
        title: clean(&ph.title),
        dates: format!("{} to {}, {}", ph.start, ph.end, plural(ph.days, "day")),
        purpose: ph.purpose.as_deref().map(clean),
        length: (!patient).then(|| clean(&format!("{} [{}]", ph.length, ph.length_source))),
        interpretation: ph.interpretation.as_deref().filter(|_| !patient).map(clean),
        lists,
        // The schedule's changes name the rules behind them; the patient sees each
        // change on its day, in the rule's own words.
        adjustments: if patient {
            Vec::new()
        } else {
            ph.adjustments.iter().map(|a| clean(a)).collect()
        },
        weeks,
    }
}

/// A date as the handout's tables show it: `Nov 24`.
fn short(date: Date) -> String {
    date.strftime("%b %-d").to_string()
}

/// The days of a week as table rows, a run of plain rest days (nothing reported or
/// decided) folded into one row: `Mon-Wed rest`.
fn rows(days: &[&Day], audience: Audience) -> Vec<Row> {
    let mut rows: Vec<Row> = Vec::new();
    let mut run: Vec<&Day> = Vec::new();
    let flush = |run: &mut Vec<&Day>, rows: &mut Vec<Row>| {
        let (Some(first), Some(last)) = (run.first(), run.last()) else {
            return;
        };
        let (days, dates) = if run.len() == 1 {
            (first.date.strftime("%a").to_string(), short(first.date))
        } else {
            (
                format!("{}-{}", first.date.strftime("%a"), last.date.strftime("%a")),
                format!("{}-{}", short(first.date), short(last.date)),
            )
        };
        rows.push(Row {
            days,
            dates,
            what: "rest".to_string(),
            status: String::new(),
            rest: true,
            reported: String::new(),
            decisions: Vec::new(),
        });
        run.clear();
    };
    for d in days {
        let decisions: Vec<String> = d
            .decisions
            .iter()
            .filter(|dec| match audience {
                Audience::Patient => super::shown_to_patient(dec),
                Audience::Clinician => super::is_adaptive(dec),
            })
            .map(|dec| decision(dec, audience))
            .collect();
        if d.status == Status::Off && d.report.is_none() && decisions.is_empty() {
            run.push(d);
            continue;
        }
        flush(&mut run, &mut rows);
        let what = match d.status {
            Status::Off => "rest".to_string(),
            Status::Waiting => "no sessions: waiting for the phase to begin".to_string(),
            _ if audience.is_patient() => super::plain_day(d),
            _ => super::text::day_text(d),
        };
        let status = match d.status {
            Status::Planned | Status::Off => String::new(),
            other => status_word(other).to_string(),
        };
        let reported = d.report.as_ref().map_or(String::new(), |r| {
            let mut parts = super::pain_words(r)
                .into_iter()
                .map(|p| format!("pain {p}"))
                .collect::<Vec<_>>();
            parts.extend(super::field_words(r));
            if let Some(n) = &r.note {
                parts.push(format!("\u{201c}{n}\u{201d}"));
            }
            parts.join(", ")
        });
        rows.push(Row {
            days: d.date.strftime("%a").to_string(),
            dates: short(d.date),
            what: clean(&what),
            status,
            rest: d.status == Status::Off,
            reported: clean(&reported),
            decisions,
        });
    }
    flush(&mut run, &mut rows);
    rows
}

fn decision(dec: &Decision, audience: Audience) -> String {
    if audience.is_patient() {
        clean(&dec.reason)
    } else {
        clean(&format!(
            "{} \u{2192} {}: {}",
            dec.by, dec.action, dec.reason
        ))
    }
}

/// The "what if it hurts" box: the protocol's protocol-wide notes, then its rules grouped
/// by what they do (carry on with advice; hold back; stop and rest or step back; refer),
/// each by its own reason. Nothing is added that the protocol does not say.
fn hurts(plan: &Plan, protocol: &Protocol, audience: Audience) -> Vec<Section> {
    let patient = audience.is_patient();
    let in_plan = |i: &usize| {
        protocol
            .phases()
            .get(*i)
            .is_some_and(|p| plan.phases.iter().any(|ph| ph.id == p.id))
    };
    // The phases' notes about pain and soreness: what the protocol calls normal, and
    // what it asks to watch for. Picked by their words; their text is the protocol's.
    let mut normal: Vec<Item> = plan
        .phases
        .iter()
        .flat_map(|ph| ph.notes.iter().map(move |n| (ph, n)))
        .filter(|(_, n)| about_pain(&n.text))
        .map(|(ph, n)| Item {
            text: clean(&format!("{}: {}", ph.title, n.text)),
            tag: (!patient).then(|| clean(&n.source)),
            interpretation: n.interpretation.as_deref().filter(|_| !patient).map(clean),
        })
        .collect();
    let mut not_on = Vec::new();
    let mut stop = Vec::new();
    let mut call = Vec::new();
    for rule in protocol.rules() {
        if !rule.phases.is_empty() && !rule.phases.iter().any(in_plan) {
            continue;
        }
        let phases: Vec<&str> = rule
            .phases
            .iter()
            .filter_map(|i| protocol.phases().get(*i))
            .map(|p| p.title.as_str())
            .collect();
        let text = if phases.is_empty() {
            rule.reason.clone()
        } else {
            format!("{}: {}", phases.join("; "), rule.reason)
        };
        let item = Item {
            text: clean(&text),
            tag: (!patient).then(|| clean(&format!("{}, {}", rule.id, rule.source))),
            interpretation: rule
                .interpretation
                .as_deref()
                .filter(|_| !patient)
                .map(clean),
        };
        let strongest = rule.actions.iter().max_by_key(|a| match a {
            Action::Refer => 4,
            Action::Rest(_) | Action::Regress(_) | Action::Goto(_) => 3,
            Action::Hold | Action::Repeat => 2,
            Action::Advise | Action::Advance => 1,
        });
        match strongest {
            Some(Action::Refer) => call.push(item),
            Some(Action::Rest(_) | Action::Regress(_) | Action::Goto(_)) => stop.push(item),
            Some(Action::Hold | Action::Repeat) => not_on.push(item),
            Some(Action::Advise) => normal.push(item),
            Some(Action::Advance) | None => {}
        }
    }
    let mut sections = vec![
        Section {
            title: "Good to know",
            items: normal,
        },
        Section {
            title: "When not to move on",
            items: not_on,
        },
        Section {
            title: "When to stop, rest or step back",
            items: stop,
        },
        Section {
            title: "When to call your clinician",
            items: call,
        },
    ];
    sections.retain(|s| !s.items.is_empty());
    sections
}

/// Whether a note speaks of pain, soreness or what is normal to feel.
fn about_pain(text: &str) -> bool {
    let text = text.to_lowercase();
    ["pain", "sore", "ache", "hurt", "normal", "swell"]
        .iter()
        .any(|w| text.contains(w))
}

/// The grid the patient fills in by hand: a row for each of the coming days (from the
/// day the plan is read on, or the day after the journal's last entry, or the plan's
/// first day), or blank rows when the plan has no days left.
fn check_in(plan: &Plan, protocol: &Protocol) -> CheckIn {
    let mut columns: Vec<String> = rehab_engine::PAIN_TIMES
        .iter()
        .map(|t| format!("Pain {} (0\u{2011}10)", t.replace('_', " ")))
        .collect();
    let mut questions = Vec::new();
    for f in protocol.journal_fields() {
        let name = clean(&f.id.replace('_', " "));
        let answer = if f.number {
            match (f.min, f.max) {
                (Some(lo), Some(hi)) => format!("{lo}-{hi}"),
                _ => "a number".to_string(),
            }
        } else {
            "yes or no".to_string()
        };
        questions.push(clean(&format!("{name}: {} ({answer})", f.text)));
        let mut chars = name.chars();
        let name: String = chars
            .next()
            .map(|c| c.to_uppercase().chain(chars).collect())
            .unwrap_or_default();
        columns.push(format!("{name} ({answer})"));
    }
    let from = plan
        .as_of
        .or_else(|| plan.journal.followed_until.and_then(|d| d.tomorrow().ok()))
        .unwrap_or(plan.start);
    let rows: Vec<(String, String)> = plan
        .days
        .iter()
        .filter(|d| d.date >= from)
        .take(CHECK_IN_DAYS as usize)
        .map(|d| (d.date.strftime("%a %b %-d").to_string(), planned(d)))
        .collect();
    let dated = !rows.is_empty();
    CheckIn {
        columns,
        questions,
        rows: if dated {
            rows
        } else {
            vec![(String::new(), String::new()); CHECK_IN_DAYS as usize]
        },
        from: dated.then(|| from.to_string()),
    }
}

/// What a day holds, in a word or two, for the check-in grid.
fn planned(d: &Day) -> String {
    if d.status == Status::Waiting {
        return "waiting".to_string();
    }
    let mut kinds: Vec<&str> = Vec::new();
    for p in &d.session.parts {
        let word = match p.kind {
            PartKind::Session if p.runs() => "run",
            PartKind::Session => "session",
            PartKind::Cross => "cross-train",
            PartKind::Strength => "strength",
            PartKind::Off => "rest",
        };
        if !kinds.contains(&word) {
            kinds.push(word);
        }
    }
    kinds.join(" + ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_removes_controls_and_folds_space() {
        assert_eq!(clean("a\u{1b}[31m b\n\tc\u{202e}d"), "a[31m b cd");
        assert_eq!(clean("  <script>  "), "<script>");
    }
}
