//! Loading Morra's protocol and the example patients through the library, for the
//! engine's tests and benchmarks (which read files themselves, as the CLI does).

use rehab_engine::model::{Patient, Protocol};
use rehab_engine::{ModuleFile, check_patient, check_protocol};
use rehab_syntax::{SourceFile, Sources, parse_patient, parse_protocol};

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

pub fn read(path: &str) -> String {
    std::fs::read_to_string(format!("{ROOT}/{path}")).expect("the file is readable")
}

/// Morra's protocol with its module, checked.
pub fn morra(sources: &mut Sources) -> Protocol {
    let file = sources.add(SourceFile::new(
        "protocols/morra.yaml",
        read("protocols/morra.yaml"),
    ));
    let module = sources.add(SourceFile::new(
        "protocols/morra.rhai",
        read("protocols/morra.rhai"),
    ));
    let doc = parse_protocol(sources, file)
        .map_err(|d| format!("{d:?}"))
        .expect("morra parses");
    let modules = [ModuleFile {
        name: "morra".into(),
        file: module,
    }];
    let (protocol, diagnostics) = check_protocol(sources, file, &doc, &modules);
    protocol.unwrap_or_else(|| panic!("morra checks: {diagnostics:?}"))
}

/// `examples/patients/<name>.yaml`, checked against `protocol`.
pub fn patient(sources: &mut Sources, protocol: &Protocol, name: &str) -> Patient {
    let path = format!("examples/patients/{name}.yaml");
    let file = sources.add(SourceFile::new(path.clone(), read(&path)));
    let doc = parse_patient(sources, file)
        .map_err(|d| format!("{d:?}"))
        .expect("the patient parses");
    let (patient, diagnostics) = check_patient(sources, file, protocol, &doc);
    patient.unwrap_or_else(|| panic!("{path}: {diagnostics:?}"))
}
