//! Journal fields: what a check-in may report besides session and pain.

use rehab_rules::is_module_name;
use rehab_syntax::patient::JournalEntry;
use rehab_syntax::protocol as doc;
use rehab_syntax::{Diagnostic, codes};

use super::Ctx;
use super::names::Names;
use crate::model::*;

/// Declares and checks every journal field.
pub(super) fn lower_journal_fields(
    ctx: &mut Ctx,
    fields: &[doc::JournalField],
    names: &mut Names,
) -> Vec<JournalField> {
    let mut lowered = Vec::new();
    for f in fields {
        names.fields.declare(ctx, &f.id);
        let source = f.source.as_ref().map(|s| names.source(ctx, s));
        lowered.push(journal_field(ctx, f, source));
    }
    lowered
}

/// A journal field: an id a check-in can use as its key and scripts as `fields.<id>`,
/// and bounds only on a number, with the lower not above the upper.
fn journal_field(ctx: &mut Ctx, f: &doc::JournalField, source: Option<String>) -> JournalField {
    let id = &f.id.value;
    if JournalEntry::KEYS.contains(&id.as_str()) {
        ctx.push(
            Diagnostic::error(
                codes::BAD_VALUE,
                format!("journal field `{id}` would hide the journal entry's own `{id}`"),
            )
            .at(ctx.span(&f.id.referenced))
            .with_help(format!(
                "choose another id; every entry already has: {}",
                JournalEntry::KEYS.join(", ")
            )),
        );
    } else if !is_module_name(id) {
        ctx.push(
            Diagnostic::error(
                codes::BAD_VALUE,
                format!("journal field `{id}` is not a plain name"),
            )
            .at(ctx.span(&f.id.referenced))
            .with_help(
                "use letters, digits and `_`, starting with a letter, so scripts can read `fields.<id>`",
            ),
        );
    }
    let number = f
        .kind
        .as_ref()
        .is_some_and(|k| k.value == doc::QuestionKind::Number);
    let (min, max) = (f.min.as_ref(), f.max.as_ref());
    if !number {
        for b in [min, max].into_iter().flatten() {
            ctx.push(
                Diagnostic::error(
                    codes::BAD_VALUE,
                    format!("journal field `{id}` is yes/no, so it has no `min` or `max`"),
                )
                .at(ctx.span(&b.referenced))
                .with_help("add `type: number` for a scored field, or remove the bound"),
            );
        }
    }
    if let (Some(lo), Some(hi)) = (min, max)
        && lo.value > hi.value
    {
        ctx.push(
            Diagnostic::error(
                codes::BAD_VALUE,
                format!(
                    "journal field `{id}`: `min` {} is above `max` {}",
                    lo.value, hi.value
                ),
            )
            .at(ctx.span(&lo.referenced)),
        );
    }
    JournalField {
        id: id.clone(),
        text: f.text.clone(),
        number,
        unit: f.unit.clone(),
        min: min.map(|b| b.value).filter(|_| number),
        max: max.map(|b| b.value).filter(|_| number),
        source,
        interpretation: f.interpretation.clone(),
    }
}
