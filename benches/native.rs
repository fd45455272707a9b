//! The yardstick the engine's speed is measured against: Morra's daily decision
//! (`protocols/morra.yaml`) written by hand in Rust, with no interpreter, no plan and no
//! explanation. It lives in the root package, beside the tests of the shipped protocols,
//! because it knows one protocol's rules; the engine's own benchmarks
//! (`crates/engine/benches/rules.rs`) take any protocol.
//!
//! Run with `cargo bench --bench native`, and compare with
//! `cargo bench -p rehab-engine -- simulated_patient_day`. `docs/performance.md` records
//! both.

use divan::Bencher;
use divan::counter::ItemsCount;

fn main() {
    divan::main();
}

/// The limit the engine is measured against: Morra's daily decision written by hand in
/// Rust, with no interpreter, no plan and no explanation. It sees the same kind of day
/// as `simulated_patient_day` (a check-in most days, pain 10 % of the time) and decides
/// what the protocol's three rules would: hold the week, hold the pre-run stage, or refer.
#[divan::bench]
fn native_morra_day(bencher: Bencher) {
    let days = 200u64;
    bencher
        .counter(ItemsCount::new(days))
        .bench_local(|| native::course(divan::black_box(1), days));
}

mod native {
    use rehab_engine::simulate::Stream;

    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    pub enum Action {
        None,
        HoldWeek,
        HoldPreRun,
        Refer,
    }

    /// Pain of 2 or more, at any of the four times, is pain (morra.rhai's `hurts`).
    fn hurts(pain: [i64; 4]) -> bool {
        pain.iter().any(|p| *p >= 2)
    }

    /// Runs `days` days of one patient: a check-in every day but the seventh, pain 10 %
    /// of the time; returns how many days each action was taken.
    pub fn course(seed: u64, days: u64) -> [u32; 4] {
        let mut stream = Stream::for_patient(seed, 0);
        // Days of the painful check-ins of the last 14 days.
        let mut painful: [u64; 16] = [0; 16];
        let mut painful_len = 0usize;
        let mut counts = [0u32; 4];
        for day in 0..days {
            let pre_run = day < 28;
            if day % 7 == 6 {
                continue;
            }
            let mut pain = [0i64; 4];
            if stream.chance(0.10) {
                pain[1] = stream.between(2, 4);
                pain[2] = stream.between(2, 4);
            }
            let hurt = hurts(pain);
            if hurt {
                if painful_len == painful.len() {
                    painful.copy_within(1.., 0);
                    painful_len -= 1;
                }
                painful[painful_len] = day;
                painful_len += 1;
            }
            let recent = painful[..painful_len]
                .iter()
                .filter(|d| day - **d < 14)
                .count();
            // The most conservative of the rules that fire.
            let action = if recent >= 3 {
                Action::Refer
            } else if hurt && pre_run {
                Action::HoldPreRun
            } else if hurt {
                Action::HoldWeek
            } else {
                Action::None
            };
            counts[action as usize] += 1;
        }
        counts
    }
}
