//! A phase's weeks or levels, how it progresses, and how long it lasts.

use rehab_syntax::protocol::{self as doc, InputKind, LimitOf, S};
use rehab_syntax::{Diagnostic, codes};

use super::Ctx;
use super::names::Ids;
use crate::model::*;

pub(super) fn lower_weeks(ctx: &mut Ctx, ph: &doc::Phase, scripts: &mut Scripts) -> Vec<WeekPlan> {
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
pub(super) fn lower_levels(ctx: &mut Ctx, ph: &doc::Phase) -> Vec<WeekPlan> {
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

/// A phase's `advance` (level-by-level phases only) and `limits`.
pub(super) fn lower_progression(
    ctx: &mut Ctx,
    ph: &doc::Phase,
    src: &mut impl FnMut(&mut Ctx, &S<String>) -> String,
) -> (Option<Advance>, Vec<Limit>) {
    let by_level = !ph.levels.is_empty();
    let advance = match &ph.advance {
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
                source: src(ctx, &a.source),
                interpretation: a.interpretation.as_ref().map(|s| s.trim().to_string()),
            })
        }
        None if by_level => Some(Advance {
            sessions: 1,
            source: src(ctx, &ph.source),
            interpretation: None,
        }),
        None => None,
    };
    let mut limits = Vec::new();
    for l in &ph.limits {
        let source = src(ctx, &l.source);
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
    (advance, limits)
}

pub(super) fn lower_length(
    ctx: &mut Ctx,
    ph: &doc::Phase,
    weeks: &[WeekPlan],
    (table_ids, tables): (&Ids, &[Table]),
    scripts: &mut Scripts,
    src: &mut impl FnMut(&mut Ctx, &S<String>) -> String,
    input_of: &impl Fn(&mut Ctx, &S<String>) -> Option<Input>,
) -> Option<Length> {
    let listed_weeks = weeks.last().map(|w| w.weeks.last);
    if !ph.levels.is_empty() {
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
        return listed_weeks.map(|n| Length {
            basis: LengthBasis::Levels(n),
            since: None,
            source: None,
            interpretation: None,
        });
    }
    let Some(d) = &ph.duration else {
        return match listed_weeks {
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
        };
    };
    let source = d.source.as_ref().map(|s| src(ctx, s));
    let since = match &d.since {
        Some(s) => match input_of(ctx, s) {
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
        },
        None => None,
    };
    let basis = match (&d.period, &d.table, &d.compute) {
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
    };
    Some(Length {
        basis,
        since,
        source,
        interpretation: d.interpretation.as_ref().map(|s| s.trim().to_string()),
    })
}

/// The week plan for `week`; past the last listed week, the last one continues.
pub(crate) fn week_plan(weeks: &[WeekPlan], week: u32) -> Option<&WeekPlan> {
    weeks
        .iter()
        .find(|w| w.weeks.contains(week))
        .or_else(|| weeks.last().filter(|w| w.weeks.last < week))
}
