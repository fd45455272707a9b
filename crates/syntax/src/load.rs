//! Reading YAML text into the spanned models, with located diagnostics.

use serde::de::DeserializeOwned;

use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::patient::PatientDoc;
use crate::protocol::ProtocolDoc;
use crate::source::{FileId, Sources, Span};

/// The largest protocol or patient file the engine reads, in bytes.
pub const MAX_FILE_BYTES: usize = 1024 * 1024;

/// The deepest nesting of YAML collections the engine accepts.
pub const MAX_NESTING: usize = 64;

pub fn parse_protocol(sources: &Sources, file: FileId) -> Result<ProtocolDoc, Diagnostic> {
    parse(sources, file)
}

pub fn parse_patient(sources: &Sources, file: FileId) -> Result<PatientDoc, Diagnostic> {
    parse(sources, file)
}

fn parse<T: DeserializeOwned>(sources: &Sources, file: FileId) -> Result<T, Diagnostic> {
    let Some(source) = sources.get(file) else {
        return Err(Diagnostic::error(codes::IO, "internal: unknown file"));
    };
    if source.text.len() > MAX_FILE_BYTES {
        return Err(Diagnostic::error(
            codes::YAML,
            format!(
                "file is {} bytes, more than the limit of {MAX_FILE_BYTES}",
                source.text.len()
            ),
        )
        .in_file(&source.path));
    }
    let mut budget = serde_saphyr::budget::Budget::default();
    budget.max_depth = MAX_NESTING;
    let options = serde_saphyr::options! {
        with_snippet: false,
        budget: Some(budget),
    };
    serde_saphyr::from_str_with_options::<T>(&source.text, options)
        .map_err(|e| yaml_diagnostic(file, &source.path, &e))
}

/// Turns a YAML error into a diagnostic with a stable code chosen by its cause.
fn yaml_diagnostic(file: FileId, path: &str, error: &serde_saphyr::Error) -> Diagnostic {
    let full = error.to_string();
    // The crate appends the place in words; the diagnostic carries it as a span instead.
    let message = match full.rsplit_once(" at line ") {
        Some((head, _)) => head.to_string(),
        None => full.clone(),
    };
    let message = message
        .strip_prefix("error: ")
        .unwrap_or(&message)
        .replace(", set DuplicateKeyPolicy in Options if acceptable", "");
    let code = if message.starts_with("unknown field") || message.starts_with("unknown variant") {
        if message.starts_with("unknown variant") {
            codes::BAD_VALUE
        } else {
            codes::UNKNOWN_FIELD
        }
    } else if message.starts_with("missing field") {
        codes::MISSING_FIELD
    } else if message.starts_with("duplicate mapping key") {
        codes::DUPLICATE_KEY
    } else if message.starts_with("invalid")
        || message.starts_with("expected")
        || message.contains("did not match any variant")
    {
        codes::BAD_VALUE
    } else {
        codes::YAML
    };
    let diagnostic = Diagnostic::error(code, message).in_file(path);
    match error.location() {
        Some(location) => diagnostic.at(Span::from_location(file, &location)),
        None => diagnostic,
    }
}
