//! The JSON Schemas for editors: committed copies are fresh, every protocol and example
//! names its schema on its first line, and every such file validates against the
//! committed schema under an independent JSON Schema validator.

use crate::common;

use std::path::{Path, PathBuf};

use common::{engine, relative, stdout};
use rehab_syntax::schema::{SchemaKind, schema_text};
use rehab_syntax::{SourceFile, Sources};
use serde_json::Value;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn committed(kind: SchemaKind) -> String {
    let path = Path::new(ROOT).join("schemas").join(kind.file_name());
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn committed_schemas_are_fresh() {
    for kind in SchemaKind::ALL {
        assert_eq!(
            committed(kind),
            schema_text(kind),
            "schemas/{} is stale: run `cargo run -- schema {} > schemas/{}`",
            kind.file_name(),
            kind.name(),
            kind.file_name()
        );
        // `engine schema` prints the same text.
        let o = engine(&["schema", kind.name()]);
        assert_eq!(o.status.code(), Some(0));
        assert_eq!(stdout(&o), schema_text(kind));
    }
}

#[test]
fn schemas_are_draft_07() {
    for kind in SchemaKind::ALL {
        let schema: Value = serde_json::from_str(&committed(kind)).expect("schema is JSON");
        assert_eq!(
            schema["$schema"],
            "http://json-schema.org/draft-07/schema#",
            "{}",
            kind.name()
        );
        assert!(
            jsonschema::draft7::meta::is_valid(&schema),
            "{}",
            kind.name()
        );
    }
}

/// YAML files under `dir`, recursively, sorted.
fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// Every protocol and example file, with the schema it must name and validate against.
fn editor_files() -> Vec<(PathBuf, SchemaKind)> {
    let root = Path::new(ROOT);
    let mut files: Vec<(PathBuf, SchemaKind)> = yaml_files(&root.join("protocols"))
        .into_iter()
        .map(|p| {
            // Scenario files (a patient with expectations) are not protocols.
            let kind = if p.components().any(|c| c.as_os_str() == "scenarios") {
                SchemaKind::Scenario
            } else {
                SchemaKind::Protocol
            };
            (p, kind)
        })
        .collect();
    files.extend(
        yaml_files(&root.join("examples"))
            .into_iter()
            .map(|p| (p, SchemaKind::Patient)),
    );
    files
}

#[test]
fn every_protocol_and_example_names_its_schema() {
    let files = editor_files();
    assert!(files.len() >= 9, "{files:?}");
    for (path, kind) in files {
        let text = std::fs::read_to_string(&path).expect("read");
        let first = text.lines().next().unwrap_or("");
        let target = first
            .strip_prefix("# yaml-language-server: $schema=")
            .unwrap_or_else(|| panic!("{}: first line is {first:?}", relative(&path)));
        // The reference is relative to the file and reaches the committed schema.
        let resolved = path.parent().expect("parent").join(target);
        let expected = Path::new(ROOT).join("schemas").join(kind.file_name());
        assert_eq!(
            resolved.canonicalize().ok(),
            expected.canonicalize().ok(),
            "{}: {target}",
            relative(&path)
        );
    }
}

/// The file as JSON, read the way YAML 1.2 (and so yaml-language-server) reads it.
fn as_json(path: &Path) -> Value {
    let mut sources = Sources::new();
    let text = std::fs::read_to_string(path).expect("read");
    let file = sources.add(SourceFile::new(relative(path), text));
    let tree = rehab_syntax::read_tree(&sources, file)
        .unwrap_or_else(|d| panic!("{}: {d:?}", relative(path)));
    rehab_syntax::structure::to_json(&tree)
}

#[test]
fn every_protocol_and_example_validates_against_the_committed_schema() {
    for (path, kind) in editor_files() {
        let schema: Value = serde_json::from_str(&committed(kind)).expect("schema");
        let validator = jsonschema::draft7::new(&schema).expect("schema compiles");
        let instance = as_json(&path);
        let errors: Vec<String> = validator
            .iter_errors(&instance)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", relative(&path));
    }
}

/// The engine's own structural check and the independent validator agree on which
/// fixtures are structurally wrong: the schema says what the loader accepts.
#[test]
fn the_validator_rejects_the_structural_fixtures() {
    let dir = Path::new(ROOT).join("tests/fixtures/invalid");
    let mut rejected = 0;
    for path in yaml_files(&dir) {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let kind = if name.starts_with("patient-") {
            SchemaKind::Patient
        } else {
            SchemaKind::Protocol
        };
        let mut sources = Sources::new();
        let text = std::fs::read_to_string(&path).expect("read");
        let file = sources.add(SourceFile::new(relative(&path), text));
        // Files that are not YAML at all have no tree to validate.
        let Ok(tree) = rehab_syntax::read_tree(&sources, file) else {
            continue;
        };
        let engine_says = rehab_syntax::structure::validate(
            file,
            &sources.get(file).expect("file").text,
            rehab_syntax::schema::cached(kind),
            &tree,
        );
        let schema: Value = serde_json::from_str(&committed(kind)).expect("schema");
        let validator = jsonschema::draft7::new(&schema).expect("schema compiles");
        let valid = validator.is_valid(&rehab_syntax::structure::to_json(&tree));
        assert_eq!(
            engine_says.is_empty(),
            valid,
            "{name}: engine found {engine_says:?}; validator says valid = {valid}"
        );
        if !valid {
            rejected += 1;
        }
    }
    assert!(rejected >= 10, "only {rejected} structural fixtures");
}
