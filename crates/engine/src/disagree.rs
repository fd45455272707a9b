//! Where the journal and the plan disagree: what a patient reported that the plan did
//! not expect. These are warnings; they never change the plan. Each names the day of
//! the journal entry it is about, so that the command line can place it there.

use jiff::civil::Date;
use rehab_syntax::codes;

use rehab_syntax::protocol::LimitOf;

use crate::plan::{Decider, PartKind, Plan, Status, Verdict};

/// One disagreement between the journal and the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disagreement {
    /// The day of the check-in it is about.
    pub date: Date,
    /// The warning's code.
    pub code: &'static str,
    pub message: String,
}

/// Every disagreement between what the journal reports and what `plan` planned, in date
/// order: sessions reported on days the plan has off, while the plan still waits for a
/// gate's evidence, and on days the protocol's limits keep free.
pub fn disagreements(plan: &Plan) -> Vec<Disagreement> {
    let mut found = sessions_on_days_off(plan);
    found.extend(sessions_while_waiting(plan));
    found.extend(sessions_past_a_limit(plan));
    found.sort_by_key(|d| d.date);
    found
}

/// A session reported on a day that a limit on sessions keeps free (say, never two
/// days running): the plan counts it, but the protocol did not allow it.
fn sessions_past_a_limit(plan: &Plan) -> Vec<Disagreement> {
    plan.days
        .iter()
        .filter(|d| reports_a_session(d))
        .filter_map(|d| {
            let limit = d.decisions.iter().find(|x| {
                x.by == Decider::Limit(LimitOf::Sessions) && x.action == Verdict::Off
            })?;
            Some(Disagreement {
                date: d.date,
                code: codes::SESSION_PAST_A_LIMIT,
                message: format!(
                    "the journal reports a session on {}, a day the protocol's limits keep free: {}",
                    d.date,
                    limit.reason.trim_end_matches('.')
                ),
            })
        })
        .collect()
}

/// Whether the day's check-in reports a session that was done, in whole or in part.
fn reports_a_session(day: &crate::plan::Day) -> bool {
    day.report
        .as_ref()
        .and_then(|r| r.session)
        .is_some_and(|s| matches!(s, Status::Done | Status::Partial))
}

/// Whether the plan waits on `day` for its phase's requirements, the phase not begun:
/// such days are week 0 of the phase.
fn waits_to_begin(day: &crate::plan::Day) -> bool {
    day.week == 0
}

/// A check-in reporting a session on a day the plan has nothing to do: a day off in
/// the week's pattern or a rest a rule gave. A limit's free day, and a day the plan
/// waits for a phase to begin, are reported apart.
fn sessions_on_days_off(plan: &Plan) -> Vec<Disagreement> {
    plan.days
        .iter()
        .filter(|d| !waits_to_begin(d))
        .filter(|d| d.session.parts.iter().all(|p| p.kind == PartKind::Off))
        .filter(|d| reports_a_session(d))
        .filter(|d| {
            !d.decisions
                .iter()
                .any(|x| matches!(x.by, Decider::Limit(_)))
        })
        .map(|d| Disagreement {
            date: d.date,
            code: codes::SESSION_ON_DAY_OFF,
            message: format!(
                "the journal reports a session on {}, a day off in phase `{}` of the plan",
                d.date, d.phase
            ),
        })
        .collect()
}

/// Sessions reported after a gate began to wait for evidence the journal lacks, while
/// the plan holds the patient in the phase, or while it waits for a requirement before
/// the phase begins: one warning, at the first such check-in, naming what is awaited.
fn sessions_while_waiting(plan: &Plan) -> Vec<Disagreement> {
    let mut found = Vec::new();
    for (index, day) in plan.days.iter().enumerate() {
        for decision in &day.decisions {
            if decision.action != Verdict::Wait {
                continue;
            }
            // A gate's wait begins after its day and lasts while the plan stays in the
            // phase; a requirement's, from its day, while the phase has not begun.
            let (from, before) = match decision.by {
                Decider::Gate(_) => (index + 1, false),
                Decider::Requirement(_) => (index, true),
                _ => continue,
            };
            let later: Vec<&crate::plan::Day> = plan.days[from..]
                .iter()
                .take_while(|d| d.phase == day.phase && (!before || waits_to_begin(d)))
                .filter(|d| reports_a_session(d))
                .collect();
            let Some(first) = later.first() else {
                continue;
            };
            let held = if before {
                "waits to begin"
            } else {
                "still holds"
            };
            found.push(Disagreement {
                date: first.date,
                code: codes::SESSIONS_WHILE_WAITING,
                message: format!(
                    "{} session{} reported from {} while the plan {held} phase `{}`: {}",
                    later.len(),
                    if later.len() == 1 { " was" } else { "s were" },
                    first.date,
                    day.phase,
                    decision.reason.trim_end_matches('.'),
                ),
            });
        }
    }
    found
}
