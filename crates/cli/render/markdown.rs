//! The plan as Markdown: headings per phase and a table per week, for handouts and
//! code review.

use std::fmt::Write as _;

use rehab_engine::model::Value;
use rehab_engine::plan::{Day, Decision, NoteOut, PhasePlan, Plan};

use rehab_syntax::escape::visible;

use super::{Audience, Detail, outcome_words, plural, status_word};

/// Text from files as Markdown text: line breaks folded (a break could start a heading
/// or a list of its own), control characters escaped ([`visible`]), and the characters
/// that would end a table cell or open raw HTML written as themselves.
fn md(text: &str) -> std::borrow::Cow<'_, str> {
    let folded = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let escaped = visible(&folded)
        .replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    if escaped == text {
        std::borrow::Cow::Borrowed(text)
    } else {
        std::borrow::Cow::Owned(escaped)
    }
}

/// Text from files inside a code span (backticks): folded and escaped like [`md`], but a
/// code span shows `<` as it is, and a backtick would end the span.
fn code(text: &str) -> String {
    let folded = text.split_whitespace().collect::<Vec<_>>().join(" ");
    visible(&folded).replace('|', "\\|").replace('`', "'")
}

/// A source tag, ` *[morra-article]*`, for the clinician; nothing for the patient.
fn tag(audience: Audience, source: &str) -> String {
    match audience {
        Audience::Clinician => format!(" *[{}]*", md(source)),
        Audience::Patient => String::new(),
    }
}

pub fn markdown(plan: &Plan, detail: Detail, audience: Audience) -> Result<String, String> {
    let mut o = String::new();
    let p = &plan.protocol;
    let patient = audience.is_patient();
    let _ = writeln!(o, "# {}\n", md(&p.title));
    if !patient {
        let _ = writeln!(
            o,
            "Protocol `{}`, version {}.\n",
            code(&p.id),
            md(&p.version)
        );
    }
    let _ = writeln!(o, "> **Disclaimer.** {}\n", md(&plan.disclaimer));
    let who = md(plan.patient.name.as_deref().unwrap_or("Patient"));
    let _ = writeln!(o, "- **Patient:** {who}");
    for (k, v) in &plan.patient.inputs {
        let k = if patient {
            k.replace('_', " ")
        } else {
            k.clone()
        };
        let _ = writeln!(o, "- **{}:** {}", md(&k), md(&v.to_string()));
    }
    if let Some(last) = plan.days.last() {
        let _ = writeln!(
            o,
            "- **Plan:** {} to {}, {} days",
            plan.start,
            last.date,
            plan.days.len()
        );
    }
    let _ = writeln!(
        o,
        "- **Outcome:** {} {}",
        outcome_words(plan.outcome.status),
        plan.outcome.date
    );
    match plan.journal.followed_until {
        Some(d) => {
            let _ = writeln!(
                o,
                "- **Journal:** {} of {} entries applied; days to {d} follow it, later days are projected",
                plan.journal.applied, plan.journal.entries
            );
        }
        None => {
            let _ = writeln!(o, "- **Journal:** none; every day is projected");
        }
    }
    if patient {
        let _ = writeln!(o);
    } else {
        let _ = writeln!(o, "\n*Scheduling.* {}\n", md(&plan.scheduling.explanation));
    }
    let _ = writeln!(o, "## Phases\n");
    if patient {
        let _ = writeln!(o, "| Phase | Start | End | Days |");
        let _ = writeln!(o, "|---|---|---|---:|");
    } else {
        let _ = writeln!(o, "| Phase | Title | Start | End | Days |");
        let _ = writeln!(o, "|---|---|---|---|---:|");
    }
    for ph in &plan.phases {
        if patient {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} |",
                md(&ph.title),
                ph.start,
                ph.end,
                ph.days
            );
            continue;
        }
        let _ = writeln!(
            o,
            "| `{}` | {} | {} | {} | {} |",
            code(&ph.id),
            md(&ph.title),
            ph.start,
            ph.end,
            ph.days
        );
    }
    if !plan.requires.is_empty() {
        let _ = writeln!(o, "\n**Before the first phase begins**\n");
        for r in &plan.requires {
            let _ = writeln!(o, "- {}{}", md(&r.title), tag(audience, &r.source));
        }
    }
    for ph in &plan.phases {
        phase(&mut o, plan, ph, (detail, audience));
    }
    if !plan.notes.is_empty() {
        let _ = writeln!(o, "\n## Throughout\n");
        notes(&mut o, &plan.notes, audience);
    }
    if patient {
        return Ok(o);
    }
    let _ = writeln!(o, "\n## Sources\n");
    for s in &plan.protocol.sources {
        let _ = writeln!(o, "- **{}**: {}", md(&s.id), md(&s.citation));
    }
    let p = &plan.provenance;
    let _ = writeln!(
        o,
        "\n---\n\n*Provenance:* protocol `{}` v{}, sha256 `{}`; patient sha256 `{}`; engine {}",
        code(&p.protocol.id),
        md(&p.protocol.version),
        p.protocol.sha256,
        p.patient.sha256,
        p.engine.version
    );
    Ok(o)
}

fn phase(o: &mut String, plan: &Plan, ph: &PhasePlan, view: (Detail, Audience)) {
    let (detail, audience) = view;
    let patient = audience.is_patient();
    if patient {
        let _ = writeln!(o, "\n## {}\n", md(&ph.title));
        let _ = writeln!(
            o,
            "{} to {}, {}.\n",
            ph.start,
            ph.end,
            plural(ph.days, "day")
        );
    } else {
        let _ = writeln!(o, "\n## {} (`{}`)\n", md(&ph.title), code(&ph.id));
        let _ = writeln!(
            o,
            "{} to {}, {}. *Length:* {}. *[{}]*\n",
            ph.start,
            ph.end,
            plural(ph.days, "day"),
            md(&ph.length),
            md(&ph.length_source)
        );
    }
    if let Some(purpose) = &ph.purpose {
        let _ = writeln!(o, "{}\n", md(purpose));
    }
    if let Some(i) = ph.interpretation.as_ref().filter(|_| !patient) {
        let _ = writeln!(o, "*Interpretation:* {}\n", md(i));
    }
    for (title, list) in [
        ("Allowed", &ph.allowed),
        ("Avoid", &ph.avoided),
        ("Notes", &ph.notes),
    ] {
        if !list.is_empty() {
            let _ = writeln!(o, "**{title}**\n");
            notes(o, list, audience);
            let _ = writeln!(o);
        }
    }
    if patient {
        patient_strength(o, ph);
    } else {
        strength(o, ph);
    }
    for a in &ph.on_entry {
        let _ = writeln!(
            o,
            "**On entry, {}**{}\n",
            md(&a.title),
            tag(audience, &a.source)
        );
        for item in a.checklist.iter().chain(&a.questions) {
            let _ = writeln!(o, "- {}", md(item));
        }
        let _ = writeln!(o);
    }
    if !ph.requires.is_empty() {
        let _ = writeln!(o, "**Before it begins**\n");
        for r in &ph.requires {
            let _ = writeln!(o, "- {}{}", md(&r.title), tag(audience, &r.source));
        }
        let _ = writeln!(o);
    }
    if !ph.gates.is_empty() {
        let _ = writeln!(o, "**To move on**\n");
        for g in &ph.gates {
            let _ = writeln!(o, "- {}{}", md(&g.title), tag(audience, &g.source));
        }
        let _ = writeln!(o);
    }
    weeks(o, plan, ph, (detail, audience));
}

/// A phase's strength circuit, or the circuits its strength days take in turn, and those
/// a failing gate leaves out, with ids and sources.
fn strength(o: &mut String, ph: &PhasePlan) {
    if let Some(c) = &ph.strength {
        let _ = writeln!(
            o,
            "**Strength circuit, {}:** `{}` *[{}]*\n",
            md(&c.title),
            code(&c.exercises),
            md(&c.source)
        );
    }
    if !ph.rotation.is_empty() {
        let _ = writeln!(o, "**Strength circuits, taken in turn**\n");
        for c in &ph.rotation {
            let _ = writeln!(
                o,
                "- `{}`, {}: `{}` *[{}]*",
                code(&c.id),
                md(&c.title),
                code(&c.exercises),
                md(&c.source)
            );
        }
        let _ = writeln!(o);
    }
    for w in &ph.withhold {
        let _ = writeln!(
            o,
            "**Left out while a gate fails:** circuit `{}` until gate `{}` passes. *[{}]*\n",
            code(&w.circuit),
            code(&w.while_failing),
            md(&w.source)
        );
        if let Some(i) = &w.interpretation {
            let _ = writeln!(o, "*Interpretation:* {}\n", md(i));
        }
    }
}

/// A phase's strength work for patients: circuits by title, without ids or sources.
fn patient_strength(o: &mut String, ph: &PhasePlan) {
    if let Some(c) = &ph.strength {
        let _ = writeln!(
            o,
            "**Strength work, {}:** {}\n",
            md(&c.title),
            md(&c.exercises)
        );
    }
    if !ph.rotation.is_empty() {
        let _ = writeln!(o, "**Strength work, taken in turn**\n");
        for c in &ph.rotation {
            let _ = writeln!(o, "- {}: {}", md(&c.title), md(&c.exercises));
        }
        let _ = writeln!(o);
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
        let _ = writeln!(
            o,
            "**Left out for now:** {} until this is passed: {}.\n",
            md(circuit),
            md(gate)
        );
    }
}

/// The phase's changes to the schedule and its weeks, each with a table of its days.
fn weeks(o: &mut String, plan: &Plan, ph: &PhasePlan, view: (Detail, Audience)) {
    let (detail, audience) = view;
    let patient = audience.is_patient();
    // The schedule's changes name the rules behind them; the patient sees each change
    // on its day, in the rule's own words.
    if !ph.adjustments.is_empty() && !patient {
        let _ = writeln!(o, "**Changes to the schedule**\n");
        for a in &ph.adjustments {
            let _ = writeln!(o, "- {}", md(a));
        }
        let _ = writeln!(o);
    }
    let in_phase = |date| date >= ph.start && date <= ph.end;
    for w in plan
        .weeks
        .iter()
        .filter(|w| w.phase == ph.id && in_phase(w.start))
    {
        let days: Vec<&Day> = plan
            .days
            .iter()
            .filter(|d| d.date >= w.start && d.date <= w.end)
            .collect();
        let mut summary = vec![format!("{} to {}", w.start, w.end)];
        if let Some(l) = w.levels {
            let word = if l.first == l.last { "level" } else { "levels" };
            summary.push(format!("{word} {l}"));
        }
        summary.extend(super::running_words(w));
        summary.push(format!(
            "{}, {} cross-training, {} off",
            plural(w.sessions, "session"),
            plural(w.cross_days, "day"),
            plural(w.off_days, "day")
        ));
        // Week 0 is the wait for the phase's requirements, before its first week.
        if w.week == 0 {
            let _ = writeln!(o, "### Waiting to begin\n\n{} to {}\n", w.start, w.end);
        } else {
            let _ = writeln!(o, "### Week {}\n\n{}\n", w.week, summary.join("; "));
        }
        for n in &w.notes {
            for (what, text) in [("note", &n.note), ("interpretation", &n.interpretation)] {
                if patient && what == "interpretation" {
                    continue;
                }
                if let Some(text) = text {
                    let _ = writeln!(o, "*{}:* {}\n", super::week_note_label(n, what), md(text));
                }
            }
        }
        for (r, on) in super::week_reminders(days.iter().copied()) {
            let _ = writeln!(
                o,
                "*Reminder ({on}):* {}{}\n",
                md(&r.text),
                tag(audience, &r.source)
            );
        }
        let _ = writeln!(o, "| Date | Prescription | Status | Reported |");
        let _ = writeln!(o, "|---|---|---|---|");
        for d in &days {
            let status = status_word(d.status);
            let reported = d.report.as_ref().map_or(String::new(), |r| {
                let mut parts = super::pain_words(r);
                parts.extend(super::field_words(r));
                if let Some(n) = &r.note {
                    parts.push(n.clone());
                }
                md(&parts.join(", ")).into_owned()
            });
            if patient {
                let _ = writeln!(
                    o,
                    "| {} | {} | {status} | {reported} |",
                    d.date.strftime("%a %Y-%m-%d"),
                    md(&super::plain_day(d))
                );
                continue;
            }
            let level = d.level.map_or(String::new(), |l| format!("level {l}: "));
            let _ = writeln!(
                o,
                "| {} | {level}`{}` | {status} | {reported} |",
                d.date.strftime("%a %Y-%m-%d"),
                code(&d.session.text)
            );
        }
        let decided: Vec<(&Day, &Decision)> = days
            .iter()
            .flat_map(|d| d.decisions.iter().map(move |dec| (*d, dec)))
            .filter(|(_, dec)| match audience {
                Audience::Patient => super::shown_to_patient(dec),
                Audience::Clinician => detail == Detail::Explained || super::is_adaptive(dec),
            })
            .collect();
        if !decided.is_empty() {
            let _ = writeln!(o, "\nDecisions:\n");
            for (d, dec) in decided {
                if patient {
                    let _ = writeln!(o, "- {}: {}", d.date, md(&dec.reason));
                    continue;
                }
                let src = dec
                    .source
                    .as_deref()
                    .map(|s| format!(" *[{}]*", md(s)))
                    .unwrap_or_default();
                let _ = writeln!(
                    o,
                    "- {}: `{}` {}: {}{src}",
                    d.date,
                    code(&dec.by.to_string()),
                    md(&dec.action.to_string()),
                    md(&dec.reason)
                );
                if detail != Detail::Explained {
                    continue;
                }
                if let Some(c) = &dec.condition {
                    let c = c.split_whitespace().collect::<Vec<_>>().join(" ");
                    let _ = writeln!(o, "  - when `{}`", code(&c));
                }
                if !dec.values.is_empty() {
                    let seen: Vec<String> = dec
                        .values
                        .iter()
                        .map(|(k, v)| format!("`{}` = {}", code(k), value(v)))
                        .collect();
                    let _ = writeln!(o, "  - saw {}", seen.join(", "));
                }
                if let Some(i) = &dec.interpretation {
                    let _ = writeln!(o, "  - *Interpretation:* {}", md(i));
                }
                if let Some(w) = &dec.overridden_by {
                    let _ = writeln!(o, "  - not applied: `{}` is more conservative", code(w));
                }
            }
        }
        let _ = writeln!(o);
    }
}

/// A value a decision saw: lists and maps in a code span, so that their punctuation
/// stays as written.
fn value(v: &Value) -> String {
    match v {
        Value::List(_) | Value::Map(_) => {
            let text = visible(&v.to_string()).into_owned();
            // A fence one backtick longer than any run inside the text.
            let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
            let fence = "`".repeat(longest + 1);
            if longest == 0 {
                format!("{fence}{text}{fence}")
            } else {
                format!("{fence} {text} {fence}")
            }
        }
        other => md(&other.to_string()).into_owned(),
    }
}

fn notes(o: &mut String, list: &[NoteOut], audience: Audience) {
    for n in list {
        let _ = writeln!(o, "- {}{}", md(&n.text), tag(audience, &n.source));
        if let Some(i) = n.interpretation.as_ref().filter(|_| !audience.is_patient()) {
            let _ = writeln!(o, "  *Interpretation:* {}", md(i));
        }
    }
}
