//! Which phases a plan can reach: a gate that can never pass cuts off the phases after
//! it, unless a rule's `goto` leads into them.

use rehab_syntax::protocol::{self as doc, S};
use rehab_syntax::{Diagnostic, codes};

use super::Ctx;
use crate::model::*;

/// What is known about reachability while the phases are checked in order.
pub(super) struct Reach<'p> {
    /// Phases a rule can jump to, with the phases that rule applies in (empty: every
    /// phase). A target stays reachable whatever comes before it, if its rule can fire
    /// in a phase that is itself reachable.
    gotos: Vec<(&'p str, &'p [S<String>])>,
    reachable: Vec<&'p str>,
    /// The first gate, if any, that can never pass: the phases after it are never
    /// reached.
    stuck: Option<(String, String)>,
    cut_off_reported: bool,
}

impl<'p> Reach<'p> {
    pub(super) fn new(p: &'p doc::ProtocolDoc) -> Self {
        let gotos = p
            .rules
            .iter()
            .filter_map(
                |r| match r.action.value.split_whitespace().collect::<Vec<_>>()[..] {
                    ["goto", target] => Some((target, r.phases.as_slice())),
                    _ => None,
                },
            )
            .collect();
        Reach {
            gotos,
            reachable: Vec::new(),
            stuck: None,
            cut_off_reported: false,
        }
    }

    fn goto_target(&self, id: &str) -> bool {
        self.gotos.iter().any(|(target, phases)| {
            *target == id
                && (phases.is_empty()
                    || phases
                        .iter()
                        .any(|ph| self.reachable.contains(&ph.value.as_str())))
        })
    }

    /// Phase `ph` of `phases` is reached, or is the first one cut off and reported.
    pub(super) fn enter(&mut self, ctx: &mut Ctx, phases: &'p [doc::Phase], ph: &'p doc::Phase) {
        if self.stuck.is_none() || self.goto_target(&ph.id.value) {
            self.stuck = None;
            self.cut_off_reported = false;
            self.reachable.push(ph.id.value.as_str());
        } else if let Some((phase, gate)) = &self.stuck
            && !self.cut_off_reported
        {
            // The phases cut off: this one and the next, up to a goto target.
            let later: Vec<String> = phases
                .iter()
                .skip_while(|x| x.id.value != ph.id.value)
                .enumerate()
                .take_while(|(i, x)| *i == 0 || !self.goto_target(&x.id.value))
                .map(|(_, x)| format!("`{}`", x.id.value))
                .collect();
            let (noun, verb) = if later.len() == 1 {
                ("phase", "is")
            } else {
                ("phases", "are")
            };
            ctx.push(
                Diagnostic::error(
                    codes::UNREACHABLE,
                    format!(
                        "{noun} {} {verb} never reached: gate `{gate}` of phase `{phase}` can never pass",
                        later.join(", ")
                    ),
                )
                .at(ctx.span(&ph.id.referenced))
                .with_help(format!(
                    "fix gate `{gate}`, or add a rule with `action: goto {}`",
                    ph.id.value
                )),
            );
            // Reported once, for the first phase cut off.
            self.cut_off_reported = true;
        }
    }

    /// Phase `ph` has been checked: a gate of it that can never pass cuts off the next.
    pub(super) fn leave(&mut self, ph: &doc::Phase, gates: &[Gate], scripts: &Scripts) {
        if self.stuck.is_some() {
            return;
        }
        if let Some(g) = gates
            .iter()
            .find(|g| g.when.is_some_and(|w| scripts.always_false(w)))
        {
            self.stuck = Some((ph.id.value.clone(), g.id.clone()));
        }
    }
}
