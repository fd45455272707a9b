//! A phase's weekly pattern of day kinds, and the doses every day kind it schedules
//! needs.

use rehab_syntax::protocol::{self as doc, S};
use rehab_syntax::suggest::did_you_mean;
use rehab_syntax::{Diagnostic, codes};

use super::Ctx;
use crate::model::*;

pub(super) fn lower_pattern(
    ctx: &mut Ctx,
    ph: &doc::Phase,
    src: &mut impl FnMut(&mut Ctx, &S<String>) -> String,
) -> Vec<PatternRule> {
    if ph.pattern.is_empty() {
        ctx.push(
            Diagnostic::error(
                codes::PATTERN,
                format!("phase `{}` has no weekly `pattern`", ph.id.value),
            )
            .at(ctx.span(&ph.id.referenced))
            .with_help(
                "add `pattern: [{ days: [off, off, off, off, off, off, off], source: ... }]`",
            ),
        );
    }
    let mut rules: Vec<PatternRule> = Vec::new();
    for rule in &ph.pattern {
        let source = src(ctx, &rule.source);
        if rule.days.value.len() != 7 {
            ctx.error(
                codes::PATTERN,
                &rule.days.referenced,
                format!(
                    "a weekly pattern has 7 days; this one has {}",
                    rule.days.value.len()
                ),
            );
            continue;
        }
        let weeks = rule.weeks.as_ref().map(|w| w.value);
        if let (Some(w), Some(at)) = (weeks, &rule.weeks)
            && let Some(other) = rules.iter().find(|r| {
                r.weeks
                    .is_none_or(|o| o.first <= w.last && w.first <= o.last)
            })
        {
            let other = other
                .weeks
                .map_or("every week".to_string(), |o| format!("weeks {o}"));
            ctx.error(
                codes::PATTERN,
                &at.referenced,
                format!("weeks {w} overlap an earlier pattern for {other}"),
            );
        }
        let mut days = [DayKind::default(); 7];
        for (slot, text) in days.iter_mut().zip(&rule.days.value) {
            if let Some(kind) = day_kind(ctx, text) {
                *slot = kind;
            }
        }
        rules.push(PatternRule {
            weeks,
            days,
            source,
            interpretation: rule.interpretation.as_ref().map(|s| s.trim().to_string()),
        });
    }
    rules
}

const DAY_KINDS: &[&str] = &["session", "cross", "strength", "off"];

fn day_kind(ctx: &mut Ctx, text: &S<String>) -> Option<DayKind> {
    let mut kind = DayKind::default();
    let parts: Vec<&str> = text.value.split('+').map(str::trim).collect();
    for part in &parts {
        match *part {
            "session" => kind.session = true,
            "cross" => kind.cross = true,
            "strength" => kind.strength = true,
            "off" if parts.len() == 1 => {}
            "off" => {
                ctx.error(
                    codes::PATTERN,
                    &text.referenced,
                    "`off` cannot be combined with other day kinds",
                );
                return None;
            }
            other => {
                let names: Vec<String> = DAY_KINDS.iter().map(|s| s.to_string()).collect();
                let mut d = Diagnostic::error(
                    codes::PATTERN,
                    format!("unknown day kind `{other}`: expected session, cross, strength or off"),
                )
                .at(ctx.span(&text.referenced));
                if let Some(s) = did_you_mean(other, &names) {
                    d = d.with_help(format!("did you mean `{s}`?"));
                }
                ctx.push(d);
                return None;
            }
        }
    }
    Some(kind)
}

/// Every day kind the pattern uses must have a dose in every week it falls in.
///
/// Doses are looked for in the file as written, so that a dose with a syntax error
/// (reported already) does not also count as missing.
pub(super) fn check_pattern_doses(
    ctx: &mut Ctx,
    ph: &doc::Phase,
    pattern: &[PatternRule],
    phase_cross: bool,
    phase_strength: bool,
) {
    let listed = |week: u32| {
        ph.weeks
            .iter()
            .find(|w| w.week.value.contains(week))
            .or_else(|| ph.weeks.last().filter(|w| w.week.value.last < week))
    };
    let last_week = ph
        .weeks
        .last()
        .map(|w| w.week.value.last)
        .into_iter()
        .chain(pattern.iter().filter_map(|r| r.weeks.map(|w| w.last)))
        .max()
        .unwrap_or(1);
    let mut reported = [false; 3];
    let mut reported_sessions: Vec<u32> = Vec::new();
    for week in 1..=last_week {
        let Some(rule) = rule_for_week(pattern, week) else {
            continue;
        };
        let plan = listed(week);
        let uses = |f: fn(&DayKind) -> bool| rule.days.iter().any(f);
        let problems = [
            (
                uses(|d| d.session)
                    && ph.levels.is_empty()
                    && plan.is_none_or(|p| {
                        p.session.is_none() && p.compute.is_none() && p.sessions.is_empty()
                    }),
                "session",
                "a `session` dose in `weeks`",
            ),
            (
                uses(|d| d.cross)
                    && !phase_cross
                    && plan.and_then(|p| p.cross.as_ref()).is_none()
                    && (ph.levels.is_empty() || ph.levels.iter().any(|l| l.cross.is_none())),
                "cross",
                "a `cross` dose on the phase or the week",
            ),
            (
                uses(|d| d.strength) && !phase_strength,
                "strength",
                "a `strength` circuit on the phase",
            ),
        ];
        // A list of `sessions` has one dose per session day of the week.
        if let Some(p) = plan
            && !p.sessions.is_empty()
        {
            let days = rule.days.iter().filter(|d| d.session).count();
            if days != p.sessions.len() && !reported_sessions.contains(&p.week.value.first) {
                reported_sessions.push(p.week.value.first);
                ctx.push(
                    Diagnostic::error(
                        codes::PATTERN,
                        format!(
                            "week {} lists {} sessions, but its pattern has {days} session days",
                            p.week.value,
                            p.sessions.len()
                        ),
                    )
                    .at(ctx.span(&p.week.referenced))
                    .with_help("give one dose per session day, in the order of the week"),
                );
            }
        }
        for (i, (missing, kind, needs)) in problems.into_iter().enumerate() {
            if missing && !reported[i] {
                reported[i] = true;
                ctx.push(
                    Diagnostic::error(
                        codes::PATTERN,
                        format!(
                            "phase `{}` schedules `{kind}` days in week {week} but has no dose for them",
                            ph.id.value
                        ),
                    )
                    .at(ctx.span(&ph.id.referenced))
                    .with_help(format!("give the phase {needs}")),
                );
            }
        }
    }
}

/// The pattern rule for `week`: the one whose weeks hold it, else the one for every
/// week, else the rule for the latest weeks (a pattern continues past its last week).
pub(crate) fn rule_for_week(pattern: &[PatternRule], week: u32) -> Option<&PatternRule> {
    pattern
        .iter()
        .find(|r| r.weeks.is_some_and(|w| w.contains(week)))
        .or_else(|| pattern.iter().find(|r| r.weeks.is_none()))
        .or_else(|| pattern.iter().max_by_key(|r| r.weeks.map_or(0, |w| w.last)))
}
