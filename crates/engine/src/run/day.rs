//! Laying out one day of a phase: its prescription, or a rest day.

use super::*;

impl Runner<'_, '_> {
    /// Why no session may fall on `date`, when a limit on sessions forbids one.
    pub(super) fn session_limit(
        &self,
        phase: &Phase,
        date: Date,
    ) -> Result<Option<Decision>, Diagnostic> {
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
                return Ok(Some(d));
            }
        }
        Ok(None)
    }

    pub(super) fn session_dose(
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

    pub(super) fn plan_day(&mut self, visit: &mut Visit, date: Date) -> Result<Day, Diagnostic> {
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
        let mut withheld = Vec::new();
        if kind.strength {
            let (circuit, said) = self.strength_turn(visit, date);
            withheld = said;
            if let Some(c) = circuit.and_then(|i| protocol.circuits.get(i))
                && !c.exercises.is_off()
            {
                parts.push(part(PartKind::Strength, &c.exercises, Some(c.id.clone())));
            }
        }
        let status = if parts.is_empty() {
            parts.push(part(PartKind::Off, &Dose::Off, None));
            Status::Off
        } else {
            Status::Planned
        };
        let mut day = day_out(phase, date, week, visit.slot, self.seq, parts, status);
        day.level = visit.progress.level();
        day.decisions.extend(limited);
        day.decisions.extend(withheld);
        day.reminders = self.reminders(phase, week, &day.session.parts);
        Ok(day)
    }

    pub(super) fn rest_day(&self, visit: &Visit, date: Date) -> Day {
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
