#![allow(dead_code)] // each test and bench uses some of these loaders
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

/// Every protocol file in `protocols/`, sorted.
pub fn protocol_files() -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(format!("{ROOT}/protocols"))
        .expect("protocols/")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .map(|p| {
            format!(
                "protocols/{}",
                p.file_name().unwrap_or_default().to_string_lossy()
            )
        })
        .collect();
    files.sort();
    files
}

/// Any protocol file (relative to the root) with the modules it lists, checked.
pub fn protocol(sources: &mut Sources, path: &str) -> Protocol {
    let file = sources.add(SourceFile::new(path, read(path)));
    let doc = parse_protocol(sources, file)
        .map_err(|d| format!("{d:?}"))
        .expect("the protocol parses");
    let folder = std::path::Path::new(path)
        .parent()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let modules: Vec<ModuleFile> = doc
        .modules
        .iter()
        .map(|m| {
            let module_path = format!("{folder}/{}.rhai", m.value);
            ModuleFile {
                name: m.value.clone(),
                file: sources.add(SourceFile::new(module_path.clone(), read(&module_path))),
            }
        })
        .collect();
    let (protocol, diagnostics) = check_protocol(sources, file, &doc, &modules);
    protocol.unwrap_or_else(|| panic!("{path} checks: {diagnostics:?}"))
}

/// An example patient's inputs with an empty journal, as simulations use them.
pub fn inputs_only(sources: &mut Sources, protocol: &Protocol, name: &str) -> Patient {
    let mut p = patient(sources, protocol, name);
    p.journal.clear();
    p
}
