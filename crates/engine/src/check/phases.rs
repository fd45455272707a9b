//! Phases: their weeks or levels, how they progress, how long they last, and the
//! strength circuits they name.

use rehab_syntax::protocol::{self as doc, InputKind, LimitOf, S};
use rehab_syntax::{Diagnostic, codes};

use super::Ctx;
use super::gates::lower_gates;
use super::inputs::Inputs;
use super::names::{Ids, Names};
use super::patterns::{PhaseDoses, check_pattern_doses, lower_pattern};
use super::requires::lower_requirements;
use super::rules::lower_notes;
use super::strength::{lower_phase_notes, lower_strength, lower_withhold};
use crate::model::*;

/// Declares and checks every strength circuit.
pub(super) fn lower_circuits(
    ctx: &mut Ctx,
    circuits: &[doc::Circuit],
    names: &mut Names,
    inputs: &Inputs,
) -> Vec<Circuit> {
    let mut lowered = Vec::new();
    for c in circuits {
        names.circuits.declare(ctx, &c.id);
        let source = names.source(ctx, &c.source);
        let notes = lower_notes(ctx, &c.notes, names, inputs);
        if let Some(exercises) = ctx.dose(&c.exercises) {
            lowered.push(Circuit {
                id: c.id.value.clone(),
                title: c.title.clone(),
                exercises,
                source,
                interpretation: c.interpretation.clone(),
                notes,
            });
        }
    }
    lowered
}

/// A phase as lowered, with what reachability needs to know about it once every
/// phase and rule is checked.
///
/// Its gates are kept apart from the rest, because a phase whose length could not be
/// found is left out of the protocol (an error says why) while its gates still decide
/// which of the phases after it are reached.
pub(super) struct LoweredPhase<'p> {
    pub(super) id: &'p S<String>,
    /// How many diagnostics came before the phase's own: where a report that the phase
    /// is never reached belongs.
    pub(super) mark: usize,
    pub(super) gates: Vec<Gate>,
    /// The phase with no gates yet, or `None` when its length could not be found.
    phase: Option<Phase>,
}

impl LoweredPhase<'_> {
    /// The checked phase, with its gates, if its length was found.
    pub(super) fn into_phase(self) -> Option<Phase> {
        let gates = self.gates;
        self.phase.map(|phase| Phase { gates, ..phase })
    }
}

/// Declares and checks every phase, in order; a protocol needs at least one.
pub(super) fn lower_phases<'p>(
    ctx: &mut Ctx,
    p: &'p doc::ProtocolDoc,
    names: &mut Names,
    inputs: &Inputs,
    tables: &[Table],
    scripts: &mut Scripts,
) -> Vec<LoweredPhase<'p>> {
    if p.phases.is_empty() {
        ctx.push(
            Diagnostic::error(codes::PHASE, "the protocol has no phases")
                .at(ctx.span(&p.id.referenced)),
        );
    }
    let mut phases = Vec::new();
    for ph in &p.phases {
        names.phases.declare(ctx, &ph.id);
        let mark = ctx.diagnostics.len();
        let (gates, phase) = lower_phase(ctx, ph, names, inputs, tables, scripts);
        phases.push(LoweredPhase {
            id: &ph.id,
            mark,
            gates,
            phase,
        });
    }
    phases
}

/// One phase, with every part of it checked even when an early part has an error, so
/// that one pass reports them all.
fn lower_phase(
    ctx: &mut Ctx,
    ph: &doc::Phase,
    names: &Names,
    inputs: &Inputs,
    tables: &[Table],
    scripts: &mut Scripts,
) -> (Vec<Gate>, Option<Phase>) {
    let source = names.source(ctx, &ph.source);
    let weeks = if ph.levels.is_empty() {
        lower_weeks(ctx, ph, scripts)
    } else {
        lower_levels(ctx, ph)
    };
    let advance = lower_advance(ctx, ph, names);
    let limits = lower_limits(ctx, ph, names);
    let length = lower_length(ctx, ph, &weeks, names, inputs, tables, scripts);
    let cross = ph.cross.as_ref().and_then(|d| ctx.dose(d));
    let strength = lower_strength(ctx, ph, names);
    let pattern = lower_pattern(ctx, ph, names);
    let whole = PhaseDoses {
        cross: ph.cross.is_some(),
        strength: ph.strength.is_some(),
    };
    check_pattern_doses(ctx, ph, &pattern, whole);
    let on_entry = ph
        .on_entry
        .iter()
        .filter_map(|a| names.assessments.resolve(ctx, a))
        .collect();
    let requires = lower_requirements(ctx, &ph.requires, names, scripts);
    let gates = lower_gates(ctx, ph, names, scripts);
    let withhold = lower_withhold(ctx, ph, names, &strength);
    let allowed = lower_notes(ctx, &ph.allowed, names, inputs);
    let avoided = lower_notes(ctx, &ph.avoided, names, inputs);
    let (notes, reminders) = lower_phase_notes(ctx, ph, names, inputs);
    let phase = length.map(|length| Phase {
        id: ph.id.value.clone(),
        title: ph.title.clone(),
        source,
        interpretation: ph.interpretation.clone(),
        purpose: ph.purpose.clone(),
        length,
        allowed,
        avoided,
        cross,
        strength,
        withhold,
        pattern,
        weeks,
        advance,
        limits,
        on_entry,
        requires,
        gates: Vec::new(),
        notes,
        reminders,
    });
    (gates, phase)
}

/// A week-by-week phase's weeks, in order, each with one kind of session dose.
fn lower_weeks(ctx: &mut Ctx, ph: &doc::Phase, scripts: &mut Scripts) -> Vec<WeekPlan> {
    let mut weeks: Vec<WeekPlan> = Vec::new();
    let mut next = 1;
    for w in &ph.weeks {
        let span = w.week.value;
        listed_in_order(ctx, &w.week, &mut next, "week");
        let given = [
            w.session.as_ref().map(|s| &s.referenced),
            w.compute.as_ref().map(|c| &c.referenced),
            w.sessions.first().map(|s| &s.referenced),
        ];
        if let [_, second, ..] = given.iter().flatten().collect::<Vec<_>>()[..] {
            ctx.error(
                codes::BAD_VALUE,
                second,
                "a week has one of a `session` dose, a list of `sessions` or a `compute` script",
            );
        }
        weeks.push(WeekPlan {
            weeks: span,
            session: w.session.as_ref().and_then(|d| ctx.dose(d)),
            sessions: w.sessions.iter().filter_map(|d| ctx.dose(d)).collect(),
            compute: w.compute.as_ref().and_then(|c| ctx.script(scripts, c)),
            cross: w.cross.as_ref().and_then(|d| ctx.dose(d)),
            note: w.note.clone(),
            interpretation: w.interpretation.clone(),
        });
    }
    weeks
}

/// Checks that a week or level span (`what`) starts where the last one stopped, and
/// moves `next` past it.
fn listed_in_order(ctx: &mut Ctx, span: &S<doc::WeekSpan>, next: &mut u32, what: &str) {
    if span.value.first != *next {
        ctx.error(
            codes::PATTERN,
            &span.referenced,
            format!(
                "{what}s must be listed in order without gaps or overlaps: expected {what} {next}, found {}",
                span.value
            ),
        );
    }
    *next = span.value.last.saturating_add(1);
}

/// A phase's levels, as week plans keyed by level number.
fn lower_levels(ctx: &mut Ctx, ph: &doc::Phase) -> Vec<WeekPlan> {
    if let Some(w) = ph.weeks.first() {
        ctx.error(
            codes::PHASE,
            &w.week.referenced,
            format!(
                "phase `{}` lists both `weeks` and `levels`; a phase progresses by one or the other",
                ph.id.value
            ),
        );
    }
    let mut levels: Vec<WeekPlan> = Vec::new();
    let mut next = 1;
    for l in &ph.levels {
        let span = l.level.value;
        listed_in_order(ctx, &l.level, &mut next, "level");
        levels.push(WeekPlan {
            weeks: span,
            session: ctx.dose(&l.session),
            sessions: Vec::new(),
            compute: None,
            cross: l.cross.as_ref().and_then(|d| ctx.dose(d)),
            note: l.note.clone(),
            interpretation: l.interpretation.clone(),
        });
    }
    levels
}

/// When a level-by-level phase moves up a level: after the `advance` sessions, or
/// after every session when the phase does not say. Only such a phase has `advance`.
fn lower_advance(ctx: &mut Ctx, ph: &doc::Phase, names: &Names) -> Option<Advance> {
    let by_level = !ph.levels.is_empty();
    match &ph.advance {
        Some(a) if !by_level => {
            ctx.error(
                codes::PHASE,
                &a.sessions.referenced,
                format!(
                    "`advance` says when to move up a level, but phase `{}` has no `levels`",
                    ph.id.value
                ),
            );
            None
        }
        Some(a) => {
            if a.sessions.value == 0 || a.sessions.value > 365 {
                ctx.error(
                    codes::BAD_VALUE,
                    &a.sessions.referenced,
                    format!(
                        "`sessions` is the number of sessions done at a level before the next, from 1 to 365; found {}",
                        a.sessions.value
                    ),
                );
            }
            Some(Advance {
                sessions: a.sessions.value.clamp(1, 365),
                source: names.source(ctx, &a.source),
                interpretation: a.interpretation.as_ref().map(|s| s.trim().to_string()),
            })
        }
        None if by_level => Some(Advance {
            sessions: 1,
            source: names.source(ctx, &ph.source),
            interpretation: None,
        }),
        None => None,
    }
}

/// A phase's `limits`: at most so many sessions, or level rises, in an exact number of
/// days. A limit with an error is left out; the error says why.
fn lower_limits(ctx: &mut Ctx, ph: &doc::Phase, names: &Names) -> Vec<Limit> {
    let by_level = !ph.levels.is_empty();
    let mut limits = Vec::new();
    for l in &ph.limits {
        let source = names.source(ctx, &l.source);
        if l.of.value == LimitOf::Levels && !by_level {
            ctx.error(
                codes::PHASE,
                &l.of.referenced,
                format!(
                    "a limit on levels needs a phase with `levels`, and phase `{}` has none",
                    ph.id.value
                ),
            );
            continue;
        }
        if l.max.value == 0 {
            ctx.error(
                codes::BAD_VALUE,
                &l.max.referenced,
                "`max: 0` would forbid every session or level; remove the day kind from the pattern instead",
            );
            continue;
        }
        let Some(amount) = ctx.period(&l.per) else {
            continue;
        };
        let days = match amount.to_days() {
            Some((lo, hi)) if lo == hi && lo >= 1 => i64::try_from(lo).unwrap_or(i64::MAX),
            _ => {
                ctx.error(
                    codes::BAD_VALUE,
                    &l.per.referenced,
                    format!("a limit counts over an exact number of days, not `{amount}`"),
                );
                continue;
            }
        };
        limits.push(Limit {
            max: l.max.value,
            of: l.of.value,
            days,
            source,
            interpretation: l.interpretation.as_ref().map(|s| s.trim().to_string()),
        });
    }
    limits
}

/// How many days a phase lasts: as many levels or weeks as it lists, or its `duration`.
fn lower_length(
    ctx: &mut Ctx,
    ph: &doc::Phase,
    weeks: &[WeekPlan],
    names: &Names,
    inputs: &Inputs,
    tables: &[Table],
    scripts: &mut Scripts,
) -> Option<Length> {
    let listed = weeks.last().map(|w| w.weeks.last);
    if !ph.levels.is_empty() {
        return levels_length(ctx, ph, listed);
    }
    let Some(d) = &ph.duration else {
        return weeks_length(ctx, ph, listed);
    };
    let source = d.source.as_ref().map(|s| names.source(ctx, s));
    let since = length_since(ctx, d, inputs);
    let basis = length_basis(ctx, ph, d, (&names.tables, tables), scripts)?;
    Some(Length {
        basis,
        since,
        source,
        interpretation: d.interpretation.as_ref().map(|s| s.trim().to_string()),
    })
}

/// A level-by-level phase ends when its last level is done (`levels` is the number of
/// the last one listed), so it cannot also have a `duration`.
fn levels_length(ctx: &mut Ctx, ph: &doc::Phase, levels: Option<u32>) -> Option<Length> {
    if ph.duration.is_some() {
        ctx.push(
            Diagnostic::error(
                codes::PHASE,
                format!(
                    "phase `{}` lists levels, so it ends when its last level is done; it cannot also have a `duration`",
                    ph.id.value
                ),
            )
            .at(ctx.span(&ph.id.referenced))
            .with_help("remove `duration`, or list `weeks` instead of `levels`"),
        );
        return None;
    }
    levels.map(|n| Length {
        basis: LengthBasis::Levels(n),
        since: None,
        source: None,
        interpretation: None,
    })
}

/// A phase without a `duration` lasts as many weeks as it lists, and needs some.
fn weeks_length(ctx: &mut Ctx, ph: &doc::Phase, weeks: Option<u32>) -> Option<Length> {
    match weeks {
        Some(n) => Some(Length {
            basis: LengthBasis::Weeks(n),
            since: None,
            source: None,
            interpretation: None,
        }),
        None => {
            ctx.push(
                Diagnostic::error(
                    codes::PHASE,
                    format!(
                        "phase `{}` has neither a `duration` nor `weeks`",
                        ph.id.value
                    ),
                )
                .at(ctx.span(&ph.id.referenced))
                .with_help("add `duration: { period: 2wk }` or list the phase's weeks"),
            );
            None
        }
    }
}

/// The date input a duration counts from, which must be a date.
fn length_since(ctx: &mut Ctx, d: &doc::DurationSpec, inputs: &Inputs) -> Option<String> {
    let s = d.since.as_ref()?;
    match inputs.get(ctx, s) {
        Some(i) if i.kind == InputKind::Date => Some(i.id),
        Some(i) => {
            ctx.error(
                codes::BAD_VALUE,
                &s.referenced,
                format!("`since` must name a date input; `{}` is not one", i.id),
            );
            None
        }
        None => None,
    }
}

/// What a duration's days come from: exactly one of a period, a table and a script.
fn length_basis(
    ctx: &mut Ctx,
    ph: &doc::Phase,
    d: &doc::DurationSpec,
    (table_ids, tables): (&Ids, &[Table]),
    scripts: &mut Scripts,
) -> Option<LengthBasis> {
    Some(match (&d.period, &d.table, &d.compute) {
        (Some(p), None, None) => LengthBasis::Period(ctx.phase_period(p)?),
        (None, None, Some(c)) => LengthBasis::Computed(ctx.script(scripts, c)?),
        (None, Some(t), None) => {
            let i = table_ids.resolve(ctx, t)?;
            // A table that failed to lower is absent; its own error was reported.
            if i >= tables.len() {
                return None;
            }
            LengthBasis::Table(i)
        }
        _ => {
            ctx.push(
                Diagnostic::error(
                    codes::PHASE,
                    format!(
                        "the duration of phase `{}` needs exactly one of `period`, `table` and `compute`",
                        ph.id.value
                    ),
                )
                .at(ctx.span(&ph.id.referenced)),
            );
            return None;
        }
    })
}

/// The week plan for `week`; past the last listed week, the last one continues.
pub(crate) fn week_plan(weeks: &[WeekPlan], week: u32) -> Option<&WeekPlan> {
    weeks
        .iter()
        .find(|w| w.weeks.contains(week))
        .or_else(|| weeks.last().filter(|w| w.weeks.last < week))
}
