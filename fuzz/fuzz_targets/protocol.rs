//! The protocol loader and checker: any bytes give a checked protocol or diagnostics.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use rehab_engine::load::{FileKind, Loader, Unread};

fuzz_target!(|text: &str| {
    // The same loader the command line uses, reading the fuzzed text as the protocol
    // file; any module it lists is missing.
    let mut loader = Loader::new(|path: &Path, _: FileKind| match path.to_str() {
        Some("fuzz.yaml") => Ok(text.to_string()),
        _ => Err(Unread::Missing),
    });
    let (loaded, diagnostics) = loader.protocol(Path::new("fuzz.yaml"));
    for d in &diagnostics {
        let _ = d.render(loader.sources());
    }
    // A protocol that checks runs for its own example patient, if it has one.
    if let Some(loaded) = loaded
        && let Some(example) = &loaded.example
    {
        let (patient, _) =
            rehab_engine::check_patient(loader.sources(), loaded.file, &loaded.protocol, example);
        if let Some(patient) = patient {
            let _ = rehab_engine::run(&loaded.protocol, &patient, &Default::default());
        }
    }
});
