//! `docs/rhai-api.md` must keep up with the code: every host function the sandbox
//! registers, and every limit authors can hit with its default value.

use rehab_rules::{HOST_FUNCTIONS, Limits};

const DOC_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/rhai-api.md");

fn doc() -> String {
    std::fs::read_to_string(DOC_PATH).unwrap_or_else(|e| panic!("cannot read {DOC_PATH}: {e}"))
}

/// Whether `text` holds `value` as a whole number: not inside a longer one.
fn has_value(text: &str, value: &str) -> bool {
    text.match_indices(value).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + value.len()..].chars().next();
        !before.is_some_and(|c| c.is_ascii_digit())
            && !after.is_some_and(|c| c.is_ascii_digit() || c == ',' || c == '.')
    })
}

#[test]
fn every_host_function_is_documented() {
    let doc = doc();
    for f in HOST_FUNCTIONS {
        let call = format!("`{}(", f.name);
        assert!(
            doc.contains(&call),
            "docs/rhai-api.md does not document host function `{}`: no {call} in it",
            f.name
        );
        for form in f.signature.split(" / ") {
            assert!(
                doc.contains(&format!("`{form}`")),
                "docs/rhai-api.md does not show host function `{}` as `{form}`, its signature",
                f.name
            );
        }
    }
}

#[test]
fn limits_are_documented_with_their_defaults() {
    let doc = doc();
    let limits = Limits::default();
    // The timeout is written as error messages show it (`Duration`'s debug form, `1s`).
    let expected = [
        ("max_operations", limits.max_operations.to_string()),
        ("max_call_levels", limits.max_call_levels.to_string()),
        ("max_string_size", limits.max_string_size.to_string()),
        ("max_array_size", limits.max_array_size.to_string()),
        ("max_map_size", limits.max_map_size.to_string()),
        ("timeout", format!("{:?}", limits.timeout)),
    ];
    for (name, value) in expected {
        let named = format!("`{name}`");
        let lines: Vec<&str> = doc.lines().filter(|l| l.contains(&named)).collect();
        assert!(
            !lines.is_empty(),
            "docs/rhai-api.md does not mention the limit {named}"
        );
        assert!(
            lines.iter().any(|l| has_value(l, &value)),
            "docs/rhai-api.md mentions the limit {named} but not with its default {value} on the same line"
        );
    }
}

#[test]
fn whole_numbers_are_told_apart() {
    assert!(has_value("| `max_call_levels` | 32 |", "32"));
    assert!(!has_value("| `max_call_levels` | 320 |", "32"));
    assert!(!has_value("| `max_call_levels` | 132 |", "32"));
    assert!(!has_value("| `max_operations` | 100,000 |", "100"));
}
