//! Checking a protocol file: resolve every reference, parse every dose and period, and
//! report every problem found (not only the first) as located diagnostics.
//!
//! This module holds the entry point and the diagnostic context; each submodule checks
//! one part of the file.

mod gates;
mod inputs;
mod journal;
mod names;
mod patterns;
mod phases;
mod rules;

use std::rc::Rc;

use rehab_dose::{Amount, Dimension, Dose};
use rehab_syntax::protocol::{self as doc, InputKind, S};
use rehab_syntax::{Diagnostic, FileId, Location, Sources, Span, codes};

use crate::model::*;
use crate::scripts::{ModuleFile, Site};
use rehab_rules::is_module_name;
use rehab_syntax::suggest::did_you_mean;

use gates::question;
use inputs::kind_word;
use journal::journal_field;
use names::Ids;
pub(crate) use patterns::rule_for_week;
use patterns::{check_pattern_doses, lower_pattern};
pub(crate) use phases::week_plan;
use phases::{lower_length, lower_levels, lower_progression, lower_weeks};
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

    pub fn span(&self, at: &Location) -> Span {
        Span::from_location(self.file, at)
    }

    pub fn error(&mut self, code: &'static str, at: &Location, message: impl Into<String>) {
        let d = Diagnostic::error(code, message).at(self.span(at));
        self.diagnostics.push(d);
    }

    pub fn push(&mut self, d: Diagnostic) {
        self.diagnostics.push(d);
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

    fn scalar_span(&self, at: &Location, start: usize, end: usize) -> Span {
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
    let mut module_ids = Ids::new("module");
    for m in &p.modules {
        module_ids.declare(&mut ctx, m);
        if !is_module_name(&m.value) {
            ctx.error(
                codes::SCRIPT_IMPORT,
                &m.referenced,
                format!(
                    "`{}` is not a module name: use letters, digits and `_` only, for a file in the protocol's own folder",
                    m.value
                ),
            );
        } else if !modules.iter().any(|f| f.name == m.value) {
            ctx.error(
                codes::SCRIPT_IMPORT,
                &m.referenced,
                format!("module `{}` was not found next to the protocol", m.value),
            );
        }
    }
    let given: Vec<ModuleFile> = modules
        .iter()
        .filter(|f| p.modules.iter().any(|m| m.value == f.name))
        .cloned()
        .collect();
    let scripts = match Scripts::new(sources, &given) {
        Ok(s) => s,
        Err(d) => {
            ctx.push(d);
            match Scripts::new(sources, &[]) {
                Ok(s) => s,
                Err(d) => {
                    ctx.push(d);
                    return (None, ctx.diagnostics);
                }
            }
        }
    };
    let protocol = lower(&mut ctx, p, scripts);
    let ok = !ctx.has_errors();
    (protocol.filter(|_| ok), ctx.diagnostics)
}

fn lower(ctx: &mut Ctx, p: &doc::ProtocolDoc, mut owned: Scripts) -> Option<Protocol> {
    let scripts = &mut owned;
    let mut source_ids = Ids::new("source");
    for s in &p.sources {
        source_ids.declare(ctx, &s.id);
    }
    let mut src = |ctx: &mut Ctx, s: &S<String>| {
        source_ids.resolve(ctx, s);
        s.value.clone()
    };

    // Inputs.
    let mut input_ids = Ids::new("input");
    let mut inputs = Vec::new();
    for i in &p.inputs {
        input_ids.declare(ctx, &i.id);
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
        inputs.push(Input {
            id: i.id.value.clone(),
            label: i.label.clone(),
            kind,
            choices: i
                .choices
                .iter()
                .map(|c| (c.value.value.clone(), c.label.clone()))
                .collect(),
        });
    }
    let input_of = |ctx: &mut Ctx, id: &S<String>| -> Option<Input> {
        input_ids
            .resolve(ctx, id)
            .and_then(|i| inputs.get(i).cloned())
    };
    if let Some(input) = input_of(ctx, &p.starts_on)
        && input.kind != InputKind::Date
    {
        ctx.error(
            codes::BAD_VALUE,
            &p.starts_on.referenced,
            format!(
                "`starts_on` must name a date input; `{}` is a {} input",
                input.id,
                kind_word(input.kind)
            ),
        );
    }

    // Tables.
    let mut table_ids = Ids::new("table");
    let mut tables = Vec::new();
    for t in &p.tables {
        table_ids.declare(ctx, &t.id);
        let source = src(ctx, &t.source);
        let by = input_of(ctx, &t.by);
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
            if let Some(input) = &by
                && !input.choices.is_empty()
                && !input.choices.iter().any(|(v, _)| *v == r.key.value)
            {
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
            if let Some(value) = ctx.phase_period(&r.value) {
                rows.push(Row {
                    key: r.key.value.clone(),
                    value,
                    note: r.note.clone(),
                });
            }
        }
        if let Some(input) = &by {
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
        tables.push(Table {
            id: t.id.value.clone(),
            label: t.label.clone(),
            by: t.by.value.clone(),
            source,
            interpretation: t.interpretation.clone(),
            rows,
        });
    }

    // Circuits, assessments, events.
    let mut circuit_ids = Ids::new("circuit");
    let mut circuits = Vec::new();
    for c in &p.circuits {
        circuit_ids.declare(ctx, &c.id);
        let source = src(ctx, &c.source);
        let notes = lower_notes(ctx, &c.notes, &mut src, &input_of);
        if let Some(exercises) = ctx.dose(&c.exercises) {
            circuits.push(Circuit {
                id: c.id.value.clone(),
                title: c.title.clone(),
                exercises,
                source,
                interpretation: c.interpretation.clone(),
                notes,
            });
        }
    }
    let mut assessment_ids = Ids::new("assessment");
    let mut assessments = Vec::new();
    for a in &p.assessments {
        assessment_ids.declare(ctx, &a.id);
        let source = src(ctx, &a.source);
        let mut question_ids = Ids::new("question");
        for q in &a.questions {
            question_ids.declare(ctx, &q.id);
        }
        assessments.push(Assessment {
            id: a.id.value.clone(),
            title: a.title.clone(),
            source,
            interpretation: a.interpretation.clone(),
            questions: a.questions.iter().map(|q| question(ctx, q)).collect(),
            checklist: a.checklist.clone(),
        });
    }
    let mut event_ids = Ids::new("event");
    let mut events = Vec::new();
    for e in &p.events {
        event_ids.declare(ctx, &e.id);
        if let Some(s) = &e.source {
            src(ctx, s);
        }
        events.push(Event {
            id: e.id.value.clone(),
            title: e.title.clone(),
        });
    }
    let mut field_ids = Ids::new("journal field");
    let mut journal_fields = Vec::new();
    for f in &p.journal_fields {
        field_ids.declare(ctx, &f.id);
        let source = f.source.as_ref().map(|s| src(ctx, s));
        journal_fields.push(journal_field(ctx, f, source));
    }

    // Phases.
    let mut phase_ids = Ids::new("phase");
    let mut phases = Vec::new();
    if p.phases.is_empty() {
        ctx.push(
            Diagnostic::error(codes::PHASE, "the protocol has no phases")
                .at(ctx.span(&p.id.referenced)),
        );
    }
    // Phases a rule can jump to, with the phases that rule applies in (empty: every
    // phase). A target stays reachable whatever comes before it, if its rule can fire in
    // a phase that is itself reachable.
    let gotos: Vec<(&str, &[S<String>])> = p
        .rules
        .iter()
        .filter_map(
            |r| match r.action.value.split_whitespace().collect::<Vec<_>>()[..] {
                ["goto", target] => Some((target, r.phases.as_slice())),
                _ => None,
            },
        )
        .collect();
    let mut reachable: Vec<&str> = Vec::new();
    let goto_target = |id: &str, reachable: &[&str]| {
        gotos.iter().any(|(target, phases)| {
            *target == id
                && (phases.is_empty()
                    || phases
                        .iter()
                        .any(|ph| reachable.contains(&ph.value.as_str())))
        })
    };
    // The first gate, if any, that can never pass: the phases after it are never reached.
    let mut stuck: Option<(String, String)> = None;
    let mut cut_off_reported = false;
    for ph in &p.phases {
        phase_ids.declare(ctx, &ph.id);
        if stuck.is_none() || goto_target(&ph.id.value, &reachable) {
            stuck = None;
            cut_off_reported = false;
            reachable.push(ph.id.value.as_str());
        } else if let Some((phase, gate)) = &stuck
            && !cut_off_reported
        {
            // The phases cut off: this one and the next, up to a goto target.
            let later: Vec<String> = p
                .phases
                .iter()
                .skip_while(|x| x.id.value != ph.id.value)
                .enumerate()
                .take_while(|(i, x)| *i == 0 || !goto_target(&x.id.value, &reachable))
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
            cut_off_reported = true;
        }
        let source = src(ctx, &ph.source);
        let weeks = if ph.levels.is_empty() {
            lower_weeks(ctx, ph, scripts)
        } else {
            lower_levels(ctx, ph)
        };
        let (advance, limits) = lower_progression(ctx, ph, &mut src);
        let length = lower_length(
            ctx,
            ph,
            &weeks,
            (&table_ids, &tables),
            scripts,
            &mut src,
            &input_of,
        );
        let cross = ph.cross.as_ref().and_then(|d| ctx.dose(d));
        let strength = ph
            .strength
            .as_ref()
            .and_then(|c| circuit_ids.resolve(ctx, c));
        let pattern = lower_pattern(ctx, ph, &mut src);
        check_pattern_doses(ctx, ph, &pattern, ph.cross.is_some(), ph.strength.is_some());
        let on_entry = ph
            .on_entry
            .iter()
            .filter_map(|a| assessment_ids.resolve(ctx, a))
            .collect();
        let mut gate_ids = Ids::new("gate");
        let mut gates = Vec::new();
        for g in &ph.gates {
            gate_ids.declare(ctx, &g.id);
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
            let retest_days = match &g.retest {
                Some(r) => ctx
                    .period(r)
                    .and_then(|a| a.to_days())
                    .map_or(7, |(_, hi)| i64::try_from(hi.max(1)).unwrap_or(7)),
                None => 7,
            };
            let when = g.when.as_ref().and_then(|w| ctx.script(scripts, w));
            if let (Some(id), Some(text)) = (when, &g.when)
                && scripts.always_false(id)
            {
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
                if stuck.is_none() {
                    stuck = Some((ph.id.value.clone(), g.id.value.clone()));
                }
            }
            gates.push(Gate {
                id: g.id.value.clone(),
                title: g.title.clone(),
                assessment: g
                    .assessment
                    .as_ref()
                    .and_then(|a| assessment_ids.resolve(ctx, a)),
                event: g.event.as_ref().and_then(|e| event_ids.resolve(ctx, e)),
                when,
                time_minimum: g.time.is_some(),
                retest_days,
                source: src(ctx, &g.source),
                interpretation: g.interpretation.clone(),
            });
        }
        let allowed = lower_notes(ctx, &ph.allowed, &mut src, &input_of);
        let avoided = lower_notes(ctx, &ph.avoided, &mut src, &input_of);
        let notes = lower_notes(ctx, &ph.notes, &mut src, &input_of);
        if let Some(length) = length {
            phases.push(Phase {
                id: ph.id.value.clone(),
                title: ph.title.clone(),
                source,
                interpretation: ph.interpretation.clone(),
                purpose: ph.purpose.clone(),
                length,
                allowed,
                avoided,
                cross,
                strength,
                pattern,
                weeks,
                advance,
                limits,
                on_entry,
                gates,
                notes,
            });
        }
    }
    let notes = lower_notes(ctx, &p.notes, &mut src, &input_of);
    let (rules, rule_ids) = lower_rules(
        ctx,
        p,
        scripts,
        (&phase_ids, &assessment_ids, &event_ids),
        &mut src,
    );
    // Names that scripts pass to the host API as literals must be declared: a typo in
    // `fired("pain-hold", 14)` is found now, not when the script first runs.
    for (function, name, at) in scripts.literal_arguments() {
        match function.as_str() {
            "fired" => {
                rule_ids.resolve_at(ctx, &name, at);
            }
            "table" => {
                table_ids.resolve_at(ctx, &name, at);
            }
            "last_passed" | "last_result" => {
                assessment_ids.resolve_at(ctx, &name, at);
            }
            "days_since" if !event_ids.seen.contains_key(&name) => {
                assessment_ids.resolve_at(ctx, &name, at);
            }
            "max_field_in_week" => {
                field_ids.resolve_at(ctx, &name, at);
            }
            _ => {}
        }
    }
    // So must the journal fields a condition reads as `fields.<id>`.
    for (name, at) in scripts.properties_read("fields") {
        field_ids.resolve_at(ctx, &name, at);
    }

    Some(Protocol {
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
        inputs,
        starts_on: p.starts_on.value.clone(),
        tables,
        circuits,
        assessments,
        events,
        journal_fields,
        phases,
        rules,
        notes,
        scripts: Rc::new(owned),
    })
}
