//! The inputs a patient gives, and the tables whose rows they select.

use rehab_syntax::protocol::{self as doc, InputKind, S};
use rehab_syntax::suggest::did_you_mean;
use rehab_syntax::{Diagnostic, codes};

use super::Ctx;
use super::names::{Ids, Names};
use crate::model::*;

/// The declared inputs, checked. Later parts look an input up by id, since a table key,
/// a condition or a phase length must also agree with the input's kind and choices.
pub(super) struct Inputs {
    ids: Ids,
    list: Vec<Input>,
}

impl Inputs {
    /// Declares and checks every input, then the `starts_on` input that names one.
    pub(super) fn lower(ctx: &mut Ctx, p: &doc::ProtocolDoc) -> Inputs {
        let mut inputs = Inputs {
            ids: Ids::new("input"),
            list: Vec::new(),
        };
        for i in &p.inputs {
            inputs.ids.declare(ctx, &i.id);
            inputs.list.push(lower_input(ctx, i));
        }
        inputs.check_starts_on(ctx, &p.starts_on);
        inputs
    }

    /// The input `id` names, or an error naming the closest declared input.
    pub(super) fn get(&self, ctx: &mut Ctx, id: &S<String>) -> Option<Input> {
        self.ids
            .resolve(ctx, id)
            .and_then(|i| self.list.get(i).cloned())
    }

    pub(super) fn into_vec(self) -> Vec<Input> {
        self.list
    }

    /// The plan starts on a date, so `starts_on` must name a date input.
    fn check_starts_on(&self, ctx: &mut Ctx, starts_on: &S<String>) {
        if let Some(input) = self.get(ctx, starts_on)
            && input.kind != InputKind::Date
        {
            ctx.error(
                codes::BAD_VALUE,
                &starts_on.referenced,
                format!(
                    "`starts_on` must name a date input; `{}` is a {} input",
                    input.id,
                    kind_word(input.kind)
                ),
            );
        }
    }
}

/// One input: a choice input lists its choices, and no other kind of input has any.
fn lower_input(ctx: &mut Ctx, i: &doc::InputDecl) -> Input {
    let kind = i.kind.value;
    if kind == InputKind::Choice && i.choices.is_empty() {
        ctx.error(
            codes::BAD_VALUE,
            &i.kind.referenced,
            format!("choice input `{}` lists no `choices`", i.id.value),
        );
    }
    if kind != InputKind::Choice && !i.choices.is_empty() {
        ctx.error(
            codes::BAD_VALUE,
            &i.kind.referenced,
            format!(
                "only a choice input has `choices`; `{}` is not one",
                i.id.value
            ),
        );
    }
    let mut choice_ids = Ids::new("choice");
    for c in &i.choices {
        choice_ids.declare(ctx, &c.value);
    }
    Input {
        id: i.id.value.clone(),
        label: i.label.clone(),
        kind,
        choices: i
            .choices
            .iter()
            .map(|c| (c.value.value.clone(), c.label.clone()))
            .collect(),
    }
}

/// The name of an input type as authors write it in `type:`.
pub(super) fn kind_word(kind: InputKind) -> &'static str {
    match kind {
        InputKind::Choice => "choice",
        InputKind::Date => "date",
        InputKind::Number => "number",
        InputKind::Text => "text",
        InputKind::Bool => "bool",
    }
}

/// Declares and checks every table.
pub(super) fn lower_tables(
    ctx: &mut Ctx,
    tables: &[doc::Table],
    names: &mut Names,
    inputs: &Inputs,
) -> Vec<Table> {
    let mut lowered = Vec::new();
    for t in tables {
        names.tables.declare(ctx, &t.id);
        lowered.push(lower_table(ctx, t, names, inputs));
    }
    lowered
}

/// One table: keyed by a choice input, with one row for each of its choices and a
/// phase length in each row.
fn lower_table(ctx: &mut Ctx, t: &doc::Table, names: &Names, inputs: &Inputs) -> Table {
    let source = names.source(ctx, &t.source);
    let by = inputs.get(ctx, &t.by);
    if let Some(input) = &by
        && input.kind != InputKind::Choice
    {
        ctx.error(
            codes::BAD_VALUE,
            &t.by.referenced,
            format!(
                "table `{}` is keyed by `{}`, which is not a choice input",
                t.id.value, input.id
            ),
        );
    }
    let mut rows = Vec::new();
    let mut keys = Ids::new("row");
    for r in &t.rows {
        keys.declare(ctx, &r.key);
        if let Some(input) = &by {
            check_row_key(ctx, r, input);
        }
        let row_source = r.source.as_ref().map(|s| names.source(ctx, s));
        if let Some(value) = ctx.phase_period(&r.value) {
            rows.push(Row {
                key: r.key.value.clone(),
                value,
                note: r.note.clone(),
                source: row_source,
            });
        }
    }
    if let Some(input) = &by {
        check_every_choice_has_row(ctx, t, input);
    }
    Table {
        id: t.id.value.clone(),
        label: t.label.clone(),
        by: t.by.value.clone(),
        source,
        interpretation: t.interpretation.clone(),
        rows,
    }
}

/// A row's key must be a choice of the input the table is keyed by.
fn check_row_key(ctx: &mut Ctx, r: &doc::Row, input: &Input) {
    if input.choices.is_empty() || input.choices.iter().any(|(v, _)| *v == r.key.value) {
        return;
    }
    let names: Vec<String> = input.choices.iter().map(|(v, _)| v.clone()).collect();
    let mut d = Diagnostic::error(
        codes::TABLE_ROW,
        format!("`{}` is not a choice of input `{}`", r.key.value, input.id),
    )
    .at(ctx.span(&r.key.referenced));
    if let Some(s) = did_you_mean(&r.key.value, &names) {
        d = d.with_help(format!("did you mean `{s}`?"));
    }
    ctx.push(d);
}

/// Every choice of the input needs a row, or some patients would have no length.
fn check_every_choice_has_row(ctx: &mut Ctx, t: &doc::Table, input: &Input) {
    for (choice, _) in &input.choices {
        if !t.rows.iter().any(|r| r.key.value == *choice) {
            ctx.error(
                codes::TABLE_ROW,
                &t.id.referenced,
                format!(
                    "table `{}` has no row for `{choice}`, a choice of `{}`",
                    t.id.value, input.id
                ),
            );
        }
    }
}
