//! What a gate can test: assessments and their questions.

use rehab_syntax::protocol::{self as doc, S};
use rehab_syntax::{Diagnostic, codes};

use super::Ctx;
use crate::model::*;

/// A question with its pass mark, checked against its kind: `pass` for yes/no
/// questions, bounds for numbers, and bounds that some number can meet.
pub(super) fn question(ctx: &mut Ctx, q: &doc::Question) -> Question {
    let number = q
        .kind
        .as_ref()
        .is_some_and(|k| k.value == doc::QuestionKind::Number);
    let bounds = [
        ("at_least", &q.at_least),
        ("above", &q.above),
        ("at_most", &q.at_most),
        ("below", &q.below),
    ];
    let mut pass = None;
    if number {
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
                .with_help(
                    "give the passing numbers with `at_least`, `above`, `at_most` or `below`",
                ),
            );
        }
        let given = |b: &Option<S<f64>>| b.as_ref().map(|b| b.value);
        let (at_least, above, at_most, below) = (
            given(&q.at_least),
            given(&q.above),
            given(&q.at_most),
            given(&q.below),
        );
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
        if empty {
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
        if bounds.iter().any(|(_, b)| b.is_some()) {
            pass = Some(PassMark::Bounds {
                at_least,
                above,
                at_most,
                below,
            });
        }
    } else {
        for (name, b) in bounds {
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
        pass = q.pass.as_ref().map(|p| PassMark::Answer(p.value));
    }
    Question {
        id: q.id.value.clone(),
        text: q.text.clone(),
        number,
        unit: q.unit.clone(),
        pass,
    }
}
