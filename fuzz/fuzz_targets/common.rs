//! Morra's protocol, loaded once per fuzzing process.

use rehab_engine::ModuleFile;
use rehab_engine::model::Protocol;
use rehab_syntax::{SourceFile, Sources};

thread_local! {
    static MORRA: (Sources, Protocol) = {
        let mut sources = Sources::new();
        let protocol = load(&mut sources);
        (sources, protocol)
    };
}

/// Morra's protocol, checked once per thread, and a copy of the sources it was read
/// from, to add the fuzzed file to.
pub fn morra() -> (Sources, Protocol) {
    MORRA.with(|(sources, protocol)| (sources.clone(), protocol.clone()))
}

fn load(sources: &mut Sources) -> Protocol {
    let file = sources.add(SourceFile::new(
        "protocols/morra.yaml",
        include_str!("../../protocols/morra.yaml"),
    ));
    let module = sources.add(SourceFile::new(
        "protocols/morra.rhai",
        include_str!("../../protocols/morra.rhai"),
    ));
    let doc = match rehab_syntax::parse_protocol(sources, file) {
        Ok(d) => d,
        Err(d) => panic!("morra does not parse: {d:?}"),
    };
    let modules = [ModuleFile {
        name: "morra".into(),
        file: module,
    }];
    match rehab_engine::check_protocol(sources, file, &doc, &modules) {
        (Some(p), _) => p,
        (None, d) => panic!("morra does not check: {d:?}"),
    }
}
