//! The ids a protocol declares, one namespace each, and the resolution of references
//! to them, with the closest declared id suggested when a reference names nothing.

use std::collections::HashMap;

use rehab_syntax::protocol::S;
use rehab_syntax::suggest::did_you_mean;
use rehab_syntax::{Diagnostic, Span, codes};

use super::Ctx;

/// Ids declared in one namespace, with where each was first declared.
pub(super) struct Ids {
    kind: &'static str,
    seen: HashMap<String, usize>,
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

    /// The index of `name` if it is declared, reporting nothing: for checks that try
    /// another namespace before calling a name undeclared.
    pub(super) fn index(&self, name: &str) -> Option<usize> {
        self.seen.get(name).copied()
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

/// The ids of every namespace of one protocol. Each is filled in when the check reaches
/// that part of the file, so a namespace is complete before the parts that refer to it
/// are checked, and a duplicate id is reported next to the other findings about its item.
pub(super) struct Names {
    pub(super) sources: Ids,
    pub(super) tables: Ids,
    pub(super) circuits: Ids,
    pub(super) assessments: Ids,
    pub(super) events: Ids,
    pub(super) fields: Ids,
    pub(super) phases: Ids,
    pub(super) rules: Ids,
}

impl Names {
    pub(super) fn new() -> Self {
        Names {
            sources: Ids::new("source"),
            tables: Ids::new("table"),
            circuits: Ids::new("circuit"),
            assessments: Ids::new("assessment"),
            events: Ids::new("event"),
            fields: Ids::new("journal field"),
            phases: Ids::new("phase"),
            rules: Ids::new("rule"),
        }
    }

    /// The source id written at `s`, reported when no source declares it. The id is
    /// kept either way, so that the item citing it is still lowered and its own errors
    /// are still found.
    pub(super) fn source(&self, ctx: &mut Ctx, s: &S<String>) -> String {
        self.sources.resolve(ctx, s);
        s.value.clone()
    }
}
