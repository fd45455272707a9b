//! The patient loader and checker, against Morra's protocol: any bytes give a patient or
//! diagnostics; a patient that checks runs.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use rehab_syntax::SourceFile;

fuzz_target!(|text: &str| {
    let (mut sources, protocol) = common::morra();
    let file = sources.add(SourceFile::new("patient.yaml", text));
    match rehab_syntax::parse_patient(&sources, file) {
        Ok(doc) => {
            let (patient, diagnostics) =
                rehab_engine::check_patient(&sources, file, &protocol, &doc);
            for d in &diagnostics {
                let _ = d.render(&sources);
            }
            if let Some(patient) = patient {
                let _ = rehab_engine::run(&protocol, &patient, &Default::default());
            }
        }
        Err(diagnostics) => {
            for d in &diagnostics {
                let _ = d.render(&sources);
            }
        }
    }
});
