//! Scenario expectations: checked against a protocol, then held up against a plan.
//!
//! Expectations are partial on purpose: a reviewer says what matters about a patient's
//! plan (the phase on a date, a rule firing, no running too early, the outcome) and the
//! rest may change freely. A failed expectation says what was expected and what the
//! plan has instead, with dates.

use jiff::civil::Date;
use rehab_syntax::protocol::S;
use rehab_syntax::scenario::{Expectation, OutcomeWord, ScenarioDoc};
use rehab_syntax::suggest::did_you_mean;
use rehab_syntax::{Diagnostic, FileId, Sources, Span, codes};

use crate::RunConfig;
use crate::check::Ctx;
use crate::model::Protocol;
use crate::plan::{Decider, OutcomeStatus, Plan, Verdict};

/// One checked expectation, with its place in the scenario file.
#[derive(Debug, Clone, PartialEq)]
pub struct Expect {
    pub kind: ExpectKind,
    pub at: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExpectKind {
    PhaseOn {
        date: Date,
        phase: String,
    },
    LevelOn {
        date: Date,
        level: u32,
    },
    Fires {
        date: Date,
        rule: String,
    },
    DoesNotFire {
        date: Date,
        rule: String,
    },
    NoRunningBefore(Date),
    Outcome {
        status: OutcomeWord,
        by: Option<Date>,
    },
    RunningRiseAtMost(f64),
}

impl std::fmt::Display for ExpectKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExpectKind::PhaseOn { date, phase } => write!(f, "on {date} the phase is `{phase}`"),
            ExpectKind::LevelOn { date, level } => write!(f, "on {date} the level is {level}"),
            ExpectKind::Fires { date, rule } => write!(f, "on {date} rule `{rule}` fires"),
            ExpectKind::DoesNotFire { date, rule } => {
                write!(f, "on {date} rule `{rule}` does not fire")
            }
            ExpectKind::NoRunningBefore(date) => write!(f, "no running before {date}"),
            ExpectKind::Outcome { status, by: None } => {
                write!(f, "the outcome is {}", words(*status))
            }
            ExpectKind::Outcome {
                status,
                by: Some(by),
            } => write!(f, "the outcome is {} by {by}", words(*status)),
            ExpectKind::RunningRiseAtMost(m) => {
                write!(f, "weekly running minutes rise by at most {m}")
            }
        }
    }
}

fn words(status: OutcomeWord) -> &'static str {
    match status {
        OutcomeWord::Completed => "completed",
        OutcomeWord::InProgress => "in progress",
        OutcomeWord::Referred => "referred",
    }
}

/// A scenario checked against its protocol: its expectations, and how to run it.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    pub expectations: Vec<Expect>,
    pub config: RunConfig,
}

/// Checks a scenario against the protocol it is about: every phase and rule its
/// expectations name exists, every date is a date, each expectation checks one thing.
pub fn check_scenario(
    sources: &Sources,
    file: FileId,
    protocol: &Protocol,
    doc: &ScenarioDoc,
) -> (Checked, Vec<Diagnostic>) {
    let mut ctx = Ctx::new(sources, file);
    let expectations = doc
        .expect
        .iter()
        .filter_map(|e| lower(&mut ctx, protocol, e))
        .map(|(kind, at)| Expect { kind, at })
        .collect();
    let config = RunConfig {
        start: doc.start.as_ref().and_then(|d| date(&mut ctx, d)),
        as_of: doc.as_of.as_ref().and_then(|d| date(&mut ctx, d)),
        quiet: false,
    };
    (
        Checked {
            expectations,
            config,
        },
        ctx.diagnostics,
    )
}

fn date(ctx: &mut Ctx, text: &S<String>) -> Option<Date> {
    match text.value.trim().parse::<Date>() {
        Ok(d) => Some(d),
        Err(_) => {
            ctx.error(
                codes::SCENARIO,
                &text.referenced,
                format!("`{}` is not a calendar date (YYYY-MM-DD)", text.value),
            );
            None
        }
    }
}

fn named(ctx: &mut Ctx, kind: &str, name: &S<String>, known: &[String]) -> Option<String> {
    if known.contains(&name.value) {
        return Some(name.value.clone());
    }
    let mut d = Diagnostic::error(
        codes::SCENARIO,
        format!("the protocol has no {kind} `{}`", name.value),
    )
    .at(ctx.span(&name.referenced));
    if let Some(close) = did_you_mean(&name.value, known) {
        d = d.with_help(format!("did you mean `{close}`?"));
    }
    ctx.push(d);
    None
}

fn lower(ctx: &mut Ctx, protocol: &Protocol, e: &Expectation) -> Option<(ExpectKind, Span)> {
    let checks = [
        e.phase.as_ref().map(|s| &s.referenced),
        e.level.as_ref().map(|s| &s.referenced),
        e.fires.as_ref().map(|s| &s.referenced),
        e.does_not_fire.as_ref().map(|s| &s.referenced),
        e.no_running_before.as_ref().map(|s| &s.referenced),
        e.outcome.as_ref().map(|s| &s.referenced),
        e.running_rise_at_most.as_ref().map(|s| &s.referenced),
    ];
    let given: Vec<_> = checks.iter().flatten().collect();
    let Some(first) = given.first() else {
        let at =
            e.on.as_ref()
                .map(|o| &o.referenced)
                .or(e.by.as_ref().map(|b| &b.referenced));
        let d = Diagnostic::error(
            codes::SCENARIO,
            "an expectation that checks nothing: give `phase`, `level`, `fires`, `does_not_fire`, `no_running_before`, `outcome` or `running_rise_at_most`",
        );
        ctx.push(match at {
            Some(at) => d.at(ctx.span(at)),
            None => d,
        });
        return None;
    };
    let at = ctx.span(first);
    if given.len() > 1 {
        ctx.push(
            Diagnostic::error(
                codes::SCENARIO,
                "an expectation checks one thing; split this one into several",
            )
            .at(at),
        );
        return None;
    }
    let needs_on =
        e.phase.is_some() || e.level.is_some() || e.fires.is_some() || e.does_not_fire.is_some();
    if needs_on != e.on.is_some() {
        let message = if needs_on {
            "this expectation is about a day: add `on: YYYY-MM-DD`"
        } else {
            "`on` belongs to `phase`, `level`, `fires` and `does_not_fire` expectations"
        };
        ctx.push(Diagnostic::error(codes::SCENARIO, message).at(at));
        return None;
    }
    if e.by.is_some() && e.outcome.is_none() {
        ctx.push(
            Diagnostic::error(codes::SCENARIO, "`by` belongs to an `outcome` expectation").at(at),
        );
        return None;
    }
    let on = match &e.on {
        Some(on) => Some(date(ctx, on)?),
        None => None,
    };
    let phases: Vec<String> = protocol.phases.iter().map(|p| p.id.clone()).collect();
    let rules: Vec<String> = protocol.rules.iter().map(|r| r.id.clone()).collect();
    let kind = if let (Some(l), Some(date)) = (&e.level, on) {
        ExpectKind::LevelOn {
            date,
            level: l.value,
        }
    } else if let (Some(p), Some(date)) = (&e.phase, on) {
        ExpectKind::PhaseOn {
            date,
            phase: named(ctx, "phase", p, &phases)?,
        }
    } else if let (Some(r), Some(date)) = (&e.fires, on) {
        ExpectKind::Fires {
            date,
            rule: named(ctx, "rule", r, &rules)?,
        }
    } else if let (Some(r), Some(date)) = (&e.does_not_fire, on) {
        ExpectKind::DoesNotFire {
            date,
            rule: named(ctx, "rule", r, &rules)?,
        }
    } else if let Some(d) = &e.no_running_before {
        ExpectKind::NoRunningBefore(date(ctx, d)?)
    } else if let Some(o) = &e.outcome {
        let by = match &e.by {
            Some(b) => Some(date(ctx, b)?),
            None => None,
        };
        ExpectKind::Outcome {
            status: o.value,
            by,
        }
    } else if let Some(m) = &e.running_rise_at_most {
        if m.value.is_nan() || m.value < 0.0 {
            ctx.error(
                codes::SCENARIO,
                &m.referenced,
                "the rise is a number of minutes, 0 or more",
            );
            return None;
        }
        ExpectKind::RunningRiseAtMost(m.value)
    } else {
        return None;
    };
    Some((kind, at))
}

/// Holds one expectation up against a plan: `Ok` when it holds, else what the plan has
/// instead, in words with dates.
pub fn evaluate(plan: &Plan, expect: &ExpectKind) -> Result<(), String> {
    let day = |date: Date| {
        plan.days.iter().find(|d| d.date == date).ok_or_else(|| {
            format!(
                "{date} is not in the plan, which runs from {} to {}",
                plan.start, plan.outcome.date
            )
        })
    };
    match expect {
        ExpectKind::PhaseOn { date, phase } => {
            let d = day(*date)?;
            if d.phase == *phase {
                Ok(())
            } else {
                Err(format!(
                    "on {date} expected phase `{phase}`, found `{}` (week {}, day {})",
                    d.phase, d.week, d.day
                ))
            }
        }
        ExpectKind::LevelOn { date, level } => {
            let d = day(*date)?;
            match d.level {
                Some(l) if l == *level => Ok(()),
                Some(l) => Err(format!(
                    "on {date} expected level {level}, found level {l} (phase `{}`)",
                    d.phase
                )),
                None => Err(format!(
                    "on {date} expected level {level}, but phase `{}` does not go by levels",
                    d.phase
                )),
            }
        }
        ExpectKind::Fires { date, rule } => {
            let d = day(*date)?;
            if d.decisions.iter().any(|x| x.by.rule_id() == Some(rule)) {
                return Ok(());
            }
            let fired: Vec<String> = d
                .decisions
                .iter()
                .filter_map(|x| x.by.rule_id())
                .map(|id| format!("`{id}`"))
                .collect();
            Err(format!(
                "on {date} expected rule `{rule}` to fire; {}",
                if fired.is_empty() {
                    "no rule fired that day".to_string()
                } else {
                    format!("the rules that fired were {}", fired.join(", "))
                }
            ))
        }
        ExpectKind::DoesNotFire { date, rule } => {
            let d = day(*date)?;
            match d.decisions.iter().find(|x| x.by.rule_id() == Some(rule)) {
                None => Ok(()),
                Some(x) => Err(format!(
                    "on {date} rule `{rule}` fired ({}): {}",
                    x.action, x.reason
                )),
            }
        }
        ExpectKind::NoRunningBefore(limit) => {
            let first = plan
                .days
                .iter()
                .find(|d| d.date < *limit && d.session.runs());
            match first {
                None => Ok(()),
                Some(d) => Err(format!(
                    "running is prescribed on {}, before {limit}: `{}` ({} week {})",
                    d.date, d.session.text, d.phase, d.week
                )),
            }
        }
        ExpectKind::Outcome { status, by } => {
            let actual = match plan.outcome.status {
                OutcomeStatus::Completed => OutcomeWord::Completed,
                OutcomeStatus::InProgress => OutcomeWord::InProgress,
                OutcomeStatus::Referred => OutcomeWord::Referred,
            };
            let late = by.is_some_and(|by| plan.outcome.date > by);
            if actual == *status && !late {
                return Ok(());
            }
            let expected = match by {
                Some(by) => format!("{} by {by}", words(*status)),
                None => words(*status).to_string(),
            };
            Err(format!(
                "expected the outcome {expected}, found {} on {}",
                words(actual),
                plan.outcome.date
            ))
        }
        ExpectKind::RunningRiseAtMost(limit) => {
            for pair in plan.weeks.windows(2) {
                let [a, b] = pair else { continue };
                // A week of unknown minutes (running by distance) has no rise to compare.
                let (Some(a_minutes), Some(b_minutes)) = (a.run_minutes, b.run_minutes) else {
                    continue;
                };
                let rise = b_minutes.max - a_minutes.max;
                if rise > *limit {
                    return Err(format!(
                        "running rises by {rise} min from the week of {} ({} week {}, {} min) to the week of {} ({} week {}, {} min), more than {limit}",
                        a.start,
                        a.phase,
                        a.week,
                        a_minutes.max,
                        b.start,
                        b.phase,
                        b.week,
                        b_minutes.max
                    ));
                }
            }
            Ok(())
        }
    }
}

/// How often a gate was decided each way across a protocol's scenarios.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GateTally {
    /// Passed on evidence.
    pub passed: usize,
    /// Failed on evidence: the phase was held for a retest.
    pub failed: usize,
    /// Waited for evidence the journal did not have yet.
    pub waited: usize,
    /// Assumed to pass in the projected part of a plan.
    pub assumed: usize,
    /// Recorded as a checkpoint for the clinician.
    pub checkpoints: usize,
    /// Whether evidence can fail the gate at all: a condition, or an assessment with a
    /// pass mark. Time, event and checklist gates only pass or wait.
    pub can_fail: bool,
}

impl GateTally {
    /// Whether any scenario decided the gate on evidence, either way.
    pub fn tested(&self) -> bool {
        self.passed + self.failed > 0
    }
}

/// What a protocol's scenarios exercised: each rule with how often it fired, each gate
/// with how it was decided, each phase with how many scenarios reached it; in the
/// protocol's own order.
#[derive(Debug, Clone, PartialEq)]
pub struct Coverage {
    pub scenarios: usize,
    pub rules: Vec<(String, usize)>,
    /// Phase id, gate id, tally.
    pub gates: Vec<(String, String, GateTally)>,
    pub phases: Vec<(String, usize)>,
}

impl Coverage {
    pub fn new(protocol: &Protocol) -> Self {
        Coverage {
            scenarios: 0,
            rules: protocol.rules.iter().map(|r| (r.id.clone(), 0)).collect(),
            gates: protocol
                .phases
                .iter()
                .flat_map(|p| {
                    p.gates.iter().map(|g| {
                        let marked = g
                            .assessment
                            .and_then(|a| protocol.assessments.get(a))
                            .is_some_and(|a| a.questions.iter().any(|q| q.pass.is_some()));
                        let tally = GateTally {
                            can_fail: g.when.is_some() || marked,
                            ..GateTally::default()
                        };
                        (p.id.clone(), g.id.clone(), tally)
                    })
                })
                .collect(),
            phases: protocol.phases.iter().map(|p| (p.id.clone(), 0)).collect(),
        }
    }

    /// Counts what one scenario's plan exercised.
    pub fn add(&mut self, plan: &Plan) {
        self.scenarios += 1;
        for (phase, count) in &mut self.phases {
            if plan.days.iter().any(|d| d.phase == *phase) {
                *count += 1;
            }
        }
        for day in &plan.days {
            for d in &day.decisions {
                if let Decider::Gate(gate) = &d.by {
                    let tally = self
                        .gates
                        .iter_mut()
                        .find(|(p, g, _)| *p == day.phase && g == gate);
                    if let Some((_, _, t)) = tally {
                        match d.action {
                            Verdict::Pass => t.passed += 1,
                            Verdict::Hold => t.failed += 1,
                            Verdict::Wait => t.waited += 1,
                            Verdict::AssumePassed => t.assumed += 1,
                            Verdict::Checkpoint => t.checkpoints += 1,
                            _ => {}
                        }
                    }
                } else if let Some(id) = d.by.rule_id()
                    && let Some((_, n)) = self.rules.iter_mut().find(|(r, _)| r == id)
                {
                    *n += 1;
                }
            }
        }
    }
}
