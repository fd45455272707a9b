//! Checking a protocol file: resolve every reference, parse every dose and period, and
//! report every problem found (not only the first) as located diagnostics.
//!
//! This module holds the entry point, which lowers the file part by part, and the
//! diagnostic context every part reports into; each submodule checks one part.

mod gates;
mod inputs;
mod journal;
mod literals;
mod names;
mod patterns;
mod phases;
mod reachability;
mod requires;
mod rules;
mod strength;

use std::sync::Arc;

use rehab_dose::{Amount, Dimension, Dose};
use rehab_syntax::protocol::{self as doc, S};
use rehab_syntax::{Diagnostic, FileId, Place, Sources, Span, codes};

use crate::model::*;
use crate::scripts::{ModuleFile, Site};
use rehab_rules::is_module_name;

use gates::{lower_assessments, lower_events};
use inputs::{Inputs, lower_tables};
use journal::lower_journal_fields;
use literals::check_literals;
use names::{Ids, Names};
pub(crate) use patterns::rule_for_week;
pub(crate) use phases::week_plan;
use phases::{LoweredPhase, lower_circuits, lower_phases};
use reachability::report_unreachable;
use requires::lower_requirements;
use rules::{lower_notes, lower_rules};

/// The diagnostics of one checking pass, with the file they belong to.
pub(crate) struct Ctx<'a> {
    pub sources: &'a Sources,
    pub file: FileId,
    pub diagnostics: Vec<Diagnostic>,
}

impl<'a> Ctx<'a> {
    pub fn new(sources: &'a Sources, file: FileId) -> Self {
        Ctx {
            sources,
            file,
            diagnostics: Vec::new(),
        }
    }

    pub fn span(&self, at: &Place) -> Span {
        Span::from_place(self.file, at)
    }

    pub fn error(&mut self, code: &'static str, at: &Place, message: impl Into<String>) {
        let d = Diagnostic::error(code, message).at(self.span(at));
        self.diagnostics.push(d);
    }

    pub fn push(&mut self, d: Diagnostic) {
        self.diagnostics.push(d);
    }

    /// Puts `d` at position `at` among the diagnostics found so far: for a finding that
    /// can only be made later but belongs among the findings about the same place.
    pub fn insert(&mut self, at: usize, d: Diagnostic) {
        self.diagnostics.insert(at.min(self.diagnostics.len()), d);
    }

    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// Parses a dose written in a YAML scalar; an error points inside the scalar.
    pub fn dose(&mut self, text: &S<String>) -> Option<Dose> {
        match Dose::parse(&text.value) {
            Ok(d) => Some(d),
            Err(e) => {
                let span = self.scalar_span(&text.referenced, e.start, e.end);
                self.push(Diagnostic::error(codes::DOSE, e.message).at(span));
                None
            }
        }
    }

    /// Parses a period (`6-8wk`, `up to 2wk`) written in a YAML scalar.
    pub fn period(&mut self, text: &S<String>) -> Option<Amount> {
        let amount = match Amount::parse(&text.value) {
            Ok(a) => a,
            Err(e) => {
                let span = self.scalar_span(&text.referenced, e.start, e.end);
                self.push(Diagnostic::error(codes::DOSE, e.message).at(span));
                return None;
            }
        };
        if amount.unit.dimension() != Dimension::Time || amount.to_days().is_none() {
            self.push(
                Diagnostic::error(
                    codes::WRONG_UNIT,
                    format!("`{amount}` is not a period of whole days or weeks"),
                )
                .at(self.span(&text.referenced))
                .with_help("write the period in days or weeks, such as `10d` or `6-8wk`"),
            );
            return None;
        }
        Some(amount)
    }

    /// A period that sets a phase's length: it must be a time, and not an empty one.
    pub fn phase_period(&mut self, text: &S<String>) -> Option<Amount> {
        let amount = self.period(text)?;
        if amount.to_days().is_some_and(|(_, hi)| hi == 0) {
            self.push(
                Diagnostic::error(
                    codes::EMPTY_PERIOD,
                    format!(
                        "`{}` is an empty period: a phase must last at least a day",
                        text.value.trim()
                    ),
                )
                .at(self.span(&text.referenced))
                .with_help("give the length the source states, such as `2wk` or `6-8wk`"),
            );
            return None;
        }
        Some(amount)
    }

    /// Compiles a script written in a YAML scalar, reporting errors inside the scalar.
    pub fn script(&mut self, scripts: &mut Scripts, text: &S<String>) -> Option<ScriptId> {
        let site = Site::in_scalar(self.sources, self.file, &text.referenced, &text.value);
        let path = self
            .sources
            .get(self.file)
            .map_or(String::new(), |f| f.path.clone());
        let at = self.span(&text.referenced);
        let origin = match self.sources.get(self.file) {
            Some(f) => {
                let lc = f.line_col(at.start);
                format!("{path}:{}:{}", lc.line, lc.column)
            }
            None => path,
        };
        match scripts.add(site, &origin) {
            Ok(id) => Some(id),
            Err(diagnostics) => {
                self.diagnostics.extend(diagnostics);
                None
            }
        }
    }

    fn scalar_span(&self, at: &Place, start: usize, end: usize) -> Span {
        match self.sources.get(self.file) {
            Some(f) => f.span_in_scalar(self.file, at, start, end),
            None => self.span(at),
        }
    }
}

/// Checks a parsed protocol file. Returns the checked protocol when there is no error,
/// and every diagnostic (errors and warnings) found.
///
/// `modules` are the plugin modules the protocol lists under `modules:`, already read
/// into `sources` by the caller; a listed module missing from them is an error.
pub fn check_protocol(
    sources: &Sources,
    file: FileId,
    p: &doc::ProtocolDoc,
    modules: &[ModuleFile],
) -> (Option<Protocol>, Vec<Diagnostic>) {
    let mut ctx = Ctx::new(sources, file);
    check_modules(&mut ctx, &p.modules, modules);
    let Some(scripts) = load_scripts(&mut ctx, &p.modules, modules) else {
        return (None, ctx.diagnostics);
    };
    let mut protocol = lower(&mut ctx, p, scripts);
    // Modules come in the order the protocol lists them.
    let texts = std::iter::once(file)
        .chain(modules.iter().filter_map(|m| m.file))
        .filter_map(|f| sources.get(f))
        .map(|f| f.text.as_str());
    protocol.sha256 = crate::provenance::sha256_of(texts);
    let ok = !ctx.has_errors();
    (Some(protocol).filter(|_| ok), ctx.diagnostics)
}

/// Every module the protocol lists must be listed once, be a plain name, and have a
/// file next to the protocol among those the caller `found` (one it found but could not
/// read has been reported by the reader, not again here).
fn check_modules(ctx: &mut Ctx, listed: &[S<String>], found: &[ModuleFile]) {
    let mut module_ids = Ids::new("module");
    for m in listed {
        module_ids.declare(ctx, m);
        if !is_module_name(&m.value) {
            ctx.error(
                codes::SCRIPT_IMPORT,
                &m.referenced,
                format!(
                    "`{}` is not a module name: use letters, digits and `_` only, for a file in the protocol's own folder",
                    m.value
                ),
            );
        } else if !found.iter().any(|f| f.name == m.value) {
            ctx.error(
                codes::SCRIPT_IMPORT,
                &m.referenced,
                format!("module `{}` was not found next to the protocol", m.value),
            );
        }
    }
}

/// The sandbox for the protocol's scripts, with the `listed` modules that were found.
/// When the modules fail to load, the protocol's own scripts are still checked in a
/// sandbox without them; `None` only when not even that can be made.
fn load_scripts(ctx: &mut Ctx, listed: &[S<String>], found: &[ModuleFile]) -> Option<Scripts> {
    let given: Vec<ModuleFile> = found
        .iter()
        .filter(|f| listed.iter().any(|m| m.value == f.name))
        .cloned()
        .collect();
    match Scripts::new(ctx.sources, &given) {
        Ok(s) => Some(s),
        Err(d) => {
            ctx.push(d);
            match Scripts::new(ctx.sources, &[]) {
                Ok(s) => Some(s),
                Err(d) => {
                    ctx.push(d);
                    None
                }
            }
        }
    }
}

/// Lowers the file into the checked model, one part after another. Each part comes
/// after the parts it names (tables name inputs; phases name tables, circuits,
/// assessments and events; rules name phases; scripts name nearly everything), so
/// every reference is resolved against a complete namespace. Diagnostics come out in
/// this order too. Reachability comes last, since it needs both the phases' gates and
/// the rules' `goto` actions.
fn lower(ctx: &mut Ctx, p: &doc::ProtocolDoc, mut scripts: Scripts) -> Protocol {
    let mut names = Names::new();
    for s in &p.sources {
        names.sources.declare(ctx, &s.id);
    }
    let inputs = Inputs::lower(ctx, p);
    let tables = lower_tables(ctx, &p.tables, &mut names, &inputs);
    let circuits = lower_circuits(ctx, &p.circuits, &mut names, &inputs);
    let assessments = lower_assessments(ctx, &p.assessments, &mut names);
    let events = lower_events(ctx, &p.events, &mut names);
    let journal_fields = lower_journal_fields(ctx, &p.journal_fields, &mut names);
    let requires = lower_requirements(ctx, &p.requires, &names, &mut scripts);
    let lowered = lower_phases(ctx, p, &mut names, &inputs, &tables, &mut scripts);
    let notes = lower_notes(ctx, &p.notes, &names, &inputs);
    let (rules, jumps) = lower_rules(ctx, &p.rules, &mut names, &mut scripts);
    check_literals(ctx, &names, &scripts);
    report_unreachable(ctx, &lowered, &jumps, &names.phases, &scripts);
    let phases = lowered
        .into_iter()
        .filter_map(LoweredPhase::into_phase)
        .collect();
    Protocol {
        sha256: String::new(),
        id: p.id.value.clone(),
        title: p.title.clone(),
        version: p.version.value.clone(),
        summary: p.summary.clone(),
        authors: p
            .authors
            .iter()
            .map(|a| Author {
                name: a.name.clone(),
                role: a.role.clone(),
            })
            .collect(),
        sources: p
            .sources
            .iter()
            .map(|s| Source {
                id: s.id.value.clone(),
                citation: s.citation.trim().to_string(),
                note: s.note.as_ref().map(|n| n.trim().to_string()),
            })
            .collect(),
        disclaimer: p.disclaimer.trim().to_string(),
        range_policy: p.scheduling.ranges,
        inputs: inputs.into_vec(),
        starts_on: p.starts_on.value.clone(),
        tables,
        circuits,
        assessments,
        events,
        journal_fields,
        requires,
        phases,
        rules,
        notes,
        scripts: Arc::new(scripts),
    }
}
