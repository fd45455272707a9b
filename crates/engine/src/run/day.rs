//! Laying out one day of a phase: its prescription, or a rest day.
//!
//! The state machine reads a day through [`Today`]: which kinds of part it holds and
//! its status. The plan's [`Day`] (texts, parts, plain words, decisions, reminders) is
//! built beside it only in a run that gives a plan; a lean run (`run_course`) builds
//! none of it, and every choice the day makes is taken the same way in both.

use std::rc::Rc;

use super::*;

/// The day being run.
#[derive(Debug)]
pub(super) struct Today {
    /// Which kinds of part the day holds.
    pub(super) holds: Holds,
    pub(super) status: Status,
    /// The plan's day, in a run that lays days out; `None` in a lean run.
    pub(super) out: Option<Day>,
}

/// The kinds of part a day holds (none on a day off, a rest day or a waiting day).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Holds {
    pub(super) session: bool,
    pub(super) cross: bool,
    pub(super) strength: bool,
}

impl Today {
    pub(super) fn has(&self, kind: PartKind) -> bool {
        match kind {
            PartKind::Session => self.holds.session,
            PartKind::Cross => self.holds.cross,
            PartKind::Strength => self.holds.strength,
            PartKind::Off => self.holds == Holds::default(),
        }
    }

    /// Records a decision on the plan's day; in a lean run, which has none, the decision
    /// is never built.
    pub(super) fn decide(&mut self, decision: impl FnOnce() -> Decision) {
        if let Some(day) = &mut self.out {
            day.decisions.push(decision());
        }
    }

    /// Records decisions already made.
    pub(super) fn decide_all(&mut self, decisions: impl IntoIterator<Item = Decision>) {
        if let Some(day) = &mut self.out {
            day.decisions.extend(decisions);
        }
    }

    /// The plan's day as filed: with the status the day ended with.
    pub(super) fn into_day(self) -> Option<Day> {
        let mut day = self.out?;
        day.status = self.status;
        Some(day)
    }
}

/// A session's dose: as the protocol writes it, or as its script computed it for the
/// week (kept for the week, and shared rather than copied day after day).
pub(super) enum SessionDose<'p> {
    Written(&'p Dose),
    Computed(Rc<Dose>),
}

impl std::ops::Deref for SessionDose<'_> {
    type Target = Dose;

    fn deref(&self) -> &Dose {
        match self {
            SessionDose::Written(d) => d,
            SessionDose::Computed(d) => d,
        }
    }
}

/// The most computed doses a thread keeps parsed, by text.
const MAX_PARSED: usize = 1024;

/// What the rest of the run reads of a day once it is filed (limits on sessions look
/// back over them), kept in every run.
#[derive(Debug, Clone, Copy)]
pub(super) struct Lived {
    pub(super) date: Date,
    pub(super) phase: usize,
    pub(super) status: Status,
    pub(super) session: bool,
}

impl Runner<'_, '_> {
    /// The limit on sessions (an index into the phase's limits) that forbids a session
    /// on `date` in the visit's phase, if one does.
    pub(super) fn session_limit(
        &self,
        phase: &Phase,
        index: usize,
        date: Date,
    ) -> Result<Option<usize>, Diagnostic> {
        for (li, limit) in phase.limits.iter().enumerate() {
            if limit.of != LimitOf::Sessions {
                continue;
            }
            let from = add_days(date, 1 - limit.days)?;
            let recent = self.recent_sessions(index, from).count();
            if recent >= usize::try_from(limit.max).unwrap_or(usize::MAX) {
                return Ok(Some(li));
            }
        }
        Ok(None)
    }

    /// The days from `from` on that held a session of phase `index` not skipped,
    /// newest first.
    fn recent_sessions(&self, index: usize, from: Date) -> impl Iterator<Item = Date> + '_ {
        self.lived
            .iter()
            .rev()
            .take_while(move |d| d.date >= from)
            .filter(move |d| d.phase == index && d.status != Status::Skipped && d.session)
            .map(|d| d.date)
    }

    /// Why no session falls on `date`: the decision of limit `li` of the phase.
    fn limit_decision(
        &self,
        phase: &Phase,
        index: usize,
        li: usize,
        date: Date,
    ) -> Result<Option<Decision>, Diagnostic> {
        let Some(limit) = phase.limits.get(li) else {
            return Ok(None);
        };
        let from = add_days(date, 1 - limit.days)?;
        let mut dates: Vec<String> = self
            .recent_sessions(index, from)
            .map(|d| d.to_string())
            .collect();
        dates.reverse();
        let mut d = Decision::engine(
            Decider::Limit(LimitOf::Sessions),
            Verdict::Off,
            format!(
                "No session today: {} (sessions on {}).",
                limit.describe(),
                dates.join(", ")
            ),
        )
        .with_source(limit.source.clone());
        d.interpretation = limit.interpretation.clone();
        Ok(Some(d))
    }

    /// The dose of the `nth` session of a week: the protocol's own, or one its script
    /// computed for the week (computed once a week, then kept).
    pub(super) fn session_dose<'p>(
        &mut self,
        visit: &Visit,
        plan: &'p WeekPlan,
        nth: usize,
    ) -> Result<Option<SessionDose<'p>>, Diagnostic> {
        if !plan.sessions.is_empty() {
            // The nth session day of the week; a longer week repeats the last dose.
            return Ok(plan
                .sessions
                .get(nth.min(plan.sessions.len() - 1))
                .map(SessionDose::Written));
        }
        let Some(id) = plan.compute else {
            return Ok(plan.session.as_ref().map(SessionDose::Written));
        };
        if let Some(d) = self.doses.get(&(visit.phase, visit.week)) {
            return Ok(Some(SessionDose::Computed(Rc::clone(d))));
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
        // Parsing is a function of the text alone: a text seen before (in this run, or
        // in an earlier lean run on the same buffers) is not parsed again.
        let dose = match self.parsed.get(&text) {
            Some(dose) => dose.clone(),
            None => {
                let dose = Dose::parse(&text).map_err(|e| {
                    self.scripts.value_error(
                        id,
                        format!(
                            "the computed session `{text}` for week {} is not a dose: {}",
                            visit.week, e.message
                        ),
                    )
                })?;
                // A script that writes a new text every time is not remembered for ever.
                if self.parsed.len() < MAX_PARSED {
                    self.parsed.insert(text, dose.clone());
                }
                dose
            }
        };
        let dose = Rc::new(dose);
        self.doses
            .insert((visit.phase, visit.week), Rc::clone(&dose));
        Ok(Some(SessionDose::Computed(dose)))
    }

    /// Lays out `date`, a day of the visit's schedule: what it holds (a session may be
    /// left out by a limit, a strength day takes the next circuit of the rotation), and,
    /// in a run that gives a plan, the plan's day.
    pub(super) fn plan_day(&mut self, visit: &mut Visit, date: Date) -> Result<Today, Diagnostic> {
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
        // A level-by-level phase lists its doses by level, any other by week.
        let plan = week_plan(&phase.weeks, visit.progress.level().unwrap_or(week));
        // A dose of `off` is no activity: the day holds none of that kind.
        let session = match plan {
            Some(p) if kind.session => self.session_dose(visit, p, nth)?.filter(|d| !d.is_off()),
            _ => None,
        };
        let mut limited = None;
        if session.is_some() && !phase.limits.is_empty() {
            limited = self.session_limit(phase, visit.phase, date)?;
        }
        let session = session.filter(|_| limited.is_none());
        let cross = if kind.cross {
            plan.and_then(|p| p.cross.as_ref())
                .or(phase.cross.as_ref())
                .filter(|d| !d.is_off())
        } else {
            None
        };
        let mut withheld = Vec::new();
        let mut strength = None;
        if kind.strength {
            let (circuit, said) = self.strength_turn(visit, date);
            withheld = said;
            strength = circuit
                .and_then(|i| protocol.circuits.get(i))
                .filter(|c| !c.exercises.is_off());
        }
        let holds = Holds {
            session: session.is_some(),
            cross: cross.is_some(),
            strength: strength.is_some(),
        };
        let status = if holds == Holds::default() {
            Status::Off
        } else {
            Status::Planned
        };
        let mut today = Today {
            holds,
            status,
            out: None,
        };
        if self.lean {
            return Ok(today);
        }
        let mut parts = Vec::new();
        if let Some(d) = &session {
            parts.push(part(PartKind::Session, d, None));
        }
        if let Some(d) = cross {
            parts.push(part(PartKind::Cross, d, None));
        }
        if let Some(c) = strength {
            parts.push(part(PartKind::Strength, &c.exercises, Some(c.id.clone())));
        }
        if parts.is_empty() {
            parts.push(part(PartKind::Off, &Dose::Off, None));
        }
        let mut day = day_out(phase, date, week, visit.slot, self.seq, parts, status);
        day.level = visit.progress.level();
        if let Some(li) = limited {
            day.decisions
                .extend(self.limit_decision(phase, visit.phase, li, date)?);
        }
        day.decisions.extend(withheld);
        day.reminders = self.reminders(phase, week, &day.session.parts);
        today.out = Some(day);
        Ok(today)
    }

    /// A rest day a rule asked for: nothing is prescribed.
    pub(super) fn rest_day(&self, visit: &Visit, date: Date) -> Today {
        let out = (!self.lean).then(|| {
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
            day.level = visit.progress.level();
            day.reminders = self.reminders(phase, visit.week, &day.session.parts);
            day
        });
        Today {
            holds: Holds::default(),
            status: Status::Off,
            out,
        }
    }
}

pub(super) fn day_out(
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
        reminders: Vec::new(),
        seq,
    }
}

/// A part of `kind` holding `dose`. A protocol's days repeat a few doses, and writing a
/// dose out (its notation, its plain words) costs far more than looking it up, so each
/// thread keeps the doses it has laid out (see [`LAID_OUT`]) and copies them.
pub(super) fn part(kind: PartKind, dose: &Dose, circuit: Option<String>) -> Part {
    let mut part = LAID_OUT.with(|cache| {
        let mut cache = cache.borrow_mut();
        if let Some(part) = cache.get(dose) {
            return part.clone();
        }
        let part = lay_out(dose);
        // Doses computed by scripts may differ from patient to patient: the cache stays
        // small however many a long batch meets.
        if cache.len() >= LAID_OUT_MAX {
            cache.clear();
        }
        cache.insert(dose.clone(), part.clone());
        part
    });
    part.kind = kind;
    part.circuit = circuit;
    part
}

/// How many laid-out doses a thread keeps at most.
const LAID_OUT_MAX: usize = 256;

thread_local! {
    /// The doses this thread has laid out, each as a part of kind `off` without a
    /// circuit (which [`part`] sets).
    static LAID_OUT: std::cell::RefCell<HashMap<Dose, Part, BuildDoseHasher>> =
        std::cell::RefCell::new(HashMap::default());
}

type BuildDoseHasher = std::hash::BuildHasherDefault<DoseHasher>;

/// A quick hash for [`LAID_OUT`]'s doses (a multiply and a rotate a word; SipHash would
/// cost more than the lookup saves, and the cache's bound caps any run of collisions).
#[derive(Debug, Default)]
struct DoseHasher(u64);

impl DoseHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl std::hash::Hasher for DoseHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
    }
    fn write_u8(&mut self, n: u8) {
        self.add(n.into());
    }
    fn write_u32(&mut self, n: u32) {
        self.add(n.into());
    }
    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }
}

/// `dose` written out: its notation, its plain words and its running.
fn lay_out(dose: &Dose) -> Part {
    let running_mm = dose
        .distance_in(|a| a.is_running())
        .filter(|(_, hi)| *hi > 0);
    Part {
        kind: PartKind::Off,
        text: dose.to_string(),
        circuit: None,
        running_ms: dose.time_in(|a| a.is_running()),
        running_mm: running_mm.map(|(lo, hi)| (lo, hi, distance_unit(dose))),
        has_running: dose.items().any(|i| i.activity.is_running()),
        plain: dose.plain_words().into(),
    }
}

/// The unit a dose writes its distances in: miles if any of them is in miles.
pub(super) fn distance_unit(dose: &Dose) -> DistanceUnit {
    if dose.uses_unit(rehab_dose::Unit::Miles) {
        DistanceUnit::Mi
    } else {
        DistanceUnit::Km
    }
}
