//! The authoring guide's field reference lists every field of every file format: each
//! object of the JSON Schemas has a `### \`Name\`` section with a row per property.

use std::path::Path;

use rehab_syntax::schema::{SchemaKind, schema};

#[test]
fn every_field_of_every_format_is_in_the_reference() {
    let guide =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/authoring.md"))
            .expect("docs/authoring.md");
    let reference = guide
        .split("## Field reference")
        .nth(1)
        .expect("a field reference section");
    let section = |name: &str| -> &str {
        let heading = format!("### `{name}`");
        let start = reference
            .find(&heading)
            .unwrap_or_else(|| panic!("no section {heading}"));
        let rest = &reference[start + heading.len()..];
        &rest[..rest.find("\n### ").unwrap_or(rest.len())]
    };
    let mut checked = 0;
    for kind in SchemaKind::ALL {
        let s = schema(kind);
        let root = match kind {
            SchemaKind::Protocol => "Protocol",
            SchemaKind::Patient => "PatientDoc",
            SchemaKind::Scenario => "ScenarioDoc",
        };
        let mut objects = vec![(root.to_string(), &s)];
        if let Some(defs) = s["definitions"].as_object() {
            objects.extend(defs.iter().map(|(k, v)| (k.clone(), v)));
        }
        for (name, def) in objects {
            let Some(props) = def["properties"].as_object() else {
                continue;
            };
            let text = section(&name);
            let required: Vec<&str> = def["required"]
                .as_array()
                .map(|r| r.iter().filter_map(|v| v.as_str()).collect())
                .unwrap_or_default();
            for field in props.keys() {
                let star = if required.contains(&field.as_str()) {
                    "*"
                } else {
                    ""
                };
                let row = format!("| `{field}`{star} |");
                assert!(text.contains(&row), "{name}: no row {row}");
                checked += 1;
            }
        }
    }
    assert!(checked > 100, "only {checked} fields");
}
