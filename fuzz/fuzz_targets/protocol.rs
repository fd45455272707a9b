//! The protocol loader and checker: any bytes give a checked protocol or diagnostics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rehab_syntax::{SourceFile, Sources};

fuzz_target!(|text: &str| {
    let mut sources = Sources::new();
    let file = sources.add(SourceFile::new("fuzz.yaml", text));
    if let Ok(doc) = rehab_syntax::parse_protocol(&sources, file) {
        let (protocol, diagnostics) = rehab_engine::check_protocol(&sources, file, &doc, &[]);
        for d in &diagnostics {
            let _ = d.render(&sources);
        }
        // A protocol that checks runs for its own example patient, if it has one.
        if let (Some(protocol), Some(example)) = (protocol, &doc.example_patient) {
            let (patient, _) = rehab_engine::check_patient(&sources, file, &protocol, example);
            if let Some(patient) = patient {
                let _ = rehab_engine::run(&protocol, &patient, &Default::default());
            }
        }
    } else if let Err(diagnostics) = rehab_syntax::parse_protocol(&sources, file) {
        for d in &diagnostics {
            let _ = d.render(&sources);
        }
    }
});
