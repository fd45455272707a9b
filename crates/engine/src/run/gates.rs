//! A phase's gates: whether the evidence lets the phase end.

use super::*;

/// The result of testing a phase's gates on one day.
pub(super) enum GateResult {
    Pass(Vec<Decision>),
    Fail { days: i64, decisions: Vec<Decision> },
    Wait(Vec<Decision>),
}

/// What a gate (or a requirement) saw.
pub(super) struct Evidence {
    /// Whether the evidence passes the gate.
    pub(super) passed: bool,
    /// The evidence in words: `Hop test on 2026-11-09: quadriceps_lsi was 76 %, ...`.
    pub(super) what: String,
    /// The values the evidence holds, for explanations.
    pub(super) values: Vec<(String, Value)>,
    /// The gate's condition as written, for a scripted gate.
    pub(super) condition: Option<String>,
}

/// What testing one gate came to.
enum Tested {
    /// The gate does not hold the phase; the decision, if any, says why.
    Passes(Option<Decision>),
    /// The evidence did not pass: the phase is held and the gate retested later.
    Fails {
        decision: Decision,
        retest_days: i64,
    },
    /// The gate waits for evidence; the decision says so the first time.
    Waits(Option<Decision>),
    /// The phase cannot end early today: testing stops.
    NotEarly,
}

impl Runner<'_, '_> {
    /// Tests every gate of the visit's phase on `today`.
    pub(super) fn gates(
        &mut self,
        visit: &mut Visit,
        today: Date,
        ending: Ending,
    ) -> Result<GateResult, Diagnostic> {
        let protocol = self.protocol;
        let phase = &protocol.phases[visit.phase];
        let mut decisions = Vec::new();
        let mut fail_days = 0;
        let mut failed = Vec::new();
        let mut waiting = Vec::new();
        for (gi, gate) in phase.gates.iter().enumerate() {
            match self.test_gate(visit, (gi, gate), today, ending)? {
                Tested::NotEarly => return Ok(GateResult::Wait(Vec::new())),
                Tested::Passes(d) => {
                    visit.failing.retain(|&g| g != gi);
                    decisions.extend(d);
                }
                Tested::Fails {
                    decision,
                    retest_days,
                } => {
                    if !visit.failing.contains(&gi) {
                        visit.failing.push(gi);
                    }
                    decisions.push(decision);
                    fail_days = fail_days.max(retest_days);
                    failed.push(gi);
                }
                Tested::Waits(d) => {
                    decisions.extend(d);
                    waiting.push(gi);
                }
            }
        }
        if !failed.is_empty() {
            for g in failed {
                visit.failed.push((g, today));
            }
            visit.waiting.clear();
            return Ok(GateResult::Fail {
                days: fail_days,
                decisions,
            });
        }
        if !waiting.is_empty() {
            return Ok(GateResult::Wait(decisions));
        }
        Ok(GateResult::Pass(decisions))
    }

    /// Tests gate number `gi` of the visit's phase on `today`.
    fn test_gate(
        &mut self,
        visit: &mut Visit,
        (gi, gate): (usize, &Gate),
        today: Date,
        ending: Ending,
    ) -> Result<Tested, Diagnostic> {
        let early = ending == Ending::Early;
        let decide = |action, reason| gate_decision(gate, action, reason);
        if gate.time_minimum {
            let Some(from) = visit.min_end.filter(|m| today >= *m) else {
                return Ok(if early {
                    Tested::NotEarly
                } else {
                    Tested::Passes(None)
                });
            };
            let why = format!(
                "\"{}\": the phase's shortest length has passed (from {from}).",
                gate.title
            );
            return Ok(Tested::Passes(Some(decide(Verdict::Pass, why))));
        }
        if gate.is_checkpoint() {
            if early {
                return Ok(Tested::Passes(None));
            }
            let why = format!(
                "\"{}\": for the clinician to confirm; the plan cannot test it.",
                gate.title
            );
            return Ok(Tested::Passes(Some(decide(Verdict::Checkpoint, why))));
        }
        let since = visit
            .failed
            .iter()
            .filter(|(g, _)| *g == gi)
            .map(|(_, d)| *d)
            .max();
        let with_evidence = |d: Decision, e: Evidence| {
            let mut d = d.with_values(e.values);
            d.condition = e.condition;
            d.interpretation = gate.interpretation.clone();
            d
        };
        match self.evidence(visit, gate, since, today)? {
            Some(e) if e.passed => {
                let why = format!("\"{}\": passed ({}).", gate.title, e.what);
                Ok(Tested::Passes(Some(with_evidence(
                    decide(Verdict::Pass, why),
                    e,
                ))))
            }
            Some(_) | None if early => Ok(Tested::NotEarly),
            Some(e) => {
                let retest = add_days(today, gate.retest_days)?;
                let why = format!(
                    "\"{}\": not passed ({}). The phase continues and the gate is tested again on {retest}.",
                    gate.title, e.what
                );
                Ok(Tested::Fails {
                    decision: with_evidence(decide(Verdict::Hold, why), e),
                    retest_days: gate.retest_days,
                })
            }
            None => Ok(self.without_evidence(visit, (gi, gate), since, today)),
        }
    }

    /// What a gate with no evidence yet comes to: on a followed day it waits (said
    /// once); on a projected day it is assumed to pass.
    fn without_evidence(
        &self,
        visit: &mut Visit,
        (gi, gate): (usize, &Gate),
        since: Option<Date>,
        today: Date,
    ) -> Tested {
        let decide = |action, reason| gate_decision(gate, action, reason);
        if !self.followed(today) {
            let when = if since.is_some() {
                " at the retest"
            } else {
                ""
            };
            let why = format!(
                "\"{}\": projected to pass{when}, on the phase's last day; the journal has no result yet.",
                gate.title
            );
            return Tested::Passes(Some(decide(Verdict::AssumePassed, why)));
        }
        if visit.waiting.contains(&gi) {
            return Tested::Waits(None);
        }
        visit.waiting.push(gi);
        let what = match (gate.assessment, gate.event) {
            (Some(_), _) if since.is_some() => "a new result after the failed one",
            (Some(_), _) => "a result in the journal",
            (_, Some(_)) => "the event in the journal",
            _ => "its condition to hold",
        };
        let why = format!(
            "\"{}\": waiting for {what}; the phase continues until then.",
            gate.title
        );
        Tested::Waits(Some(decide(Verdict::Wait, why)))
    }

    /// The evidence for a gate: a result newer than `since` (or than the phase's start),
    /// an event, or its condition evaluated; `None` while there is none. On a day that
    /// is followed, a responder is asked for what the journal lacks.
    fn evidence(
        &mut self,
        visit: &Visit,
        gate: &Gate,
        since: Option<Date>,
        today: Date,
    ) -> Result<Option<Evidence>, Diagnostic> {
        let protocol = self.protocol;
        let followed = self.followed(today);
        if let Some(a) = gate.assessment.and_then(|a| protocol.assessments.get(a)) {
            let after = since.or_else(|| visit.start.yesterday().ok());
            if followed && latest_result(&self.journal, &a.id, today, after).is_none() {
                self.ask(today, &GateNeed::Assessment(a));
            }
            return Ok(latest_result(&self.journal, &a.id, today, after)
                .map(|(date, answers, passed)| result_evidence(a, date, answers, passed)));
        }
        if let Some(e) = gate.event.and_then(|e| protocol.events.get(e)) {
            return Ok(self.event_evidence(e, today, followed));
        }
        match gate.when {
            Some(id) if followed => self.when_evidence(visit, id, today, "gate").map(Some),
            _ => Ok(None),
        }
    }

    /// An event as evidence, on or before `today`; a followed day without it asks the
    /// responder. Gates and requirements share it.
    pub(super) fn event_evidence(
        &mut self,
        e: &crate::model::Event,
        today: Date,
        followed: bool,
    ) -> Option<Evidence> {
        if followed && event_date(&self.journal, &e.id, today).is_none() {
            self.ask(today, &GateNeed::Event(e));
        }
        event_date(&self.journal, &e.id, today).map(|date| Evidence {
            passed: true,
            what: format!("{} on {date}", e.title),
            values: Vec::new(),
            condition: None,
        })
    }

    /// A `when` condition as evidence, evaluated with `trigger` (`"gate"` or `"entry"`).
    /// Gates and requirements share it.
    pub(super) fn when_evidence(
        &mut self,
        visit: &Visit,
        id: ScriptId,
        today: Date,
        trigger: &str,
    ) -> Result<Evidence, Diagnostic> {
        let vars = self.base_vars(visit, today, trigger, ALL_VARIABLES, 0);
        let (passed, values) = self.eval(id, &vars)?;
        Ok(Evidence {
            passed,
            what: "its condition".to_string(),
            values,
            condition: Some(self.scripts.text(id).to_string()),
        })
    }

    /// Asks the responder, if there is one, for the evidence a gate needs, and adds
    /// what it reports to the journal.
    pub(super) fn ask(&mut self, today: Date, need: &GateNeed<'_>) {
        if let Some(kind) = self
            .responder
            .as_deref_mut()
            .and_then(|r| r.gate(today, need))
        {
            self.append(today, kind);
        }
    }
}

/// A decision a gate made.
fn gate_decision(gate: &Gate, action: Verdict, reason: String) -> Decision {
    Decision::engine(Decider::Gate(gate.id.clone()), action, reason)
        .with_source(gate.source.clone())
}

/// What an assessment result shows a gate: whether it passed, and the marks it missed.
pub(super) fn result_evidence(
    a: &Assessment,
    date: Date,
    answers: &Answers,
    passed: Option<bool>,
) -> Evidence {
    let values = answers
        .iter()
        .map(|(k, v)| (format!("{}.{k}", a.id), v.value()))
        .collect();
    let misses = missed_marks(a, answers);
    let what = if misses.is_empty() {
        format!("{} on {date}", a.title)
    } else {
        format!("{} on {date}: {}", a.title, misses.join("; "))
    };
    Evidence {
        passed: passed.unwrap_or(true),
        what,
        values,
        condition: None,
    }
}

/// The date of the journal's first entry of event `id` on or before `today`.
pub(super) fn event_date(journal: &[Entry], id: &str, today: Date) -> Option<Date> {
    journal
        .iter()
        .find(|x| x.date <= today && matches!(&x.kind, EntryKind::Event { id: e } if e == id))
        .map(|x| x.date)
}

/// The most recent result of assessment `id` on or before `today`, newer than `after`.
pub(super) fn latest_result<'p>(
    journal: &'p [Entry],
    id: &str,
    today: Date,
    after: Option<Date>,
) -> Option<(Date, &'p Answers, Option<bool>)> {
    journal.iter().rev().find_map(|e| match &e.kind {
        EntryKind::Assessment {
            id: a,
            answers,
            passed,
        } if a == id && e.date <= today && after.is_none_or(|d| e.date > d) => {
            Some((e.date, answers.as_slice(), *passed))
        }
        _ => None,
    })
}

/// The answers that missed their pass marks, in words: `quadriceps_lsi was 76 %, needs
/// at least 80 %`.
pub(super) fn missed_marks(assessment: &Assessment, answers: &Answers) -> Vec<String> {
    assessment
        .questions
        .iter()
        .filter_map(|q| {
            let (_, given) = answers.iter().find(|(id, _)| *id == q.id)?;
            if q.passes(given)? {
                return None;
            }
            let unit = match (given, &q.unit) {
                (Answer::Number(_), Some(u)) => format!(" {u}"),
                _ => String::new(),
            };
            Some(format!(
                "{} was {given}{unit}, needs {}",
                q.id,
                q.mark_text()?
            ))
        })
        .collect()
}
