//! What the engine costs: one rule evaluation, checking (and so compiling) protocols,
//! whole runs per day, simulated patients per day, and a 10,000-patient simulation.
//! Every protocol in `protocols/` is a workload: the benchmarks take whatever the folder
//! holds, with each protocol's scenarios and example patient.
//!
//! Run with `cargo bench -p rehab-engine`. `docs/performance.md` records results; the
//! hand-written native yardstick for one protocol is in the root package's
//! `benches/native.rs`.

use divan::Bencher;
use divan::counter::ItemsCount;
use rehab_engine::simulate::{Model, Summary, simulate_many, simulate_one};
use rehab_engine::{RunConfig, run};
use rehab_rules::{Limits, ModuleSource, Sandbox, Vars};
use rehab_syntax::Sources;

#[path = "../tests/support/mod.rs"]
mod support;

use support::{by_id, protocol_ids};

fn main() {
    divan::main();
}

/// A plugin module of the usual kind: a helper that reads a check-in's four pain scores.
const MODULE: &str = "
// Pain of 2 or more at any of the four times of a check-in.
fn hurts(pain) {
    pain.before >= 2 || pain.during >= 2 || pain.after >= 2 || pain.next_day >= 2
}
";

/// One evaluation of a rule that calls into a plugin module with a check-in's scores.
#[divan::bench]
fn rule_evaluation(bencher: Bencher) {
    let sandbox = Sandbox::new(
        Limits::default(),
        vec![ModuleSource {
            name: "scores".into(),
            path: "scores.rhai".into(),
            text: MODULE.into(),
        }],
    )
    .expect("the module loads");
    let script = sandbox
        .compile("bench", "scores::hurts(pain)")
        .expect("the rule compiles");
    let vars = Vars::new().with(
        "pain",
        Vars::new()
            .with("before", 0)
            .with("during", 3)
            .with("after", 1)
            .with("next_day", 0),
    );
    let evaluator = sandbox.evaluator().expect("an evaluator");
    assert!(evaluator.eval_bool(&script, &vars).expect("it evaluates"));
    bencher.bench_local(|| {
        // Evaluations between two runs' starts share one budget: start a new run now
        // and then, as the engine does per patient.
        if evaluator.run_operations() > 500_000 {
            evaluator.begin_run(rehab_rules::HostData::default());
        }
        evaluator.eval_bool(&script, &vars).expect("it evaluates")
    });
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

/// Parsing and checking one protocol, which compiles every script in it.
#[divan::bench(args = protocol_ids())]
fn check_protocol(bencher: Bencher, id: &str) {
    bencher.bench_local(|| {
        let mut sources = Sources::new();
        by_id(&mut sources, id)
    });
}

/// Whole runs of every scenario of a protocol, and its example patient, counted per
/// planned day: journal days apply rules, the rest are projected. The protocol is
/// checked once, outside the timing, and no run compiles.
#[divan::bench(args = protocol_ids())]
fn scenario_day(bencher: Bencher, id: &str) {
    let mut sources = Sources::new();
    let loaded = by_id(&mut sources, id);
    let scenarios = support::scenarios(&mut sources, &loaded);
    let mut courses: Vec<_> = scenarios.iter().map(|s| (&s.patient, &s.config)).collect();
    let nominal = RunConfig::default();
    if let Some(example) = &loaded.example {
        courses.push((example, &nominal));
    }
    let protocol = &loaded.protocol;
    let run_all = || -> usize {
        courses
            .iter()
            .map(|(patient, config)| run(protocol, patient, config).expect("it runs").days.len())
            .sum()
    };
    let days = run_all();
    let compiled = protocol.scripts().compilations();
    bencher
        .counter(ItemsCount::new(days))
        .bench_local(|| assert_eq!(run_all(), days, "the same plans each time"));
    assert_eq!(
        protocol.scripts().compilations(),
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

/// Simulated patients under a protocol, counted per day: each starts from the example
/// patient's inputs and answers the plan from the default model, so most days carry a
/// check-in and fire rules.
#[divan::bench(args = protocol_ids())]
fn simulated_patient_day(bencher: Bencher, id: &str) {
    let mut sources = Sources::new();
    let loaded = by_id(&mut sources, id);
    let protocol = &loaded.protocol;
    let base = example_inputs(&loaded);
    let model = Model::default();
    // Fifty patients per iteration, counted by their days: courses differ in length
    // (a referral ends early), so one patient at a time would not be a fair unit.
    let run_all = || -> u64 {
        (0..50)
            .map(|i| {
                u64::from(
                    simulate_one(protocol, &base, &model, 1, i)
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
#[divan::bench(args = protocol_ids(), sample_count = 2, sample_size = 1)]
fn simulate_10000_patients(bencher: Bencher, id: &str) {
    let mut sources = Sources::new();
    let loaded = by_id(&mut sources, id);
    let protocol = &loaded.protocol;
    let base = example_inputs(&loaded);
    let model = Model::default();
    bencher.bench_local(|| {
        let mut summary = Summary::new(protocol);
        for course in simulate_many(protocol, &base, &model, 1, 0..10_000, || {}) {
            summary.add(&course);
        }
        summary.finish();
        summary
    });
}

/// The example patient's inputs with an empty journal, as `engine simulate` starts.
fn example_inputs(loaded: &support::Loaded) -> rehab_engine::model::Patient {
    let example = loaded.example.as_ref();
    support::inputs_only(example.expect("the protocol embeds an example patient"))
}
