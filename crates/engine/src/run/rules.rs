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
        let rules = || {
            self.protocol
                .rules
                .iter()
                .enumerate()
                .filter(move |(_, rule)| {
                    rule.trigger == trigger
                        && rule.applies_in(visit.phase)
                        && rule.only.as_deref().is_none_or(|o| Some(o) == name)
                })
        };
        if rules().next().is_none() {
            return Ok(());
        }
        // Built and converted for scripts once, for all the rules this entry triggers,
        // and only the variables those rules read (all of them when one rule's reading
        // cannot be told from its text).
        let mut needed = 0u16;
        for (_, rule) in rules() {
            needed |= match self.scripts.reads(rule.condition) {
                Some(reads) => reads
                    .iter()
                    .filter_map(|r| variable_bit(r))
                    .fold(0, |a, b| a | b),
                None => u16::MAX,
            };
        }
        let keep = |v: &str| variable_bit(v).is_none_or(|bit| needed & bit != 0);
        let mut vars = self.trigger_vars(visit, today, trigger, entry, &keep);
        if trigger == Trigger::CheckIn && keep("planned") {
            vars.set("planned", planned(day));
        }
        let mut prepared = self.scripts.prepare(&vars);
        for (i, rule) in rules() {
            self.scripts.take_seen();
            let holds = self.scripts.eval_bool_in(rule.condition, &mut prepared)?;
            self.scripts.take_trace();
            if !holds {
                continue;
            }
            let values = self.values(rule.condition, &vars);
            fired.push(Fired { rule: i, values });
        }
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
        self.scripts.take_seen();
        let holds = self.scripts.eval_bool(id, vars)?;
        self.scripts.take_trace();
        Ok((holds, self.values(id, vars)))
    }

    /// The values the last evaluation of script `id` saw: the variables it mentions and
    /// the host calls it made. None in a quiet run, which explains nothing.
    pub(super) fn values(&self, id: ScriptId, vars: &Vars) -> Vec<(String, Value)> {
        let seen = self.scripts.take_seen();
        if self.config.quiet {
            return Vec::new();
        }
        let mut values = seen_values(self.scripts.text(id), vars);
        for call in seen {
            values.push((call.call, from_script(&call.value)));
        }
        values
    }

    /// The variables every script sees; only those `keep` accepts are built.
    pub(super) fn base_vars(
        &self,
        visit: &Visit,
        today: Date,
        trigger: &str,
        keep: &dyn Fn(&str) -> bool,
    ) -> Vars {
        let phase = &self.protocol.phases[visit.phase];
        let mut vars = Vars::new();
        if keep("inputs") {
            vars.set("inputs", self.inputs.clone());
        }
        if keep("today") {
            vars.set("today", today.to_string());
        }
        if keep("phase") {
            vars.set("phase", phase.id.as_str());
        }
        if keep("week") {
            vars.set("week", visit.week);
        }
        if keep("level") {
            vars.set("level", visit.level());
        }
        // While the plan waits for the phase's requirements, the phase has not begun:
        // its week, day and days are 0.
        let waiting = visit.awaiting();
        if keep("day") {
            vars.set("day", if waiting { 0 } else { visit.slot + 1 });
        }
        if keep("days_in_phase") {
            let days = i64::from((today - visit.start).get_days()) + 1;
            vars.set("days_in_phase", if waiting { 0 } else { days });
        }
        if keep("trigger") {
            vars.set("trigger", trigger);
        }
        vars
    }

    /// The variables of a rule's trigger: the base ones and the entry's; only those
    /// `keep` accepts are built.
    pub(super) fn trigger_vars(
        &self,
        visit: &Visit,
        today: Date,
        trigger: Trigger,
        entry: Option<&Entry>,
        keep: &dyn Fn(&str) -> bool,
    ) -> Vars {
        let name = match trigger {
            Trigger::CheckIn => "check-in",
            Trigger::WeekEnd => "week-end",
            Trigger::Assessment => "assessment",
            Trigger::Event => "event",
        };
        let mut vars = self.base_vars(visit, today, name, keep);
        match entry.map(|e| (&e.kind, &e.note)) {
            Some((
                EntryKind::CheckIn {
                    session,
                    pain,
                    fields,
                },
                note,
            )) => {
                if keep("fields") {
                    vars.set("fields", answer_vars(fields));
                }
                if keep("pain") {
                    let mut p = Vars::new();
                    for (t, score) in PAIN_TIMES.iter().zip(pain) {
                        p.set(t, score.unwrap_or(0));
                    }
                    vars.set("pain", p);
                }
                if keep("session") {
                    vars.set("session", session.map_or("", SessionStatus::as_str));
                }
                if keep("note") {
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
                vars.set("assessment", id.as_str());
                vars.set("result", answer_vars(answers));
                vars.set("passed", passed.unwrap_or(true));
            }
            Some((EntryKind::Event { id }, _)) => {
                vars.set("event", id.as_str());
            }
            None => {}
        }
        vars
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

/// The bit of a variable a rule's trigger may build, in a mask of the variables the
/// rules of one entry read; `None` for a name that is not one of them.
fn variable_bit(name: &str) -> Option<u16> {
    let place = match name {
        "inputs" => 0,
        "today" => 1,
        "phase" => 2,
        "week" => 3,
        "level" => 4,
        "day" => 5,
        "days_in_phase" => 6,
        "trigger" => 7,
        "fields" => 8,
        "pain" => 9,
        "session" => 10,
        "note" => 11,
        "planned" => 12,
        _ => return None,
    };
    Some(1 << place)
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
    let mut result = Vars::new();
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
