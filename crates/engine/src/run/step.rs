//! One day of a visit: the journal and rules applied, then the schedule moved on.

use super::*;

impl Runner<'_, '_> {
    /// Lays out one day, applies the journal and the rules, and moves the schedule on.
    pub(super) fn step(&mut self) -> Result<(), Diagnostic> {
        if self.days.len() as i64 >= MAX_PLAN_DAYS {
            return Err(Diagnostic::error(
                codes::PHASE,
                format!(
                    "the plan would last more than {MAX_PLAN_DAYS} days; check the phase lengths and rules of `{}`",
                    self.protocol.id
                ),
            ));
        }
        let today = self.date;
        let Some(mut visit) = self.visit.take() else {
            return Err(Diagnostic::error(codes::PHASE, "internal: no phase to run"));
        };
        let phase = &self.protocol.phases[visit.phase];
        let resting = visit.rest_left > 0;
        let by_level = matches!(phase.length.basis, LengthBasis::Levels(_));
        // The weeks of a level-by-level phase are calendar weeks, and a rest day takes
        // its place in one; elsewhere a rest pauses the phase week, which resumes after it.
        let on_week = !resting || by_level;
        let mut day = if resting {
            self.rest_day(&visit, today)
        } else {
            self.plan_day(&visit, today)?
        };
        day.decisions.append(&mut visit.opening);
        if resting {
            if visit.rest_left == visit.rest_total {
                day.decisions.push(Decision::engine(
                    Decider::Rest,
                    Verdict::Rest,
                    format!(
                        "Rest day 1 of {}; the schedule resumes after the rest.",
                        visit.rest_total
                    ),
                ));
            }
            visit.rest_left -= 1;
        }

        // The journal and the rules.
        {
            let mut host = self.scripts.host_data();
            host.today = today;
            host.phase_start = visit.start;
            host.week_start = visit.week_start;
        }
        if let Some(responder) = self.responder.as_deref_mut() {
            let view = DayView {
                date: today,
                phase: &self.protocol.phases[visit.phase].id,
                session: day.session.has(PartKind::Session),
                cross: day.session.has(PartKind::Cross),
            };
            let reports = responder.day(&view);
            for kind in reports {
                self.append(today, kind);
            }
            self.followed_until = Some(today);
        }
        let entries: Vec<Entry> = self
            .journal
            .iter()
            .filter(|e| e.date == today)
            .cloned()
            .collect();
        let mut fired: Vec<(usize, Decision)> = Vec::new();
        for entry in &entries {
            if let EntryKind::CheckIn {
                session,
                pain,
                fields,
            } = &entry.kind
            {
                if let Some(s) = session {
                    day.status = Status::from(*s);
                }
                day.report = Some(Report {
                    session: session.map(Status::from),
                    pain: PAIN_TIMES
                        .iter()
                        .zip(pain)
                        .filter_map(|(t, p)| p.map(|p| (*t, p)))
                        .collect(),
                    fields: fields.clone(),
                    note: entry.note.clone(),
                });
            }
            let reported = match &entry.kind {
                EntryKind::CheckIn {
                    session,
                    pain,
                    fields,
                } => session.is_some() || pain.iter().any(Option::is_some) || !fields.is_empty(),
                _ => true,
            };
            if reported {
                fired.extend(self.fire(&visit, today, Some(entry))?);
            }
        }
        if on_week && visit.slot == 6 && self.followed(today) {
            fired.extend(self.fire(&visit, today, None)?);
        }
        let chosen = choose(&mut fired, visit.phase, &self.protocol.rules);
        if !fired.is_empty() {
            let mut host = self.scripts.host_data();
            for (i, _) in &fired {
                if let Some(rule) = self.protocol.rules.get(*i) {
                    host.fired.push((today, rule.id.clone()));
                }
            }
        }
        for (_, d) in &fired {
            day.decisions.push(d.clone());
        }

        // Act on the winning rule.
        // Whether today's session counts towards the next level: not when a rule acted.
        let mut counts = true;
        if let Some(rule) = chosen.and_then(|i| self.protocol.rules.get(i)) {
            counts = false;
            for action in &rule.actions {
                match *action {
                    Action::Advise => {}
                    Action::Regress(n) if by_level => {
                        let to = visit.level.saturating_sub(n).max(1);
                        visit.adjustments.push(format!(
                            "Stepped back from level {} to level {to} on {today} (rule {}).",
                            visit.level, rule.id
                        ));
                        visit.level = to;
                        visit.at_level = 0;
                    }
                    Action::Hold if by_level => {}
                    Action::Advance if by_level => {
                        if self.level_up(&mut visit, &mut day, today, Some(&rule.id))? {
                            return self.try_exit(visit, day, today, false);
                        }
                    }
                    Action::Refer => {
                        self.days.push(day);
                        self.close(visit, today);
                        self.outcome = Some(Outcome {
                            status: OutcomeStatus::Referred,
                            date: today,
                        });
                        return Ok(());
                    }
                    Action::Goto(p) => {
                        self.days.push(day);
                        let target = &self.protocol.phases[p];
                        visit.adjustments.push(format!(
                            "Left on {today} for \"{}\" (rule {}).",
                            target.title, rule.id
                        ));
                        self.close(visit, today);
                        self.date = add_days(today, 1)?;
                        return self.enter(p, self.date);
                    }
                    Action::Regress(n) => {
                        if visit.end.is_none() {
                            let to = visit.week.saturating_sub(n).max(1);
                            visit.adjustments.push(format!(
                                "Stepped back from week {} to week {to} on {today} (rule {}).",
                                visit.week, rule.id
                            ));
                            visit.week = to;
                            visit.slot = 0;
                            visit.week_start = add_days(today, 1)?;
                            visit.hold = None;
                            self.days.push(day);
                            self.seq += 1;
                            return self.next_day(visit);
                        }
                        let extra = i64::from(n) * 7;
                        self.extend(
                            &mut visit,
                            extra,
                            format!("Extended by {extra} days on {today} (rule {}).", rule.id),
                        )?;
                    }
                    Action::Rest(n) => {
                        visit.rest_left = n;
                        visit.rest_total = n;
                        if !visit.anchored && visit.end.is_some() {
                            self.extend(
                                &mut visit,
                                i64::from(n),
                                format!(
                                    "Extended by {n} rest days from {today} (rule {}).",
                                    rule.id
                                ),
                            )?;
                        }
                    }
                    Action::Hold => visit.hold = Some(rule.id.clone()),
                    Action::Advance => {
                        if visit.end.is_none() {
                            visit.week += 1;
                            visit.slot = 0;
                            visit.week_start = add_days(today, 1)?;
                            visit.hold = None;
                            self.seq += 1;
                            if let LengthBasis::Weeks(n) = phase.length.basis
                                && visit.week > n
                            {
                                // Past the last listed week: the phase ends today.
                                return self.try_exit(visit, day, today, false);
                            }
                            self.days.push(day);
                            return self.next_day(visit);
                        }
                        // A timed phase ends today if its gates pass.
                        return self.try_exit(visit, day, today, true);
                    }
                }
            }
        }

        // A session done at a level counts towards the next one.
        let had_session = day.session.has(PartKind::Session);
        if by_level
            && counts
            && !resting
            && visit.end.is_none()
            && had_session
            && !matches!(day.status, Status::Skipped | Status::Partial)
        {
            visit.at_level += 1;
            let needed = phase.advance.as_ref().map_or(1, |a| a.sessions);
            if visit.at_level >= needed && self.level_up(&mut visit, &mut day, today, None)? {
                return self.try_exit(visit, day, today, false);
            }
        }

        // Move the schedule on.
        if on_week {
            visit.slot += 1;
            if visit.slot == 7 {
                visit.slot = 0;
                visit.week_start = add_days(today, 1)?;
                self.seq += 1;
                if let Some(rule) = visit.hold.take() {
                    day.decisions.push(Decision::engine(
                        Decider::Week(visit.week),
                        Verdict::Hold,
                        format!(
                            "Week {} is repeated, as rule {rule} decided this week.",
                            visit.week
                        ),
                    ));
                    if visit.end.is_some() {
                        let why = format!("Week {} repeated (rule {rule}).", visit.week);
                        self.extend(&mut visit, 7, why)?;
                    }
                    if visit.end.is_none() {
                        visit
                            .adjustments
                            .push(format!("Week {} repeated (rule {rule}).", visit.week));
                    }
                } else {
                    visit.week += 1;
                }
            }
        }
        let ends_today = match (visit.end, &phase.length.basis) {
            (Some(end), _) => today >= end,
            (None, LengthBasis::Weeks(n)) => visit.week > *n,
            (None, _) => false,
        };
        // A hold asked for in a timed phase's last, short week still repeats a week.
        if ends_today
            && visit.end.is_some()
            && let Some(rule) = visit.hold.take()
        {
            day.decisions.push(Decision::engine(
                Decider::Week(visit.week),
                Verdict::Hold,
                format!("The phase goes on for another week, as rule {rule} decided."),
            ));
            self.extend(&mut visit, 7, format!("Extended by a week (rule {rule})."))?;
            self.days.push(day);
            return self.next_day(visit);
        }
        let early = !ends_today
            && visit.min_end.is_some_and(|m| today >= m)
            && self.followed(today)
            && visit.hold.is_none()
            && visit.rest_left == 0;
        if ends_today || early {
            return self.try_exit(visit, day, today, !ends_today);
        }
        self.days.push(day);
        self.next_day(visit)
    }

    /// Moves a level-by-level phase up a level from tomorrow, unless a limit on levels
    /// forbids it yet. Returns true when the level just done was the last: the phase is
    /// complete and its gates decide whether it ends.
    pub(super) fn level_up(
        &mut self,
        visit: &mut Visit,
        day: &mut Day,
        today: Date,
        rule: Option<&str>,
    ) -> Result<bool, Diagnostic> {
        let phase = &self.protocol.phases[visit.phase];
        let LengthBasis::Levels(last) = phase.length.basis else {
            return Ok(false);
        };
        let done = visit.level;
        let (source, interpretation) = match &phase.advance {
            Some(a) => (a.source.clone(), a.interpretation.clone()),
            None => (phase.source.clone(), None),
        };
        if done >= last {
            let mut d = Decision::engine(
                Decider::Level(done),
                Verdict::Complete,
                format!("Level {done}, the last of the phase, is done."),
            )
            .with_source(source);
            d.interpretation = interpretation;
            day.decisions.push(d);
            return Ok(true);
        }
        let next = done + 1;
        let tomorrow = add_days(today, 1)?;
        for limit in phase.limits.iter().filter(|l| l.of == LimitOf::Levels) {
            let from = add_days(tomorrow, 1 - limit.days)?;
            let recent: Vec<Date> = visit
                .level_rises
                .iter()
                .copied()
                .filter(|d| *d >= from)
                .collect();
            let max = usize::try_from(limit.max).unwrap_or(usize::MAX);
            if recent.len() >= max {
                let oldest = recent[recent.len() - max];
                let free = add_days(oldest, limit.days)?;
                let dates: Vec<String> = recent.iter().map(ToString::to_string).collect();
                let mut d = Decision::engine(
                    Decider::Limit(LimitOf::Levels),
                    Verdict::Hold,
                    format!(
                        "Level {next} waits: {} (levels rose on {}). A session from {} on may move up.",
                        limit.describe(),
                        dates.join(", "),
                        free.yesterday().unwrap_or(free)
                    ),
                )
                .with_source(limit.source.clone());
                d.interpretation = limit.interpretation.clone();
                day.decisions.push(d);
                return Ok(false);
            }
        }
        let why = match rule {
            Some(r) => format!("Level {next} from tomorrow (rule {r})."),
            None => {
                let n = visit.at_level;
                format!(
                    "Level {done} done ({n} session{} without a rule holding it back): level {next} from tomorrow.",
                    if n == 1 { "" } else { "s" }
                )
            }
        };
        let mut d =
            Decision::engine(Decider::Level(next), Verdict::Advance, why).with_source(source);
        d.interpretation = interpretation;
        day.decisions.push(d);
        visit.level = next;
        visit.at_level = 0;
        visit.level_rises.push(tomorrow);
        Ok(false)
    }

    /// Tests the gates on `today`, the phase's last scheduled day (or, with `early`, a day
    /// it may end on if every gate passes on evidence).
    pub(super) fn try_exit(
        &mut self,
        mut visit: Visit,
        mut day: Day,
        today: Date,
        early: bool,
    ) -> Result<(), Diagnostic> {
        match self.gates(&mut visit, today, early)? {
            GateResult::Pass(decisions) => {
                day.decisions.extend(decisions);
                if early {
                    visit
                        .adjustments
                        .push(format!("Ended early on {today}: every gate passed."));
                }
                self.days.push(day);
                let next = visit.phase + 1;
                self.close(visit, today);
                self.date = add_days(today, 1)?;
                self.enter(next, self.date)
            }
            GateResult::Fail { days, decisions } if !early => {
                day.decisions.extend(decisions);
                let until = add_days(today, days)?;
                visit.end = Some(until);
                visit.hold = None;
                self.stay_in_last_week(&mut visit);
                visit
                    .adjustments
                    .push(format!("Held to {until} by a failed gate on {today}."));
                self.days.push(day);
                self.next_day(visit)
            }
            GateResult::Wait(decisions) if !early => {
                day.decisions.extend(decisions);
                visit.end = Some(add_days(today, 1)?);
                self.stay_in_last_week(&mut visit);
                self.days.push(day);
                self.next_day(visit)
            }
            // An early test that does not pass changes nothing.
            GateResult::Fail { .. } | GateResult::Wait(_) => {
                self.days.push(day);
                self.next_day(visit)
            }
        }
    }

    /// A week-by-week phase held past its last listed week goes on showing that week.
    pub(super) fn stay_in_last_week(&self, visit: &mut Visit) {
        match self.protocol.phases[visit.phase].length.basis {
            LengthBasis::Weeks(n) => visit.week = visit.week.min(n),
            LengthBasis::Levels(n) => visit.level = visit.level.min(n),
            _ => {}
        }
    }
}
