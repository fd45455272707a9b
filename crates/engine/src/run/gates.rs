//! A phase's gates: whether the evidence lets the phase end.

use super::*;

impl Runner<'_, '_> {
    pub(super) fn gates(
        &mut self,
        visit: &mut Visit,
        today: Date,
        early: bool,
    ) -> Result<GateResult, Diagnostic> {
        let phase = &self.protocol.phases[visit.phase];
        let followed = self.followed(today);
        let mut decisions = Vec::new();
        let mut fail_days = 0;
        let mut failed = Vec::new();
        let mut waiting = Vec::new();
        for (gi, gate) in phase.gates.iter().enumerate() {
            let since = visit
                .failed
                .iter()
                .filter(|(g, _)| *g == gi)
                .map(|(_, d)| *d)
                .max();
            let rule = Decider::Gate(gate.id.clone());
            let source = gate.source.clone();
            if gate.time_minimum {
                let ok = visit.min_end.is_some_and(|m| today >= m);
                if !ok {
                    if early {
                        return Ok(GateResult::Wait(Vec::new()));
                    }
                    continue;
                }
                decisions.push(
                    Decision::engine(
                        rule,
                        Verdict::Pass,
                        format!(
                            "\"{}\": the phase's shortest length has passed (from {}).",
                            gate.title,
                            visit.min_end.map_or(String::new(), |d| d.to_string())
                        ),
                    )
                    .with_source(source),
                );
                continue;
            }
            if gate.is_checkpoint() {
                if early {
                    continue;
                }
                decisions.push(
                    Decision::engine(
                        rule,
                        Verdict::Checkpoint,
                        format!(
                            "\"{}\": for the clinician to confirm; the plan cannot test it.",
                            gate.title
                        ),
                    )
                    .with_source(source),
                );
                continue;
            }
            // The evidence: a passing result, an event, or a true condition.
            let evidence: Option<Evidence> = if let Some(a) = gate
                .assessment
                .and_then(|a| self.protocol.assessments.get(a))
            {
                let after = since.or_else(|| visit.start.yesterday().ok());
                if followed
                    && latest_result(&self.journal, &a.id, today, after).is_none()
                    && let Some(kind) = self
                        .responder
                        .as_deref_mut()
                        .and_then(|r| r.gate(today, &GateNeed::Assessment(a)))
                {
                    self.append(today, kind);
                }
                latest_result(&self.journal, &a.id, today, after).map(|(date, answers, passed)| {
                    let values = answers
                        .iter()
                        .map(|(k, v)| (format!("{}.{k}", a.id), v.value()))
                        .collect();
                    let ok = passed.unwrap_or(true);
                    let misses = missed_marks(a, answers);
                    let what = if misses.is_empty() {
                        format!("{} on {date}", a.title)
                    } else {
                        format!("{} on {date}: {}", a.title, misses.join("; "))
                    };
                    (ok, what, values, None)
                })
            } else if let Some(e) = gate.event.and_then(|e| self.protocol.events.get(e)) {
                let seen = |j: &[Entry]| {
                    j.iter().any(|x| {
                        x.date <= today && matches!(&x.kind, EntryKind::Event { id } if *id == e.id)
                    })
                };
                if followed
                    && !seen(&self.journal)
                    && let Some(kind) = self
                        .responder
                        .as_deref_mut()
                        .and_then(|r| r.gate(today, &GateNeed::Event(e)))
                {
                    self.append(today, kind);
                }
                self.journal
                    .iter()
                    .find(|x| {
                        x.date <= today && matches!(&x.kind, EntryKind::Event { id } if *id == e.id)
                    })
                    .map(|x| (true, format!("{} on {}", e.title, x.date), Vec::new(), None))
            } else if let Some(id) = gate.when {
                if followed {
                    let vars = self.base_vars(visit, today, "gate", &|_| true);
                    let (ok, values) = self.eval(id, &vars)?;
                    Some((
                        ok,
                        "its condition".to_string(),
                        values,
                        Some(self.scripts.text(id).to_string()),
                    ))
                } else {
                    None
                }
            } else {
                None
            };
            match evidence {
                Some((true, what, values, condition)) => {
                    let mut d = Decision::engine(
                        rule,
                        Verdict::Pass,
                        format!("\"{}\": passed ({what}).", gate.title),
                    )
                    .with_source(source)
                    .with_values(values);
                    d.condition = condition;
                    d.interpretation = gate.interpretation.clone();
                    decisions.push(d);
                }
                Some((false, what, values, condition)) => {
                    if early {
                        return Ok(GateResult::Wait(Vec::new()));
                    }
                    let retest = add_days(today, gate.retest_days)?;
                    let mut d = Decision::engine(
                        rule,
                        Verdict::Hold,
                        format!(
                            "\"{}\": not passed ({what}). The phase continues and the gate is tested again on {retest}.",
                            gate.title
                        ),
                    )
                    .with_source(source)
                    .with_values(values);
                    d.condition = condition;
                    d.interpretation = gate.interpretation.clone();
                    decisions.push(d);
                    fail_days = fail_days.max(gate.retest_days);
                    failed.push(gi);
                }
                None if early => return Ok(GateResult::Wait(Vec::new())),
                None if followed => {
                    if !visit.waiting.contains(&gi) {
                        let what = match (gate.assessment, gate.event) {
                            (Some(_), _) if since.is_some() => "a new result after the failed one",
                            (Some(_), _) => "a result in the journal",
                            (_, Some(_)) => "the event in the journal",
                            _ => "its condition to hold",
                        };
                        decisions.push(
                            Decision::engine(
                                rule,
                                Verdict::Wait,
                                format!(
                                    "\"{}\": waiting for {what}; the phase continues until then.",
                                    gate.title
                                ),
                            )
                            .with_source(source),
                        );
                        visit.waiting.push(gi);
                    }
                    waiting.push(gi);
                }
                None => {
                    let when = if since.is_some() {
                        " at the retest"
                    } else {
                        ""
                    };
                    decisions.push(
                        Decision::engine(
                            rule,
                            Verdict::AssumePassed,
                            format!(
                                "\"{}\": projected to pass{when}, on the phase's last day; the journal has no result yet.",
                                gate.title
                            ),
                        )
                        .with_source(source),
                    );
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
