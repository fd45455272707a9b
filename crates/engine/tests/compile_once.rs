//! Scripts are compiled when the protocol is checked, never while it runs: for every
//! protocol in `protocols/`, over its example patient and every scenario's journal.

mod support;

use rehab_engine::model::LengthBasis;
use rehab_engine::{RunConfig, run};
use rehab_syntax::Sources;

#[test]
fn a_run_compiles_nothing_however_long_the_journal() {
    let files = support::protocol_files();
    assert!(!files.is_empty(), "protocols/ holds protocols");
    for path in files {
        let mut sources = Sources::new();
        let loaded = support::load(&mut sources, &path);
        let protocol = &loaded.protocol;
        let compiled = protocol.scripts().compilations();
        // Every rule condition, scripted gate, computed phase length and computed week,
        // each compiled exactly once.
        let phases = &protocol.phases();
        let scripted_gates = phases.iter().flat_map(|p| &p.gates);
        let scripted_gates = scripted_gates.filter(|g| g.when.is_some()).count();
        let computed_lengths = phases
            .iter()
            .filter(|p| matches!(p.length.basis, LengthBasis::Computed(_)))
            .count();
        let computed_weeks = phases.iter().flat_map(|p| &p.weeks);
        let computed_weeks = computed_weeks.filter(|w| w.compute.is_some()).count();
        let sites = protocol.rules().len() + scripted_gates + computed_lengths + computed_weeks;
        assert_eq!(compiled, sites, "{path}");

        let scenarios = support::scenarios(&mut sources, &loaded);
        assert!(
            scenarios.iter().any(|s| !s.patient.journal().is_empty()),
            "{path}: some scenario has a journal for the rules to read"
        );
        let example = loaded.example.iter().map(|p| (p, RunConfig::default()));
        let journals = scenarios.iter().map(|s| (&s.patient, s.config));
        for (patient, config) in example.chain(journals) {
            let plan = run(protocol, patient, &config).expect("the run succeeds");
            assert!(!plan.days.is_empty(), "{path}");
        }
        assert_eq!(protocol.scripts().compilations(), compiled, "{path}");
    }
}
