//! The plan as plain text for a terminal: a header, a phase overview, then each phase
//! with its guidance and every day, week by week.

use std::fmt::Write as _;

use rehab_engine::plan::{Day, Decision, NoteOut, PhasePlan, Plan, Report, Status, WeekSummary};

use rehab_syntax::escape::visible;

use super::{Audience, Detail, outcome_words, plural, status_word, wrap};

const WIDTH: usize = 88;

pub fn text(plan: &Plan, detail: Detail, audience: Audience) -> Result<String, String> {
    let mut o = String::new();
    let p = &plan.protocol;
    if audience.is_patient() {
        let _ = writeln!(o, "{}", visible(&p.title));
    } else {
        let _ = writeln!(
            o,
            "{} ({} v{})",
            visible(&p.title),
            visible(&p.id),
            visible(&p.version)
        );
    }
    let inputs: Vec<String> = plan
        .patient
        .inputs
        .iter()
        .map(|(k, v)| {
            let k = if audience.is_patient() {
                k.replace('_', " ")
            } else {
                k.clone()
            };
            format!("{} {}", visible(&k), visible(&v.to_string()))
        })
        .collect();
    let who = visible(plan.patient.name.as_deref().unwrap_or("patient"));
    let _ = writeln!(o, "Patient: {who} ({})", inputs.join(", "));
    let last = plan.days.last().map(|d| d.date);
    if let Some(last) = last {
        let _ = writeln!(
            o,
            "Plan: {} to {last}, {} days",
            plan.start,
            plan.days.len()
        );
    }
    let _ = writeln!(
        o,
        "Outcome: {} {}",
        outcome_words(plan.outcome.status),
        plan.outcome.date
    );
    if let Some(as_of) = plan.as_of {
        let _ = writeln!(o, "As of: {as_of}");
    }
    let _ = writeln!(o, "{}", journal_line(plan));
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "{}",
        wrap(&format!("Disclaimer: {}", plan.disclaimer), WIDTH, "  ")
    );
    if !audience.is_patient() {
        let _ = writeln!(
            o,
            "{}",
            wrap(
                &format!("Scheduling: {}", plan.scheduling.explanation),
                WIDTH,
                "  "
            )
        );
    }
    let _ = writeln!(o);

    let _ = writeln!(o, "Phases");
    let id_width = plan.phases.iter().map(|ph| ph.id.len()).max().unwrap_or(0);
    for ph in &plan.phases {
        if audience.is_patient() {
            let _ = writeln!(
                o,
                "  {} to {}  {:>4} days  {}",
                ph.start,
                ph.end,
                ph.days,
                visible(&ph.title)
            );
            continue;
        }
        let _ = writeln!(
            o,
            "  {:<id_width$}  {} to {}  {:>4} days  {}",
            visible(&ph.id),
            ph.start,
            ph.end,
            ph.days,
            visible(&ph.title)
        );
    }
    if !plan.requires.is_empty() {
        let _ = writeln!(o, "Before the first phase begins:");
        for r in &plan.requires {
            let _ = writeln!(
                o,
                "  - {}",
                wrap(
                    &format!("{}{}", r.title, audience.tag(&r.source)),
                    WIDTH - 4,
                    "    "
                )
            );
        }
    }
    for (i, ph) in plan.phases.iter().enumerate() {
        let _ = writeln!(o);
        phase(&mut o, plan, i + 1, ph, (detail, audience));
    }
    if !plan.notes.is_empty() {
        let _ = writeln!(o);
        let _ = writeln!(o, "Throughout");
        notes(&mut o, &plan.notes, audience);
    }
    if audience.is_patient() {
        return Ok(o);
    }
    let _ = writeln!(o);
    let _ = writeln!(o, "Sources");
    for s in &plan.protocol.sources {
        let _ = writeln!(
            o,
            "  {}",
            wrap(&format!("[{}] {}", s.id, s.citation), WIDTH - 4, "    ")
        );
    }
    o.push_str(&provenance(plan));
    Ok(o)
}

/// The footer that says what made the plan: the protocol's id, version and SHA-256,
/// the patient's SHA-256 and the engine's version (`docs/provenance.md`).
pub fn provenance(plan: &Plan) -> String {
    let p = &plan.provenance;
    format!(
        "\n{PROVENANCE} protocol {} v{}, sha256 {}\n  patient sha256 {}; engine {}\n",
        visible(&p.protocol.id),
        visible(&p.protocol.version),
        p.protocol.sha256,
        p.patient.sha256,
        p.engine.version
    )
}

/// The first words of the provenance footer.
pub const PROVENANCE: &str = "Provenance:";

fn phase(o: &mut String, plan: &Plan, n: usize, ph: &PhasePlan, view: (Detail, Audience)) {
    let (detail, audience) = view;
    let patient = audience.is_patient();
    let id = if patient {
        String::new()
    } else {
        format!(" ({})", visible(&ph.id))
    };
    let heading = format!(
        "Phase {n}: {}{id}, {} to {}, {}",
        visible(&ph.title),
        ph.start,
        ph.end,
        plural(ph.days, "day")
    );
    let _ = writeln!(o, "{heading}");
    let _ = writeln!(o, "{}", "=".repeat(heading.chars().count()));
    if let Some(purpose) = &ph.purpose {
        let _ = writeln!(o, "{}", wrap(purpose, WIDTH, ""));
    }
    if !patient {
        let _ = writeln!(
            o,
            "{}",
            wrap(
                &format!("Length: {}. [{}]", ph.length, ph.length_source),
                WIDTH,
                "  "
            )
        );
    }
    if let Some(i) = ph.interpretation.as_ref().filter(|_| !patient) {
        let _ = writeln!(o, "{}", wrap(&format!("Interpretation: {i}"), WIDTH, "  "));
    }
    if !ph.allowed.is_empty() {
        let _ = writeln!(o, "Allowed:");
        notes(o, &ph.allowed, audience);
    }
    if !ph.avoided.is_empty() {
        let _ = writeln!(o, "Avoid:");
        notes(o, &ph.avoided, audience);
    }
    if let Some(c) = ph.strength.as_ref().filter(|_| patient) {
        let line = format!("Strength work ({}): {}", c.title, c.exercises);
        let _ = writeln!(o, "{}", wrap(&line, WIDTH, "  "));
    } else if let Some(c) = &ph.strength {
        let line = format!(
            "Strength circuit {} ({}): {} [{}]",
            c.id, c.title, c.exercises, c.source
        );
        let _ = writeln!(o, "{}", wrap(&line, WIDTH, "  "));
        if let Some(i) = &c.interpretation {
            let _ = writeln!(
                o,
                "{}",
                wrap(&format!("  Interpretation: {i}"), WIDTH, "    ")
            );
        }
    }
    if patient {
        patient_rotation(o, ph);
    } else {
        strength_rotation(o, ph);
    }
    for a in &ph.on_entry {
        let _ = writeln!(
            o,
            "On entry, {}{}:",
            visible(&a.title),
            visible(&audience.tag(&a.source))
        );
        for item in a.checklist.iter().chain(&a.questions) {
            let _ = writeln!(o, "  - {}", wrap(item, WIDTH - 4, "    "));
        }
    }
    for pat in &ph.patterns {
        let weeks = if pat.weeks == "all" {
            "every week".to_string()
        } else {
            format!("weeks {}", pat.weeks)
        };
        let line = format!(
            "Week pattern, {weeks}: {}{}",
            pat.days.join(", "),
            audience.tag(&pat.source)
        );
        let _ = writeln!(o, "{}", wrap(&line, WIDTH, "  "));
        if let Some(i) = pat.interpretation.as_ref().filter(|_| !patient) {
            let _ = writeln!(
                o,
                "{}",
                wrap(&format!("  Interpretation: {i}"), WIDTH, "    ")
            );
        }
    }
    if !ph.requires.is_empty() {
        let _ = writeln!(o, "Before it begins:");
        for r in &ph.requires {
            let line = format!("{}{}", r.title, audience.tag(&r.source));
            let _ = writeln!(o, "  - {}", wrap(&line, WIDTH - 4, "    "));
        }
    }
    if !ph.gates.is_empty() {
        let _ = writeln!(o, "To move on:");
        for g in &ph.gates {
            let line = format!("{}{}", g.title, audience.tag(&g.source));
            let _ = writeln!(o, "  - {}", wrap(&line, WIDTH - 4, "    "));
        }
    }
    if !ph.notes.is_empty() {
        let _ = writeln!(o, "Notes:");
        notes(o, &ph.notes, audience);
    }
    // The schedule's changes name the rules behind them; the patient sees each change
    // on its day, in the rule's own words.
    if !ph.adjustments.is_empty() && !patient {
        let _ = writeln!(o, "Changes to the schedule:");
        for a in &ph.adjustments {
            let _ = writeln!(o, "  - {}", wrap(a, WIDTH - 4, "    "));
        }
    }
    let in_phase = |date| date >= ph.start && date <= ph.end;
    for w in plan
        .weeks
        .iter()
        .filter(|w| w.phase == ph.id && in_phase(w.start))
    {
        let _ = writeln!(o);
        let _ = writeln!(o, "  {}", week_line(w));
        week_notes(o, w, audience);
        let days = || {
            plan.days
                .iter()
                .filter(|d| d.date >= w.start && d.date <= w.end)
        };
        for (r, on) in super::week_reminders(days()) {
            let line = format!("Reminder ({on}): {}{}", r.text, audience.tag(&r.source));
            let _ = writeln!(o, "    {}", wrap(&line, WIDTH - 4, "      "));
        }
        for d in days() {
            // Planned days are the norm; only other statuses are marked.
            let mark = match d.status {
                Status::Planned => "",
                other => status_word(other),
            };
            let what = match d.status {
                Status::Off => "rest day".to_string(),
                Status::Waiting => "no sessions: waiting for the phase to begin".to_string(),
                _ if patient => super::plain_day(d),
                _ => day_text(d),
            };
            let _ = writeln!(
                o,
                "    {}  {:<7} {}",
                d.date.strftime("%a %Y-%m-%d"),
                mark,
                wrap(&what, WIDTH - 28, &" ".repeat(28))
            );
            if let Some(r) = &d.report {
                let _ = writeln!(
                    o,
                    "{:>30}{}",
                    "reported: ",
                    wrap(&report_text(r), WIDTH - 30, &" ".repeat(30))
                );
            }
            for dec in &d.decisions {
                if patient {
                    if super::shown_to_patient(dec) {
                        let line = dec.reason.as_str();
                        let pad = " ".repeat(30);
                        let _ = writeln!(o, "{:>30}{}", "! ", wrap(line, WIDTH - 30, &pad));
                    }
                } else if detail == Detail::Explained {
                    decision(o, dec);
                } else if super::is_adaptive(dec) {
                    let line = format!("{} -> {}: {}", dec.by, dec.action, dec.reason);
                    let _ = writeln!(
                        o,
                        "{:>30}{}",
                        "! ",
                        wrap(&line, WIDTH - 30, &" ".repeat(30))
                    );
                }
            }
        }
    }
}

/// The circuits a phase's strength days take in turn, and those a failing gate leaves
/// out, after the phase's guidance.
fn strength_rotation(o: &mut String, ph: &PhasePlan) {
    if !ph.rotation.is_empty() {
        let _ = writeln!(o, "Strength circuits, taken in turn:");
        for c in &ph.rotation {
            let line = format!("{} ({}): {} [{}]", c.id, c.title, c.exercises, c.source);
            let _ = writeln!(o, "  - {}", wrap(&line, WIDTH - 4, "    "));
            if let Some(i) = &c.interpretation {
                let line = format!("Interpretation: {i}");
                let _ = writeln!(o, "    {}", wrap(&line, WIDTH - 4, "    "));
            }
        }
    }
    for w in &ph.withhold {
        let line = format!(
            "Circuit {} is left out while gate {} fails, until it passes. [{}]",
            w.circuit, w.while_failing, w.source
        );
        let _ = writeln!(o, "{}", wrap(&line, WIDTH, "  "));
        if let Some(i) = &w.interpretation {
            let line = format!("Interpretation: {i}");
            let _ = writeln!(o, "  {}", wrap(&line, WIDTH - 2, "    "));
        }
    }
}

/// The circuits of a phase's strength days, for patients: by title, without ids or
/// sources, and those a failing gate leaves out by the gate's title.
fn patient_rotation(o: &mut String, ph: &PhasePlan) {
    if !ph.rotation.is_empty() {
        let _ = writeln!(o, "Strength work, taken in turn:");
        for c in &ph.rotation {
            let line = format!("{}: {}", c.title, c.exercises);
            let _ = writeln!(o, "  - {}", wrap(&line, WIDTH - 4, "    "));
        }
    }
    for w in &ph.withhold {
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
        let line = format!("{circuit} is left out until this is passed: {gate}.");
        let _ = writeln!(o, "{}", wrap(&line, WIDTH, "  "));
    }
}

/// The day's prescription, naming strength circuits instead of listing their exercises
/// again (the phase heading lists them).
pub(super) fn day_text(d: &Day) -> String {
    let level = d.level.map_or(String::new(), |l| format!("level {l}: "));
    let parts = d
        .session
        .parts
        .iter()
        .map(|p| match &p.circuit {
            Some(c) => format!("circuit {c}"),
            None => p.text.clone(),
        })
        .collect::<Vec<_>>()
        .join(" + ");
    format!("{level}{parts}")
}

pub(super) fn week_line(w: &WeekSummary) -> String {
    // Week 0 is the wait for the phase's requirements, before its first week.
    if w.week == 0 {
        let days = (w.end - w.start).get_days().unsigned_abs() + 1;
        return format!(
            "Waiting to begin ({} to {}), {}",
            w.start,
            w.end,
            plural(days, "day")
        );
    }
    let mut parts = vec![format!("Week {} ({} to {})", w.week, w.start, w.end)];
    if let Some(l) = w.levels {
        let word = if l.first == l.last { "level" } else { "levels" };
        parts.push(format!("{word} {l}"));
    }
    parts.extend(super::running_words(w));
    if w.sessions > 0 {
        parts.push(plural(w.sessions, "session"));
    }
    if w.cross_days > 0 {
        parts.push(format!("{} cross-training", plural(w.cross_days, "day")));
    }
    if w.strength_days > 0 {
        parts.push(format!("{} strength", plural(w.strength_days, "day")));
    }
    parts.push(format!("{} off", plural(w.off_days, "day")));
    parts.join(", ")
}

/// The week's notes and interpretations from its `weeks` or `levels` entries, under the
/// week's line.
fn week_notes(o: &mut String, w: &WeekSummary, audience: Audience) {
    for n in &w.notes {
        for (what, text) in [("note", &n.note), ("interpretation", &n.interpretation)] {
            let Some(text) = text else { continue };
            if audience.is_patient() && what == "interpretation" {
                continue;
            }
            let line = format!("{}: {text}", super::week_note_label(n, what));
            let _ = writeln!(o, "    {}", wrap(&line, WIDTH - 4, "      "));
        }
    }
}

fn journal_line(plan: &Plan) -> String {
    match plan.journal.followed_until {
        Some(d) => format!(
            "Journal: {} of {} entries applied; days to {d} follow it, later days are projected",
            plan.journal.applied, plan.journal.entries
        ),
        None => "Journal: none; every day is projected".to_string(),
    }
}

fn report_text(r: &Report) -> String {
    let mut parts = Vec::new();
    if let Some(s) = r.session {
        parts.push(format!("session {}", status_word(s)));
    }
    if !r.pain.is_empty() {
        parts.push(format!("pain {}", super::pain_words(r).join(", ")));
    }
    if !r.fields.is_empty() {
        parts.push(super::field_words(r).join(", "));
    }
    if let Some(n) = &r.note {
        parts.push(format!("\"{n}\""));
    }
    parts.join("; ")
}

fn decision(o: &mut String, d: &Decision) {
    let source = d
        .source
        .as_deref()
        .map(|s| format!(" [{s}]"))
        .unwrap_or_default();
    let line = format!("{} -> {}: {}{source}", d.by, d.action, d.reason);
    let pad = " ".repeat(30);
    let _ = writeln!(o, "{:>30}{}", "why: ", wrap(&line, WIDTH - 30, &pad));
    if let Some(c) = &d.condition {
        let c = c.split_whitespace().collect::<Vec<_>>().join(" ");
        let _ = writeln!(o, "{:>30}{}", "when: ", wrap(&c, WIDTH - 30, &pad));
    }
    if !d.values.is_empty() {
        let seen: Vec<String> = d.values.iter().map(|(k, v)| format!("{k} = {v}")).collect();
        let _ = writeln!(
            o,
            "{:>30}{}",
            "saw: ",
            wrap(&seen.join(", "), WIDTH - 30, &pad)
        );
    }
    if let Some(i) = &d.interpretation {
        let _ = writeln!(o, "{:>30}{}", "reading: ", wrap(i, WIDTH - 30, &pad));
    }
    if let Some(w) = &d.overridden_by {
        let _ = writeln!(
            o,
            "{:>30}{} is more conservative",
            "not applied: ",
            visible(w)
        );
    }
}

fn notes(o: &mut String, list: &[NoteOut], audience: Audience) {
    for n in list {
        let line = format!("{}{}", n.text, audience.tag(&n.source));
        let _ = writeln!(o, "  - {}", wrap(&line, WIDTH - 4, "    "));
        if let Some(i) = n.interpretation.as_ref().filter(|_| !audience.is_patient()) {
            let _ = writeln!(
                o,
                "    {}",
                wrap(&format!("Interpretation: {i}"), WIDTH - 4, "    ")
            );
        }
    }
}
