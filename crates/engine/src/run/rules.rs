//! Firing the protocol's rules for a day's journal entries and choosing the winner.

use super::*;

impl Runner<'_, '_> {
    /// The rules that fire for a journal entry (or, with `None`, at the end of a week),
    /// added to `fired` in protocol order.
    pub(super) fn fire(
        &self,
        visit: &Visit,
        day: &Today,
        today: Date,
        entry: Option<&Entry>,
        fired: &mut Vec<Fired>,
    ) -> Result<(), Diagnostic> {
        let (trigger, name) = match entry.map(|e| &e.kind) {
            None => (Trigger::WeekEnd, None),
            Some(EntryKind::CheckIn { .. }) => (Trigger::CheckIn, None),
            Some(EntryKind::Assessment { id, .. }) => (Trigger::Assessment, Some(id.as_str())),
            Some(EntryKind::Event { id }) => (Trigger::Event, Some(id.as_str())),
        };
        // A check-in's and a week's end's rules were worked out for each phase when the
        // run began; an assessment's or event's depend on its id.
        let listed: Vec<usize>;
        let (rules, needed): (&[usize], u16) = match name {
            None => self.firing.get(visit.phase, trigger),
            Some(_) => {
                listed = (self.protocol.rules.iter().enumerate())
                    .filter(|(_, rule)| triggers(rule, trigger, visit.phase, name))
                    .map(|(i, _)| i)
                    .collect();
                let rules = &self.protocol.rules;
                let needed = (listed.iter()).fold(0, |n, &i| n | reads(self.scripts, &rules[i]));
                (&listed, needed)
            }
        };
        if rules.is_empty() {
            return Ok(());
        }
        // Built and converted for scripts once, for all the rules this entry triggers,
        // and only the variables those rules read (all of them when one rule's reading
        // cannot be told from its text).
        let mut day_vars = self.day_vars.borrow_mut();
        let vars = day_vars.for_entry(trigger, needed, entry);
        self.fill_trigger(vars, visit, today, trigger, entry, needed);
        if trigger == Trigger::CheckIn && needed & PLANNED != 0 {
            set_text(vars, "planned", planned(day));
        }
        let vars = &*vars;
        let mut prepared = self.scripts.prepare(vars);
        for &i in rules.iter() {
            let rule = &self.protocol.rules[i];
            self.forget_seen();
            let holds = self.scripts.eval_bool_in(rule.condition, &mut prepared)?;
            if !holds {
                continue;
            }
            let values = self.values(rule.condition, vars);
            fired.push(Fired { rule: i, values });
        }
        // What the conditions printed is not kept.
        self.scripts.take_trace();
        Ok(())
    }

    /// The decision of a rule that fired; `overridden_by` names the rule that won over
    /// it, if one did.
    pub(super) fn rule_decision(&self, fired: Fired, overridden_by: Option<String>) -> Decision {
        let rule = &self.protocol.rules[fired.rule];
        Decision {
            by: Decider::Rule(rule.id.clone()),
            action: rule.verdict(self.protocol),
            reason: rule.reason.clone(),
            values: fired.values,
            condition: Some(self.scripts.text(rule.condition).to_string()),
            source: Some(rule.source.clone()),
            interpretation: rule.interpretation.clone(),
            overridden_by,
        }
    }

    /// Evaluates a condition; returns whether it holds and the values it saw.
    pub(super) fn eval(
        &self,
        id: ScriptId,
        vars: &Vars,
    ) -> Result<(bool, Vec<(String, Value)>), Diagnostic> {
        self.forget_seen();
        let holds = self.scripts.eval_bool(id, vars)?;
        self.scripts.take_trace();
        Ok((holds, self.values(id, vars)))
    }

    /// The values the last evaluation of script `id` saw: the variables it mentions and
    /// the host calls it made. None in a quiet run, which explains nothing.
    pub(super) fn values(&self, id: ScriptId, vars: &Vars) -> Vec<(String, Value)> {
        if self.config.quiet {
            return Vec::new();
        }
        let seen = self.scripts.take_seen();
        let mut values = seen_values(self.scripts.text(id), vars);
        for call in seen {
            values.push((call.call, from_script(&call.value)));
        }
        values
    }

    /// Forgets the host calls recorded so far, before an evaluation whose own calls
    /// [`Runner::values`] shows. A quiet run records none (its host data does not
    /// explain), so there is nothing to forget.
    fn forget_seen(&self) {
        if !self.config.quiet {
            self.scripts.take_seen();
        }
    }

    /// The variables every script sees; only those in `wanted` (a mask of
    /// [`variable_bit`]s) are built, in a list with room for `more` after them.
    pub(super) fn base_vars(
        &self,
        visit: &Visit,
        today: Date,
        trigger: &str,
        wanted: u16,
        more: usize,
    ) -> Vars {
        let mut vars = Vars::with_capacity((wanted & BASE).count_ones() as usize + more);
        self.fill_base(&mut vars, visit, today, trigger, wanted);
        vars
    }

    /// Sets the variables every script sees in `vars`, those in `wanted` only; a
    /// variable already set keeps its place and takes today's value. The patient's
    /// inputs, the same all run, are set once.
    fn fill_base(&self, vars: &mut Vars, visit: &Visit, today: Date, trigger: &str, wanted: u16) {
        let phase = &self.protocol.phases[visit.phase];
        let keep = |bit: u16| wanted & bit != 0;
        if keep(INPUTS) && vars.get("inputs").is_none() {
            vars.set("inputs", self.inputs.clone());
        }
        if keep(TODAY) {
            vars.set("today", today.to_string());
        }
        if keep(PHASE) {
            set_text(vars, "phase", &phase.id);
        }
        if keep(WEEK) {
            vars.set("week", visit.week);
        }
        if keep(LEVEL) {
            vars.set("level", visit.level());
        }
        // While the plan waits for the phase's requirements, the phase has not begun:
        // its week, day and days are 0.
        let waiting = visit.awaiting();
        if keep(DAY) {
            vars.set("day", if waiting { 0 } else { visit.slot + 1 });
        }
        if keep(DAYS_IN_PHASE) {
            let days = i64::from((today - visit.start).get_days()) + 1;
            vars.set("days_in_phase", if waiting { 0 } else { days });
        }
        if keep(TRIGGER) {
            set_text(vars, "trigger", trigger);
        }
    }

    /// Sets the variables of a rule's trigger in `vars`, the base ones and the entry's;
    /// of those that have a [`variable_bit`], only those in `wanted`. The caller keeps
    /// `vars` from one entry to the next while the trigger and `wanted` stay the same
    /// (see [`DayVars`]), so the same variables are set each time, in the same order.
    fn fill_trigger(
        &self,
        vars: &mut Vars,
        visit: &Visit,
        today: Date,
        trigger: Trigger,
        entry: Option<&Entry>,
        wanted: u16,
    ) {
        let name = match trigger {
            Trigger::CheckIn => "check-in",
            Trigger::WeekEnd => "week-end",
            Trigger::Assessment => "assessment",
            Trigger::Event => "event",
        };
        let keep = |bit: u16| wanted & bit != 0;
        self.fill_base(vars, visit, today, name, wanted);
        match entry.map(|e| (&e.kind, &e.note)) {
            Some((
                EntryKind::CheckIn {
                    session,
                    pain,
                    fields,
                },
                note,
            )) => {
                if keep(FIELDS) {
                    match vars.get_mut("fields") {
                        // No answers again: the empty map stays.
                        Some(rehab_rules::Value::Map(m)) if m.is_empty() && fields.is_empty() => {}
                        _ => {
                            vars.set("fields", answer_vars(fields));
                        }
                    }
                }
                if keep(PAIN) {
                    // The map of the last check-in takes today's scores in place.
                    match vars.get_mut("pain") {
                        Some(rehab_rules::Value::Map(p)) => set_pain(p, pain),
                        _ => {
                            let mut p = Vars::with_capacity(PAIN_TIMES.len());
                            set_pain(&mut p, pain);
                            vars.set("pain", p);
                        }
                    }
                }
                if keep(SESSION) {
                    vars.set("session", session.map_or("", SessionStatus::as_str));
                }
                if keep(NOTE) {
                    vars.set("note", note.clone().unwrap_or_default());
                }
            }
            Some((
                EntryKind::Assessment {
                    id,
                    answers,
                    passed,
                },
                _,
            )) => {
                set_text(vars, "assessment", id);
                vars.set("result", answer_vars(answers));
                vars.set("passed", passed.unwrap_or(true));
            }
            Some((EntryKind::Event { id }, _)) => {
                set_text(vars, "event", id);
            }
            None => {}
        }
    }
}

/// The rules a check-in or a week's end fires in each phase, in protocol order, and the
/// variables they read: worked out when a run begins, so that a day's entries only look
/// them up. A thread's runs reuse its buffers.
#[derive(Debug, Default)]
pub(super) struct Firing {
    rules: Vec<usize>,
    /// By phase, the check-in's and then the week's end's: the variables their rules
    /// read and where the rules are in `rules`.
    lists: Vec<(u16, std::ops::Range<usize>)>,
}

impl Firing {
    /// Works the lists out for `protocol` afresh.
    pub(super) fn fill(&mut self, protocol: &Protocol, scripts: &Evaluator<'_>) {
        self.rules.clear();
        self.lists.clear();
        for phase in 0..protocol.phases.len() {
            for trigger in [Trigger::CheckIn, Trigger::WeekEnd] {
                let from = self.rules.len();
                let mut needed = 0;
                for (i, rule) in protocol.rules.iter().enumerate() {
                    // Rules kept for one assessment or event never fire here.
                    if triggers(rule, trigger, phase, None) {
                        self.rules.push(i);
                        needed |= reads(scripts, rule);
                    }
                }
                self.lists.push((needed, from..self.rules.len()));
            }
        }
    }

    /// The rules `trigger` (a check-in or a week's end) fires in `phase`, and the
    /// variables they read.
    fn get(&self, phase: usize, trigger: Trigger) -> (&[usize], u16) {
        let at = phase * 2 + usize::from(trigger == Trigger::WeekEnd);
        match self.lists.get(at) {
            Some((needed, span)) => (&self.rules[span.clone()], *needed),
            None => (&[], 0),
        }
    }
}

/// The variables of the entry last fired for, kept to be set afresh for the next
/// entry of the same trigger whose rules read the same variables: the same variables
/// in the same order, without a new list each time.
#[derive(Debug, Default)]
pub(super) struct DayVars {
    /// The trigger and the variables read, when `vars` holds them.
    key: Option<(Trigger, u16)>,
    vars: Vars,
}

impl DayVars {
    /// The list to set an entry's variables in: the last one when it holds the same
    /// kind, or a new one with room for them.
    fn for_entry(&mut self, trigger: Trigger, wanted: u16, entry: Option<&Entry>) -> &mut Vars {
        if self.key != Some((trigger, wanted)) {
            // Room for the entry's variables (and a check-in's `planned`).
            let more = match entry.map(|e| &e.kind) {
                Some(EntryKind::CheckIn { .. }) => (wanted & !BASE).count_ones() as usize,
                Some(EntryKind::Assessment { .. }) => 3,
                Some(EntryKind::Event { .. }) => 1,
                None => 0,
            };
            self.key = Some((trigger, wanted));
            self.vars = Vars::with_capacity((wanted & BASE).count_ones() as usize + more);
        }
        &mut self.vars
    }
}

/// Sets a text variable; one that holds text already takes `text` in its own buffer.
fn set_text(vars: &mut Vars, name: &str, text: &str) {
    match vars.get_mut(name) {
        Some(rehab_rules::Value::Str(s)) => {
            if s != text {
                s.clear();
                s.push_str(text);
            }
        }
        _ => {
            vars.set(name, text);
        }
    }
}

/// Sets a check-in's pain scores in its `pain` map (0 for a time not reported). A map
/// this function filled before has the four times in order, and takes the scores by
/// place.
fn set_pain(map: &mut Vars, pain: &[Option<i64>; 4]) {
    if map.len() == PAIN_TIMES.len() {
        for ((_, value), score) in map.iter_mut().zip(pain) {
            *value = rehab_rules::Value::Int(score.unwrap_or(0));
        }
        return;
    }
    for (t, score) in PAIN_TIMES.iter().zip(pain) {
        map.set(t, score.unwrap_or(0));
    }
}

/// Whether an entry of `trigger` in `phase` fires `rule`; `name` is the assessment's or
/// event's id (`None` for a check-in or a week's end, which no rule kept for one id
/// answers).
fn triggers(rule: &Rule, trigger: Trigger, phase: usize, name: Option<&str>) -> bool {
    rule.trigger == trigger
        && rule.applies_in(phase)
        && rule.only.as_deref().is_none_or(|o| Some(o) == name)
}

/// The variables a rule's condition reads, as a mask of [`variable_bit`]s: all of them
/// when its reading cannot be told from its text.
fn reads(scripts: &Evaluator<'_>, rule: &Rule) -> u16 {
    match scripts.reads(rule.condition) {
        Some(reads) => reads
            .iter()
            .filter_map(|r| variable_bit(r))
            .fold(0, |a, b| a | b),
        None => ALL_VARIABLES,
    }
}

/// A rule whose condition held, with the values it saw (none in a quiet run).
pub(super) struct Fired {
    /// The rule, by index.
    pub(super) rule: usize,
    pub(super) values: Vec<(String, Value)>,
}

/// The most conservative of the fired rules that act: the one that acts, by its place
/// in `fired`. The others that act are overridden by it (advice stands beside it). Ties
/// go to the rule written first in the protocol.
pub(super) fn choose(fired: &[Fired], phase: usize, rules: &[Rule]) -> Option<usize> {
    // Advice changes nothing, so it stands beside whatever acts and is never overridden.
    fired
        .iter()
        .enumerate()
        .filter(|(_, f)| !rules[f.rule].advises())
        .max_by(|(_, a), (_, b)| {
            let ra = rules[a.rule].rank(phase);
            let rb = rules[b.rule].rank(phase);
            ra.cmp(&rb).then(b.rule.cmp(&a.rule))
        })
        .map(|(i, _)| i)
}

const INPUTS: u16 = 1;
const TODAY: u16 = 1 << 1;
const PHASE: u16 = 1 << 2;
const WEEK: u16 = 1 << 3;
const LEVEL: u16 = 1 << 4;
const DAY: u16 = 1 << 5;
const DAYS_IN_PHASE: u16 = 1 << 6;
const TRIGGER: u16 = 1 << 7;
const FIELDS: u16 = 1 << 8;
const PAIN: u16 = 1 << 9;
const SESSION: u16 = 1 << 10;
const NOTE: u16 = 1 << 11;
const PLANNED: u16 = 1 << 12;
/// The variables every script sees, whatever its trigger.
const BASE: u16 = (1 << 8) - 1;
/// Every variable: for a script whose reading cannot be told from its text.
pub(super) const ALL_VARIABLES: u16 = u16::MAX;

/// The bit of a variable a rule's trigger may build, in a mask of the variables the
/// rules of one entry read; `None` for a name that is not one of them.
fn variable_bit(name: &str) -> Option<u16> {
    Some(match name {
        "inputs" => INPUTS,
        "today" => TODAY,
        "phase" => PHASE,
        "week" => WEEK,
        "level" => LEVEL,
        "day" => DAY,
        "days_in_phase" => DAYS_IN_PHASE,
        "trigger" => TRIGGER,
        "fields" => FIELDS,
        "pain" => PAIN,
        "session" => SESSION,
        "note" => NOTE,
        "planned" => PLANNED,
        _ => return None,
    })
}

/// The variables a condition mentions, flattened (`pain.during`), with their values.
pub(super) fn seen_values(text: &str, vars: &Vars) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for (name, value) in vars.iter() {
        if !mentions(text, name) {
            continue;
        }
        match value {
            rehab_rules::Value::Map(inner) => {
                for (key, v) in inner.iter() {
                    // Inputs are many; show the ones the condition names.
                    if name == "inputs" && !mentions(text, key) {
                        continue;
                    }
                    out.push((format!("{name}.{key}"), from_script(v)));
                }
            }
            other => out.push((name.to_string(), from_script(other))),
        }
    }
    out
}

/// Whether `word` appears in `text` as a whole identifier.
pub(super) fn mentions(text: &str, word: &str) -> bool {
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    text.match_indices(word).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + word.len()..].chars().next();
        !before.is_some_and(ident) && !after.is_some_and(ident)
    })
}

/// An assessment's answers as the map scripts read (`result.painless`).
pub(super) fn answer_vars(answers: &Answers) -> Vars {
    let mut result = Vars::with_capacity(answers.len());
    for (k, v) in answers {
        match *v {
            Answer::Yes(b) => result.set(k, b),
            Answer::Number(n) => result.set(k, n),
        };
    }
    result
}

/// What the day holds, as a pattern writes it: `"session"`, `"cross+strength"`, or
/// `"off"` for a day off or a rest day.
fn planned(day: &Today) -> &'static str {
    match (
        day.has(PartKind::Session),
        day.has(PartKind::Cross),
        day.has(PartKind::Strength),
    ) {
        (false, false, false) => "off",
        (true, false, false) => "session",
        (false, true, false) => "cross",
        (false, false, true) => "strength",
        (true, true, false) => "session+cross",
        (true, false, true) => "session+strength",
        (false, true, true) => "cross+strength",
        (true, true, true) => "session+cross+strength",
    }
}
