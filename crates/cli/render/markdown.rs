//! The plan as Markdown: headings per phase and a table per week, for handouts and
//! code review.

use std::fmt::Write as _;

use rehab_engine::plan::{Day, NoteOut, PhasePlan, Plan};

use super::{minutes, outcome_words, plural, status_word};

pub fn markdown(plan: &Plan, explain: bool) -> Result<String, String> {
    let mut o = String::new();
    let p = &plan.protocol;
    let _ = writeln!(o, "# {}\n", p.title);
    let _ = writeln!(o, "Protocol `{}`, version {}.\n", p.id, p.version);
    let _ = writeln!(o, "> **Disclaimer.** {}\n", plan.disclaimer);
    let who = plan.patient.name.as_deref().unwrap_or("Patient");
    let _ = writeln!(o, "- **Patient:** {who}");
    for (k, v) in &plan.patient.inputs {
        let _ = writeln!(o, "- **{k}:** {v}");
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
    let _ = writeln!(o, "\n*Scheduling.* {}\n", plan.scheduling.explanation);
    let _ = writeln!(o, "## Phases\n");
    let _ = writeln!(o, "| Phase | Title | Start | End | Days |");
    let _ = writeln!(o, "|---|---|---|---|---:|");
    for ph in &plan.phases {
        let _ = writeln!(
            o,
            "| `{}` | {} | {} | {} | {} |",
            ph.id, ph.title, ph.start, ph.end, ph.days
        );
    }
    for ph in &plan.phases {
        phase(&mut o, plan, ph, explain);
    }
    if !plan.notes.is_empty() {
        let _ = writeln!(o, "\n## Throughout\n");
        notes(&mut o, &plan.notes);
    }
    let _ = writeln!(o, "\n## Sources\n");
    for s in &plan.protocol.sources {
        let _ = writeln!(o, "- **{}**: {}", s.id, s.citation);
    }
    Ok(o)
}

fn phase(o: &mut String, plan: &Plan, ph: &PhasePlan, explain: bool) {
    let _ = writeln!(o, "\n## {} (`{}`)\n", ph.title, ph.id);
    let _ = writeln!(
        o,
        "{} to {}, {}. *Length:* {}. *[{}]*\n",
        ph.start,
        ph.end,
        plural(ph.days, "day"),
        ph.length,
        ph.length_source
    );
    if let Some(purpose) = &ph.purpose {
        let _ = writeln!(o, "{purpose}\n");
    }
    if let Some(i) = &ph.interpretation {
        let _ = writeln!(o, "*Interpretation:* {i}\n");
    }
    for (title, list) in [
        ("Allowed", &ph.allowed),
        ("Avoid", &ph.avoided),
        ("Notes", &ph.notes),
    ] {
        if !list.is_empty() {
            let _ = writeln!(o, "**{title}**\n");
            notes(o, list);
            let _ = writeln!(o);
        }
    }
    if let Some(c) = &ph.strength {
        let _ = writeln!(
            o,
            "**Strength circuit, {}:** `{}` *[{}]*\n",
            c.title, c.exercises, c.source
        );
    }
    for a in &ph.on_entry {
        let _ = writeln!(o, "**On entry, {}** *[{}]*\n", a.title, a.source);
        for item in a.checklist.iter().chain(&a.questions) {
            let _ = writeln!(o, "- {item}");
        }
        let _ = writeln!(o);
    }
    if !ph.gates.is_empty() {
        let _ = writeln!(o, "**To move on**\n");
        for g in &ph.gates {
            let _ = writeln!(o, "- {} *[{}]*", g.title, g.source);
        }
        let _ = writeln!(o);
    }
    let days: Vec<&Day> = plan.days.iter().filter(|d| d.phase == ph.id).collect();
    for w in plan.weeks.iter().filter(|w| w.phase == ph.id) {
        let mut summary = vec![format!("{} to {}", w.start, w.end)];
        if w.run_minutes.max > 0.0 {
            summary.push(format!("running {}", minutes(w.run_minutes)));
        }
        summary.push(format!(
            "{}, {} cross-training, {} off",
            plural(w.sessions, "session"),
            plural(w.cross_days, "day"),
            plural(w.off_days, "day")
        ));
        let _ = writeln!(o, "### Week {}\n\n{}\n", w.week, summary.join("; "));
        let _ = writeln!(o, "| Date | Prescription | Status |");
        let _ = writeln!(o, "|---|---|---|");
        for d in days.iter().filter(|d| d.week == w.week) {
            let status = status_word(d.status);
            let _ = writeln!(
                o,
                "| {} | `{}` | {status} |",
                d.date.strftime("%a %Y-%m-%d"),
                d.session.text.replace('|', "\\|")
            );
        }
        if explain {
            let decided: Vec<&&Day> = days
                .iter()
                .filter(|d| d.week == w.week && !d.decisions.is_empty())
                .collect();
            if !decided.is_empty() {
                let _ = writeln!(o, "\nDecisions:\n");
                for d in decided {
                    for dec in &d.decisions {
                        let src = dec
                            .source
                            .as_deref()
                            .map(|s| format!(" *[{s}]*"))
                            .unwrap_or_default();
                        let _ = writeln!(
                            o,
                            "- {}: `{}` {}: {}{src}",
                            d.date, dec.rule, dec.action, dec.reason
                        );
                    }
                }
            }
        }
        let _ = writeln!(o);
    }
}

fn notes(o: &mut String, list: &[NoteOut]) {
    for n in list {
        let _ = writeln!(o, "- {} *[{}]*", n.text, n.source);
        if let Some(i) = &n.interpretation {
            let _ = writeln!(o, "  *Interpretation:* {i}");
        }
    }
}
