//! A phase's weekly pattern of day kinds, and the doses every day kind it schedules
//! needs.

use rehab_syntax::protocol::{self as doc, S};
use rehab_syntax::suggest::did_you_mean;
use rehab_syntax::{Diagnostic, codes};

use super::Ctx;
use super::names::Names;
use crate::model::*;

/// A phase's weekly pattern: one or more rules of seven day kinds, each for some weeks
/// or for every week, with no two rules for the same week.
pub(super) fn lower_pattern(ctx: &mut Ctx, ph: &doc::Phase, names: &Names) -> Vec<PatternRule> {
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
        let source = names.source(ctx, &rule.source);
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

/// The day kinds an author can write, for suggesting the closest to a misspelt one.
const DAY_KINDS: &[&str] = &["session", "cross", "strength", "off"];

/// A day of a pattern: `off`, or day kinds joined with `+`, such as `session + strength`.
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

/// The doses a phase gives once for all its weeks, as written in the file. Each one
/// answers for its day kind in every week, whatever the week's own plan lists.
#[derive(Debug, Clone, Copy)]
pub(super) struct PhaseDoses {
    /// The phase has a `cross` dose.
    pub(super) cross: bool,
    /// The phase has a `strength` circuit.
    pub(super) strength: bool,
}

/// Every day kind the pattern uses must have a dose in every week it falls in.
///
/// Doses are looked for in the file as written, so that a dose with a syntax error
/// (reported already) does not also count as missing.
pub(super) fn check_pattern_doses(
    ctx: &mut Ctx,
    ph: &doc::Phase,
    pattern: &[PatternRule],
    whole: PhaseDoses,
) {
    let last_week = ph
        .weeks
        .last()
        .map(|w| w.week.value.last)
        .into_iter()
        .chain(pattern.iter().filter_map(|r| r.weeks.map(|w| w.last)))
        .max()
        .unwrap_or(1);
    // Each kind of problem is reported once, for the first week it shows in: the rest
    // of the weeks would repeat it.
    let mut reported = [false; 3];
    let mut reported_sessions: Vec<u32> = Vec::new();
    for week in 1..=last_week {
        let Some(rule) = rule_for_week(pattern, week) else {
            continue;
        };
        let plan = listed_week(ph, week);
        let problems = missing_doses(ph, rule, plan, whole);
        if let Some(p) = plan {
            check_session_list(ctx, rule, p, &mut reported_sessions);
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

/// The week plan written for `week`; past the last one, the last one continues.
fn listed_week(ph: &doc::Phase, week: u32) -> Option<&doc::WeekPlan> {
    ph.weeks
        .iter()
        .find(|w| w.week.value.contains(week))
        .or_else(|| ph.weeks.last().filter(|w| w.week.value.last < week))
}

/// For each day kind (session, cross, strength): whether the pattern's `rule` uses it
/// with no dose for it in `plan` or on the whole phase, with the kind's name and what
/// would give it a dose.
fn missing_doses(
    ph: &doc::Phase,
    rule: &PatternRule,
    plan: Option<&doc::WeekPlan>,
    whole: PhaseDoses,
) -> [(bool, &'static str, &'static str); 3] {
    let uses = |f: fn(&DayKind) -> bool| rule.days.iter().any(f);
    [
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
                && !whole.cross
                && plan.and_then(|p| p.cross.as_ref()).is_none()
                && (ph.levels.is_empty() || ph.levels.iter().any(|l| l.cross.is_none())),
            "cross",
            "a `cross` dose on the phase or the week",
        ),
        (
            uses(|d| d.strength) && !whole.strength,
            "strength",
            "a `strength` circuit on the phase",
        ),
    ]
}

/// A list of `sessions` has one dose per session day of the week. `reported` holds the
/// first weeks of the plans already reported, so a plan for several weeks is reported
/// once.
fn check_session_list(
    ctx: &mut Ctx,
    rule: &PatternRule,
    p: &doc::WeekPlan,
    reported: &mut Vec<u32>,
) {
    if p.sessions.is_empty() {
        return;
    }
    let days = rule.days.iter().filter(|d| d.session).count();
    if days != p.sessions.len() && !reported.contains(&p.week.value.first) {
        reported.push(p.week.value.first);
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

/// The pattern rule for `week`: the one whose weeks hold it, else the one for every
/// week, else the rule for the latest weeks (a pattern continues past its last week).
pub(crate) fn rule_for_week(pattern: &[PatternRule], week: u32) -> Option<&PatternRule> {
    pattern
        .iter()
        .find(|r| r.weeks.is_some_and(|w| w.contains(week)))
        .or_else(|| pattern.iter().find(|r| r.weeks.is_none()))
        .or_else(|| pattern.iter().max_by_key(|r| r.weeks.map_or(0, |w| w.last)))
}
