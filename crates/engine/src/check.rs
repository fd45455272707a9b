//! Checking a protocol file: resolve every reference, parse every dose and period, and
//! report every problem found (not only the first) as located diagnostics.

use std::collections::HashMap;
use std::sync::Arc;

use rehab_dose::{Amount, Dimension, Dose};
use rehab_syntax::patient::JournalEntry;
use rehab_syntax::protocol::{self as doc, InputKind, LimitOf, S};
use rehab_syntax::{Diagnostic, FileId, Location, Sources, Span, codes};

use crate::model::*;
use crate::scripts::{ModuleFile, Site};
use rehab_rules::is_module_name;
use rehab_syntax::suggest::did_you_mean;

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

    /// Compiles a script written in a YAML scalar, reporting errors inside the scalar.
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

/// Ids declared in one namespace, with where each was first declared.
struct Ids {
    kind: &'static str,
    seen: HashMap<String, usize>,
    order: Vec<String>,
}

impl Ids {
    fn new(kind: &'static str) -> Self {
        Ids {
            kind,
            seen: HashMap::new(),
            order: Vec::new(),
        }
    }

    /// Declares `id`; a second declaration is an error.
    fn declare(&mut self, ctx: &mut Ctx, id: &S<String>) {
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
    fn resolve(&self, ctx: &mut Ctx, id: &S<String>) -> Option<usize> {
        let at = ctx.span(&id.referenced);
        self.resolve_at(ctx, &id.value, at)
    }

    /// The index of `name`, written at `at`, or an error naming the closest declared id.
    fn resolve_at(&self, ctx: &mut Ctx, name: &str, at: Span) -> Option<usize> {
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
        scripts: Arc::new(owned),
    })
}

fn lower_rules(
    ctx: &mut Ctx,
    p: &doc::ProtocolDoc,
    scripts: &mut Scripts,
    (phase_ids, assessment_ids, event_ids): (&Ids, &Ids, &Ids),
    src: &mut impl FnMut(&mut Ctx, &S<String>) -> String,
) -> (Vec<Rule>, Ids) {
    let mut rule_ids = Ids::new("rule");
    let mut rules = Vec::new();
    for r in &p.rules {
        rule_ids.declare(ctx, &r.id);
        if crate::plan::Decision::is_engine_id(&r.id.value) {
            ctx.push(
                Diagnostic::error(
                    codes::RULE,
                    format!(
                        "`{}` is reserved for the engine's own decisions; a rule id may not contain `:` or be `rest` or `complete`",
                        r.id.value
                    ),
                )
                .at(ctx.span(&r.id.referenced))
                .with_help("name the rule after what it does, such as `pain-holds-week`"),
            );
        }
        let source = src(ctx, &r.source);
        let trigger = r.on.value;
        let mut only = None;
        if let Some(a) = &r.assessment {
            if trigger == Trigger::Assessment {
                assessment_ids.resolve(ctx, a);
                only = Some(a.value.clone());
            } else {
                ctx.error(
                    codes::RULE,
                    &a.referenced,
                    "`assessment:` narrows a rule that runs `on: assessment`; this rule runs on something else",
                );
            }
        }
        if let Some(e) = &r.event {
            if trigger == Trigger::Event {
                event_ids.resolve(ctx, e);
                only = Some(e.value.clone());
            } else {
                ctx.error(
                    codes::RULE,
                    &e.referenced,
                    "`event:` narrows a rule that runs `on: event`; this rule runs on something else",
                );
            }
        }
        let phases: Vec<usize> = r
            .phases
            .iter()
            .filter_map(|ph| phase_ids.resolve(ctx, ph))
            .collect();
        let actions = parse_actions(ctx, &r.action, phase_ids);
        let condition = ctx.script(scripts, &r.when);
        if let (Some(actions), Some(condition)) = (actions, condition) {
            rules.push(Rule {
                id: r.id.value.clone(),
                trigger,
                only,
                phases,
                condition,
                actions,
                reason: r.reason.trim().to_string(),
                source,
                interpretation: r.interpretation.as_ref().map(|s| s.trim().to_string()),
            });
        }
    }
    (rules, rule_ids)
}

const ACTIONS: &[&str] = &[
    "advance", "hold", "regress", "rest", "goto", "refer", "advise",
];

/// One action, or `rest N` joined by a comma to one of advance, hold and regress.
fn parse_actions(ctx: &mut Ctx, text: &S<String>, phase_ids: &Ids) -> Option<Vec<Action>> {
    let parts: Vec<&str> = text.value.split(',').map(str::trim).collect();
    let mut actions = Vec::new();
    for part in &parts {
        actions.push(parse_action(ctx, text, part, phase_ids)?);
    }
    if actions.len() == 1 {
        return Some(actions);
    }
    let rests = actions
        .iter()
        .filter(|a| matches!(a, Action::Rest(_)))
        .count();
    let others_fit = actions.iter().all(|a| {
        matches!(
            a,
            Action::Rest(_) | Action::Advance | Action::Hold | Action::Regress(_)
        )
    });
    if actions.len() != 2 || rests != 1 || !others_fit {
        ctx.push(
            Diagnostic::error(
                codes::RULE,
                format!("`{}` cannot be done together", text.value),
            )
            .at(ctx.span(&text.referenced))
            .with_help(
                "a rule does one action, or `rest N` and one of advance, hold and regress: `rest 2, regress 1`",
            ),
        );
        return None;
    }
    // The rest is taken first; the other action then applies to the schedule after it.
    actions.sort_by_key(|a| !matches!(a, Action::Rest(_)));
    Some(actions)
}

/// `advance`, `hold`, `regress N`, `rest N`, `goto PHASE`, `refer` or `advise`.
fn parse_action(ctx: &mut Ctx, text: &S<String>, part: &str, phase_ids: &Ids) -> Option<Action> {
    let words: Vec<&str> = part.split_whitespace().collect();
    let count = |ctx: &mut Ctx, what: &str| -> Option<u32> {
        match words.get(1) {
            Some(n) if words.len() == 2 => match n.parse::<u32>() {
                Ok(n) if (1..=365).contains(&n) => Some(n),
                _ => {
                    ctx.error(
                        codes::RULE,
                        &text.referenced,
                        format!(
                            "`{what}` takes a whole number from 1 to 365 ({}), found `{n}`",
                            if what == "rest" { "days" } else { "weeks" }
                        ),
                    );
                    None
                }
            },
            _ => {
                ctx.error(
                    codes::RULE,
                    &text.referenced,
                    format!("`{what}` takes one number, such as `{what} 1`"),
                );
                None
            }
        }
    };
    let single = |ctx: &mut Ctx, action: Action, word: &str| {
        if words.len() == 1 {
            Some(action)
        } else {
            ctx.error(
                codes::RULE,
                &text.referenced,
                format!("`{word}` takes nothing after it"),
            );
            None
        }
    };
    match words.first().copied() {
        Some("advance") => single(ctx, Action::Advance, "advance"),
        Some("hold") => single(ctx, Action::Hold, "hold"),
        Some("refer") => single(ctx, Action::Refer, "refer"),
        Some("advise") => single(ctx, Action::Advise, "advise"),
        Some("regress") => count(ctx, "regress").map(Action::Regress),
        Some("rest") => count(ctx, "rest").map(Action::Rest),
        Some("goto") => {
            if words.len() != 2 {
                ctx.error(
                    codes::RULE,
                    &text.referenced,
                    "`goto` takes the id of a phase, such as `goto pre-run`",
                );
                return None;
            }
            let id = S {
                value: words.get(1).copied().unwrap_or_default().to_string(),
                referenced: text.referenced,
                defined: text.defined,
            };
            phase_ids.resolve(ctx, &id).map(Action::Goto)
        }
        other => {
            let word = other.unwrap_or("");
            let names: Vec<String> = ACTIONS.iter().map(|s| s.to_string()).collect();
            let mut d = Diagnostic::error(
                codes::RULE,
                format!(
                    "unknown action `{word}`: expected advance, hold, regress N, rest N, goto PHASE, refer or advise"
                ),
            )
            .at(ctx.span(&text.referenced));
            if let Some(s) = did_you_mean(word, &names) {
                d = d.with_help(format!("did you mean `{s}`?"));
            }
            ctx.push(d);
            None
        }
    }
}

fn lower_notes(
    ctx: &mut Ctx,
    notes: &[doc::Note],
    src: &mut impl FnMut(&mut Ctx, &S<String>) -> String,
    input_of: &impl Fn(&mut Ctx, &S<String>) -> Option<Input>,
) -> Vec<Note> {
    notes
        .iter()
        .map(|n| Note {
            text: n.text.trim().to_string(),
            source: src(ctx, &n.source),
            interpretation: n.interpretation.as_ref().map(|s| s.trim().to_string()),
            when: n
                .when
                .as_ref()
                .and_then(|c| lower_condition(ctx, c, input_of)),
        })
        .collect()
}

fn lower_condition(
    ctx: &mut Ctx,
    c: &doc::Condition,
    input_of: &impl Fn(&mut Ctx, &S<String>) -> Option<Input>,
) -> Option<Condition> {
    let input = input_of(ctx, &c.input)?;
    let (values, negated) = match (&c.any_of, &c.not_in) {
        (Some(v), None) => (v, false),
        (None, Some(v)) => (v, true),
        _ => {
            ctx.error(
                codes::BAD_VALUE,
                &c.input.referenced,
                "a condition needs exactly one of `in` and `not_in`",
            );
            return None;
        }
    };
    if input.kind != InputKind::Choice {
        ctx.error(
            codes::BAD_VALUE,
            &c.input.referenced,
            format!(
                "a condition can test only a choice input; `{}` is not one",
                input.id
            ),
        );
        return None;
    }
    let names: Vec<String> = input.choices.iter().map(|(v, _)| v.clone()).collect();
    for v in values {
        if !names.contains(&v.value) {
            let mut d = Diagnostic::error(
                codes::UNDEFINED,
                format!("`{}` is not a choice of input `{}`", v.value, input.id),
            )
            .at(ctx.span(&v.referenced));
            if let Some(s) = did_you_mean(&v.value, &names) {
                d = d.with_help(format!("did you mean `{s}`?"));
            }
            ctx.push(d);
        }
    }
    Some(Condition {
        input: input.id,
        values: values.iter().map(|v| v.value.clone()).collect(),
        negated,
    })
}

fn lower_weeks(ctx: &mut Ctx, ph: &doc::Phase, scripts: &mut Scripts) -> Vec<WeekPlan> {
    let mut weeks: Vec<WeekPlan> = Vec::new();
    let mut next = 1;
    for w in &ph.weeks {
        let span = w.week.value;
        listed_in_order(ctx, &w.week, &mut next, "week");
        let given = [
            w.session.as_ref().map(|s| &s.referenced),
            w.compute.as_ref().map(|c| &c.referenced),
            w.sessions.first().map(|s| &s.referenced),
        ];
        if let [_, second, ..] = given.iter().flatten().collect::<Vec<_>>()[..] {
            ctx.error(
                codes::BAD_VALUE,
                second,
                "a week has one of a `session` dose, a list of `sessions` or a `compute` script",
            );
        }
        weeks.push(WeekPlan {
            weeks: span,
            session: w.session.as_ref().and_then(|d| ctx.dose(d)),
            sessions: w.sessions.iter().filter_map(|d| ctx.dose(d)).collect(),
            compute: w.compute.as_ref().and_then(|c| ctx.script(scripts, c)),
            cross: w.cross.as_ref().and_then(|d| ctx.dose(d)),
            note: w.note.clone(),
            interpretation: w.interpretation.clone(),
        });
    }
    weeks
}

/// Checks that a week or level span (`what`) starts where the last one stopped, and
/// moves `next` past it.
fn listed_in_order(ctx: &mut Ctx, span: &S<doc::WeekSpan>, next: &mut u32, what: &str) {
    if span.value.first != *next {
        ctx.error(
            codes::PATTERN,
            &span.referenced,
            format!(
                "{what}s must be listed in order without gaps or overlaps: expected {what} {next}, found {}",
                span.value
            ),
        );
    }
    *next = span.value.last.saturating_add(1);
}

/// A phase's levels, as week plans keyed by level number.
fn lower_levels(ctx: &mut Ctx, ph: &doc::Phase) -> Vec<WeekPlan> {
    if let Some(w) = ph.weeks.first() {
        ctx.error(
            codes::PHASE,
            &w.week.referenced,
            format!(
                "phase `{}` lists both `weeks` and `levels`; a phase progresses by one or the other",
                ph.id.value
            ),
        );
    }
    let mut levels: Vec<WeekPlan> = Vec::new();
    let mut next = 1;
    for l in &ph.levels {
        let span = l.level.value;
        listed_in_order(ctx, &l.level, &mut next, "level");
        levels.push(WeekPlan {
            weeks: span,
            session: ctx.dose(&l.session),
            sessions: Vec::new(),
            compute: None,
            cross: l.cross.as_ref().and_then(|d| ctx.dose(d)),
            note: l.note.clone(),
            interpretation: l.interpretation.clone(),
        });
    }
    levels
}

/// A phase's `advance` (level-by-level phases only) and `limits`.
fn lower_progression(
    ctx: &mut Ctx,
    ph: &doc::Phase,
    src: &mut impl FnMut(&mut Ctx, &S<String>) -> String,
) -> (Option<Advance>, Vec<Limit>) {
    let by_level = !ph.levels.is_empty();
    let advance = match &ph.advance {
        Some(a) if !by_level => {
            ctx.error(
                codes::PHASE,
                &a.sessions.referenced,
                format!(
                    "`advance` says when to move up a level, but phase `{}` has no `levels`",
                    ph.id.value
                ),
            );
            None
        }
        Some(a) => {
            if a.sessions.value == 0 || a.sessions.value > 365 {
                ctx.error(
                    codes::BAD_VALUE,
                    &a.sessions.referenced,
                    format!(
                        "`sessions` is the number of sessions done at a level before the next, from 1 to 365; found {}",
                        a.sessions.value
                    ),
                );
            }
            Some(Advance {
                sessions: a.sessions.value.clamp(1, 365),
                source: src(ctx, &a.source),
                interpretation: a.interpretation.as_ref().map(|s| s.trim().to_string()),
            })
        }
        None if by_level => Some(Advance {
            sessions: 1,
            source: src(ctx, &ph.source),
            interpretation: None,
        }),
        None => None,
    };
    let mut limits = Vec::new();
    for l in &ph.limits {
        let source = src(ctx, &l.source);
        if l.of.value == LimitOf::Levels && !by_level {
            ctx.error(
                codes::PHASE,
                &l.of.referenced,
                format!(
                    "a limit on levels needs a phase with `levels`, and phase `{}` has none",
                    ph.id.value
                ),
            );
            continue;
        }
        if l.max.value == 0 {
            ctx.error(
                codes::BAD_VALUE,
                &l.max.referenced,
                "`max: 0` would forbid every session or level; remove the day kind from the pattern instead",
            );
            continue;
        }
        let Some(amount) = ctx.period(&l.per) else {
            continue;
        };
        let days = match amount.to_days() {
            Some((lo, hi)) if lo == hi && lo >= 1 => i64::try_from(lo).unwrap_or(i64::MAX),
            _ => {
                ctx.error(
                    codes::BAD_VALUE,
                    &l.per.referenced,
                    format!("a limit counts over an exact number of days, not `{amount}`"),
                );
                continue;
            }
        };
        limits.push(Limit {
            max: l.max.value,
            of: l.of.value,
            days,
            source,
            interpretation: l.interpretation.as_ref().map(|s| s.trim().to_string()),
        });
    }
    (advance, limits)
}

fn lower_length(
    ctx: &mut Ctx,
    ph: &doc::Phase,
    weeks: &[WeekPlan],
    (table_ids, tables): (&Ids, &[Table]),
    scripts: &mut Scripts,
    src: &mut impl FnMut(&mut Ctx, &S<String>) -> String,
    input_of: &impl Fn(&mut Ctx, &S<String>) -> Option<Input>,
) -> Option<Length> {
    let listed_weeks = weeks.last().map(|w| w.weeks.last);
    if !ph.levels.is_empty() {
        if ph.duration.is_some() {
            ctx.push(
                Diagnostic::error(
                    codes::PHASE,
                    format!(
                        "phase `{}` lists levels, so it ends when its last level is done; it cannot also have a `duration`",
                        ph.id.value
                    ),
                )
                .at(ctx.span(&ph.id.referenced))
                .with_help("remove `duration`, or list `weeks` instead of `levels`"),
            );
            return None;
        }
        return listed_weeks.map(|n| Length {
            basis: LengthBasis::Levels(n),
            since: None,
            source: None,
            interpretation: None,
        });
    }
    let Some(d) = &ph.duration else {
        return match listed_weeks {
            Some(n) => Some(Length {
                basis: LengthBasis::Weeks(n),
                since: None,
                source: None,
                interpretation: None,
            }),
            None => {
                ctx.push(
                    Diagnostic::error(
                        codes::PHASE,
                        format!(
                            "phase `{}` has neither a `duration` nor `weeks`",
                            ph.id.value
                        ),
                    )
                    .at(ctx.span(&ph.id.referenced))
                    .with_help("add `duration: { period: 2wk }` or list the phase's weeks"),
                );
                None
            }
        };
    };
    let source = d.source.as_ref().map(|s| src(ctx, s));
    let since = match &d.since {
        Some(s) => match input_of(ctx, s) {
            Some(i) if i.kind == InputKind::Date => Some(i.id),
            Some(i) => {
                ctx.error(
                    codes::BAD_VALUE,
                    &s.referenced,
                    format!("`since` must name a date input; `{}` is not one", i.id),
                );
                None
            }
            None => None,
        },
        None => None,
    };
    let basis = match (&d.period, &d.table, &d.compute) {
        (Some(p), None, None) => LengthBasis::Period(ctx.phase_period(p)?),
        (None, None, Some(c)) => LengthBasis::Computed(ctx.script(scripts, c)?),
        (None, Some(t), None) => {
            let i = table_ids.resolve(ctx, t)?;
            // A table that failed to lower is absent; its own error was reported.
            if i >= tables.len() {
                return None;
            }
            LengthBasis::Table(i)
        }
        _ => {
            ctx.push(
                Diagnostic::error(
                    codes::PHASE,
                    format!(
                        "the duration of phase `{}` needs exactly one of `period`, `table` and `compute`",
                        ph.id.value
                    ),
                )
                .at(ctx.span(&ph.id.referenced)),
            );
            return None;
        }
    };
    Some(Length {
        basis,
        since,
        source,
        interpretation: d.interpretation.as_ref().map(|s| s.trim().to_string()),
    })
}

fn lower_pattern(
    ctx: &mut Ctx,
    ph: &doc::Phase,
    src: &mut impl FnMut(&mut Ctx, &S<String>) -> String,
) -> Vec<PatternRule> {
    if ph.pattern.is_empty() {
        ctx.push(
            Diagnostic::error(
                codes::PATTERN,
                format!("phase `{}` has no weekly `pattern`", ph.id.value),
            )
            .at(ctx.span(&ph.id.referenced))
            .with_help(
                "add `pattern: [{ days: [off, off, off, off, off, off, off], source: ... }]`",
            ),
        );
    }
    let mut rules: Vec<PatternRule> = Vec::new();
    for rule in &ph.pattern {
        let source = src(ctx, &rule.source);
        if rule.days.value.len() != 7 {
            ctx.error(
                codes::PATTERN,
                &rule.days.referenced,
                format!(
                    "a weekly pattern has 7 days; this one has {}",
                    rule.days.value.len()
                ),
            );
            continue;
        }
        let weeks = rule.weeks.as_ref().map(|w| w.value);
        if let (Some(w), Some(at)) = (weeks, &rule.weeks)
            && let Some(other) = rules.iter().find(|r| {
                r.weeks
                    .is_none_or(|o| o.first <= w.last && w.first <= o.last)
            })
        {
            let other = other
                .weeks
                .map_or("every week".to_string(), |o| format!("weeks {o}"));
            ctx.error(
                codes::PATTERN,
                &at.referenced,
                format!("weeks {w} overlap an earlier pattern for {other}"),
            );
        }
        let mut days = [DayKind::default(); 7];
        for (slot, text) in days.iter_mut().zip(&rule.days.value) {
            if let Some(kind) = day_kind(ctx, text) {
                *slot = kind;
            }
        }
        rules.push(PatternRule {
            weeks,
            days,
            source,
            interpretation: rule.interpretation.as_ref().map(|s| s.trim().to_string()),
        });
    }
    rules
}

/// The name of an input type as authors write it in `type:`.
fn kind_word(kind: InputKind) -> &'static str {
    match kind {
        InputKind::Choice => "choice",
        InputKind::Date => "date",
        InputKind::Number => "number",
        InputKind::Text => "text",
        InputKind::Bool => "bool",
    }
}

const DAY_KINDS: &[&str] = &["session", "cross", "strength", "off"];

fn day_kind(ctx: &mut Ctx, text: &S<String>) -> Option<DayKind> {
    let mut kind = DayKind::default();
    let parts: Vec<&str> = text.value.split('+').map(str::trim).collect();
    for part in &parts {
        match *part {
            "session" => kind.session = true,
            "cross" => kind.cross = true,
            "strength" => kind.strength = true,
            "off" if parts.len() == 1 => {}
            "off" => {
                ctx.error(
                    codes::PATTERN,
                    &text.referenced,
                    "`off` cannot be combined with other day kinds",
                );
                return None;
            }
            other => {
                let names: Vec<String> = DAY_KINDS.iter().map(|s| s.to_string()).collect();
                let mut d = Diagnostic::error(
                    codes::PATTERN,
                    format!("unknown day kind `{other}`: expected session, cross, strength or off"),
                )
                .at(ctx.span(&text.referenced));
                if let Some(s) = did_you_mean(other, &names) {
                    d = d.with_help(format!("did you mean `{s}`?"));
                }
                ctx.push(d);
                return None;
            }
        }
    }
    Some(kind)
}

/// Every day kind the pattern uses must have a dose in every week it falls in.
///
/// Doses are looked for in the file as written, so that a dose with a syntax error
/// (reported already) does not also count as missing.
fn check_pattern_doses(
    ctx: &mut Ctx,
    ph: &doc::Phase,
    pattern: &[PatternRule],
    phase_cross: bool,
    phase_strength: bool,
) {
    let listed = |week: u32| {
        ph.weeks
            .iter()
            .find(|w| w.week.value.contains(week))
            .or_else(|| ph.weeks.last().filter(|w| w.week.value.last < week))
    };
    let last_week = ph
        .weeks
        .last()
        .map(|w| w.week.value.last)
        .into_iter()
        .chain(pattern.iter().filter_map(|r| r.weeks.map(|w| w.last)))
        .max()
        .unwrap_or(1);
    let mut reported = [false; 3];
    let mut reported_sessions: Vec<u32> = Vec::new();
    for week in 1..=last_week {
        let Some(rule) = rule_for_week(pattern, week) else {
            continue;
        };
        let plan = listed(week);
        let uses = |f: fn(&DayKind) -> bool| rule.days.iter().any(f);
        let problems = [
            (
                uses(|d| d.session)
                    && ph.levels.is_empty()
                    && plan.is_none_or(|p| {
                        p.session.is_none() && p.compute.is_none() && p.sessions.is_empty()
                    }),
                "session",
                "a `session` dose in `weeks`",
            ),
            (
                uses(|d| d.cross)
                    && !phase_cross
                    && plan.and_then(|p| p.cross.as_ref()).is_none()
                    && (ph.levels.is_empty() || ph.levels.iter().any(|l| l.cross.is_none())),
                "cross",
                "a `cross` dose on the phase or the week",
            ),
            (
                uses(|d| d.strength) && !phase_strength,
                "strength",
                "a `strength` circuit on the phase",
            ),
        ];
        // A list of `sessions` has one dose per session day of the week.
        if let Some(p) = plan
            && !p.sessions.is_empty()
        {
            let days = rule.days.iter().filter(|d| d.session).count();
            if days != p.sessions.len() && !reported_sessions.contains(&p.week.value.first) {
                reported_sessions.push(p.week.value.first);
                ctx.push(
                    Diagnostic::error(
                        codes::PATTERN,
                        format!(
                            "week {} lists {} sessions, but its pattern has {days} session days",
                            p.week.value,
                            p.sessions.len()
                        ),
                    )
                    .at(ctx.span(&p.week.referenced))
                    .with_help("give one dose per session day, in the order of the week"),
                );
            }
        }
        for (i, (missing, kind, needs)) in problems.into_iter().enumerate() {
            if missing && !reported[i] {
                reported[i] = true;
                ctx.push(
                    Diagnostic::error(
                        codes::PATTERN,
                        format!(
                            "phase `{}` schedules `{kind}` days in week {week} but has no dose for them",
                            ph.id.value
                        ),
                    )
                    .at(ctx.span(&ph.id.referenced))
                    .with_help(format!("give the phase {needs}")),
                );
            }
        }
    }
}

/// The pattern rule for `week`: the one whose weeks hold it, else the one for every
/// week, else the rule for the latest weeks (a pattern continues past its last week).
pub(crate) fn rule_for_week(pattern: &[PatternRule], week: u32) -> Option<&PatternRule> {
    pattern
        .iter()
        .find(|r| r.weeks.is_some_and(|w| w.contains(week)))
        .or_else(|| pattern.iter().find(|r| r.weeks.is_none()))
        .or_else(|| pattern.iter().max_by_key(|r| r.weeks.map_or(0, |w| w.last)))
}

/// The week plan for `week`; past the last listed week, the last one continues.
pub(crate) fn week_plan(weeks: &[WeekPlan], week: u32) -> Option<&WeekPlan> {
    weeks
        .iter()
        .find(|w| w.weeks.contains(week))
        .or_else(|| weeks.last().filter(|w| w.weeks.last < week))
}

/// A question with its pass mark, checked against its kind: `pass` for yes/no
/// questions, bounds for numbers, and bounds that some number can meet.
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

fn question(ctx: &mut Ctx, q: &doc::Question) -> Question {
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
