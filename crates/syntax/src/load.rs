//! Reading YAML text into the spanned models, with located diagnostics.

use serde::de::DeserializeOwned;

use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::from_tree;
use crate::patient::PatientDoc;
use crate::protocol::ProtocolDoc;
use crate::scenario::ScenarioDoc;
use crate::schema::{self, SchemaKind};
use crate::source::{FileId, SourceFile, Sources, Span};
use crate::structure::{self, Node};

/// The largest protocol or patient file the engine reads, in bytes.
pub const MAX_FILE_BYTES: usize = 1024 * 1024;

/// The deepest nesting of YAML collections the engine accepts.
pub const MAX_NESTING: usize = 64;

/// The most YAML nodes (mappings, lists and values) in one file, aliases expanded: a
/// large protocol has a few thousand.
pub const MAX_NODES: usize = 100_000;

/// The most aliases (`*name`) in one file.
pub const MAX_ALIASES: usize = 1_000;

/// Reads a protocol file. On failure, every structural problem found (all unknown,
/// missing and mistyped fields), or the one YAML syntax error that stopped the reading.
pub fn parse_protocol(sources: &Sources, file: FileId) -> Result<ProtocolDoc, Vec<Diagnostic>> {
    parse(sources, file, SchemaKind::Protocol)
}

/// Reads a patient file, reporting as [`parse_protocol`] does.
pub fn parse_patient(sources: &Sources, file: FileId) -> Result<PatientDoc, Vec<Diagnostic>> {
    parse(sources, file, SchemaKind::Patient)
}

/// Reads a scenario file, reporting as [`parse_protocol`] does.
pub fn parse_scenario(sources: &Sources, file: FileId) -> Result<ScenarioDoc, Vec<Diagnostic>> {
    parse(sources, file, SchemaKind::Scenario)
}

fn parse<T: DeserializeOwned>(
    sources: &Sources,
    file: FileId,
    kind: SchemaKind,
) -> Result<T, Vec<Diagnostic>> {
    let Some(source) = sources.get(file) else {
        return Err(vec![Diagnostic::error(codes::IO, "internal: unknown file")]);
    };
    // First the plain tree, checked against the schema so that every structural
    // problem is reported at once; then the typed load, which can only stop at one.
    let tree = read_tree(sources, file)?;
    let problems = structure::validate(file, &source.text, schema::cached(kind), &tree);
    if !problems.is_empty() {
        return Err(problems
            .into_iter()
            .map(|d| d.in_file(&source.path))
            .collect());
    }
    // The typed values are read from the tree when it can tell them (nearly always),
    // so the text is scanned once.
    if let Some(doc) = from_tree::from_tree(&tree, &source.text) {
        return Ok(doc);
    }
    // Otherwise from the text again. The tree read cleanly, so what the typed load can
    // still refuse is a value, such as a run of weeks written backwards.
    read(file, source, codes::BAD_VALUE)
}

/// Reads a file into a plain tree of nodes with places, scalars typed as YAML 1.2's
/// core schema reads them (as editors do).
pub fn read_tree(sources: &Sources, file: FileId) -> Result<Node, Vec<Diagnostic>> {
    let Some(source) = sources.get(file) else {
        return Err(vec![Diagnostic::error(codes::IO, "internal: unknown file")]);
    };
    let mut tree: Node = read(file, source, codes::YAML)?;
    structure::core_schema(&mut tree, &source.text);
    Ok(tree)
}

/// Deserializes the file; an error whose cause is not recognised gets `fallback`.
fn read<T: DeserializeOwned>(
    file: FileId,
    source: &SourceFile,
    fallback: &'static str,
) -> Result<T, Vec<Diagnostic>> {
    if source.text.len() > MAX_FILE_BYTES {
        return Err(vec![
            Diagnostic::error(
                codes::YAML,
                format!(
                    "file is {} bytes, more than the limit of {MAX_FILE_BYTES}",
                    source.text.len()
                ),
            )
            .in_file(&source.path),
        ]);
    }
    let mut budget = serde_saphyr::budget::Budget::default();
    budget.max_depth = MAX_NESTING;
    budget.max_nodes = MAX_NODES;
    budget.max_aliases = MAX_ALIASES;
    let options = serde_saphyr::options! {
        with_snippet: false,
        budget: Some(budget),
    };
    serde_saphyr::from_str_with_options::<T>(&source.text, options)
        .map_err(|e| vec![yaml_diagnostic(file, source, &e, fallback)])
}

/// Turns a YAML error into a diagnostic with a stable code chosen by its cause.
fn yaml_diagnostic(
    file: FileId,
    source: &SourceFile,
    error: &serde_saphyr::Error,
    fallback: &'static str,
) -> Diagnostic {
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
        fallback
    };
    let message = plain_words(message);
    let mut diagnostic = Diagnostic::error(code, message.clone()).in_file(&source.path);
    if message.contains("found a tab") {
        diagnostic = diagnostic.with_help("indent with spaces: YAML does not allow tabs there");
    }
    match error.location() {
        // Errors of the scanner carry a line and column but no byte offset.
        Some(location) if location.span().byte_offset().is_none() && location.line() > 0 => {
            let at = source.offset_of(location.line(), location.column());
            diagnostic.at(Span::new(file, at, at + 1))
        }
        Some(location) => diagnostic.at(Span::from_location(file, &location)),
        None => diagnostic,
    }
}

/// The YAML library's message in the engine's words: some of its messages name its own
/// functions, options and counters, which mean nothing to an author.
fn plain_words(message: String) -> String {
    if message.starts_with("budget breached") {
        "the file is too large once its aliases (`*name`) are expanded; write the values out, or use fewer aliases".to_string()
    } else if message.starts_with("multiple YAML documents") {
        "the file holds more than one YAML document (a second `---`); a protocol, patient or scenario file is one document".to_string()
    } else if message.contains("merge keys") {
        "YAML merge keys (`<<`) are not accepted; write the fields out".to_string()
    } else if let Some(rest) = message.strip_prefix("non-finite float ") {
        let value = rest.split(' ').next().unwrap_or("");
        format!("{value} is not a number the engine accepts: give a finite number")
    } else if message.contains("configured policy") {
        message
            .replace(" by the configured policy", "")
            .replace(" by configured policy", "")
    } else {
        message
    }
}

#[cfg(test)]
mod tests {
    use super::plain_words;

    #[test]
    fn library_words_do_not_reach_authors() {
        for message in [
            "multiple YAML documents detected; use from_str_multiple or from_str_multiple_with_options",
            "non-finite float `.nan` rejected by the configured policy",
            "YAML merge keys are not allowed by configured policy",
            "tag `!x` on a struct field name is not allowed by configured policy",
        ] {
            let plain = plain_words(message.to_string());
            assert!(!plain.contains("from_str"), "{plain}");
            assert!(!plain.contains("policy"), "{plain}");
        }
    }
}
