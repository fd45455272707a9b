//! Running a checked protocol for a patient: the nominal day-by-day plan.
//!
//! The run is deterministic: it reads no clock and no randomness. Its only dates are
//! the patient's inputs and the `start`/`as_of` overrides in [`RunConfig`].

use std::borrow::Cow;
use std::collections::HashMap;

use jiff::civil::Date;
use rehab_dose::{Amount, Dose, Range};
use rehab_rules::{AssessmentRecord, CheckIn, EventRecord, HostData, PAIN_TIMES, TableRow, Vars};
use rehab_syntax::protocol::RangePolicy;
use rehab_syntax::{Diagnostic, codes};

use crate::check::{rule_for_week, week_plan};
use crate::model::*;
use crate::plan::*;
use crate::scripts::Evaluator;

/// The longest plan the engine will lay out, in days (about five years).
pub const MAX_PLAN_DAYS: i64 = 5 * 366;

/// What a run may override; everything else comes from the protocol and patient.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunConfig {
    /// The first day of the plan, instead of the protocol's `starts_on` input.
    pub start: Option<Date>,
    /// The day the plan is read on; it decides whether the outcome is reached.
    pub as_of: Option<Date>,
    /// Leave out what only explanations need (the values each decision saw): for
    /// simulations, which read outcomes, not reasons.
    pub quiet: bool,
}

/// Runs `protocol` for `patient`: the day-by-day plan, following the journal up to its
/// last entry and projecting the nominal schedule after it.
///
/// How a run reads the journal:
/// - A check-in sets the day's status and fires `check-in` rules; an assessment result
///   or event fires the rules for it. `week-end` rules run on the last day of each week
///   up to the last journal date.
/// - A day without an entry is assumed to go as prescribed and fires no rule. After the
///   last entry, every day is projected this way, and a gate that has no evidence yet is
///   assumed to pass on the phase's last day.
/// - When several rules fire on one day, the most conservative action wins (see
///   [`Action::rank`]); the others are recorded as overridden.
pub fn run(protocol: &Protocol, patient: &Patient, config: &RunConfig) -> Result<Plan, Diagnostic> {
    run_with(protocol, patient, config, None)
}

/// A patient who answers as the plan unfolds, instead of a journal written beforehand:
/// simulations use one. Every day of a run with a responder is followed, not projected.
pub trait Responder {
    /// What the patient reports on `day.date`, before the day's rules run.
    fn day(&mut self, day: &DayView<'_>) -> Vec<EntryKind>;
    /// A gate needs evidence the journal lacks: the assessment result or event the
    /// patient reports today, or `None` to keep the gate waiting.
    fn gate(&mut self, date: Date, need: &GateNeed<'_>) -> Option<EntryKind>;
}

/// One day of the plan as a [`Responder`] sees it.
#[derive(Debug, Clone, Copy)]
pub struct DayView<'a> {
    pub date: Date,
    pub phase: &'a str,
    /// The day prescribes a session (running or walking).
    pub session: bool,
    /// The day prescribes cross-training.
    pub cross: bool,
}

/// The evidence a gate waits for.
#[derive(Debug, Clone, Copy)]
pub enum GateNeed<'a> {
    Assessment(&'a Assessment),
    Event(&'a Event),
}

/// Runs `protocol` for `patient` as [`run`] does; with a `responder`, the patient's
/// reports come from it day by day, after any journal entries the patient file has.
pub fn run_with(
    protocol: &Protocol,
    patient: &Patient,
    config: &RunConfig,
    responder: Option<&mut dyn Responder>,
) -> Result<Plan, Diagnostic> {
    let evaluator = protocol.scripts.evaluator()?;
    run_using(&evaluator, protocol, patient, config, responder)
}

/// Runs `protocol` for `patient` as [`run_with`] does, on an evaluator of the protocol's
/// scripts made beforehand ([`Scripts::evaluator`]): a thread that runs many patients
/// makes one and reuses it, so it builds no engine per patient.
pub fn run_using<'a>(
    evaluator: &'a Evaluator<'a>,
    protocol: &'a Protocol,
    patient: &'a Patient,
    config: &'a RunConfig,
    responder: Option<&mut dyn Responder>,
) -> Result<Plan, Diagnostic> {
    if !std::ptr::eq(evaluator.scripts(), protocol.scripts.as_ref()) {
        return Err(Diagnostic::error(
            codes::SCRIPT_RUNTIME,
            "internal: an evaluator of another protocol's scripts",
        ));
    }
    let start = match config.start {
        Some(d) => d,
        None => date_input(patient, &protocol.starts_on)?,
    };
    let mut runner = Runner::new(protocol, patient, config, (start, evaluator));
    runner.responder = responder;
    runner.enter(0, start)?;
    while runner.outcome.is_none() {
        runner.step()?;
    }
    runner.finish()
}

/// One stay in a phase, from entering it to leaving it.
#[derive(Debug)]
struct Visit {
    phase: usize,
    start: Date,
    /// The scheduled last day; `None` for a week-by-week phase until its weeks run out.
    end: Option<Date>,
    /// The earliest day a `time: minimum` gate lets the phase end.
    min_end: Option<Date>,
    /// Whether the end is fixed on the calendar (counted `since` a date input), so rest
    /// days do not move it.
    anchored: bool,
    explanation: String,
    adjustments: Vec<String>,
    /// The week of the phase: for a week-by-week phase, the level of its progression.
    week: u32,
    /// 0-6: the day within the week.
    slot: u32,
    /// The first day of the current week (rest days move later weeks along, except in a
    /// level-by-level phase, whose weeks are calendar weeks).
    week_start: Date,
    /// The level of a level-by-level phase (1 otherwise).
    level: u32,
    /// Sessions counted at the current level towards the next.
    at_level: u32,
    /// The days each level rise took effect, for limits on levels.
    level_rises: Vec<Date>,
    /// The rule that asked to repeat this week, if any.
    hold: Option<String>,
    rest_left: u32,
    rest_total: u32,
    /// For each gate that failed: the day it failed (evidence must be newer to retest).
    failed: Vec<(usize, Date)>,
    /// Gates already reported as awaited, so the wait is said once.
    waiting: Vec<usize>,
    /// Decisions for the visit's first day.
    opening: Vec<Decision>,
}

/// What a gate saw: whether it passed, in words, the values and the condition text.
type Evidence = (bool, String, Vec<(String, Value)>, Option<String>);

type Answers = [(String, Answer)];

/// The result of testing a phase's gates on one day.
enum GateResult {
    Pass(Vec<Decision>),
    Fail { days: i64, decisions: Vec<Decision> },
    Wait(Vec<Decision>),
}

struct Runner<'a, 'r> {
    protocol: &'a Protocol,
    patient: &'a Patient,
    /// The journal: the patient file's, and what a responder adds as the run goes.
    journal: Cow<'a, [Entry]>,
    responder: Option<&'r mut dyn Responder>,
    config: &'a RunConfig,
    scripts: &'a Evaluator<'a>,
    start: Date,
    followed_until: Option<Date>,
    days: Vec<Day>,
    phases: Vec<PhasePlan>,
    skipped: Vec<NoteOut>,
    date: Date,
    visit: Option<Visit>,
    seq: u32,
    outcome: Option<Outcome>,
    doses: HashMap<(usize, u32), Dose>,
    inputs: Vars,
}

impl<'a, 'r> Runner<'a, 'r> {
    fn new(
        protocol: &'a Protocol,
        patient: &'a Patient,
        config: &'a RunConfig,
        (start, scripts): (Date, &'a Evaluator<'a>),
    ) -> Self {
        scripts.begin_run(host_data(protocol, patient, start));
        let mut inputs = Vars::new();
        for (id, value) in &patient.inputs {
            inputs.set(id, script_value(value));
        }
        Runner {
            protocol,
            patient,
            journal: Cow::Borrowed(patient.journal.as_slice()),
            responder: None,
            config,
            scripts,
            start,
            followed_until: patient
                .journal
                .iter()
                .map(|e| e.date)
                .max()
                .filter(|d| *d >= start),
            days: Vec::new(),
            phases: Vec::new(),
            skipped: Vec::new(),
            date: start,
            visit: None,
            seq: 0,
            outcome: None,
            doses: HashMap::new(),
            inputs,
        }
    }

    /// Adds an entry a responder reported, to the journal and to what scripts see,
    /// after the entries of the same day and before any later ones (a patient file's
    /// journal may run ahead of the day being run), so both stay in date order.
    fn append(&mut self, date: Date, kind: EntryKind) {
        let entry = Entry {
            date,
            kind,
            note: None,
        };
        host_record(&mut self.scripts.host_data(), &entry);
        insert_in_date_order(self.journal.to_mut(), entry, |e| e.date);
    }

    fn followed(&self, date: Date) -> bool {
        self.followed_until.is_some_and(|d| date <= d)
    }

    /// Enters phase `index` (or the first later phase that has days) on `date`.
    fn enter(&mut self, index: usize, date: Date) -> Result<(), Diagnostic> {
        let mut index = index;
        loop {
            let Some(phase) = self.protocol.phases.get(index) else {
                return self.complete(date);
            };
            let computed = match &phase.length.basis {
                LengthBasis::Computed(id) => Some(self.computed_length(*id, phase, date)?),
                _ => None,
            };
            let length = phase_length(self.protocol, phase, self.patient, date, computed)?;
            if length.days <= 0 {
                self.skipped.push(NoteOut {
                    text: format!(
                        "Phase \"{}\" is skipped: {}.",
                        phase.title, length.explanation
                    ),
                    source: phase.source.clone(),
                    interpretation: None,
                });
                index += 1;
                continue;
            }
            let weekly = matches!(
                phase.length.basis,
                LengthBasis::Weeks(_) | LengthBasis::Levels(_)
            );
            let end = add_days(date, length.days - 1)?;
            let min_end = if phase.gates.iter().any(|g| g.time_minimum) {
                Some(add_days(date, length.min_days.max(1) - 1)?)
            } else {
                None
            };
            let mut opening = Vec::new();
            opening.push(self.entry_decision(
                phase,
                &length.explanation,
                (!weekly).then_some(end),
                min_end,
            ));
            for &a in &phase.on_entry {
                if let Some(a) = self.protocol.assessments.get(a) {
                    opening.push(
                        Decision::engine(
                            format!("assess:{}", a.id),
                            "assess",
                            format!("{} when the phase begins.", a.title),
                        )
                        .with_source(a.source.clone()),
                    );
                }
            }
            self.seq += 1;
            self.visit = Some(Visit {
                phase: index,
                start: date,
                end: (!weekly).then_some(end),
                min_end,
                anchored: phase.length.since.is_some(),
                explanation: length.explanation,
                adjustments: Vec::new(),
                week: 1,
                slot: 0,
                week_start: date,
                level: 1,
                at_level: 0,
                level_rises: Vec::new(),
                hold: None,
                rest_left: 0,
                rest_total: 0,
                failed: Vec::new(),
                waiting: Vec::new(),
                opening,
            });
            return Ok(());
        }
    }

    fn entry_decision(
        &self,
        phase: &Phase,
        explanation: &str,
        end: Option<Date>,
        min_end: Option<Date>,
    ) -> Decision {
        let mut values = Vec::new();
        if let LengthBasis::Table(t) = phase.length.basis
            && let Some(table) = self.protocol.tables.get(t)
            && let Some(v) = self.patient.input(&table.by)
        {
            values.push((table.by.clone(), v.clone()));
        }
        if let Some(input) = &phase.length.since
            && let Some(v) = self.patient.input(input)
        {
            values.push((input.clone(), v.clone()));
        }
        let until = match end {
            Some(end) => format!(" until {end}"),
            None => String::new(),
        };
        let early = match min_end {
            Some(d) => format!(" It may end from {d} once its gates pass."),
            None => String::new(),
        };
        Decision::engine(
            format!("phase:{}", phase.id),
            "enter",
            format!("Start \"{}\"{until}: {explanation}.{early}", phase.title),
        )
        .with_values(values)
        .with_source(
            phase
                .length
                .source
                .clone()
                .unwrap_or_else(|| phase.source.clone()),
        )
    }

    /// Ends the plan: every phase is done and `date` is the first day after it.
    fn complete(&mut self, date: Date) -> Result<(), Diagnostic> {
        let finished = date.yesterday().unwrap_or(date);
        let Some(last) = self.days.last_mut() else {
            return Err(Diagnostic::error(
                codes::PHASE,
                format!(
                    "protocol `{}` has no day to schedule for this patient: every phase is empty",
                    self.protocol.id
                ),
            ));
        };
        last.decisions.push(Decision::engine(
            "complete",
            "complete",
            format!(
                "The last phase ends; the protocol \"{}\" is complete.",
                self.protocol.title
            ),
        ));
        let status = match self.config.as_of {
            Some(as_of) if as_of < finished => OutcomeStatus::InProgress,
            _ => OutcomeStatus::Completed,
        };
        self.outcome = Some(Outcome {
            status,
            date: finished,
        });
        Ok(())
    }

    /// Lays out one day, applies the journal and the rules, and moves the schedule on.
    fn step(&mut self) -> Result<(), Diagnostic> {
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
                    "rest",
                    "rest",
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
                        format!("week:{}", visit.week),
                        "hold",
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
                format!("week:{}", visit.week),
                "hold",
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
    fn level_up(
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
                format!("level:{done}"),
                "complete",
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
                    "limit:levels",
                    "hold",
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
        let mut d = Decision::engine(format!("level:{next}"), "advance", why).with_source(source);
        d.interpretation = interpretation;
        day.decisions.push(d);
        visit.level = next;
        visit.at_level = 0;
        visit.level_rises.push(tomorrow);
        Ok(false)
    }

    /// Why no session may fall on `date`, when a limit on sessions forbids one.
    fn session_limit(&self, phase: &Phase, date: Date) -> Result<Option<Decision>, Diagnostic> {
        for limit in phase.limits.iter().filter(|l| l.of == LimitOf::Sessions) {
            let from = add_days(date, 1 - limit.days)?;
            let recent: Vec<Date> = self
                .days
                .iter()
                .rev()
                .take_while(|d| d.date >= from)
                .filter(|d| {
                    d.phase == phase.id
                        && d.status != Status::Skipped
                        && d.session.has(PartKind::Session)
                })
                .map(|d| d.date)
                .collect();
            if recent.len() >= usize::try_from(limit.max).unwrap_or(usize::MAX) {
                let dates: Vec<String> = recent.iter().rev().map(ToString::to_string).collect();
                let mut d = Decision::engine(
                    "limit:sessions",
                    "off",
                    format!(
                        "No session today: {} (sessions on {}).",
                        limit.describe(),
                        dates.join(", ")
                    ),
                )
                .with_source(limit.source.clone());
                d.interpretation = limit.interpretation.clone();
                return Ok(Some(d));
            }
        }
        Ok(None)
    }

    fn next_day(&mut self, visit: Visit) -> Result<(), Diagnostic> {
        self.visit = Some(visit);
        self.date = add_days(self.date, 1)?;
        Ok(())
    }

    fn extend(&mut self, visit: &mut Visit, days: i64, why: String) -> Result<(), Diagnostic> {
        if let Some(end) = visit.end {
            visit.end = Some(add_days(end, days)?);
        }
        visit.adjustments.push(why);
        Ok(())
    }

    /// Tests the gates on `today`, the phase's last scheduled day (or, with `early`, a day
    /// it may end on if every gate passes on evidence).
    fn try_exit(
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
    fn stay_in_last_week(&self, visit: &mut Visit) {
        match self.protocol.phases[visit.phase].length.basis {
            LengthBasis::Weeks(n) => visit.week = visit.week.min(n),
            LengthBasis::Levels(n) => visit.level = visit.level.min(n),
            _ => {}
        }
    }

    fn gates(
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
            let rule = format!("gate:{}", gate.id);
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
                        "pass",
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
                        "checkpoint",
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
                        "pass",
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
                        "hold",
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
                                "wait",
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
                            "assume-passed",
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

    /// Closes a visit into its phase plan.
    fn close(&mut self, visit: Visit, last: Date) {
        let phase = &self.protocol.phases[visit.phase];
        let length = i64::from((last - visit.start).get_days()) + 1;
        self.phases.push(phase_plan(
            self.protocol,
            phase,
            self.patient,
            visit.start,
            last,
            length,
            visit.explanation,
            visit.adjustments,
        ));
    }

    /// The rules that fire for a journal entry (or, with `None`, at the end of a week).
    fn fire(
        &self,
        visit: &Visit,
        today: Date,
        entry: Option<&Entry>,
    ) -> Result<Vec<(usize, Decision)>, Diagnostic> {
        let (trigger, name) = match entry.map(|e| &e.kind) {
            None => (Trigger::WeekEnd, None),
            Some(EntryKind::CheckIn { .. }) => (Trigger::CheckIn, None),
            Some(EntryKind::Assessment { id, .. }) => (Trigger::Assessment, Some(id.as_str())),
            Some(EntryKind::Event { id }) => (Trigger::Event, Some(id.as_str())),
        };
        let mut fired = Vec::new();
        let rules: Vec<(usize, &Rule)> = self
            .protocol
            .rules
            .iter()
            .enumerate()
            .filter(|(_, rule)| {
                rule.trigger == trigger
                    && rule.applies_in(visit.phase)
                    && rule.only.as_deref().is_none_or(|o| Some(o) == name)
            })
            .collect();
        if rules.is_empty() {
            return Ok(fired);
        }
        // Built and converted for scripts once, for all the rules this entry triggers,
        // and only the variables those rules read (all of them when one rule's reading
        // cannot be told from its text).
        let mut needed: Option<Vec<&str>> = Some(Vec::new());
        for (_, rule) in &rules {
            match (self.scripts.reads(rule.condition), needed.as_mut()) {
                (Some(reads), Some(all)) => all.extend(reads.iter().map(String::as_str)),
                _ => needed = None,
            }
        }
        let keep = |v: &str| needed.as_ref().is_none_or(|names| names.contains(&v));
        let vars = self.trigger_vars(visit, today, trigger, entry, &keep);
        let mut prepared = self.scripts.prepare(&vars);
        for (i, rule) in rules {
            self.scripts.take_seen();
            let holds = self.scripts.eval_bool_in(rule.condition, &mut prepared)?;
            self.scripts.take_trace();
            if !holds {
                continue;
            }
            let values = self.values(rule.condition, &vars);
            fired.push((
                i,
                Decision {
                    rule: rule.id.clone(),
                    action: rule.describe(self.protocol),
                    reason: rule.reason.clone(),
                    values,
                    condition: Some(self.scripts.text(rule.condition).to_string()),
                    source: Some(rule.source.clone()),
                    interpretation: rule.interpretation.clone(),
                    overridden_by: None,
                },
            ));
        }
        Ok(fired)
    }

    /// Evaluates a condition; returns whether it holds and the values it saw.
    fn eval(&self, id: ScriptId, vars: &Vars) -> Result<(bool, Vec<(String, Value)>), Diagnostic> {
        self.scripts.take_seen();
        let holds = self.scripts.eval_bool(id, vars)?;
        self.scripts.take_trace();
        Ok((holds, self.values(id, vars)))
    }

    /// The values the last evaluation of script `id` saw: the variables it mentions and
    /// the host calls it made. None in a quiet run, which explains nothing.
    fn values(&self, id: ScriptId, vars: &Vars) -> Vec<(String, Value)> {
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
    fn base_vars(
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
            vars.set("level", visit.level);
        }
        if keep("day") {
            vars.set("day", visit.slot + 1);
        }
        if keep("days_in_phase") {
            vars.set(
                "days_in_phase",
                i64::from((today - visit.start).get_days()) + 1,
            );
        }
        if keep("trigger") {
            vars.set("trigger", trigger);
        }
        vars
    }

    /// The variables of a rule's trigger: the base ones and the entry's; only those
    /// `keep` accepts are built.
    fn trigger_vars(
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

    fn computed_length(
        &self,
        id: ScriptId,
        phase: &Phase,
        date: Date,
    ) -> Result<(Amount, String), Diagnostic> {
        let vars = Vars::new()
            .with("inputs", self.inputs.clone())
            .with("today", date.to_string())
            .with("phase", phase.id.as_str());
        let value = self.scripts.eval_value(id, &vars)?;
        let text = match value {
            rehab_rules::Value::Int(n) if n >= 1 => format!("{n}d"),
            rehab_rules::Value::Str(s) => s,
            other => {
                return Err(self.scripts.value_error(
                    id,
                    format!("the duration of phase `{}` must be a number of days (1 or more) or a period such as \"6-8wk\", but the script gave {other:?}", phase.id),
                ));
            }
        };
        match Amount::parse(&text) {
            Ok(a) if a.to_days().is_some() => Ok((a, format!("computed by the phase's script: {a}"))),
            _ => Err(self.scripts.value_error(
                id,
                format!("the duration of phase `{}` must be a period of days or weeks, but the script gave `{text}`", phase.id),
            )),
        }
    }

    fn session_dose(
        &mut self,
        visit: &Visit,
        plan: &WeekPlan,
        nth: usize,
    ) -> Result<Option<Dose>, Diagnostic> {
        if !plan.sessions.is_empty() {
            // The nth session day of the week; a longer week repeats the last dose.
            return Ok(plan.sessions.get(nth.min(plan.sessions.len() - 1)).cloned());
        }
        let Some(id) = plan.compute else {
            return Ok(plan.session.clone());
        };
        if let Some(d) = self.doses.get(&(visit.phase, visit.week)) {
            return Ok(Some(d.clone()));
        }
        let phase = &self.protocol.phases[visit.phase];
        let vars = Vars::new()
            .with("inputs", self.inputs.clone())
            .with("phase", phase.id.as_str())
            .with("week", visit.week);
        let value = self.scripts.eval_value(id, &vars)?;
        let rehab_rules::Value::Str(text) = value else {
            return Err(self.scripts.value_error(
                id,
                format!("a computed session must be text in the dose notation, but the script gave {value:?}"),
            ));
        };
        let dose = Dose::parse(&text).map_err(|e| {
            self.scripts.value_error(
                id,
                format!(
                    "the computed session `{text}` for week {} is not a dose: {}",
                    visit.week, e.message
                ),
            )
        })?;
        self.doses.insert((visit.phase, visit.week), dose.clone());
        Ok(Some(dose))
    }

    fn plan_day(&mut self, visit: &Visit, date: Date) -> Result<Day, Diagnostic> {
        let protocol = self.protocol;
        let phase = &protocol.phases[visit.phase];
        let week = visit.week;
        let slot = usize::try_from(visit.slot).unwrap_or(0);
        let rule = rule_for_week(&phase.pattern, week);
        let kind = rule
            .and_then(|r| r.days.get(slot).copied())
            .unwrap_or_default();
        // Which session of the week this day is, for weeks whose sessions differ.
        let nth = rule.map_or(0, |r| {
            r.days.iter().take(slot).filter(|d| d.session).count()
        });
        let by_level = matches!(phase.length.basis, LengthBasis::Levels(_));
        let plan = week_plan(&phase.weeks, if by_level { visit.level } else { week });
        let mut parts = Vec::new();
        // A dose of `off` is no activity: the day holds none of that kind.
        let session = match plan {
            Some(p) if kind.session => self.session_dose(visit, p, nth)?.filter(|d| !d.is_off()),
            _ => None,
        };
        let mut limited = None;
        if session.is_some() && !phase.limits.is_empty() {
            limited = self.session_limit(phase, date)?;
        }
        if limited.is_none()
            && let Some(d) = session
        {
            parts.push(part(PartKind::Session, &d, None));
        }
        if kind.cross
            && let Some(d) = plan.and_then(|p| p.cross.as_ref()).or(phase.cross.as_ref())
            && !d.is_off()
        {
            parts.push(part(PartKind::Cross, d, None));
        }
        if kind.strength
            && let Some(c) = phase.strength.and_then(|i| protocol.circuits.get(i))
            && !c.exercises.is_off()
        {
            parts.push(part(PartKind::Strength, &c.exercises, Some(c.id.clone())));
        }
        let status = if parts.is_empty() {
            parts.push(part(PartKind::Off, &Dose::Off, None));
            Status::Off
        } else {
            Status::Planned
        };
        let mut day = day_out(phase, date, week, visit.slot, self.seq, parts, status);
        if by_level {
            day.level = Some(visit.level);
        }
        day.decisions.extend(limited);
        Ok(day)
    }

    fn rest_day(&self, visit: &Visit, date: Date) -> Day {
        let phase = &self.protocol.phases[visit.phase];
        let parts = vec![part(PartKind::Off, &Dose::Off, None)];
        let mut day = day_out(
            phase,
            date,
            visit.week,
            visit.slot,
            self.seq,
            parts,
            Status::Off,
        );
        if matches!(phase.length.basis, LengthBasis::Levels(_)) {
            day.level = Some(visit.level);
        }
        day
    }

    fn finish(mut self) -> Result<Plan, Diagnostic> {
        let Some(outcome) = self.outcome.take() else {
            return Err(Diagnostic::error(
                codes::PHASE,
                "internal: the run did not end",
            ));
        };
        let last = outcome.date;
        let applied = self
            .journal
            .iter()
            .filter(|e| e.date >= self.start && e.date <= last)
            .count();
        let protocol = self.protocol;
        let patient = self.patient;
        let mut notes: Vec<NoteOut> = protocol
            .notes
            .iter()
            .filter(|n| n.applies_to(patient))
            .map(note_out)
            .collect();
        notes.extend(self.skipped);
        self.scripts.take_seen();
        Ok(Plan {
            protocol: ProtocolInfo {
                id: protocol.id.clone(),
                version: protocol.version.clone(),
                title: protocol.title.clone(),
                authors: protocol.authors.clone(),
                sources: protocol.sources.clone(),
            },
            disclaimer: protocol.disclaimer.clone(),
            patient: PatientInfo {
                name: patient.name.clone(),
                inputs: patient.inputs.clone(),
            },
            scheduling: SchedulingInfo {
                ranges: protocol.range_policy,
                explanation: scheduling_explanation(protocol.range_policy),
            },
            start: self.start,
            as_of: self.config.as_of,
            journal: JournalInfo {
                entries: patient.journal.len(),
                applied,
                followed_until: self
                    .followed_until
                    .filter(|d| *d <= last)
                    .or_else(|| self.followed_until.map(|_| last)),
            },
            phases: self.phases,
            weeks: summaries(protocol, &self.days),
            days: self.days,
            notes,
            outcome,
        })
    }
}

fn day_out(
    phase: &Phase,
    date: Date,
    week: u32,
    slot: u32,
    seq: u32,
    parts: Vec<Part>,
    status: Status,
) -> Day {
    let text = parts
        .iter()
        .map(|p| p.text.as_str())
        .collect::<Vec<_>>()
        .join(" + ");
    Day {
        date,
        phase: phase.id.clone(),
        week,
        day: slot + 1,
        session: SessionOut { text, parts },
        status,
        level: None,
        report: None,
        decisions: Vec::new(),
        seq,
    }
}

/// Keeps every fired rule, marks all but the most conservative as overridden, and
/// returns the winner. Ties go to the rule written first in the protocol.
fn choose(fired: &mut [(usize, Decision)], phase: usize, rules: &[Rule]) -> Option<usize> {
    // Advice changes nothing, so it stands beside whatever acts and is never overridden.
    let acts = |i: usize| !rules[i].advises();
    let winner = fired
        .iter()
        .enumerate()
        .filter(|(_, (r, _))| acts(*r))
        .max_by(|(_, (ra, _)), (_, (rb, _))| {
            let a = rules[*ra].rank(phase);
            let b = rules[*rb].rank(phase);
            a.cmp(&b).then(rb.cmp(ra))
        })
        .map(|(i, _)| i)?;
    let (rule, decision) = &fired[winner];
    let (rule, winner_id) = (*rule, decision.rule.clone());
    for (i, (r, d)) in fired.iter_mut().enumerate() {
        if i != winner && acts(*r) {
            d.overridden_by = Some(winner_id.clone());
        }
    }
    Some(rule)
}

/// The most recent result of assessment `id` on or before `today`, newer than `after`.
fn latest_result<'p>(
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
fn missed_marks(assessment: &Assessment, answers: &Answers) -> Vec<String> {
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

/// The variables a condition mentions, flattened (`pain.during`), with their values.
fn seen_values(text: &str, vars: &Vars) -> Vec<(String, Value)> {
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
fn mentions(text: &str, word: &str) -> bool {
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    text.match_indices(word).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + word.len()..].chars().next();
        !before.is_some_and(ident) && !after.is_some_and(ident)
    })
}

fn from_script(v: &rehab_rules::Value) -> Value {
    match v {
        rehab_rules::Value::Int(i) => Value::Number(*i as f64),
        rehab_rules::Value::Float(f) => Value::Number(*f),
        rehab_rules::Value::Bool(b) => Value::Bool(*b),
        rehab_rules::Value::Str(s) => Value::Text(s.clone()),
        rehab_rules::Value::Unit => Value::Text("()".into()),
        rehab_rules::Value::List(items) => Value::List(items.iter().map(from_script).collect()),
        rehab_rules::Value::Map(vars) => Value::Map(
            vars.iter()
                .map(|(k, v)| (k.to_string(), from_script(v)))
                .collect(),
        ),
    }
}

fn script_value(v: &Value) -> rehab_rules::Value {
    match v {
        Value::Text(s) => rehab_rules::Value::Str(s.clone()),
        Value::Date(d) => rehab_rules::Value::Str(d.to_string()),
        Value::Number(n) if n.fract() == 0.0 && n.abs() < 9.0e15 => {
            rehab_rules::Value::Int(*n as i64)
        }
        Value::Number(n) => rehab_rules::Value::Float(*n),
        Value::Bool(b) => rehab_rules::Value::Bool(*b),
        Value::List(items) => rehab_rules::Value::List(items.iter().map(script_value).collect()),
        Value::Map(entries) => {
            let mut vars = Vars::new();
            for (k, v) in entries {
                vars.set(k, script_value(v));
            }
            rehab_rules::Value::Map(vars)
        }
    }
}

/// An assessment's answers as the map scripts read (`result.painless`).
fn answer_vars(answers: &Answers) -> Vars {
    let mut result = Vars::new();
    for (k, v) in answers {
        match *v {
            Answer::Yes(b) => result.set(k, b),
            Answer::Number(n) => result.set(k, n),
        };
    }
    result
}

/// The journal and tables as the host API shows them.
fn host_data(protocol: &Protocol, patient: &Patient, start: Date) -> HostData {
    let mut data = HostData {
        today: start,
        phase_start: start,
        week_start: start,
        rules: protocol.rules.iter().map(|r| r.id.clone()).collect(),
        ..HostData::default()
    };
    for e in &patient.journal {
        host_record(&mut data, e);
    }
    for table in &protocol.tables {
        if let Some(Value::Text(key)) = patient.input(&table.by)
            && let Some(row) = table.row(key)
        {
            let (lo, hi) = row.value.to_days().unwrap_or((0, 0));
            data.tables.push(TableRow {
                table: table.id.clone(),
                key: key.clone(),
                text: row.value.to_string(),
                min_days: i64::try_from(lo).unwrap_or(i64::MAX),
                max_days: i64::try_from(hi).unwrap_or(i64::MAX),
            });
        }
    }
    data
}

/// Shows one journal entry to the host API, keeping its lists in date order (the
/// host functions rely on it).
fn host_record(data: &mut HostData, e: &Entry) {
    match &e.kind {
        EntryKind::CheckIn {
            session,
            pain,
            fields,
        } => insert_in_date_order(
            &mut data.checkins,
            CheckIn {
                date: e.date,
                session: session.map(|s| s.as_str().to_string()),
                pain: *pain,
                fields: answer_vars(fields),
            },
            |c| c.date,
        ),
        EntryKind::Assessment {
            id,
            answers,
            passed,
        } => insert_in_date_order(
            &mut data.assessments,
            AssessmentRecord {
                date: e.date,
                id: id.clone(),
                result: answer_vars(answers),
                passed: *passed,
            },
            |a| a.date,
        ),
        EntryKind::Event { id } => insert_in_date_order(
            &mut data.events,
            EventRecord {
                date: e.date,
                id: id.clone(),
            },
            |ev| ev.date,
        ),
    }
}

/// Inserts `item` after every item dated on or before it: at the end for a list built
/// in order, and before later ones for an entry reported while a run is under way.
fn insert_in_date_order<T>(list: &mut Vec<T>, item: T, date: impl Fn(&T) -> Date) {
    let day = date(&item);
    let at = list.partition_point(|x| date(x) <= day);
    list.insert(at, item);
}

fn scheduling_explanation(policy: RangePolicy) -> String {
    let end = match policy {
        RangePolicy::Upper => "at their upper end (the conservative choice)",
        RangePolicy::Lower => "at their lower end (\"up to\" periods at their stated limit)",
    };
    format!(
        "Phase lengths given as ranges are scheduled {end}. Ranges inside a day's dose are \
         prescribed as written: the patient stays within them, and weekly running minutes \
         are shown from the low to the high end."
    )
}

fn date_input(patient: &Patient, id: &str) -> Result<Date, Diagnostic> {
    match patient.input(id) {
        Some(Value::Date(d)) => Ok(*d),
        _ => Err(Diagnostic::error(
            codes::MISSING_INPUT,
            format!(
                "the plan starts on input `{id}`, which the patient file does not give as a date"
            ),
        )),
    }
}

fn add_days(date: Date, days: i64) -> Result<Date, Diagnostic> {
    date.checked_add(jiff::Span::new().days(days)).map_err(|_| {
        Diagnostic::error(
            codes::BAD_VALUE,
            format!("a plan starting {date} runs past the last supported date"),
        )
    })
}

/// How long a phase lasts from a given first day.
struct Length {
    /// Scheduled days (0 when an anchored phase has already ended).
    days: i64,
    /// The fewest days, from the low end of the range.
    min_days: i64,
    explanation: String,
}

/// The number of days `phase` lasts when it begins on `start`, and why. `computed` is
/// the value of a `compute` duration, evaluated by the caller.
fn phase_length(
    protocol: &Protocol,
    phase: &Phase,
    patient: &Patient,
    start: Date,
    computed: Option<(Amount, String)>,
) -> Result<Length, Diagnostic> {
    let (amount, what) = match &phase.length.basis {
        LengthBasis::Levels(n) => {
            let days = i64::from(*n) * 7;
            let after = phase.advance.as_ref().map_or(1, |a| a.sessions);
            return Ok(Length {
                days,
                min_days: days,
                explanation: format!(
                    "{n} levels, each moved up from after {after} session{} done without a rule holding it back",
                    if after == 1 { "" } else { "s" }
                ),
            });
        }
        LengthBasis::Weeks(n) => {
            let days = i64::from(*n) * 7;
            return Ok(Length {
                days,
                min_days: days,
                explanation: format!("{n} weeks of sessions"),
            });
        }
        LengthBasis::Computed(_) => match computed {
            Some(c) => c,
            None => {
                return Err(Diagnostic::error(
                    codes::SCRIPT_RUNTIME,
                    format!("the duration of phase `{}` was not computed", phase.id),
                ));
            }
        },
        LengthBasis::Period(a) => (*a, format!("the phase lasts {a}")),
        LengthBasis::Table(t) => {
            let Some(table) = protocol.tables.get(*t) else {
                return Err(Diagnostic::error(
                    codes::UNDEFINED,
                    "internal: missing table",
                ));
            };
            let key = match patient.input(&table.by) {
                Some(Value::Text(k)) => k.clone(),
                _ => {
                    return Err(Diagnostic::error(
                        codes::MISSING_INPUT,
                        format!("table `{}` needs input `{}`", table.id, table.by),
                    ));
                }
            };
            let Some(row) = table.row(&key) else {
                return Err(Diagnostic::error(
                    codes::TABLE_ROW,
                    format!("table `{}` has no row for `{key}`", table.id),
                ));
            };
            (
                row.value,
                format!("{} for {key}: {}", lower_first(&table.label), row.value),
            )
        }
    };
    let days = scheduled_days(&amount, protocol.range_policy);
    let min_days = i64::try_from(amount.to_days().map_or(0, |(lo, _)| lo)).unwrap_or(0);
    let at = match (amount.range, protocol.range_policy) {
        (Range::Exact(_), _) => String::new(),
        (_, RangePolicy::Upper) | (Range::UpTo(_), _) => ", scheduled at the upper end".into(),
        (_, RangePolicy::Lower) => ", scheduled at the lower end".into(),
    };
    match &phase.length.since {
        None => Ok(Length {
            days,
            min_days,
            explanation: format!("{what}{at}: {}", days_words(days)),
        }),
        Some(input) => {
            let from = date_input(patient, input)?;
            let end = add_days(from, days - 1)?;
            let length = i64::from((end - start).get_days()) + 1;
            let min_end = add_days(from, min_days - 1)?;
            let min_length = i64::from((min_end - start).get_days()) + 1;
            let why = format!("{what}{at}, counted from {input} ({from}): ends {end}");
            if length <= 0 {
                Ok(Length {
                    days: 0,
                    min_days: 0,
                    explanation: format!("{why}, before the phase would begin"),
                })
            } else {
                Ok(Length {
                    days: length,
                    min_days: min_length.max(1),
                    explanation: why,
                })
            }
        }
    }
}

/// Days an amount of time lasts, at the end of its range the policy picks.
fn scheduled_days(amount: &Amount, policy: RangePolicy) -> i64 {
    let (lo, hi) = amount.to_days().unwrap_or((0, 0));
    let days = match (amount.range, policy) {
        (Range::UpTo(_), _) | (_, RangePolicy::Upper) => hi,
        (_, RangePolicy::Lower) => lo,
    };
    i64::try_from(days).unwrap_or(i64::MAX)
}

/// `label` with its first letter lowercased, to continue a sentence; names inside it
/// keep their capitals.
fn lower_first(label: &str) -> String {
    let mut chars = label.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn days_words(days: i64) -> String {
    if days % 7 == 0 {
        let w = days / 7;
        format!("{w} week{}", if w == 1 { "" } else { "s" })
    } else {
        format!("{days} day{}", if days == 1 { "" } else { "s" })
    }
}

fn part(kind: PartKind, dose: &Dose, circuit: Option<String>) -> Part {
    let running_mm = dose
        .distance_in(|a| a.is_running())
        .filter(|(_, hi)| *hi > 0);
    Part {
        kind,
        text: dose.to_string(),
        circuit,
        running_ms: dose.time_in(|a| a.is_running()),
        running_mm: running_mm.map(|(lo, hi)| (lo, hi, distance_unit(dose))),
    }
}

/// The unit a dose writes its distances in: miles if any of them is in miles.
fn distance_unit(dose: &Dose) -> DistanceUnit {
    if dose.uses_unit(rehab_dose::Unit::Miles) {
        DistanceUnit::Mi
    } else {
        DistanceUnit::Km
    }
}

/// Weekly summaries: one per week of the plan, a repeated week counted apart.
fn summaries(protocol: &Protocol, days: &[Day]) -> Vec<WeekSummary> {
    days.chunk_by(|a, b| a.seq == b.seq)
        .filter_map(|week| {
            let first = week.first()?;
            let last = week.last()?;
            let levels: Vec<u32> = week.iter().filter_map(|d| d.level).collect();
            let mut summary = WeekSummary {
                phase: first.phase.clone(),
                week: first.week,
                levels: match (levels.iter().min(), levels.iter().max()) {
                    (Some(&first), Some(&last)) => Some(LevelSpan { first, last }),
                    _ => None,
                },
                start: first.date,
                end: last.date,
                run_minutes: MinuteRange { min: 0.0, max: 0.0 },
                run_distance: None,
                sessions: 0,
                cross_days: 0,
                strength_days: 0,
                off_days: 0,
                notes: week_notes(protocol, week),
            };
            let (mut lo, mut hi) = (0u64, 0u64);
            let mut dist: Option<(u64, u64, DistanceUnit)> = None;
            for day in week {
                for p in &day.session.parts {
                    match p.kind {
                        PartKind::Session => summary.sessions += 1,
                        PartKind::Cross => summary.cross_days += 1,
                        PartKind::Strength => summary.strength_days += 1,
                        PartKind::Off => summary.off_days += 1,
                    }
                    if let Some((l, h)) = p.running_ms {
                        lo = lo.saturating_add(l);
                        hi = hi.saturating_add(h);
                    }
                    if let Some((l, h, unit)) = p.running_mm {
                        let d = dist.get_or_insert((0u64, 0u64, unit));
                        d.0 = d.0.saturating_add(l);
                        d.1 = d.1.saturating_add(h);
                    }
                }
            }
            summary.run_minutes = MinuteRange {
                min: minutes(lo),
                max: minutes(hi),
            };
            summary.run_distance = dist.map(|(lo, hi, unit)| DistanceRange {
                min: unit.from_mm(lo),
                max: unit.from_mm(hi),
                unit,
            });
            Some(summary)
        })
        .collect()
}

/// The `note` and `interpretation` of the `weeks` or `levels` entries that list a week's
/// days, each entry once, in the order the week reached them.
fn week_notes(protocol: &Protocol, week: &[Day]) -> Vec<WeekNote> {
    let text = |s: &Option<String>| {
        s.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let mut entries: Vec<&WeekPlan> = Vec::new();
    let mut notes = Vec::new();
    for day in week {
        let Some(phase) = protocol.phases.iter().find(|p| p.id == day.phase) else {
            continue;
        };
        // A level-by-level phase keys its entries by level, any other by week. A week
        // past the last listed one continues that entry's doses, not its notes.
        let key = day.level.unwrap_or(day.week);
        let Some(entry) = week_plan(&phase.weeks, key).filter(|e| e.weeks.contains(key)) else {
            continue;
        };
        if entries.iter().any(|e| std::ptr::eq(*e, entry)) {
            continue;
        }
        entries.push(entry);
        let (note, interpretation) = (text(&entry.note), text(&entry.interpretation));
        if note.is_some() || interpretation.is_some() {
            notes.push(WeekNote {
                levels: day.level.map(|_| LevelSpan {
                    first: entry.weeks.first,
                    last: entry.weeks.last,
                }),
                note,
                interpretation,
            });
        }
    }
    notes
}

/// Milliseconds to minutes, to one decimal place.
fn minutes(ms: u64) -> f64 {
    (ms as f64 / 6_000.0).round() / 10.0
}

fn note_out(n: &Note) -> NoteOut {
    NoteOut {
        text: n.text.clone(),
        source: n.source.clone(),
        interpretation: n.interpretation.clone(),
    }
}

#[allow(clippy::too_many_arguments)]
fn phase_plan(
    protocol: &Protocol,
    phase: &Phase,
    patient: &Patient,
    start: Date,
    end: Date,
    length: i64,
    explanation: String,
    adjustments: Vec<String>,
) -> PhasePlan {
    let notes = |list: &[Note]| -> Vec<NoteOut> {
        list.iter()
            .filter(|n| n.applies_to(patient))
            .map(note_out)
            .collect()
    };
    // The phase's own reading of its source, then how its length was read, then the
    // table's, when the length comes from one.
    let table = match phase.length.basis {
        LengthBasis::Table(t) => protocol.tables.get(t),
        _ => None,
    };
    let readings: Vec<&str> = [
        phase.interpretation.as_deref(),
        phase.length.interpretation.as_deref(),
        table.and_then(|t| t.interpretation.as_deref()),
    ]
    .into_iter()
    .flatten()
    .map(str::trim)
    .collect();
    let interpretation = (!readings.is_empty()).then(|| readings.join(" "));
    let length_source = phase
        .length
        .source
        .clone()
        .or_else(|| table.map(|t| t.source.clone()))
        .unwrap_or_else(|| phase.source.clone());
    PhasePlan {
        id: phase.id.clone(),
        title: phase.title.clone(),
        start,
        end,
        days: u32::try_from(length).unwrap_or(u32::MAX),
        length: explanation,
        length_source,
        adjustments,
        purpose: phase.purpose.clone(),
        source: phase.source.clone(),
        interpretation,
        allowed: notes(&phase.allowed),
        avoided: notes(&phase.avoided),
        strength: phase
            .strength
            .and_then(|i| protocol.circuits.get(i))
            .map(|c| CircuitOut {
                id: c.id.clone(),
                title: c.title.clone(),
                exercises: c.exercises.to_string(),
                source: c.source.clone(),
                interpretation: c.interpretation.clone(),
            }),
        on_entry: phase
            .on_entry
            .iter()
            .filter_map(|&a| protocol.assessments.get(a))
            .map(|a| AssessmentOut {
                id: a.id.clone(),
                title: a.title.clone(),
                questions: a.questions.iter().map(|q| q.text.clone()).collect(),
                checklist: a.checklist.clone(),
                source: a.source.clone(),
            })
            .collect(),
        gates: phase
            .gates
            .iter()
            .map(|g| GateOut {
                id: g.id.clone(),
                title: g.title.clone(),
                assessment: g
                    .assessment
                    .and_then(|a| protocol.assessments.get(a))
                    .map(|a| a.id.clone()),
                event: g
                    .event
                    .and_then(|e| protocol.events.get(e))
                    .map(|e| e.id.clone()),
                source: g.source.clone(),
            })
            .collect(),
        patterns: phase
            .pattern
            .iter()
            .map(|r| PatternOut {
                weeks: r.weeks.map_or("all".to_string(), |w| w.to_string()),
                days: r.days.iter().map(|d| day_kind_name(*d)).collect(),
                source: r.source.clone(),
                interpretation: r.interpretation.clone(),
            })
            .collect(),
        notes: notes(&phase.notes),
    }
}

fn day_kind_name(d: DayKind) -> String {
    let mut parts = Vec::new();
    if d.session {
        parts.push("session");
    }
    if d.cross {
        parts.push("cross");
    }
    if d.strength {
        parts.push("strength");
    }
    if parts.is_empty() {
        parts.push("off");
    }
    parts.join("+")
}
