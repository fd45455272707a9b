//! A phase's strength work and day reminders: the circuits its strength days take in
//! turn, the circuits it leaves out while a gate fails, and the notes shown on days.

use rehab_syntax::protocol::{self as doc, CircuitIds, DayName, S};
use rehab_syntax::suggest::did_you_mean;
use rehab_syntax::{Diagnostic, codes};

use super::Ctx;
use super::inputs::Inputs;
use super::names::Names;
use super::rules::lower_notes;
use crate::model::*;
use crate::plan::PartKind;

/// The circuits of a phase's `strength`, in turn order: one circuit id, or a list.
pub(super) fn lower_strength(ctx: &mut Ctx, ph: &doc::Phase, names: &Names) -> Vec<usize> {
    let Some(strength) = &ph.strength else {
        return Vec::new();
    };
    match &strength.value {
        CircuitIds::One(id) => {
            let id = S {
                value: id.clone(),
                referenced: strength.referenced,
                defined: strength.defined,
            };
            names.circuits.resolve(ctx, &id).into_iter().collect()
        }
        CircuitIds::Rotation(ids) => {
            if ids.is_empty() {
                ctx.error(
                    codes::BAD_VALUE,
                    &strength.referenced,
                    "`strength` lists no circuit; name one or more, or leave `strength` out",
                );
            }
            ids.iter()
                .filter_map(|id| names.circuits.resolve(ctx, id))
                .collect()
        }
    }
}

/// A phase's `withhold` entries: each names one of the phase's strength circuits and
/// one of its gates.
pub(super) fn lower_withhold(
    ctx: &mut Ctx,
    ph: &doc::Phase,
    names: &Names,
    strength: &[usize],
) -> Vec<Withhold> {
    let gate_ids: Vec<String> = ph.gates.iter().map(|g| g.id.value.clone()).collect();
    let mut lowered = Vec::new();
    for w in &ph.withhold {
        let source = names.source(ctx, &w.source);
        let circuit = names.circuits.resolve(ctx, &w.circuit);
        if let Some(c) = circuit
            && !strength.contains(&c)
        {
            ctx.push(
                Diagnostic::error(
                    codes::UNDEFINED,
                    format!(
                        "circuit `{}` is not one of the strength circuits of phase `{}`, so there is nothing to withhold",
                        w.circuit.value, ph.id.value
                    ),
                )
                .at(ctx.span(&w.circuit.referenced))
                .with_help("add it to the phase's `strength`, or name one of its circuits"),
            );
        }
        let gate = gate_ids.iter().position(|g| *g == w.while_failing.value);
        if gate.is_none() {
            let mut d = Diagnostic::error(
                codes::UNDEFINED,
                format!(
                    "phase `{}` has no gate named `{}`",
                    ph.id.value, w.while_failing.value
                ),
            )
            .at(ctx.span(&w.while_failing.referenced));
            d = match did_you_mean(&w.while_failing.value, &gate_ids) {
                Some(s) => d.with_help(format!("did you mean `{s}`?")),
                None if gate_ids.is_empty() => d.with_help("the phase has no gates"),
                None => d.with_help(format!(
                    "`while_failing` names a gate of the same phase: {}",
                    gate_ids
                        .iter()
                        .map(|g| format!("`{g}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            };
            ctx.push(d);
        }
        if let (Some(circuit), Some(gate)) = (circuit.filter(|c| strength.contains(c)), gate) {
            lowered.push(Withhold {
                circuit,
                gate,
                source,
                interpretation: w.interpretation.as_ref().map(|s| s.trim().to_string()),
            });
        }
    }
    lowered
}

/// A phase's notes, and those of them that are also reminders on days (the notes that
/// say `days` or `weeks`).
pub(super) fn lower_phase_notes(
    ctx: &mut Ctx,
    ph: &doc::Phase,
    names: &Names,
    inputs: &Inputs,
) -> (Vec<Note>, Vec<Reminder>) {
    let plain: Vec<doc::Note> = ph.notes.iter().map(doc::PhaseNote::note).collect();
    let notes = lower_notes(ctx, &plain, names, inputs);
    let reminders = ph
        .notes
        .iter()
        .zip(&notes)
        .filter(|(n, _)| !n.days.is_empty() || n.weeks.is_some())
        .map(|(n, note)| Reminder {
            note: note.clone(),
            days: n.days.iter().map(|d| part_kind(*d)).collect(),
            weeks: n.weeks.as_ref().map(|w| w.value),
        })
        .collect();
    (notes, reminders)
}

fn part_kind(d: DayName) -> PartKind {
    match d {
        DayName::Session => PartKind::Session,
        DayName::Cross => PartKind::Cross,
        DayName::Strength => PartKind::Strength,
        DayName::Off => PartKind::Off,
    }
}
