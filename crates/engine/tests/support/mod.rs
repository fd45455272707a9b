#![allow(dead_code)] // each test and bench uses some of these loaders
//! Loading the protocols in `protocols/`, their example patients and their scenarios
//! through the library, for the engine's tests and benchmarks (which read files
//! themselves, as the CLI does). Nothing here knows which protocols exist: the tests
//! and benchmarks cover whatever the folder holds.

use std::path::Path;

use rehab_engine::load::{FileKind, Loader, Unread};
use rehab_engine::model::{Patient, Protocol};
use rehab_engine::scenario::check_scenario;
use rehab_engine::{RunConfig, check_patient};
use rehab_syntax::{SourceFile, Sources, parse_patient, parse_scenario};

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

pub fn read(path: &str) -> String {
    std::fs::read_to_string(format!("{ROOT}/{path}"))
        .unwrap_or_else(|e| panic!("{path} is readable: {e}"))
}

/// The files in `folder` (relative to the root) whose names end in `.extension`,
/// as root-relative paths, sorted.
fn files_in(folder: &str, extension: &str) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(format!("{ROOT}/{folder}")) else {
        return Vec::new();
    };
    let mut files: Vec<String> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == extension))
        .map(|p| {
            format!(
                "{folder}/{}",
                p.file_name().unwrap_or_default().to_string_lossy()
            )
        })
        .collect();
    files.sort();
    files
}

/// Every protocol file in `protocols/`, sorted.
pub fn protocol_files() -> Vec<String> {
    files_in("protocols", "yaml")
}

/// Every protocol's id (its file name without `.yaml`), sorted: the benchmarks' arguments.
pub fn protocol_ids() -> Vec<String> {
    protocol_files()
        .iter()
        .filter_map(|f| Path::new(f).file_stem())
        .map(|s| s.to_string_lossy().to_string())
        .collect()
}

/// A protocol, checked, with its embedded example patient (checked against it).
#[derive(Debug)]
pub struct Loaded {
    pub path: String,
    pub protocol: Protocol,
    pub example: Option<Patient>,
}

/// Any protocol file (relative to the root) with the modules it lists, checked.
pub fn protocol(sources: &mut Sources, path: &str) -> Protocol {
    load(sources, path).protocol
}

/// `protocols/<id>.yaml`, checked, with its example patient.
pub fn by_id(sources: &mut Sources, id: &str) -> Loaded {
    load(sources, &format!("protocols/{id}.yaml"))
}

/// Any protocol file (relative to the root) with its modules and example patient.
/// Reads a file of the repository for the loader, as the command line would (without
/// its file-system rules, which have tests of their own).
fn read_file(path: &Path, _: FileKind) -> Result<String, Unread> {
    std::fs::read_to_string(Path::new(ROOT).join(path)).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Unread::Missing,
        _ => Unread::Failed(rehab_syntax::Diagnostic::error("E006", e.to_string())),
    })
}

/// Loads a protocol of the repository through the engine's loader, the one pipeline
/// the command line uses too.
pub fn load(sources: &mut Sources, path: &str) -> Loaded {
    let mut loader = Loader::with_sources(std::mem::take(sources), read_file);
    let (loaded, diagnostics) = loader.protocol(Path::new(path));
    let loaded = loaded.unwrap_or_else(|| panic!("{path} checks: {diagnostics:?}"));
    *sources = loader.into_sources();
    let example = loaded.example.as_ref().map(|p| {
        let (patient, diagnostics) = check_patient(sources, loaded.file, &loaded.protocol, p);
        patient.unwrap_or_else(|| panic!("{path}'s example patient: {diagnostics:?}"))
    });
    Loaded {
        path: path.to_string(),
        protocol: loaded.protocol.clone(),
        example,
    }
}

#[derive(Debug)]
pub struct Scenario {
    pub file: String,
    pub patient: Patient,
    pub config: RunConfig,
}

/// Every scenario stored next to the protocol (`protocols/<id>/scenarios/*.yaml`) that
/// is about it: its patient (inline, from a file, or the example) and run settings.
pub fn scenarios(sources: &mut Sources, loaded: &Loaded) -> Vec<Scenario> {
    let own = loaded.path.trim_end_matches(".yaml");
    files_in(&format!("{own}/scenarios"), "yaml")
        .into_iter()
        .filter_map(|path| {
            let file = sources.add(SourceFile::new(path.clone(), read(&path)));
            let mut doc = parse_scenario(sources, file)
                .map_err(|d| format!("{d:?}"))
                .unwrap_or_else(|d| panic!("{path} parses: {d}"));
            if doc.protocol.is_some() {
                return None; // about another protocol
            }
            let patient = match (&doc.patient_file, doc.patient.take()) {
                (Some(relative), _) => {
                    // Left as `a/b/../c`: the file system resolves it.
                    let patient_path = format!("{}/{}", parent(&path), relative.value);
                    let id =
                        sources.add(SourceFile::new(patient_path.clone(), read(&patient_path)));
                    let doc = parse_patient(sources, id)
                        .map_err(|d| format!("{d:?}"))
                        .unwrap_or_else(|d| panic!("{patient_path} parses: {d}"));
                    checked_patient(sources, id, &loaded.protocol, &doc, &patient_path)
                }
                (None, Some(inline)) => {
                    checked_patient(sources, file, &loaded.protocol, &inline, &path)
                }
                (None, None) => loaded
                    .example
                    .clone()
                    .unwrap_or_else(|| panic!("{path}: no patient and no example")),
            };
            let (checked, diagnostics) = check_scenario(sources, file, &loaded.protocol, &doc);
            assert!(diagnostics.is_empty(), "{path}: {diagnostics:?}");
            Some(Scenario {
                file: path,
                patient,
                config: checked.config,
            })
        })
        .collect()
}

fn checked_patient(
    sources: &Sources,
    file: rehab_syntax::FileId,
    protocol: &Protocol,
    doc: &rehab_syntax::patient::PatientDoc,
    path: &str,
) -> Patient {
    let (patient, diagnostics) = check_patient(sources, file, protocol, doc);
    patient.unwrap_or_else(|| panic!("{path}: {diagnostics:?}"))
}

fn parent(path: &str) -> String {
    Path::new(path)
        .parent()
        .map(|p| p.display().to_string())
        .unwrap_or_default()
}

/// A patient's inputs with an empty journal, as simulations use them.
pub fn inputs_only(patient: &Patient) -> Patient {
    patient.without_journal()
}
