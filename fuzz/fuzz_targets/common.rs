//! Morra's protocol, loaded once per fuzzing process through the engine's loader, from
//! copies of the files built into the fuzz target.

use std::path::Path;

use rehab_engine::load::{FileKind, Loader, Unread};
use rehab_engine::model::Protocol;
use rehab_syntax::Sources;

thread_local! {
    static MORRA: (Sources, Protocol) = load();
}

/// Morra's protocol, checked once per thread, and a copy of the sources it was read
/// from, to add the fuzzed file to.
pub fn morra() -> (Sources, Protocol) {
    MORRA.with(|(sources, protocol)| (sources.clone(), protocol.clone()))
}

/// Reads the two files of Morra's protocol from memory.
fn read(path: &Path, _: FileKind) -> Result<String, Unread> {
    match path.to_str() {
        Some("protocols/morra.yaml") => Ok(include_str!("../../protocols/morra.yaml").into()),
        Some("protocols/morra.rhai") => Ok(include_str!("../../protocols/morra.rhai").into()),
        _ => Err(Unread::Missing),
    }
}

fn load() -> (Sources, Protocol) {
    let mut loader = Loader::new(read);
    let (loaded, diagnostics) = loader.protocol(Path::new("protocols/morra.yaml"));
    let Some(loaded) = loaded else {
        panic!("morra does not check: {diagnostics:?}");
    };
    (loader.into_sources(), loaded.protocol.clone())
}
