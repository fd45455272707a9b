//! JSON Schemas (draft-07) of the protocol and patient files, generated from the very
//! types the loader reads, so an editor and the engine agree on what a file may hold.

use std::sync::LazyLock;

use schemars::generate::SchemaSettings;

use crate::patient::PatientDoc;
use crate::protocol::ProtocolDoc;
use crate::scenario::ScenarioDoc;

/// Which file format a schema describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemaKind {
    Protocol,
    Patient,
    Scenario,
}

impl SchemaKind {
    pub const ALL: [SchemaKind; 3] = [
        SchemaKind::Protocol,
        SchemaKind::Patient,
        SchemaKind::Scenario,
    ];

    /// The word used on the command line and in the committed file's name.
    pub fn name(self) -> &'static str {
        match self {
            SchemaKind::Protocol => "protocol",
            SchemaKind::Patient => "patient",
            SchemaKind::Scenario => "scenario",
        }
    }

    /// The committed file, relative to the repository root: `schemas/protocol.schema.json`.
    pub fn file_name(self) -> String {
        format!("{}.schema.json", self.name())
    }
}

/// The schema, read once per process: the structural check walks it for every file.
///
/// It is read from the committed file, built into the binary, rather than generated:
/// reading the text costs a third of generating it, which every command would pay at
/// start-up. `tests/schema.rs` holds the committed files equal to the generated
/// schemas, and [`tests::the_built_in_schemas_are_the_generated_ones`] the values read
/// here; should the text ever fail to read, the schema is generated instead.
pub fn cached(kind: SchemaKind) -> &'static serde_json::Value {
    fn read(kind: SchemaKind, text: &str) -> serde_json::Value {
        serde_json::from_str(text).unwrap_or_else(|_| schema(kind))
    }
    static PROTOCOL: LazyLock<serde_json::Value> = LazyLock::new(|| {
        read(
            SchemaKind::Protocol,
            include_str!("../../../schemas/protocol.schema.json"),
        )
    });
    static PATIENT: LazyLock<serde_json::Value> = LazyLock::new(|| {
        read(
            SchemaKind::Patient,
            include_str!("../../../schemas/patient.schema.json"),
        )
    });
    static SCENARIO: LazyLock<serde_json::Value> = LazyLock::new(|| {
        read(
            SchemaKind::Scenario,
            include_str!("../../../schemas/scenario.schema.json"),
        )
    });
    match kind {
        SchemaKind::Protocol => &PROTOCOL,
        SchemaKind::Patient => &PATIENT,
        SchemaKind::Scenario => &SCENARIO,
    }
}

/// The schema as a JSON value.
pub fn schema(kind: SchemaKind) -> serde_json::Value {
    let generator = SchemaSettings::draft07().into_generator();
    let mut root = match kind {
        SchemaKind::Protocol => generator.into_root_schema_for::<ProtocolDoc>(),
        SchemaKind::Patient => generator.into_root_schema_for::<PatientDoc>(),
        SchemaKind::Scenario => generator.into_root_schema_for::<ScenarioDoc>(),
    };
    let title = match kind {
        SchemaKind::Protocol => "Rehabilitation protocol",
        SchemaKind::Patient => "Patient file",
        SchemaKind::Scenario => "Protocol test scenario",
    };
    // `$schema` and `title` first, for people reading the committed file.
    let mut ordered = serde_json::Map::new();
    if let Some(draft) = root.remove("$schema") {
        ordered.insert("$schema".into(), draft);
    }
    ordered.insert("title".into(), title.into());
    if let serde_json::Value::Object(rest) = root.to_value() {
        ordered.extend(rest);
    }
    serde_json::Value::Object(ordered)
}

/// The schema as the pretty-printed text committed under `schemas/`, ending in a newline.
pub fn schema_text(kind: SchemaKind) -> String {
    let mut text = serde_json::to_string_pretty(&schema(kind)).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_schemas_are_the_generated_ones() {
        for kind in SchemaKind::ALL {
            assert_eq!(cached(kind), &schema(kind), "{}", kind.name());
        }
    }
}
