//! Ids declared in one namespace, and their resolution with a closest-name suggestion
//! when a reference names nothing declared.

use std::collections::HashMap;

use rehab_syntax::protocol::S;
use rehab_syntax::suggest::did_you_mean;
use rehab_syntax::{Diagnostic, Span, codes};

use super::Ctx;

/// Ids declared in one namespace, with where each was first declared.
pub(super) struct Ids {
    kind: &'static str,
    pub(super) seen: HashMap<String, usize>,
    order: Vec<String>,
}

impl Ids {
    pub(super) fn new(kind: &'static str) -> Self {
        Ids {
            kind,
            seen: HashMap::new(),
            order: Vec::new(),
        }
    }

    /// Declares `id`; a second declaration is an error.
    pub(super) fn declare(&mut self, ctx: &mut Ctx, id: &S<String>) {
        if self.seen.contains_key(&id.value) {
            ctx.error(
                codes::DUPLICATE_ID,
                &id.referenced,
                format!("{} `{}` is declared twice", self.kind, id.value),
            );
            return;
        }
        self.seen.insert(id.value.clone(), self.order.len());
        self.order.push(id.value.clone());
    }

    /// The index of `id`, or an error naming the closest declared id.
    pub(super) fn resolve(&self, ctx: &mut Ctx, id: &S<String>) -> Option<usize> {
        let at = ctx.span(&id.referenced);
        self.resolve_at(ctx, &id.value, at)
    }

    /// The index of `name`, written at `at`, or an error naming the closest declared id.
    pub(super) fn resolve_at(&self, ctx: &mut Ctx, name: &str, at: Span) -> Option<usize> {
        if let Some(&i) = self.seen.get(name) {
            return Some(i);
        }
        let mut d = Diagnostic::error(
            codes::UNDEFINED,
            format!("no {} named `{name}` is declared", self.kind),
        )
        .at(at);
        if let Some(s) = did_you_mean(name, &self.order) {
            d = d.with_help(format!("did you mean `{s}`?"));
        } else if self.order.is_empty() {
            d = d.with_help(format!("the protocol declares no {}", self.kind));
        }
        ctx.push(d);
        None
    }
}
