//! The yardstick the engine's speed is measured against: a simulated course of Morra's
//! protocol (`protocols/morra.yaml`) written by hand in Rust, with no interpreter, no
//! plan and no explanation. It lives in the root package, beside the tests of the
//! shipped protocols, because it knows one protocol's rules; the engine's own benchmarks
//! (`crates/engine/benches/rules.rs`) take any protocol.
//!
//! Run with `cargo bench --bench native`, and compare with
//! `cargo bench -p rehab-engine -- simulated_patient_day`. `docs/performance.md` records
//! both.

use divan::Bencher;
use divan::counter::ItemsCount;
use rehab_engine::simulate::Model;

/// Patients per iteration, from seed 1, as `simulated_patient_day` runs them.
const PATIENTS: u64 = 50;
const SEED: u64 = 1;

fn main() {
    sanity();
    divan::main();
}

/// A cheap check that the yardstick still runs whole courses: every course ends, no
/// sooner than the nominal plan when completed, and the rules fire in plausible numbers.
fn sanity() {
    let model = Model::default();
    let mut referred = 0;
    let mut fired = [0u32; native::RULES];
    for i in 0..PATIENTS {
        let c = native::course(&model, SEED, i);
        assert!(c.days <= native::MAX_DAYS, "patient {i}: {c:?}");
        if c.referred {
            referred += 1;
        } else {
            assert!(c.days >= native::NOMINAL_DAYS, "patient {i}: {c:?}");
        }
        for (all, n) in fired.iter_mut().zip(c.fired) {
            *all += n;
        }
    }
    // The default model refers about a third of patients (docs/simulation.md).
    assert!(
        (5..=35).contains(&referred),
        "{referred} of {PATIENTS} referred"
    );
    assert!(fired[native::HOLDS_WEEK] > fired[native::STEPS_BACK]);
    assert!(fired[native::STEPS_BACK] >= fired[native::RETURNS_REFERS]);
}

/// The limit the engine is measured against: a simulated course of Morra's protocol
/// written by hand, per patient-day. Like `simulated_patient_day`, each iteration runs
/// 50 patients of seed 1 under the default patient model from the example patient's
/// inputs (a metatarsal fracture), and counts their days as the engine's simulation
/// does: from the plan's first day to the outcome, both included.
#[divan::bench]
fn native_morra_day(bencher: Bencher) {
    let model = Model::default();
    let run_all = |model: &Model| -> u64 {
        (0..PATIENTS)
            .map(|i| u64::from(native::course(model, SEED, i).days))
            .sum()
    };
    let days = run_all(&model);
    bencher
        .counter(ItemsCount::new(days))
        .bench_local(|| run_all(divan::black_box(&model)));
}

/// Morra's protocol for the example patient, by hand. The phases and their lengths are
/// those the engine schedules for a metatarsal fracture; the rules are the protocol's
/// check-in rules, and the patient is the engine's default simulated patient, drawing
/// from the same random stream in the same order.
mod native {
    use rehab_engine::simulate::{Model, Stream};

    /// The protocol's rules, in its order (the order of `Course::fired`).
    pub const RULES: usize = 7;
    pub const RED_FLAG: usize = 0;
    // 1 and 2 are the hop test's `on: assessment` rules: the simulated hop test is taken
    // while the gate is tested, after the day's rules, so they never fire.
    pub const RETURNS_REFERS: usize = 3;
    pub const STEPS_BACK: usize = 4;
    pub const HOLDS_WEEK: usize = 5;
    pub const BEFORE_HOP_TEST: usize = 6;

    /// Complete rest (`rest` table, 4-6 weeks): it ends at its shortest length, when the
    /// simulated physician's clearance arrives. Every day is off: no check-in, no draw.
    const REST_DAYS: u32 = 28;
    /// Protected activity lasts until the healing time (`healing`, 6-8 weeks, scheduled
    /// at 8) has passed since diagnosis, which is the plan's first day.
    const HEALED_ON: u32 = 56;
    /// Cross-training before running: two weeks, then the gates.
    const PRE_RUN_DAYS: u32 = 14;
    /// A gate that fails is tested again a week later (the hop test's `retest: 1wk`, and
    /// the engine's default for the pain gate).
    const RETEST_DAYS: u32 = 7;
    /// The walk/jog weeks.
    const WEEKS: u32 = 12;
    /// The shortest course: every phase at its scheduled length.
    pub const NOMINAL_DAYS: u32 = HEALED_ON + PRE_RUN_DAYS + 7 * WEEKS;
    /// The engine's longest plan (`MAX_PLAN_DAYS`).
    pub const MAX_DAYS: u32 = 5 * 366;

    /// How one course ended.
    #[derive(Debug, Clone, Copy)]
    pub struct Course {
        pub referred: bool,
        /// Days from the plan's first day to the outcome, both included.
        pub days: u32,
        /// How often each rule's condition held, by rule.
        pub fired: [u32; RULES],
    }

    /// The patient's model, read once per course.
    struct Patient {
        stream: Stream,
        pain: f64,
        cross_pain: f64,
        lo: i64,
        hi: i64,
        next_day: f64,
        skip: f64,
        pass: f64,
    }

    impl Patient {
        /// A check-in's pain (before, during, after, next day) for a day that holds a
        /// session (`run`) or cross-training, drawn as `engine simulate` draws it.
        #[inline(always)]
        fn check_in(&mut self, run: bool) -> [i64; 4] {
            let mut pain = [0; 4];
            if self.stream.chance(self.skip) {
                return pain;
            }
            if self
                .stream
                .chance(if run { self.pain } else { self.cross_pain })
            {
                pain[1] = self.stream.between(self.lo, self.hi);
                pain[2] = self.stream.between(self.lo, self.hi);
                if self.stream.chance(self.next_day) {
                    pain[3] = self.stream.between(self.lo, self.hi);
                }
            }
            pain
        }

        /// An assessment a gate asks for: whether it passes.
        #[inline(always)]
        fn assess(&mut self) -> bool {
            self.stream.chance(self.pass)
        }
    }

    fn worst(pain: [i64; 4]) -> i64 {
        pain[0].max(pain[1]).max(pain[2]).max(pain[3])
    }

    /// Runs patient `index` of the simulation seeded with `seed` through the protocol.
    pub fn course(model: &Model, seed: u64, index: u64) -> Course {
        let mut p = Patient {
            stream: Stream::for_patient(seed, index),
            pain: model.pain_chance,
            cross_pain: model.cross_pain_chance,
            lo: model.pain_min,
            hi: model.pain_max,
            next_day: model.next_day_chance,
            skip: model.skip_chance,
            pass: model.pass_chance,
        };
        let mut fired = [0u32; RULES];
        // The last day a check-in had pain of 2 or more (for `max_pain(14)`), and the
        // last day `pain-steps-back` fired (for `fired("pain-steps-back", 14)`).
        let mut last_pain = i64::MIN / 2;
        let mut last_step_back = i64::MIN / 2;
        let referred = |day: u32, fired: [u32; RULES]| Course {
            referred: true,
            days: day + 1,
            fired,
        };

        // Complete rest: nothing to decide until its shortest length, when the clearance
        // is reported and the phase ends.
        let mut day = REST_DAYS;

        // Protected activity: cross-training six days a week; only a red flag acts.
        let mut slot = 0;
        while day < HEALED_ON {
            if slot < 6 {
                let pain = p.check_in(false);
                let w = worst(pain);
                if w >= 2 {
                    last_pain = i64::from(day);
                }
                if w >= 5 {
                    fired[RED_FLAG] += 1;
                    return referred(day, fired);
                }
            }
            slot = if slot == 6 { 0 } else { slot + 1 };
            day += 1;
        }

        // Before running: cross-training six days a week for two weeks; pain holds the
        // week (the phase is a week longer), and the gates end it: no pain of 2 or more
        // in 14 days, a painless hop test (retested a week after a failure), and the
        // shoe and form checklists (taken once, always passed).
        let mut end = day + PRE_RUN_DAYS - 1;
        let mut slot = 0;
        let mut hold = false;
        let mut hop_passed = false;
        let mut checklists = false;
        loop {
            if slot < 6 {
                let pain = p.check_in(false);
                let w = worst(pain);
                if w >= 2 {
                    last_pain = i64::from(day);
                    fired[BEFORE_HOP_TEST] += 1;
                    hold = true;
                }
                if w >= 5 {
                    fired[RED_FLAG] += 1;
                    return referred(day, fired);
                }
            }
            slot += 1;
            if slot == 7 {
                slot = 0;
                if hold {
                    hold = false;
                    end += 7;
                }
            }
            if day >= end {
                if hold {
                    hold = false;
                    end += 7;
                } else {
                    let pain_free = last_pain < i64::from(day) - 13;
                    if !hop_passed {
                        hop_passed = p.assess();
                    }
                    if !checklists {
                        p.assess();
                        p.assess();
                        checklists = true;
                    }
                    if pain_free && hop_passed {
                        day += 1;
                        break;
                    }
                    end = day + RETEST_DAYS;
                }
            }
            day += 1;
        }

        // Walk/jog: twelve weeks, sessions on alternate days. Weeks 1-8 have a day off;
        // weeks 9-12 cross-train on it. The strongest rule of the day wins: referral,
        // then `rest 2, regress 1`, then holding the week.
        let mut week = 1;
        let mut slot = 0;
        let mut hold = false;
        loop {
            let run = slot % 2 == 0 && slot < 6;
            if slot < 6 || week > 8 {
                let pain = p.check_in(run);
                let today = i64::from(day);
                let w = worst(pain);
                let red_flag = w >= 5;
                let steps_back = run && (pain[3] >= 2 || pain[1] >= 4);
                // `fired(..., 14)` counts the 14 days before today: today's own step
                // back is recorded after the rules have run.
                let returns = run && pain[3] >= 2 && today - last_step_back <= 14;
                fired[RED_FLAG] += u32::from(red_flag);
                fired[RETURNS_REFERS] += u32::from(returns);
                fired[STEPS_BACK] += u32::from(steps_back);
                fired[HOLDS_WEEK] += u32::from(w >= 2);
                if red_flag || returns {
                    return referred(day, fired);
                }
                if steps_back {
                    last_step_back = today;
                    // This day, two rest days, then the week before from its first day.
                    week = if week > 1 { week - 1 } else { 1 };
                    slot = 0;
                    hold = false;
                    day += 3;
                    continue;
                }
                hold |= w >= 2;
            }
            day += 1;
            slot += 1;
            if slot == 7 {
                slot = 0;
                if hold {
                    hold = false;
                } else if week == WEEKS {
                    return Course {
                        referred: false,
                        days: day,
                        fired,
                    };
                } else {
                    week += 1;
                }
            }
        }
    }
}
