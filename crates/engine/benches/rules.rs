//! What adaptive runs cost: one rule evaluation, checking (and so compiling) a protocol,
//! and whole runs reported per simulated day.
//!
//! Run with `cargo bench -p rehab-engine`. `docs/performance.md` records results.

use divan::Bencher;
use divan::counter::ItemsCount;
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
