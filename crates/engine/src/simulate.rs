//! Population simulation: a protocol run for many simulated patients, each answering
//! the plan day by day from a stochastic model, summarised as a distribution.
//!
//! Every patient draws from a random stream of their own, derived from the seed and
//! their number alone, so a simulation gives the same result for a seed however many
//! threads share the work and in whatever order they finish.

use std::sync::atomic::{AtomicU64, Ordering};

use jiff::civil::Date;
use rehab_syntax::Diagnostic;

use crate::model::{Answer, Assessment, EntryKind, Patient, Protocol, SessionStatus};
use crate::plan::OutcomeStatus;
pub use crate::run::Course;
use crate::run::{DayView, GateNeed, Responder, RunConfig, Scratch, run_course};
use crate::scripts::Evaluator;

/// How a simulated patient behaves. Chances are per session (or per test) and
/// independent of each other.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// The chance that a running session is followed by pain.
    pub pain_chance: f64,
    /// The chance that a cross-training session is followed by pain.
    pub cross_pain_chance: f64,
    /// The lowest and highest score of such pain, 0-10, drawn evenly.
    pub pain_min: i64,
    pub pain_max: i64,
    /// The chance that painful session also hurts the next day.
    pub next_day_chance: f64,
    /// The chance that a prescribed session is skipped (reported, without pain).
    pub skip_chance: f64,
    /// The chance that an assessment a gate asks for is passed.
    pub pass_chance: f64,
}

impl Default for Model {
    fn default() -> Self {
        Model {
            pain_chance: 0.10,
            cross_pain_chance: 0.05,
            pain_min: 2,
            pain_max: 4,
            next_day_chance: 0.3,
            skip_chance: 0.05,
            pass_chance: 0.90,
        }
    }
}

impl Model {
    /// A model with a chance outside 0-1 or pain outside 0-10 is refused, in words.
    pub fn validate(&self) -> Result<(), String> {
        for (name, p) in [
            ("pain chance", self.pain_chance),
            ("cross-training pain chance", self.cross_pain_chance),
            ("next-day chance", self.next_day_chance),
            ("skip chance", self.skip_chance),
            ("pass chance", self.pass_chance),
        ] {
            if !(0.0..=1.0).contains(&p) {
                return Err(format!("the {name} must be from 0 to 1, not {p}"));
            }
        }
        if !(0..=10).contains(&self.pain_min)
            || !(0..=10).contains(&self.pain_max)
            || self.pain_min > self.pain_max
        {
            return Err(format!(
                "pain scores are 0-10, lowest first; {}-{} is not a range of them",
                self.pain_min, self.pain_max
            ));
        }
        Ok(())
    }
}

/// A small, fast, well-mixed random stream (SplitMix64). Not for cryptography: for
/// reproducible draws, the same on every machine.
#[derive(Debug, Clone)]
pub struct Stream(u64);

impl Stream {
    /// The stream of patient `index` in the simulation seeded with `seed`.
    pub fn for_patient(seed: u64, index: u64) -> Self {
        let mut s = Stream(seed ^ 0x9E37_79B9_7F4A_7C15);
        let mixed = s.next_u64() ^ index.wrapping_mul(0xD1B5_4A32_D192_ED03);
        Stream(mixed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// A whole number from `lo` to `hi`, both included.
    pub fn between(&mut self, lo: i64, hi: i64) -> i64 {
        let span = u64::try_from(hi - lo + 1).unwrap_or(1).max(1);
        lo + i64::try_from(self.next_u64() % span).unwrap_or(0)
    }
}

/// A patient answering from the model.
struct Simulated<'m> {
    model: &'m Model,
    stream: Stream,
}

impl Responder for Simulated<'_> {
    fn day(&mut self, day: &DayView<'_>) -> Vec<EntryKind> {
        let mut reports = Vec::new();
        self.day_into(day, &mut reports);
        reports
    }

    fn day_into(&mut self, day: &DayView<'_>, reports: &mut Vec<EntryKind>) {
        if !day.session && !day.cross {
            return;
        }
        if self.stream.chance(self.model.skip_chance) {
            reports.push(EntryKind::CheckIn {
                session: Some(SessionStatus::Skipped),
                pain: [Some(0), Some(0), Some(0), Some(0)],
                // The model reports pain only; journal fields stay unreported.
                fields: Vec::new(),
            });
            return;
        }
        // Pain the next day belongs to the session that caused it: a check-in's
        // `next_day` is the morning after that check-in's own session, as patients
        // write it. (It once went to the next check-in, so one episode was seen twice.)
        let mut pain = [Some(0), Some(0), Some(0), Some(0)];
        let chance = if day.session {
            self.model.pain_chance
        } else {
            self.model.cross_pain_chance
        };
        if self.stream.chance(chance) {
            let during = self
                .stream
                .between(self.model.pain_min, self.model.pain_max);
            let after = self
                .stream
                .between(self.model.pain_min, self.model.pain_max);
            pain[1] = Some(during);
            pain[2] = Some(after);
            if self.stream.chance(self.model.next_day_chance) {
                pain[3] = Some(
                    self.stream
                        .between(self.model.pain_min, self.model.pain_max),
                );
            }
        }
        reports.push(EntryKind::CheckIn {
            session: Some(SessionStatus::Done),
            pain,
            fields: Vec::new(),
        });
    }

    fn gate(&mut self, _date: Date, need: &GateNeed<'_>) -> Option<EntryKind> {
        match need {
            GateNeed::Event(e) => Some(EntryKind::Event { id: e.id.clone() }),
            GateNeed::Assessment(a) => Some(self.assess(a)),
        }
    }
}

impl Simulated<'_> {
    fn assess(&mut self, a: &Assessment) -> EntryKind {
        let pass = self.stream.chance(self.model.pass_chance);
        let mut failed_one = false;
        let answers: Vec<(String, Answer)> = a
            .questions
            .iter()
            .map(|q| {
                // A failed test misses its first pass mark.
                let miss = !pass && !failed_one && q.pass.is_some();
                failed_one |= miss;
                (q.id.clone(), q.example_answer(!miss))
            })
            .collect();
        let marked = a.questions.iter().any(|q| q.pass.is_some());
        let passed = marked.then(|| {
            a.questions.iter().all(|q| {
                answers
                    .iter()
                    .find(|(id, _)| *id == q.id)
                    .and_then(|(_, given)| q.passes(given))
                    .unwrap_or(true)
            })
        });
        EntryKind::Assessment {
            id: a.id.clone(),
            answers,
            passed,
        }
    }
}

/// Runs patient `index` of a simulation: `base` gives the inputs and should have an
/// empty journal (entries it has come first); the model gives every report.
pub fn simulate_one(
    protocol: &Protocol,
    base: &Patient,
    model: &Model,
    seed: u64,
    index: u64,
) -> Result<Course, rehab_syntax::Diagnostic> {
    let evaluator = protocol.scripts.evaluator()?;
    simulate_on(
        &evaluator,
        protocol,
        base,
        (model, seed, index),
        &mut Scratch::default(),
    )
}

/// Runs patient `index` as [`simulate_one`] does, on an evaluator made beforehand and
/// with the thread's buffers. The run is lean: a simulation reads only how each course
/// ended, its length and the rules that fired, so no plan is laid out.
fn simulate_on(
    evaluator: &Evaluator<'_>,
    protocol: &Protocol,
    base: &Patient,
    (model, seed, index): (&Model, u64, u64),
    scratch: &mut Scratch,
) -> Result<Course, rehab_syntax::Diagnostic> {
    let mut patient = Simulated {
        model,
        stream: Stream::for_patient(seed, index),
    };
    let config = RunConfig {
        quiet: true,
        ..RunConfig::default()
    };
    run_course(
        evaluator,
        protocol,
        base,
        &config,
        Some(&mut patient),
        scratch,
    )
}

/// What a simulation found.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub patients: u64,
    /// Days simulated, over all patients.
    pub patient_days: u64,
    pub completed: u64,
    pub in_progress: u64,
    pub referred: u64,
    /// Patients whose run stopped with an error (such as a plan past its longest length).
    pub failed: u64,
    /// Days to completion of the patients who completed, sorted.
    pub completion_days: Vec<u32>,
    /// Rule id and how often it fired, over all patients, most first (ties in protocol
    /// order).
    pub rules: Vec<(String, u64)>,
    /// The first error (in patient order), if any run failed, with its code and place.
    pub first_error: Option<rehab_syntax::Diagnostic>,
}

impl Summary {
    pub fn new(protocol: &Protocol) -> Self {
        Summary {
            patients: 0,
            patient_days: 0,
            completed: 0,
            in_progress: 0,
            referred: 0,
            failed: 0,
            completion_days: Vec::new(),
            rules: protocol.rules.iter().map(|r| (r.id.clone(), 0)).collect(),
            first_error: None,
        }
    }

    /// Adds one patient's course, in patient order.
    pub fn add(&mut self, course: &Result<Course, rehab_syntax::Diagnostic>) {
        self.patients += 1;
        match course {
            Ok(c) => {
                self.patient_days += u64::from(c.days);
                match c.status {
                    OutcomeStatus::Completed => {
                        self.completed += 1;
                        self.completion_days.push(c.days);
                    }
                    OutcomeStatus::InProgress => self.in_progress += 1,
                    OutcomeStatus::Referred => self.referred += 1,
                }
                for (slot, n) in self.rules.iter_mut().zip(&c.fired) {
                    slot.1 += u64::from(*n);
                }
            }
            Err(e) => {
                self.failed += 1;
                self.first_error.get_or_insert_with(|| e.clone());
            }
        }
    }

    /// Sorts what needs sorting once every patient is in.
    pub fn finish(&mut self) {
        self.completion_days.sort_unstable();
        // A stable sort keeps protocol order among equal counts.
        self.rules.sort_by_key(|r| std::cmp::Reverse(r.1));
    }

    /// The `p`th percentile (0-100) of days to completion, nearest rank.
    pub fn percentile(&self, p: u32) -> Option<u32> {
        let n = self.completion_days.len();
        if n == 0 {
            return None;
        }
        let rank = (u64::from(p) * n as u64).div_ceil(100).max(1) as usize;
        self.completion_days.get(rank.min(n) - 1).copied()
    }

    /// Counts of completion days in at most `bins` equal ranges, from the least to the
    /// most; the last range ends at the most.
    pub fn histogram(&self, bins: usize) -> Vec<(u32, u32, u64)> {
        let (Some(&lo), Some(&hi)) = (self.completion_days.first(), self.completion_days.last())
        else {
            return Vec::new();
        };
        let bins = bins.max(1);
        let width = (hi - lo + 1).div_ceil(bins as u32).max(1);
        let mut out: Vec<(u32, u32, u64)> = (0..bins as u32)
            .map(|i| (lo + i * width, (lo + (i + 1) * width - 1).min(hi), 0))
            .filter(|(from, _, _)| *from <= hi)
            .collect();
        for d in &self.completion_days {
            let i = ((d - lo) / width) as usize;
            if let Some(bin) = out.get_mut(i) {
                bin.2 += 1;
            }
        }
        out
    }
}

/// Runs patients `indices` and returns their courses in the same order.
pub fn simulate_many(
    protocol: &Protocol,
    base: &Patient,
    model: &Model,
    seed: u64,
    indices: impl Iterator<Item = u64>,
    mut progress: impl FnMut(),
) -> Vec<Result<Course, rehab_syntax::Diagnostic>> {
    // One evaluator and one set of buffers for all of this thread's patients: each run
    // starts afresh on them.
    let evaluator = protocol.scripts.evaluator();
    let mut scratch = Scratch::default();
    indices
        .map(|i| {
            let course = match &evaluator {
                Ok(evaluator) => {
                    simulate_on(evaluator, protocol, base, (model, seed, i), &mut scratch)
                }
                Err(d) => Err(d.clone()),
            };
            progress();
            course
        })
        .collect()
}

/// The largest simulation one call runs.
pub const MAX_PATIENTS: u64 = 10_000_000;

/// How many patients, from which seed, on how many threads (one per core if `None`).
#[derive(Debug, Clone, Copy)]
pub struct Population {
    pub patients: u64,
    pub seed: u64,
    pub threads: Option<usize>,
}

/// Simulates a population of `protocol` and summarises it in patient order, whatever
/// the threads: the same seed gives the same summary on any number of them. The
/// protocol was read and compiled once; every thread shares it and makes its own
/// evaluator. `done` counts the patients simulated so far, for a caller that shows
/// progress from another thread.
pub fn population(
    protocol: &Protocol,
    base: &Patient,
    model: &Model,
    run: Population,
    done: &AtomicU64,
) -> Result<Summary, String> {
    if run.patients == 0 || run.patients > MAX_PATIENTS {
        return Err(format!(
            "a simulation has from 1 to {MAX_PATIENTS} patients, not {}",
            run.patients
        ));
    }
    let threads = run
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .clamp(1, 256);
    let threads = u64::try_from(threads).unwrap_or(1).min(run.patients).max(1);
    let mut results: Vec<Option<Result<Course, Diagnostic>>> =
        (0..run.patients).map(|_| None).collect();
    let mut worker_error = None;
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                scope.spawn(move || {
                    let indices = (t..run.patients).step_by(threads as usize);
                    let courses = simulate_many(protocol, base, model, run.seed, indices, || {
                        done.fetch_add(1, Ordering::Relaxed);
                    });
                    (t, courses)
                })
            })
            .collect();
        for h in handles {
            match h.join() {
                Ok((t, courses)) => {
                    for (k, course) in courses.into_iter().enumerate() {
                        let index = t as usize + k * threads as usize;
                        if let Some(slot) = results.get_mut(index) {
                            *slot = Some(course);
                        }
                    }
                }
                Err(_) => worker_error = Some("a worker stopped unexpectedly".to_string()),
            }
        }
    });
    if let Some(e) = worker_error {
        return Err(e);
    }
    let mut summary = Summary::new(protocol);
    for course in results.iter().flatten() {
        summary.add(course);
    }
    summary.finish();
    Ok(summary)
}

/// The report of a simulation as `engine simulate --format json` gives it.
pub fn report(protocol: &Protocol, s: &Summary, m: &Model, seed: u64) -> serde_json::Value {
    let mean = if s.completion_days.is_empty() {
        serde_json::Value::Null
    } else {
        let m = s.completion_days.iter().map(|d| f64::from(*d)).sum::<f64>()
            / s.completion_days.len() as f64;
        serde_json::json!((m * 10.0).round() / 10.0)
    };
    serde_json::json!({
        "protocol": { "id": protocol.id(), "version": protocol.version(), "title": protocol.title() },
        "disclaimer": protocol.disclaimer(),
        "patients": s.patients,
        "patient_days": s.patient_days,
        "seed": seed,
        "model": {
            "pain_chance": m.pain_chance,
            "cross_pain_chance": m.cross_pain_chance,
            "pain_min": m.pain_min,
            "pain_max": m.pain_max,
            "next_day_chance": m.next_day_chance,
            "skip_chance": m.skip_chance,
            "pass_chance": m.pass_chance,
        },
        "completed": s.completed,
        "in_progress": s.in_progress,
        "referred": s.referred,
        "failed": s.failed,
        "completion_days": {
            "p10": s.percentile(10),
            "p25": s.percentile(25),
            "p50": s.percentile(50),
            "p75": s.percentile(75),
            "p90": s.percentile(90),
            "min": s.completion_days.first(),
            "max": s.completion_days.last(),
            "mean": mean,
        },
        "histogram": s.histogram(12).iter().map(|(from, to, n)| serde_json::json!({
            "from": from, "to": to, "patients": n,
        })).collect::<Vec<_>>(),
        "rules_fired": s.rules.iter().map(|(rule, n)| serde_json::json!({
            "rule": rule, "times": n,
        })).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pains(entries: &[EntryKind]) -> [Option<i64>; 4] {
        match entries {
            [EntryKind::CheckIn { pain, .. }] => *pain,
            other => panic!("one check-in expected, got {other:?}"),
        }
    }

    /// Regression: a session's next-day pain was written into the next check-in, so one
    /// episode was seen on two check-ins (and counted twice by rules that count them).
    #[test]
    fn next_day_pain_is_reported_with_the_session_that_caused_it() {
        let model = Model {
            pain_chance: 1.0,
            cross_pain_chance: 0.0,
            next_day_chance: 1.0,
            skip_chance: 0.0,
            ..Model::default()
        };
        let mut patient = Simulated {
            model: &model,
            stream: Stream::for_patient(1, 0),
        };
        let date = jiff::civil::date(2026, 11, 10);
        let run = DayView {
            date,
            phase: "p",
            session: true,
            cross: false,
        };
        let cross = DayView {
            session: false,
            cross: true,
            ..run
        };
        let first = pains(&patient.day(&run));
        assert!(first[1].is_some_and(|p| p >= model.pain_min), "{first:?}");
        assert!(first[3].is_some_and(|p| p >= model.pain_min), "{first:?}");
        // The painless cross-training day after it reports no pain at any time.
        assert_eq!(pains(&patient.day(&cross)), [Some(0); 4]);
    }
}
