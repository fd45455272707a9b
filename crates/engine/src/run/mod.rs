//! Running a checked protocol for a patient: the nominal day-by-day plan.
//!
//! The run is deterministic: it reads no clock and no randomness. Its only dates are
//! the patient's inputs and the `start`/`as_of` overrides in [`RunConfig`].
//!
//! The run is a state machine over visits to phases (`progress.rs`): each day, `step`
//! lays the day out, reads the journal, lets the winning rule act and moves the week
//! on, and ends in one `Transition`, which `Runner::apply` alone carries out.

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

mod day;
mod gates;
mod host;
mod journal;
mod length;
mod output;
mod progress;
mod requires;
mod rules;
mod step;
mod strength;

use day::{Lived, Today};
use gates::GateResult;
use host::*;
use length::*;
use output::*;
use progress::*;
use requires::*;
use rules::*;

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
    /// What the patient reports on `day.date`, as [`Responder::day`] gives it, added to
    /// `reports`: the runner passes a list it reuses from day to day.
    fn day_into(&mut self, day: &DayView<'_>, reports: &mut Vec<EntryKind>) {
        reports.extend(self.day(day));
    }
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
    let mut runner = Runner::new(protocol, patient, config, evaluator, Scratch::default())?;
    runner.responder = responder;
    runner.run()?;
    runner.finish()
}

/// How one course ended, as a lean run gives it: what a simulation reads of a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Course {
    pub status: OutcomeStatus,
    /// Days from the plan's first day to its outcome, both counted.
    pub days: u32,
    /// How often each rule fired (its condition held, whether or not it won), by rule
    /// index.
    pub fired: Vec<u32>,
}

/// Buffers a thread reuses from one lean run to the next.
#[derive(Debug, Default)]
pub struct Scratch {
    journal: Vec<Entry>,
    lived: Vec<Lived>,
    /// Computed doses by their text, parsed once.
    parsed: HashMap<String, Dose>,
    firing: Firing,
}

/// Runs `protocol` for `patient` as [`run_using`] does, but lean: it takes every
/// decision the same way and lays out nothing that only the plan shows (day texts,
/// parts, plain words, decisions, reminders, summaries), and gives the course's outcome,
/// length and rule firings instead of a plan. `scratch` holds buffers reused from run
/// to run.
pub fn run_course<'a>(
    evaluator: &'a Evaluator<'a>,
    protocol: &'a Protocol,
    patient: &'a Patient,
    config: &'a RunConfig,
    responder: Option<&mut dyn Responder>,
    scratch: &mut Scratch,
) -> Result<Course, Diagnostic> {
    let mut runner = Runner::new(
        protocol,
        patient,
        config,
        evaluator,
        std::mem::take(scratch),
    )?;
    runner.lean = true;
    runner.responder = responder;
    let ran = runner.run();
    let course = Course {
        status: runner
            .outcome
            .as_ref()
            .map_or(OutcomeStatus::InProgress, |o| o.status),
        days: u32::try_from(runner.lived.len()).unwrap_or(u32::MAX),
        fired: std::mem::take(&mut runner.tally),
    };
    *scratch = runner.scratch();
    ran.map(|()| course)
}

type Answers = [(String, Answer)];

struct Runner<'a, 'r> {
    protocol: &'a Protocol,
    patient: &'a Patient,
    /// The journal: the patient file's, and what a responder adds as the run goes.
    journal: Cow<'a, [Entry]>,
    /// Whether the journal is in date order, as a checked patient's is (entries are
    /// added in order), so a day's entries can be found without reading all of it.
    in_order: bool,
    responder: Option<&'r mut dyn Responder>,
    config: &'a RunConfig,
    scripts: &'a Evaluator<'a>,
    start: Date,
    followed_until: Option<Date>,
    /// The plan's days; none in a lean run.
    days: Vec<Day>,
    /// What later days read of the days filed so far, in every run.
    lived: Vec<Lived>,
    /// How often each rule fired, by rule index.
    tally: Vec<u32>,
    /// A lean run lays out no day for a plan: see [`run_course`].
    lean: bool,
    phases: Vec<PhasePlan>,
    skipped: Vec<NoteOut>,
    date: Date,
    seq: u32,
    outcome: Option<Outcome>,
    doses: HashMap<(usize, u32), std::rc::Rc<Dose>>,
    /// Computed doses by their text, parsed once.
    parsed: HashMap<String, Dose>,
    inputs: Vars,
    /// The rules a check-in or a week's end fires, by phase.
    firing: Firing,
    /// The variables of the last entry rules fired for.
    day_vars: std::cell::RefCell<DayVars>,
    /// A responder's reports of the day, a list reused from day to day.
    reports: Vec<EntryKind>,
}

impl<'a, 'r> Runner<'a, 'r> {
    fn new(
        protocol: &'a Protocol,
        patient: &'a Patient,
        config: &'a RunConfig,
        scripts: &'a Evaluator<'a>,
        mut scratch: Scratch,
    ) -> Result<Self, Diagnostic> {
        if !std::ptr::eq(scripts.scripts(), protocol.scripts.as_ref()) {
            return Err(Diagnostic::error(
                codes::SCRIPT_RUNTIME,
                "internal: an evaluator of another protocol's scripts",
            ));
        }
        let start = match config.start {
            Some(d) => d,
            None => date_input(patient, &protocol.starts_on)?,
        };
        // The last run's host data lends its lists to this one.
        let reused = std::mem::take(&mut *scripts.host_data());
        scripts.begin_run(host_data(reused, protocol, patient, start, config));
        let mut inputs = Vars::new();
        for (id, value) in &patient.inputs {
            inputs.set(id, script_value(value));
        }
        // A reused journal buffer starts as the patient's; otherwise the patient's is
        // borrowed until a responder adds to it.
        let journal = if scratch.journal.capacity() > 0 {
            scratch.journal.clear();
            scratch.journal.extend_from_slice(&patient.journal);
            Cow::Owned(std::mem::take(&mut scratch.journal))
        } else {
            Cow::Borrowed(patient.journal.as_slice())
        };
        scratch.lived.clear();
        scratch.firing.fill(protocol, scripts);
        let in_order = journal.is_sorted_by_key(|e| e.date);
        Ok(Runner {
            protocol,
            patient,
            journal,
            in_order,
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
            lived: scratch.lived,
            tally: vec![0; protocol.rules.len()],
            lean: false,
            phases: Vec::new(),
            skipped: Vec::new(),
            date: start,
            seq: 0,
            outcome: None,
            doses: HashMap::new(),
            parsed: scratch.parsed,
            inputs,
            firing: scratch.firing,
            day_vars: std::cell::RefCell::default(),
            reports: Vec::new(),
        })
    }

    /// Runs the state machine over visits: each step runs one day of a visit and gives
    /// the visit for tomorrow, until the plan is complete or the patient referred.
    fn run(&mut self) -> Result<(), Diagnostic> {
        let mut visit = self.enter(0, self.start, Entering::Start)?;
        while let Some(v) = visit {
            visit = self.step(v)?;
        }
        Ok(())
    }

    /// The buffers of a run, to reuse for the next.
    fn scratch(self) -> Scratch {
        Scratch {
            journal: match self.journal {
                Cow::Owned(v) => v,
                Cow::Borrowed(_) => Vec::new(),
            },
            lived: self.lived,
            parsed: self.parsed,
            firing: self.firing,
        }
    }

    /// Files a day of phase `phase`: what later days read of it, and the plan's day.
    fn file(&mut self, phase: usize, day: Today, date: Date) {
        self.lived.push(Lived {
            date,
            phase,
            status: day.status,
            session: day.has(PartKind::Session),
        });
        self.days.extend(day.into_day());
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

    /// The journal's entries dated `date`, in journal order.
    fn entries_on(&self, date: Date) -> impl Iterator<Item = &Entry> {
        let journal: &[Entry] = &self.journal;
        let within = if self.in_order {
            // The day being run is most often the journal's last (a responder has just
            // reported it): its entries are then found from the end, without a search.
            let to = if journal.last().is_none_or(|e| e.date <= date) {
                journal.len()
            } else {
                journal.partition_point(|e| e.date <= date)
            };
            let on_day = journal[..to].iter().rev().take_while(|e| e.date == date);
            &journal[to - on_day.count()..to]
        } else {
            journal
        };
        within.iter().filter(move |e| e.date == date)
    }

    fn followed(&self, date: Date) -> bool {
        self.followed_until.is_some_and(|d| date <= d)
    }

    /// Enters phase `index` (or the first later phase that has days) on `date`: the
    /// visit that begins, or `None` when no phase is left and the plan is complete. A
    /// phase with requirements still to meet gives a visit that waits for them first.
    fn enter(
        &mut self,
        index: usize,
        date: Date,
        entering: Entering,
    ) -> Result<Option<Visit>, Diagnostic> {
        let protocol = self.protocol;
        // The protocol's requirements come before the plan's first phase only; a phase's
        // own, each time it is entered, unless they were met today.
        let first = matches!(entering, Entering::Start);
        let (met, mut opening, waited) = match entering {
            Entering::Met {
                phase,
                decisions,
                waited,
            } => (Some(phase), decisions, waited),
            _ => (None, Vec::new(), None),
        };
        for (index, phase) in protocol.phases.iter().enumerate().skip(index) {
            let computed = match &phase.length.basis {
                LengthBasis::Computed(id) => Some(self.computed_length(*id, phase, date)?),
                _ => None,
            };
            let length = phase_length(protocol, phase, self.patient, date, computed)?;
            if length.days <= 0 {
                self.skipped.push(NoteOut {
                    text: format!(
                        "Phase \"{}\" is skipped: {}.",
                        phase.title, length.explanation
                    ),
                    source: phase.source.clone(),
                    interpretation: None,
                });
                continue;
            }
            if met != Some(index) && self.has_requirements(index, first) {
                return Ok(Some(self.awaiting(index, date, first)));
            }
            let progress = Progress::new(&phase.length.basis, add_days(date, length.days - 1)?);
            let min_end = if phase.gates.iter().any(|g| g.time_minimum) {
                Some(add_days(date, length.min_days.max(1) - 1)?)
            } else {
                None
            };
            opening.push(self.entry_decision(phase, &length.explanation, progress.due(), min_end));
            for &a in &phase.on_entry {
                if let Some(a) = protocol.assessments.get(a) {
                    opening.push(
                        Decision::engine(
                            Decider::Assessment(a.id.clone()),
                            Verdict::Assess,
                            format!("{} when the phase begins.", a.title),
                        )
                        .with_source(a.source.clone()),
                    );
                }
            }
            self.seq += 1;
            let mut adjustments = Vec::new();
            adjustments.extend(waited.as_ref().map(waited_words));
            return Ok(Some(Visit {
                phase: index,
                start: date,
                progress,
                min_end,
                anchored: phase.length.since.is_some(),
                explanation: length.explanation,
                adjustments,
                week: 1,
                slot: 0,
                week_start: date,
                hold: None,
                repeat: false,
                rest: Rest::default(),
                failed: Vec::new(),
                waiting: Vec::new(),
                failing: Vec::new(),
                turn: 0,
                withheld: Vec::new(),
                opening,
                waited,
            }));
        }
        self.complete(date)?;
        Ok(None)
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
            Decider::Phase(phase.id.clone()),
            Verdict::Enter,
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
        if self.lived.is_empty() {
            return Err(Diagnostic::error(
                codes::PHASE,
                format!(
                    "protocol `{}` has no day to schedule for this patient: every phase is empty",
                    self.protocol.id
                ),
            ));
        }
        if let Some(last) = self.days.last_mut() {
            last.decisions.push(Decision::engine(
                Decider::Complete,
                Verdict::Complete,
                format!(
                    "The last phase ends; the protocol \"{}\" is complete.",
                    self.protocol.title
                ),
            ));
        }
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

    /// Closes a visit into its phase plan.
    fn close(&mut self, visit: Visit, last: Date) {
        if !self.lean {
            self.phases
                .push(phase_plan(self.protocol, self.patient, visit, last));
        }
    }
}

fn add_days(date: Date, days: i64) -> Result<Date, Diagnostic> {
    // Most days move on by one, which needs no span.
    let next = if days == 1 {
        date.tomorrow()
    } else {
        date.checked_add(jiff::Span::new().days(days))
    };
    next.map_err(|_| {
        Diagnostic::error(
            codes::BAD_VALUE,
            format!("a plan starting {date} runs past the last supported date"),
        )
    })
}
