//! Scripts are compiled when the protocol is checked, never while it runs.

mod support;

use rehab_engine::{RunConfig, run};
use rehab_syntax::Sources;

#[test]
fn a_run_compiles_nothing_however_long_the_journal() {
    let mut sources = Sources::new();
    let protocol = support::morra(&mut sources);
    let compiled = protocol.scripts.compilations();
    // Every rule condition and scripted gate, each compiled exactly once.
    let scripted_gates = protocol
        .phases
        .iter()
        .flat_map(|p| &p.gates)
        .filter(|g| g.when.is_some())
        .count();
    assert_eq!(compiled, protocol.rules.len() + scripted_gates);

    for name in ["uneventful", "week3-pain", "painful-hop", "referral"] {
        let patient = support::patient(&mut sources, &protocol, name);
        let plan = run(&protocol, &patient, &RunConfig::default()).expect("the run succeeds");
        assert!(plan.days.len() > 50, "{name}");
    }
    assert_eq!(protocol.scripts.compilations(), compiled);
}
