//! The runner's state: one visit to a phase, how that phase progresses, and the
//! transitions a day can end in.

use super::*;

/// One stay in a phase, from entering it to leaving it.
#[derive(Debug)]
pub(super) struct Visit {
    pub(super) phase: usize,
    pub(super) start: Date,
    /// How the phase moves towards its end, with the counters of that kind.
    pub(super) progress: Progress,
    /// The earliest day a `time: minimum` gate lets the phase end.
    pub(super) min_end: Option<Date>,
    /// Whether the end is fixed on the calendar (counted `since` a date input), so rest
    /// days do not move it.
    pub(super) anchored: bool,
    pub(super) explanation: String,
    pub(super) adjustments: Vec<String>,
    /// The week of the phase: for a week-by-week phase, the step of its progression.
    pub(super) week: u32,
    /// 0-6: the day within the week.
    pub(super) slot: u32,
    /// The first day of the current week (rest days move later weeks along, except in a
    /// level-by-level phase, whose weeks are calendar weeks).
    pub(super) week_start: Date,
    /// The rule that asked to repeat this week, if any.
    pub(super) hold: Option<String>,
    /// Set by a `repeat` rule: today's place in the week is not passed, so the next
    /// scheduled day (after any rest) does it over.
    pub(super) repeat: bool,
    pub(super) rest: Rest,
    /// For each gate that failed: the day it failed (evidence must be newer to retest).
    pub(super) failed: Vec<(usize, Date)>,
    /// Gates already reported as awaited, so the wait is said once.
    pub(super) waiting: Vec<usize>,
    /// Gates whose latest test failed (a passing test takes a gate off).
    pub(super) failing: Vec<usize>,
    /// The place in the phase's strength rotation of the next strength day.
    pub(super) turn: usize,
    /// The phase's `withhold` entries in force whose leaving out has been said, so it
    /// is said once each time.
    pub(super) withheld: Vec<usize>,
    /// Decisions for the visit's first day.
    pub(super) opening: Vec<Decision>,
    /// The days the plan waited for the phase's requirements before it began.
    pub(super) waited: Option<Waited>,
}

/// Rest days a rule asked for: how many are left of how many.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Rest {
    pub(super) left: u32,
    pub(super) total: u32,
}

/// How a phase moves towards its end. Each kind keeps its own counters, so no code
/// needs to guess the kind from which dates happen to be set.
#[derive(Debug)]
pub(super) enum Progress {
    /// A phase of a set length: it ends on `end`, which rest days, repeated weeks,
    /// regressions and failed gates move later.
    Calendar { end: Date },
    /// A week-by-week phase: it ends after week `last`, or when a rule advances past
    /// it. Once its gates hold it past that week, it ends on `held_until` instead.
    Weeks { last: u32, held_until: Option<Date> },
    /// A level-by-level phase: it ends when its last level is done.
    Levels(Levels),
    /// The phase has not begun: the plan waits, day by day, for its requirements. Once
    /// they are met, the visit gives way to one with the phase's own progress.
    Awaiting(Awaiting),
}

/// What a visit waiting to begin its phase keeps.
#[derive(Debug, Default)]
pub(super) struct Awaiting {
    /// Whether the protocol's own requirements come first: only before the first phase
    /// of the plan.
    pub(super) protocol: bool,
    /// The requirements already reported as waited for (indexes into the list the
    /// visit tests), so each wait is said once.
    pub(super) said: Vec<usize>,
    /// Their titles, for the phase plan.
    pub(super) missing: Vec<String>,
}

/// The counters of a level-by-level phase.
#[derive(Debug)]
pub(super) struct Levels {
    pub(super) last: u32,
    pub(super) level: u32,
    /// Sessions counted at the current level towards the next.
    pub(super) at_level: u32,
    /// The days each level rise took effect, for limits on levels.
    pub(super) rises: Vec<Date>,
    /// Once the gates hold the phase past its last level, the day it now ends on.
    pub(super) held_until: Option<Date>,
}

impl Progress {
    /// The progress of `basis` for a phase that, on the calendar, would end on `end`.
    pub(super) fn new(basis: &LengthBasis, end: Date) -> Self {
        match *basis {
            LengthBasis::Weeks(last) => Progress::Weeks {
                last,
                held_until: None,
            },
            LengthBasis::Levels(last) => Progress::Levels(Levels {
                last,
                level: 1,
                at_level: 0,
                rises: Vec::new(),
                held_until: None,
            }),
            _ => Progress::Calendar { end },
        }
    }

    /// The day the phase is due to end, when that is a date: always for a calendar
    /// phase, and for the others once their gates have held them.
    pub(super) fn due(&self) -> Option<Date> {
        match self {
            Progress::Calendar { end } => Some(*end),
            Progress::Weeks { held_until, .. } => *held_until,
            Progress::Levels(l) => l.held_until,
            Progress::Awaiting(_) => None,
        }
    }

    /// The level of a level-by-level phase.
    pub(super) fn level(&self) -> Option<u32> {
        match self {
            Progress::Levels(l) => Some(l.level),
            _ => None,
        }
    }

    /// Whether the phase's own progression ends today (its gates still decide).
    pub(super) fn ends(&self, today: Date, week: u32) -> bool {
        match (self.due(), self) {
            (Some(end), _) => today >= end,
            (None, Progress::Weeks { last, .. }) => week > *last,
            (None, _) => false,
        }
    }

    /// Moves a dated end `days` later; a phase without one has nothing to move.
    fn extend(&mut self, days: i64) -> Result<(), Diagnostic> {
        let end = match self {
            Progress::Calendar { end } => end,
            Progress::Weeks {
                held_until: Some(end),
                ..
            } => end,
            Progress::Levels(Levels {
                held_until: Some(end),
                ..
            }) => end,
            _ => return Ok(()),
        };
        *end = add_days(*end, days)?;
        Ok(())
    }

    /// Keeps the phase going until `until` because its gates did not pass. A phase held
    /// past its last listed week or level goes on showing that week or level.
    fn hold_until(&mut self, until: Date, week: &mut u32) {
        match self {
            Progress::Calendar { end } => *end = until,
            Progress::Weeks { last, held_until } => {
                *held_until = Some(until);
                *week = (*week).min(*last);
            }
            Progress::Levels(l) => {
                l.held_until = Some(until);
                l.level = l.level.min(l.last);
            }
            Progress::Awaiting(_) => {}
        }
    }
}

impl Visit {
    /// Moves the phase's end `days` later, if it has a date, and says why.
    pub(super) fn extend(&mut self, days: i64, why: String) -> Result<(), Diagnostic> {
        self.progress.extend(days)?;
        self.adjustments.push(why);
        Ok(())
    }

    /// Keeps the phase going until `until`, as its gates asked.
    pub(super) fn hold_until(&mut self, until: Date) {
        self.progress.hold_until(until, &mut self.week);
    }

    /// Whether the visit waits for its phase's requirements, the phase not yet begun.
    pub(super) fn awaiting(&self) -> bool {
        matches!(self.progress, Progress::Awaiting(_))
    }

    /// The level scripts see: the phase's level, or 1 in a phase without levels.
    pub(super) fn level(&self) -> u32 {
        self.progress.level().unwrap_or(1)
    }
}

/// When a phase's gates are tested.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ending {
    /// On the day the phase is due to end: a gate that fails or waits holds it.
    Due,
    /// On a day the phase may end early: it ends only if every gate passes on evidence,
    /// and otherwise nothing changes.
    Early,
}

/// How a day of a visit ends. [`Runner::apply`] is the one place that carries it out.
#[derive(Debug)]
pub(super) enum Transition {
    /// The phase goes on tomorrow.
    NextDay,
    /// The phase goes on tomorrow, its end `days` later.
    Extend { days: i64, why: String },
    /// The gates held the phase: it goes on tomorrow and is due to end on `until`.
    HoldUntil { until: Date, why: Option<String> },
    /// The phase's gates decide whether it ends today.
    TryEnd(Ending),
    /// The phase ends today; the next phase begins tomorrow.
    EndPhase,
    /// A rule sends the patient to phase `p` from tomorrow.
    GoTo(usize),
    /// A rule refers the patient to the clinician: the plan stops today.
    Refer,
}

/// What moving up a level came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum LevelUp {
    /// The phase goes on: at the next level from tomorrow, or at this one while a
    /// limit on levels makes the next wait.
    Continues,
    /// The level done was the last: the phase is complete and its gates decide.
    LastDone,
}

/// Why a level-by-level phase moves up.
#[derive(Debug, Clone, Copy)]
pub(super) enum Rise<'a> {
    /// A rule advanced it.
    Rule(&'a str),
    /// Enough sessions were done at the level.
    Sessions,
}

/// Moves a level-by-level phase up a level from tomorrow, unless a limit on levels
/// forbids it yet.
pub(super) fn level_up(
    phase: &Phase,
    levels: &mut Levels,
    day: &mut Today,
    today: Date,
    rise: Rise<'_>,
) -> Result<LevelUp, Diagnostic> {
    let done = levels.level;
    let decision = |reason: String, by: Decider, verdict: Verdict| {
        let (source, interpretation) = match &phase.advance {
            Some(a) => (a.source.clone(), a.interpretation.clone()),
            None => (phase.source.clone(), None),
        };
        let mut d = Decision::engine(by, verdict, reason).with_source(source);
        d.interpretation = interpretation;
        d
    };
    if done >= levels.last {
        day.decide(|| {
            decision(
                format!("Level {done}, the last of the phase, is done."),
                Decider::Level(done),
                Verdict::Complete,
            )
        });
        return Ok(LevelUp::LastDone);
    }
    let next = done + 1;
    let tomorrow = add_days(today, 1)?;
    if let Some(wait) = level_limit(phase, levels, next, tomorrow)? {
        day.decide(|| wait);
        return Ok(LevelUp::Continues);
    }
    let n = levels.at_level;
    day.decide(|| {
        let why = match rise {
            Rise::Rule(r) => format!("Level {next} from tomorrow (rule {r})."),
            Rise::Sessions => format!(
                "Level {done} done ({n} session{} without a rule holding it back): level {next} from tomorrow.",
                if n == 1 { "" } else { "s" }
            ),
        };
        decision(why, Decider::Level(next), Verdict::Advance)
    });
    levels.level = next;
    levels.at_level = 0;
    levels.rises.push(tomorrow);
    Ok(LevelUp::Continues)
}

/// Why level `next` may not begin on `tomorrow`, when a limit on levels forbids it.
fn level_limit(
    phase: &Phase,
    levels: &Levels,
    next: u32,
    tomorrow: Date,
) -> Result<Option<Decision>, Diagnostic> {
    for limit in phase.limits.iter().filter(|l| l.of == LimitOf::Levels) {
        let from = add_days(tomorrow, 1 - limit.days)?;
        let recent: Vec<Date> = levels
            .rises
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
            return Ok(Some(d));
        }
    }
    Ok(None)
}
