//! Which phases a plan can reach. A gate that can never pass keeps the plan in its
//! phase, which cuts off the phases after it, unless a rule's `goto` leads into them.
//!
//! This works on the lowered phases and the parsed actions of the rules, once both
//! are checked: a phase's gates as compiled, and each rule's `goto` as resolved.

use rehab_syntax::{Diagnostic, codes};

use super::Ctx;
use super::names::Ids;
use super::phases::LoweredPhase;
use crate::model::*;

/// A way into a phase other than from the phase before it: a rule whose action is
/// `goto`.
///
/// One is kept for every rule whose action could be parsed, even a rule left out of
/// the protocol for an error in its condition: that error is reported already, and
/// should not also make the phase the rule leads to look unreachable.
#[derive(Debug, Clone)]
pub(super) struct Jump {
    /// The phase the rule starts, as an index of the declared phases.
    pub(super) to: usize,
    /// The declared phases the rule runs in, or `None` when it names none and so runs
    /// in every phase. A list whose names are all undeclared leaves it running in none.
    pub(super) from: Option<Vec<usize>>,
}

/// Reports the phases that no plan reaches: for each run of phases cut off by a gate
/// that can never pass, one error at the first of them, listing them all.
///
/// Each report goes where that phase's own findings begin, as if it had been made
/// when the phase was checked, so that diagnostics still follow the file's order.
pub(super) fn report_unreachable(
    ctx: &mut Ctx,
    phases: &[LoweredPhase],
    jumps: &[Jump],
    phase_ids: &Ids,
    scripts: &Scripts,
) {
    let found = cut_off(ctx, phases, jumps, phase_ids, scripts);
    // From the last report to the first, so each insertion leaves the places of the
    // earlier ones as they were.
    for (at, d) in found.into_iter().rev() {
        ctx.insert(at, d);
    }
}

/// Walks the phases in order, keeping the phases reached so far. A phase is reached
/// when nothing before it is stuck, or when a rule that runs in a phase already
/// reached leads into it.
fn cut_off(
    ctx: &Ctx,
    phases: &[LoweredPhase],
    jumps: &[Jump],
    phase_ids: &Ids,
    scripts: &Scripts,
) -> Vec<(usize, Diagnostic)> {
    // A duplicate id stands for the phase that declared it first, as it does for every
    // reference to it.
    let index = |ph: &LoweredPhase| phase_ids.index(&ph.id.value);
    let leads_into = |ph: &LoweredPhase, reached: &[usize]| {
        index(ph).is_some_and(|i| {
            jumps.iter().any(|j| {
                j.to == i
                    && j.from
                        .as_ref()
                        .is_none_or(|from| from.iter().any(|p| reached.contains(p)))
            })
        })
    };
    let mut reached: Vec<usize> = Vec::new();
    // The first gate, if any, that can never pass, with its phase: the phases after it
    // are not reached, up to one a rule leads into.
    let mut stuck: Option<(&str, &str)> = None;
    let mut reported = false;
    let mut found = Vec::new();
    for (i, ph) in phases.iter().enumerate() {
        if stuck.is_none() || leads_into(ph, &reached) {
            stuck = None;
            reported = false;
            reached.extend(index(ph));
        } else if let Some((phase, gate)) = stuck
            && !reported
        {
            // The phases cut off: this one and the next, up to one a rule leads into.
            // The list starts at the phase that declared this id first, as any
            // reference to the id would.
            let first = phases
                .iter()
                .position(|x| index(x) == index(ph))
                .unwrap_or(i);
            let later: Vec<&str> = phases
                .iter()
                .skip(first)
                .enumerate()
                .take_while(|(k, x)| *k == 0 || !leads_into(x, &reached))
                .map(|(_, x)| x.id.value.as_str())
                .collect();
            found.push((ph.mark, never_reached(ctx, ph, &later, phase, gate)));
            // Reported once, for the first phase cut off.
            reported = true;
        }
        if stuck.is_none() {
            stuck = never_passes(ph, scripts).map(|gate| (ph.id.value.as_str(), gate));
        }
    }
    found
}

/// The id of the first gate of `ph` whose condition is always false.
fn never_passes<'a>(ph: &'a LoweredPhase, scripts: &Scripts) -> Option<&'a str> {
    ph.gates
        .iter()
        .find(|g| g.when.is_some_and(|w| scripts.always_false(w)))
        .map(|g| g.id.as_str())
}

/// The error for phase `ph`, the first of the phases `later` cut off by `gate` of
/// `phase`.
fn never_reached(
    ctx: &Ctx,
    ph: &LoweredPhase,
    later: &[&str],
    phase: &str,
    gate: &str,
) -> Diagnostic {
    let listed: Vec<String> = later.iter().map(|id| format!("`{id}`")).collect();
    let (noun, verb) = if listed.len() == 1 {
        ("phase", "is")
    } else {
        ("phases", "are")
    };
    Diagnostic::error(
        codes::UNREACHABLE,
        format!(
            "{noun} {} {verb} never reached: gate `{gate}` of phase `{phase}` can never pass",
            listed.join(", ")
        ),
    )
    .at(ctx.span(&ph.id.referenced))
    .with_help(format!(
        "fix gate `{gate}`, or add a rule with `action: goto {}`",
        ph.id.value
    ))
}
