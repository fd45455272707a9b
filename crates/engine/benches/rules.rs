//! What the engine costs: one rule evaluation, checking (and so compiling) protocols,
//! whole runs per day, simulated patients per day, a 10,000-patient simulation, and a
//! hand-written native version of Morra's daily decision as the limit to measure against.
//!
//! Run with `cargo bench -p rehab-engine`. `docs/performance.md` records results.

use divan::Bencher;
use divan::counter::ItemsCount;
use rehab_engine::simulate::{Model, Summary, simulate_many, simulate_one};
use rehab_engine::{RunConfig, run};
use rehab_rules::{Limits, ModuleSource, Sandbox, Vars};
use rehab_syntax::Sources;

#[path = "../tests/support/mod.rs"]
mod support;

use support::{morra, patient, read};

fn main() {
    divan::main();
}

/// One evaluation of Morra's pain rule, a module call over a check-in's four scores.
#[divan::bench]
fn rule_evaluation(bencher: Bencher) {
    let sandbox = Sandbox::new(
        Limits::default(),
        vec![ModuleSource {
            name: "morra".into(),
            path: "protocols/morra.rhai".into(),
            text: read("protocols/morra.rhai"),
        }],
    )
    .expect("the module loads");
    let script = sandbox
        .compile("bench", "morra::hurts(pain)")
        .expect("the rule compiles");
    let vars = Vars::new().with(
        "pain",
        Vars::new()
            .with("before", 0)
            .with("during", 3)
            .with("after", 1)
            .with("next_day", 0),
    );
    bencher.bench_local(|| sandbox.eval_bool(&script, &vars).expect("it evaluates"));
    assert_eq!(
        sandbox.compilations(),
        1,
        "compiled once, evaluated many times"
    );
}

/// Compiling one rule, for comparison with evaluating it.
#[divan::bench]
fn rule_compilation(bencher: Bencher) {
    let sandbox = Sandbox::new(Limits::default(), Vec::new()).expect("the sandbox builds");
    bencher.bench_local(|| {
        sandbox
            .compile("bench", "painful_checkins(14, 2) >= 3")
            .expect("it compiles")
    });
}

/// Parsing and checking Morra's protocol, which compiles every script in it.
#[divan::bench]
fn check_morra(bencher: Bencher) {
    bencher.bench_local(|| {
        let mut sources = Sources::new();
        morra(&mut sources)
    });
}

/// Whole runs, counted per simulated day: the journal's days apply rules, the rest are
/// projected. The protocol is checked once, outside the timing, and no run compiles.
#[divan::bench(args = ["metatarsal", "uneventful", "week3-pain", "referral"])]
fn simulated_day(bencher: Bencher, name: &str) {
    let mut sources = Sources::new();
    let protocol = morra(&mut sources);
    let patient = patient(&mut sources, &protocol, name);
    let config = RunConfig::default();
    let days = run(&protocol, &patient, &config)
        .expect("it runs")
        .days
        .len();
    let compiled = protocol.scripts.compilations();
    bencher
        .counter(ItemsCount::new(days))
        .bench_local(|| run(&protocol, &patient, &config).expect("it runs"));
    assert_eq!(
        protocol.scripts.compilations(),
        compiled,
        "a run compiles nothing"
    );
}

/// Loading and checking every protocol in `protocols/`, as `engine check protocols/*.yaml`
/// does (without the process start).
#[divan::bench]
fn check_every_protocol(bencher: Bencher) {
    let files = support::protocol_files();
    assert!(!files.is_empty());
    bencher
        .counter(ItemsCount::new(files.len()))
        .bench_local(|| {
            for file in &files {
                let mut sources = Sources::new();
                support::protocol(&mut sources, file);
            }
        });
}

/// One simulated patient under Morra's protocol, counted per day: the patient answers
/// the plan from the default model, so most days carry a check-in and fire rules.
#[divan::bench]
fn simulated_patient_day(bencher: Bencher) {
    let mut sources = Sources::new();
    let protocol = morra(&mut sources);
    let base = support::inputs_only(&mut sources, &protocol, "metatarsal");
    let model = Model::default();
    // Fifty patients per iteration, counted by their days: courses differ in length
    // (a referral ends early), so one patient at a time would not be a fair unit.
    let run_all = || -> u64 {
        (0..50)
            .map(|i| {
                u64::from(
                    simulate_one(&protocol, &base, &model, 1, i)
                        .expect("runs")
                        .days,
                )
            })
            .sum()
    };
    let days = run_all();
    bencher
        .counter(ItemsCount::new(days))
        .bench_local(|| assert_eq!(run_all(), days, "the same patients each time"));
}

/// 10,000 simulated patients on one thread, the unit `engine simulate` spreads over cores.
#[divan::bench(sample_count = 2, sample_size = 1)]
fn simulate_10000_patients(bencher: Bencher) {
    let mut sources = Sources::new();
    let protocol = morra(&mut sources);
    let base = support::inputs_only(&mut sources, &protocol, "metatarsal");
    let model = Model::default();
    bencher.bench_local(|| {
        let mut summary = Summary::new(&protocol);
        for course in simulate_many(&protocol, &base, &model, 1, 0..10_000, || {}) {
            summary.add(&course);
        }
        summary.finish();
        summary
    });
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
