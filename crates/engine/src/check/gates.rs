//! A phase's gates, and what they can test: assessments with their questions, events
//! and conditions.

use rehab_syntax::protocol::{self as doc, S};
use rehab_syntax::{Diagnostic, codes};

use super::Ctx;
use super::names::{Ids, Names};
use crate::model::*;

/// Declares and checks every assessment.
pub(super) fn lower_assessments(
    ctx: &mut Ctx,
    assessments: &[doc::Assessment],
    names: &mut Names,
) -> Vec<Assessment> {
    let mut lowered = Vec::new();
    for a in assessments {
        names.assessments.declare(ctx, &a.id);
        let source = names.source(ctx, &a.source);
        let mut question_ids = Ids::new("question");
        for q in &a.questions {
            question_ids.declare(ctx, &q.id);
        }
        lowered.push(Assessment {
            id: a.id.value.clone(),
            title: a.title.clone(),
            source,
            interpretation: a.interpretation.clone(),
            questions: a.questions.iter().map(|q| question(ctx, q)).collect(),
            checklist: a.checklist.clone(),
        });
    }
    lowered
}

/// Declares every event; an event's source is optional.
pub(super) fn lower_events(
    ctx: &mut Ctx,
    events: &[doc::EventDecl],
    names: &mut Names,
) -> Vec<Event> {
    let mut lowered = Vec::new();
    for e in events {
        names.events.declare(ctx, &e.id);
        if let Some(s) = &e.source {
            names.source(ctx, s);
        }
        lowered.push(Event {
            id: e.id.value.clone(),
            title: e.title.clone(),
        });
    }
    lowered
}

/// A question with its pass mark, checked against its kind: `pass` for yes/no
/// questions, bounds for numbers, and bounds that some number can meet.
fn question(ctx: &mut Ctx, q: &doc::Question) -> Question {
    let number = q
        .kind
        .as_ref()
        .is_some_and(|k| k.value == doc::QuestionKind::Number);
    let pass = if number {
        number_mark(ctx, q)
    } else {
        answer_mark(ctx, q)
    };
    Question {
        id: q.id.value.clone(),
        text: q.text.clone(),
        number,
        unit: q.unit.clone(),
        pass,
    }
}

/// The bounds a question may give, with the names authors write them under.
fn bounds(q: &doc::Question) -> [(&'static str, &Option<S<f64>>); 4] {
    [
        ("at_least", &q.at_least),
        ("above", &q.above),
        ("at_most", &q.at_most),
        ("below", &q.below),
    ]
}

/// The pass mark of a question answered with a number: its bounds, if it gives any.
/// `pass: true/false` cannot mark a number, and bounds that no number meets would make
/// the question fail whatever the patient measures.
fn number_mark(ctx: &mut Ctx, q: &doc::Question) -> Option<PassMark> {
    if let Some(p) = &q.pass {
        ctx.push(
            Diagnostic::error(
                codes::BAD_VALUE,
                format!(
                    "question `{}` takes a number, so `pass: true/false` cannot mark it",
                    q.id.value
                ),
            )
            .at(ctx.span(&p.referenced))
            .with_help("give the passing numbers with `at_least`, `above`, `at_most` or `below`"),
        );
    }
    let given = |b: &Option<S<f64>>| b.as_ref().map(|b| b.value);
    let (at_least, above, at_most, below) = (
        given(&q.at_least),
        given(&q.above),
        given(&q.at_most),
        given(&q.below),
    );
    if no_number_passes(at_least, above, at_most, below) {
        ctx.push(
            Diagnostic::error(
                codes::GATE_NEVER,
                format!(
                    "no number passes question `{}`: its lower bound is above its upper bound",
                    q.id.value
                ),
            )
            .at(ctx.span(&q.id.referenced))
            .with_help("check `at_least`/`above` against `at_most`/`below`"),
        );
    }
    bounds(q)
        .iter()
        .any(|(_, b)| b.is_some())
        .then_some(PassMark::Bounds {
            at_least,
            above,
            at_most,
            below,
        })
}

/// Whether some lower bound is above some upper bound, or equal to it with either of
/// them exclusive, so that no number lies between them.
fn no_number_passes(
    at_least: Option<f64>,
    above: Option<f64>,
    at_most: Option<f64>,
    below: Option<f64>,
) -> bool {
    let low = at_least
        .map(|b| (b, true))
        .into_iter()
        .chain(above.map(|b| (b, false)));
    let high = at_most
        .map(|b| (b, true))
        .into_iter()
        .chain(below.map(|b| (b, false)));
    let mut empty = false;
    for (lo, lo_inclusive) in low {
        for (hi, hi_inclusive) in high.clone() {
            if lo > hi || (lo == hi && !(lo_inclusive && hi_inclusive)) {
                empty = true;
            }
        }
    }
    empty
}

/// The pass mark of a question answered yes or no: `pass`, if given. A bound on such a
/// question is a mistake, most likely a missing `type: number`.
fn answer_mark(ctx: &mut Ctx, q: &doc::Question) -> Option<PassMark> {
    for (name, b) in bounds(q) {
        if let Some(b) = b {
            ctx.push(
                Diagnostic::error(
                    codes::BAD_VALUE,
                    format!(
                        "`{name}` marks a number, but question `{}` is answered yes or no",
                        q.id.value
                    ),
                )
                .at(ctx.span(&b.referenced))
                .with_help("add `type: number` to the question, or mark it with `pass: true`"),
            );
        }
    }
    q.pass.as_ref().map(|p| PassMark::Answer(p.value))
}

/// Declares and checks the gates of phase `ph`.
pub(super) fn lower_gates(
    ctx: &mut Ctx,
    ph: &doc::Phase,
    names: &Names,
    scripts: &mut Scripts,
) -> Vec<Gate> {
    let mut gate_ids = Ids::new("gate");
    let mut gates = Vec::new();
    for g in &ph.gates {
        gate_ids.declare(ctx, &g.id);
        check_one_test(ctx, g);
        check_time_gate(ctx, ph, g);
        let retest_days = retest_days(ctx, g);
        let when = gate_condition(ctx, g, scripts);
        gates.push(Gate {
            id: g.id.value.clone(),
            title: g.title.clone(),
            assessment: g
                .assessment
                .as_ref()
                .and_then(|a| names.assessments.resolve(ctx, a)),
            event: g.event.as_ref().and_then(|e| names.events.resolve(ctx, e)),
            when,
            time_minimum: g.time.is_some(),
            retest_days,
            source: names.source(ctx, &g.source),
            interpretation: g.interpretation.clone(),
        });
    }
    gates
}

/// A gate tests one thing, so that a plan can say which test held the phase.
fn check_one_test(ctx: &mut Ctx, g: &doc::Gate) {
    let kinds = [
        g.assessment.is_some(),
        g.event.is_some(),
        g.when.is_some(),
        g.time.is_some(),
    ];
    if kinds.iter().filter(|k| **k).count() > 1 {
        ctx.error(
            codes::BAD_VALUE,
            &g.id.referenced,
            format!(
                "gate `{}` tests more than one thing: give it one of `assessment`, `event`, `when` and `time`, and split the rest into gates of their own",
                g.id.value
            ),
        );
    }
}

/// A gate on the phase's minimum time needs a length with a minimum: a written period
/// or a table of them.
fn check_time_gate(ctx: &mut Ctx, ph: &doc::Phase, g: &doc::Gate) {
    if let Some(t) = &g.time
        && matches!(
            ph.duration.as_ref().map(|d| (&d.period, &d.table)),
            None | Some((None, None))
        )
    {
        ctx.error(
            codes::BAD_VALUE,
            &t.referenced,
            format!(
                "gate `{}` waits for the phase's minimum time, but the phase has no `period` or `table` duration to take it from",
                g.id.value
            ),
        );
    }
}

/// Days a failed gate waits before its retest: the upper end of `retest` in days, at
/// least one; a week when `retest` is not given or is not a period.
fn retest_days(ctx: &mut Ctx, g: &doc::Gate) -> i64 {
    match &g.retest {
        Some(r) => ctx
            .period(r)
            .and_then(|a| a.to_days())
            .map_or(7, |(_, hi)| i64::try_from(hi.max(1)).unwrap_or(7)),
        None => 7,
    }
}

/// A gate's `when` condition, compiled. A condition that is always false is an error
/// here, since the phase would never end; reachability reads the same verdict off the
/// compiled script to find the phases that are cut off.
fn gate_condition(ctx: &mut Ctx, g: &doc::Gate, scripts: &mut Scripts) -> Option<ScriptId> {
    let text = g.when.as_ref()?;
    let when = ctx.script(scripts, text)?;
    if scripts.always_false(when) {
        ctx.push(
            Diagnostic::error(
                codes::GATE_NEVER,
                format!(
                    "gate `{}` can never pass: its condition is always false",
                    g.id.value
                ),
            )
            .at(ctx.span(&text.referenced))
            .with_help("write the condition the source sets for leaving the phase"),
        );
    }
    Some(when)
}
