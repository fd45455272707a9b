//! Requirements: the evidence a phase, or the protocol's first phase, needs before it
//! begins. They are shaped like gates, less the phase's minimum time and the retest.

use rehab_syntax::protocol as doc;
use rehab_syntax::{Diagnostic, codes};

use super::Ctx;
use super::names::{Ids, Names};
use crate::model::*;

/// Declares and checks a list of requirements: the protocol's or a phase's, each list
/// a namespace of its own.
pub(super) fn lower_requirements(
    ctx: &mut Ctx,
    list: &[doc::Requirement],
    names: &Names,
    scripts: &mut Scripts,
) -> Vec<Requirement> {
    let mut ids = Ids::new("requirement");
    let mut lowered = Vec::new();
    for r in list {
        ids.declare(ctx, &r.id);
        check_one_test(ctx, r);
        let when = requirement_condition(ctx, r, scripts);
        lowered.push(Requirement {
            id: r.id.value.clone(),
            title: r.title.clone(),
            assessment: r
                .assessment
                .as_ref()
                .and_then(|a| names.assessments.resolve(ctx, a)),
            event: r.event.as_ref().and_then(|e| names.events.resolve(ctx, e)),
            when,
            source: names.source(ctx, &r.source),
            interpretation: r.interpretation.clone(),
        });
    }
    lowered
}

/// A requirement tests one thing, as a gate does, so that a plan can say which one it
/// waits for.
fn check_one_test(ctx: &mut Ctx, r: &doc::Requirement) {
    let kinds = [r.assessment.is_some(), r.event.is_some(), r.when.is_some()];
    if kinds.iter().filter(|k| **k).count() > 1 {
        ctx.error(
            codes::BAD_VALUE,
            &r.id.referenced,
            format!(
                "requirement `{}` tests more than one thing: give it one of `assessment`, `event` and `when`, and split the rest into requirements of their own",
                r.id.value
            ),
        );
    }
}

/// A requirement's `when` condition, compiled. One that is always false would keep the
/// plan waiting for ever, so it is an error.
fn requirement_condition(
    ctx: &mut Ctx,
    r: &doc::Requirement,
    scripts: &mut Scripts,
) -> Option<ScriptId> {
    let text = r.when.as_ref()?;
    let when = ctx.script(scripts, text)?;
    if scripts.always_false(when) {
        ctx.push(
            Diagnostic::error(
                codes::GATE_NEVER,
                format!(
                    "requirement `{}` can never be met: its condition is always false",
                    r.id.value
                ),
            )
            .at(ctx.span(&text.referenced))
            .with_help("write the condition the source sets for beginning the phase"),
        );
    }
    Some(when)
}
