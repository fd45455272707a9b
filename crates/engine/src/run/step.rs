//! One day of a visit: the day laid out, the journal and rules applied, the schedule
//! moved on, and the transition the day ends in carried out.

use super::*;

impl Runner<'_, '_> {
    /// Runs one day of `visit`. Returns the visit that goes on tomorrow (the same phase
    /// or a new one), or `None` once the plan has ended.
    pub(super) fn step(&mut self, visit: Visit) -> Result<Option<Visit>, Diagnostic> {
        if self.lived.len() as i64 >= MAX_PLAN_DAYS {
            return Err(Diagnostic::error(
                codes::PHASE,
                format!(
                    "the plan would last more than {MAX_PLAN_DAYS} days; check the phase lengths and rules of `{}`",
                    self.protocol.id
                ),
            ));
        }
        let today = self.date;
        // A phase waiting for its requirements begins this morning if they are met. (A
        // visit under way goes on as it is, without being passed through `settle`.)
        let mut visit = if visit.awaiting() {
            match self.settle(visit, today)? {
                Some(visit) => visit,
                None => return Ok(None),
            }
        } else {
            visit
        };
        if visit.awaiting() {
            return self.wait(visit, today);
        }
        let resting = visit.rest.left > 0;
        let mut day = self.open_day(&mut visit, today)?;
        let chosen = self.read_journal(&visit, &mut day, today, resting)?;
        let protocol = self.protocol;
        let transition = match chosen.and_then(|i| protocol.rules.get(i)) {
            // A day a rule acted on does not count towards the next level.
            Some(rule) => self.act(rule, &mut visit, &mut day, today)?,
            None if resting => None,
            None => self.count_session(&mut visit, &mut day, today)?,
        };
        let transition = match transition {
            Some(t) => t,
            None => self.move_on(&mut visit, &mut day, today, resting)?,
        };
        self.apply(visit, day, today, transition)
    }

    /// Lays out today: the prescription or a rest day, with the visit's opening
    /// decisions on its first day.
    fn open_day(&mut self, visit: &mut Visit, today: Date) -> Result<Today, Diagnostic> {
        // The opening decisions are the first day's; most days have none.
        if visit.rest.left == 0 {
            let mut day = self.plan_day(visit, today)?;
            if !visit.opening.is_empty() {
                day.decide_all(visit.opening.drain(..));
            }
            return Ok(day);
        }
        let mut day = self.rest_day(visit, today);
        if !visit.opening.is_empty() {
            day.decide_all(visit.opening.drain(..));
        }
        if visit.rest.left == visit.rest.total {
            let total = visit.rest.total;
            day.decide(|| {
                Decision::engine(
                    Decider::Rest,
                    Verdict::Rest,
                    format!("Rest day 1 of {total}; the schedule resumes after the rest."),
                )
            });
        }
        visit.rest.left -= 1;
        Ok(day)
    }

    /// Carries out the winning rule's actions in order, until one ends the day.
    fn act(
        &mut self,
        rule: &Rule,
        visit: &mut Visit,
        day: &mut Today,
        today: Date,
    ) -> Result<Option<Transition>, Diagnostic> {
        for action in &rule.actions {
            let done = match *action {
                Action::Advise => None,
                Action::Refer => Some(Transition::Refer),
                Action::Goto(p) => {
                    let target = &self.protocol.phases[p];
                    visit.adjustments.push(format!(
                        "Left on {today} for \"{}\" (rule {}).",
                        target.title, rule.id
                    ));
                    Some(Transition::GoTo(p))
                }
                Action::Rest(n) => {
                    visit.rest = Rest { left: n, total: n };
                    if !visit.anchored && visit.progress.due().is_some() {
                        let why =
                            format!("Extended by {n} rest days from {today} (rule {}).", rule.id);
                        visit.extend(i64::from(n), why)?;
                    }
                    None
                }
                Action::Repeat => {
                    Self::repeat(visit, today, &rule.id)?;
                    None
                }
                Action::Regress(n) => self.regress(visit, n, today, &rule.id)?,
                Action::Hold => {
                    // A level-by-level phase stays at its level unless it moves up, so
                    // holding asks nothing of it.
                    if !matches!(visit.progress, Progress::Levels(_)) {
                        visit.hold = Some(rule.id.clone());
                    }
                    None
                }
                Action::Advance => self.advance(visit, day, today, &rule.id)?,
            };
            if done.is_some() {
                return Ok(done);
            }
        }
        Ok(None)
    }

    /// A rule has the day done over. A level-by-level phase needs nothing more: the
    /// day a rule acted on does not count, so the next session is at the same level,
    /// and its calendar weeks keep their places. Elsewhere the schedule stays on the
    /// day's place in the week, and a phase due to end on a date ends a day later
    /// (unless that date is fixed on the calendar).
    fn repeat(visit: &mut Visit, today: Date, rule: &str) -> Result<(), Diagnostic> {
        if matches!(visit.progress, Progress::Levels(_)) {
            return Ok(());
        }
        visit.repeat = true;
        let why =
            format!("The day of {today} is done over on the next scheduled day (rule {rule}).");
        if !visit.anchored && visit.progress.due().is_some() {
            visit.extend(1, why)
        } else {
            visit.adjustments.push(why);
            Ok(())
        }
    }

    /// A rule steps the phase back `n` levels or weeks, or, for a phase due to end on a
    /// date, moves that date `n` weeks later.
    fn regress(
        &mut self,
        visit: &mut Visit,
        n: u32,
        today: Date,
        rule: &str,
    ) -> Result<Option<Transition>, Diagnostic> {
        match &mut visit.progress {
            Progress::Levels(l) => {
                let to = l.level.saturating_sub(n).max(1);
                visit.adjustments.push(format!(
                    "Stepped back from level {} to level {to} on {today} (rule {rule}).",
                    l.level
                ));
                l.level = to;
                l.at_level = 0;
                Ok(None)
            }
            Progress::Weeks {
                held_until: None, ..
            } => {
                let to = visit.week.saturating_sub(n).max(1);
                visit.adjustments.push(format!(
                    "Stepped back from week {} to week {to} on {today} (rule {rule}).",
                    visit.week
                ));
                visit.week = to;
                self.new_week(visit, today)?;
                Ok(Some(Transition::NextDay))
            }
            _ => {
                let extra = i64::from(n) * 7;
                let why = format!("Extended by {extra} days on {today} (rule {rule}).");
                visit.extend(extra, why)?;
                Ok(None)
            }
        }
    }

    /// A rule moves the phase on: up a level, to the next week, or out of a phase due
    /// to end on a date if its gates pass.
    fn advance(
        &mut self,
        visit: &mut Visit,
        day: &mut Today,
        today: Date,
        rule: &str,
    ) -> Result<Option<Transition>, Diagnostic> {
        let protocol = self.protocol;
        let phase = &protocol.phases[visit.phase];
        match &mut visit.progress {
            Progress::Levels(l) => match level_up(phase, l, day, today, Rise::Rule(rule))? {
                LevelUp::LastDone => Ok(Some(Transition::TryEnd(Ending::Due))),
                LevelUp::Continues => Ok(None),
            },
            Progress::Weeks {
                last,
                held_until: None,
            } => {
                let last = *last;
                visit.week += 1;
                self.new_week(visit, today)?;
                // Past the last listed week: the phase ends today.
                if visit.week > last {
                    return Ok(Some(Transition::TryEnd(Ending::Due)));
                }
                Ok(Some(Transition::NextDay))
            }
            // A phase due to end on a date ends today if its gates pass.
            _ => Ok(Some(Transition::TryEnd(Ending::Early))),
        }
    }

    /// Starts the visit's current week afresh from tomorrow, dropping any hold on the
    /// week it leaves.
    fn new_week(&mut self, visit: &mut Visit, today: Date) -> Result<(), Diagnostic> {
        visit.slot = 0;
        visit.week_start = add_days(today, 1)?;
        visit.hold = None;
        visit.repeat = false;
        self.seq += 1;
        Ok(())
    }

    /// A session done at a level, on a day no rule acted on, counts towards the next.
    fn count_session(
        &mut self,
        visit: &mut Visit,
        day: &mut Today,
        today: Date,
    ) -> Result<Option<Transition>, Diagnostic> {
        let protocol = self.protocol;
        let phase = &protocol.phases[visit.phase];
        let Progress::Levels(l) = &mut visit.progress else {
            return Ok(None);
        };
        if l.held_until.is_some()
            || !day.has(PartKind::Session)
            || matches!(day.status, Status::Skipped | Status::Partial)
        {
            return Ok(None);
        }
        l.at_level += 1;
        let needed = phase.advance.as_ref().map_or(1, |a| a.sessions);
        if l.at_level >= needed
            && level_up(phase, l, day, today, Rise::Sessions)? == LevelUp::LastDone
        {
            return Ok(Some(Transition::TryEnd(Ending::Due)));
        }
        Ok(None)
    }

    /// Moves the schedule on by a day when nothing ended the day sooner: the week turns
    /// (or repeats, as a rule asked), and the phase may end today or early.
    fn move_on(
        &mut self,
        visit: &mut Visit,
        day: &mut Today,
        today: Date,
        resting: bool,
    ) -> Result<Transition, Diagnostic> {
        // The weeks of a level-by-level phase are calendar weeks, and a rest day takes
        // its place in one; elsewhere a rest pauses the phase week, which resumes after it.
        let by_level = matches!(visit.progress, Progress::Levels(_));
        let repeat = std::mem::take(&mut visit.repeat);
        if (!resting || by_level) && !repeat {
            self.next_slot(visit, day, today)?;
        }
        let ends_today = visit.progress.ends(today, visit.week);
        // A hold asked for in a dated phase's last, short week still repeats a week.
        if ends_today
            && visit.progress.due().is_some()
            && let Some(rule) = visit.hold.take()
        {
            let week = visit.week;
            day.decide(|| {
                Decision::engine(
                    Decider::Week(week),
                    Verdict::Hold,
                    format!("The phase goes on for another week, as rule {rule} decided."),
                )
            });
            return Ok(Transition::Extend {
                days: 7,
                why: format!("Extended by a week (rule {rule})."),
            });
        }
        let early = !ends_today
            && visit.min_end.is_some_and(|m| today >= m)
            && self.followed(today)
            && visit.hold.is_none()
            && visit.rest.left == 0;
        Ok(if ends_today {
            Transition::TryEnd(Ending::Due)
        } else if early {
            Transition::TryEnd(Ending::Early)
        } else {
            Transition::NextDay
        })
    }

    /// Moves to the next day of the week; after its last, the next week begins, or the
    /// same week again when a rule held it.
    fn next_slot(
        &mut self,
        visit: &mut Visit,
        day: &mut Today,
        today: Date,
    ) -> Result<(), Diagnostic> {
        visit.slot += 1;
        if visit.slot < 7 {
            return Ok(());
        }
        visit.slot = 0;
        visit.week_start = add_days(today, 1)?;
        self.seq += 1;
        let Some(rule) = visit.hold.take() else {
            visit.week += 1;
            return Ok(());
        };
        let week = visit.week;
        day.decide(|| {
            Decision::engine(
                Decider::Week(week),
                Verdict::Hold,
                format!("Week {week} is repeated, as rule {rule} decided this week."),
            )
        });
        let why = format!("Week {} repeated (rule {rule}).", visit.week);
        visit.extend(7, why)
    }

    /// Carries out how a day ended: the one place that files the day, closes a visit,
    /// and moves the date on.
    pub(super) fn apply(
        &mut self,
        mut visit: Visit,
        mut day: Today,
        today: Date,
        transition: Transition,
    ) -> Result<Option<Visit>, Diagnostic> {
        let leave_for = match transition {
            Transition::TryEnd(ending) => {
                let next = self.try_end(&mut visit, &mut day, today, ending)?;
                return self.apply(visit, day, today, next);
            }
            Transition::NextDay => None,
            Transition::Extend { days, why } => {
                visit.extend(days, why)?;
                None
            }
            Transition::HoldUntil { until, why } => {
                visit.hold_until(until);
                visit.adjustments.extend(why);
                None
            }
            Transition::EndPhase => Some(visit.phase + 1),
            Transition::GoTo(p) => Some(p),
            Transition::Refer => {
                self.file(visit.phase, day, today);
                self.close(visit, today);
                self.outcome = Some(Outcome {
                    status: OutcomeStatus::Referred,
                    date: today,
                });
                return Ok(None);
            }
        };
        self.file(visit.phase, day, today);
        self.date = add_days(today, 1)?;
        match leave_for {
            None => Ok(Some(visit)),
            Some(next) => {
                self.close(visit, today);
                self.enter(next, self.date, Entering::Next)
            }
        }
    }

    /// Tests the gates on `today` and says how the day ends: the phase ends, is held,
    /// or (after an early test that did not pass) goes on unchanged.
    fn try_end(
        &mut self,
        visit: &mut Visit,
        day: &mut Today,
        today: Date,
        ending: Ending,
    ) -> Result<Transition, Diagnostic> {
        let result = self.gates(visit, today, ending)?;
        Ok(match (result, ending) {
            (GateResult::Pass(decisions), _) => {
                day.decide_all(decisions);
                if ending == Ending::Early {
                    visit
                        .adjustments
                        .push(format!("Ended early on {today}: every gate passed."));
                }
                Transition::EndPhase
            }
            (GateResult::Fail { days, decisions }, Ending::Due) => {
                day.decide_all(decisions);
                let until = add_days(today, days)?;
                visit.hold = None;
                Transition::HoldUntil {
                    until,
                    why: Some(format!("Held to {until} by a failed gate on {today}.")),
                }
            }
            (GateResult::Wait(decisions), Ending::Due) => {
                day.decide_all(decisions);
                Transition::HoldUntil {
                    until: add_days(today, 1)?,
                    why: None,
                }
            }
            // An early test that does not pass changes nothing.
            (GateResult::Fail { .. } | GateResult::Wait(_), Ending::Early) => Transition::NextDay,
        })
    }
}
