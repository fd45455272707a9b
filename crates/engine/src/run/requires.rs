//! A phase's requirements: whether the evidence lets it begin, and the days the plan
//! waits for them before it does.

use super::gates::{Evidence, latest_result, result_evidence};
use super::*;

/// How a phase is entered, which decides the requirements it tests first.
#[derive(Debug)]
pub(super) enum Entering {
    /// The plan's first day: the protocol's requirements, then the phase's.
    Start,
    /// After another phase, or by a rule's `goto`: the phase's own requirements.
    Next,
    /// The requirements of phase `phase` were met today: the decisions that say so,
    /// and the days the plan waited for them.
    Met {
        phase: usize,
        decisions: Vec<Decision>,
        waited: Option<Waited>,
    },
}

impl<'a> Runner<'a, '_> {
    /// The requirements phase `phase` tests before it begins: the protocol's first when
    /// `first` (the plan's first phase), then the phase's own.
    fn requirements(&self, phase: usize, first: bool) -> Vec<&'a Requirement> {
        let protocol = self.protocol;
        let own = protocol.phases.get(phase).map_or(&[][..], |p| &p.requires);
        let whole = if first { &protocol.requires[..] } else { &[] };
        whole.iter().chain(own).collect()
    }

    pub(super) fn has_requirements(&self, phase: usize, first: bool) -> bool {
        !self.requirements(phase, first).is_empty()
    }

    /// A visit that waits, from `date`, for the requirements of phase `phase`.
    pub(super) fn awaiting(&mut self, phase: usize, date: Date, first: bool) -> Visit {
        self.seq += 1;
        Visit {
            phase,
            start: date,
            progress: Progress::Awaiting(Awaiting {
                protocol: first,
                ..Awaiting::default()
            }),
            min_end: None,
            anchored: false,
            explanation: String::new(),
            adjustments: Vec::new(),
            week: 0,
            slot: 0,
            week_start: date,
            hold: None,
            repeat: false,
            rest: Rest::default(),
            failed: Vec::new(),
            waiting: Vec::new(),
            opening: Vec::new(),
            waited: None,
            failing: Vec::new(),
            turn: 0,
            withheld: Vec::new(),
        }
    }

    /// The visit for `today`: a visit waiting for its phase's requirements begins the
    /// phase this morning if they are met, and otherwise waits on. `None` once the
    /// plan is complete (the phase turned out to have no days, and none came after).
    pub(super) fn settle(
        &mut self,
        mut visit: Visit,
        today: Date,
    ) -> Result<Option<Visit>, Diagnostic> {
        // Each round begins a phase or moves to a later one, so the loop ends.
        loop {
            let Progress::Awaiting(awaiting) = &visit.progress else {
                return Ok(Some(visit));
            };
            let first = awaiting.protocol;
            let Some(decisions) = self.test_requirements(&mut visit, today, first)? else {
                return Ok(Some(visit));
            };
            let waited = waited(&visit, today);
            let entering = Entering::Met {
                phase: visit.phase,
                decisions,
                waited,
            };
            match self.enter(visit.phase, today, entering)? {
                Some(next) => visit = next,
                None => return Ok(None),
            }
        }
    }

    /// Tests the requirements of a waiting visit on `today`: the decisions of a phase
    /// that may begin, or `None` while one is not met, each new wait said once.
    fn test_requirements(
        &mut self,
        visit: &mut Visit,
        today: Date,
        first: bool,
    ) -> Result<Option<Vec<Decision>>, Diagnostic> {
        // A run with a responder follows every day, its reports for today included.
        let live = self.responder.is_some() || self.followed(today);
        {
            let mut host = self.scripts.host_data();
            host.today = today;
            host.phase_start = today;
            host.week_start = today;
        }
        let mut decisions = Vec::new();
        let mut unmet = Vec::new();
        for (i, r) in self
            .requirements(visit.phase, first)
            .into_iter()
            .enumerate()
        {
            let decide = |verdict, why| requirement_decision(r, verdict, why);
            if r.is_checkpoint() {
                let why = format!(
                    "\"{}\": for the clinician to confirm before the phase begins; the plan cannot test it.",
                    r.title
                );
                decisions.push(decide(Verdict::Checkpoint, why));
                continue;
            }
            match self.requirement_evidence(visit, r, today, live)? {
                Some(e) if e.passed => {
                    let why = format!("\"{}\": met ({}).", r.title, e.what);
                    decisions.push(with_evidence(decide(Verdict::Pass, why), r, e));
                }
                _ if !live => {
                    let why = format!(
                        "\"{}\": projected to be met on the phase's first day; the journal has no evidence of it yet.",
                        r.title
                    );
                    decisions.push(decide(Verdict::AssumePassed, why));
                }
                e => unmet.push((i, r, e)),
            }
        }
        if unmet.is_empty() {
            return Ok(Some(decisions));
        }
        let title = &self.protocol.phases[visit.phase].title;
        let Progress::Awaiting(awaiting) = &mut visit.progress else {
            return Ok(None);
        };
        for (i, r, e) in unmet {
            if awaiting.said.contains(&i) {
                continue;
            }
            awaiting.said.push(i);
            awaiting.missing.push(r.title.clone());
            let what = match (&e, r.assessment, r.event) {
                (Some(e), Some(_), _) => format!("a passing result ({})", e.what),
                (Some(_), _, _) => "its condition to hold (it does not yet)".to_string(),
                (None, Some(_), _) => "a result in the journal".to_string(),
                (None, _, Some(_)) => "the event in the journal".to_string(),
                (None, _, _) => "its condition to hold".to_string(),
            };
            let why = format!(
                "\"{}\": waiting for {what} before \"{title}\" begins; no sessions until then.",
                r.title
            );
            let decision = requirement_decision(r, Verdict::Wait, why);
            visit.opening.push(match e {
                Some(e) => with_evidence(decision, r, e),
                None => decision,
            });
        }
        Ok(None)
    }

    /// The evidence for a requirement on `today`: the latest result of its assessment,
    /// its event, or its condition evaluated on a followed day; `None` while there is
    /// none. On a followed day, a responder is asked for what the journal lacks.
    fn requirement_evidence(
        &mut self,
        visit: &Visit,
        r: &Requirement,
        today: Date,
        live: bool,
    ) -> Result<Option<Evidence>, Diagnostic> {
        let protocol = self.protocol;
        if let Some(a) = r.assessment.and_then(|a| protocol.assessments.get(a)) {
            let passed = |j: &[Entry]| {
                latest_result(j, &a.id, today, None).is_some_and(|(_, _, p)| p != Some(false))
            };
            if live && !passed(&self.journal) {
                self.ask(today, &GateNeed::Assessment(a));
            }
            return Ok(latest_result(&self.journal, &a.id, today, None)
                .map(|(date, answers, passed)| result_evidence(a, date, answers, passed)));
        }
        if let Some(e) = r.event.and_then(|e| protocol.events.get(e)) {
            return Ok(self.event_evidence(e, today, live));
        }
        match r.when {
            Some(id) if live => self.when_evidence(visit, id, today, "entry").map(Some),
            _ => Ok(None),
        }
    }

    /// A day the plan waits for the visit's phase to begin: no sessions; the journal is
    /// read and rules fire as on any followed day, but only a rule's `refer` or `goto`
    /// acts, since the phase they would change has not begun.
    pub(super) fn wait(
        &mut self,
        mut visit: Visit,
        today: Date,
    ) -> Result<Option<Visit>, Diagnostic> {
        let phase = &self.protocol.phases[visit.phase];
        let out = (!self.lean).then(|| {
            let parts = vec![day::part(PartKind::Off, &Dose::Off, None)];
            let mut day = day::day_out(phase, today, 0, 0, self.seq, parts, Status::Waiting);
            day.day = 0;
            day
        });
        let mut day = day::Today {
            holds: day::Holds::default(),
            status: Status::Waiting,
            out,
        };
        day.decide_all(visit.opening.drain(..));
        let chosen = self.read_journal(&visit, &mut day, today, false)?;
        let protocol = self.protocol;
        let mut transition = Transition::NextDay;
        if let Some(rule) = chosen.and_then(|i| protocol.rules.get(i)) {
            for action in &rule.actions {
                match *action {
                    Action::Refer => transition = Transition::Refer,
                    Action::Goto(p) => {
                        visit.adjustments.push(format!(
                            "Left on {today}, before the phase began, for \"{}\" (rule {}).",
                            protocol.phases[p].title, rule.id
                        ));
                        transition = Transition::GoTo(p);
                    }
                    _ => continue,
                }
                break;
            }
        }
        self.apply(visit, day, today, transition)
    }
}

/// The days a visit waited before `today`, when it waited any.
fn waited(visit: &Visit, today: Date) -> Option<Waited> {
    let Progress::Awaiting(awaiting) = &visit.progress else {
        return None;
    };
    let end = today.yesterday().ok().filter(|d| *d >= visit.start)?;
    let days = i64::from((end - visit.start).get_days()) + 1;
    Some(Waited {
        start: visit.start,
        end,
        days: u32::try_from(days).unwrap_or(u32::MAX),
        missing: awaiting.missing.clone(),
    })
}

/// What a wait comes to in a phase plan's changes to the schedule.
pub(super) fn waited_words(w: &Waited) -> String {
    let quoted: Vec<String> = w.missing.iter().map(|t| format!("\"{t}\"")).collect();
    let what = if quoted.is_empty() {
        String::new()
    } else {
        format!(", for {}", quoted.join(", "))
    };
    format!(
        "Waited {} day{} to begin, from {} to {}{what}.",
        w.days,
        if w.days == 1 { "" } else { "s" },
        w.start,
        w.end
    )
}

/// A decision a requirement made.
fn requirement_decision(r: &Requirement, verdict: Verdict, reason: String) -> Decision {
    Decision::engine(Decider::Requirement(r.id.clone()), verdict, reason)
        .with_source(r.source.clone())
}

/// A requirement's decision with the evidence it saw.
fn with_evidence(d: Decision, r: &Requirement, e: Evidence) -> Decision {
    let mut d = d.with_values(e.values);
    d.condition = e.condition;
    d.interpretation = r.interpretation.clone();
    d
}
