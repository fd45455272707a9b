//! Scripts are compiled when the protocol is checked, never while it runs.

use rehab_engine::{ModuleFile, RunConfig, check_patient, check_protocol, run};
use rehab_syntax::{SourceFile, Sources, parse_patient, parse_protocol};

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

fn read(path: &str) -> String {
    std::fs::read_to_string(format!("{ROOT}/{path}")).expect("the file is readable")
}

#[test]
fn a_run_compiles_nothing_however_long_the_journal() {
    let mut sources = Sources::new();
    let file = sources.add(SourceFile::new(
        "protocols/morra.yaml",
        read("protocols/morra.yaml"),
    ));
    let module = sources.add(SourceFile::new(
        "protocols/morra.rhai",
        read("protocols/morra.rhai"),
    ));
    let doc = parse_protocol(&sources, file).expect("morra parses");
    let modules = [ModuleFile {
        name: "morra".into(),
        file: module,
    }];
    let (protocol, diagnostics) = check_protocol(&sources, file, &doc, &modules);
    let protocol = protocol.unwrap_or_else(|| panic!("morra checks: {diagnostics:?}"));
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
        let path = format!("examples/patients/{name}.yaml");
        let pf = sources.add(SourceFile::new(path.clone(), read(&path)));
        let pdoc = parse_patient(&sources, pf).expect("the patient parses");
        let (patient, diagnostics) = check_patient(&sources, pf, &protocol, &pdoc);
        let patient = patient.unwrap_or_else(|| panic!("{path}: {diagnostics:?}"));
        let plan = run(&protocol, &patient, &RunConfig::default()).expect("the run succeeds");
        assert!(plan.days.len() > 50, "{path}");
    }
    assert_eq!(protocol.scripts.compilations(), compiled);
}
