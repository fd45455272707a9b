//! `docs/limits.md` states the numbers the engine enforces: each must match its constant.

use std::path::Path;

fn doc() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/limits.md"))
        .expect("docs/limits.md")
}

/// The table row naming `what` states `value`.
fn states(doc: &str, what: &str, value: &str) {
    let row = doc
        .lines()
        .find(|l| l.starts_with(&format!("| {what} |")))
        .unwrap_or_else(|| panic!("docs/limits.md has no row for {what:?}"));
    assert!(
        row.split('|')
            .nth(2)
            .is_some_and(|cell| cell.trim().starts_with(value)),
        "docs/limits.md: {what} should be {value}: {row}"
    );
}

#[test]
fn documented_limits_match_the_constants() {
    let doc = doc();
    states(&doc, "file size", &rehab_syntax::MAX_FILE_BYTES.to_string());
    states(
        &doc,
        "nesting of mappings and lists",
        &rehab_syntax::MAX_NESTING.to_string(),
    );
    states(
        &doc,
        "YAML nodes, aliases expanded",
        &rehab_syntax::MAX_NODES.to_string(),
    );
    states(
        &doc,
        "aliases (`*name`)",
        &rehab_syntax::MAX_ALIASES.to_string(),
    );
    states(
        &doc,
        "week numbers",
        &format!("1 to {}", rehab_syntax::protocol::MAX_WEEK),
    );
    states(
        &doc,
        "length of a plan",
        &rehab_engine::MAX_PLAN_DAYS.to_string(),
    );

    let limits = rehab_rules::Limits::default();
    states(
        &doc,
        "operations per evaluation",
        &limits.max_operations.to_string(),
    );
    states(
        &doc,
        "function call depth",
        &limits.max_call_levels.to_string(),
    );
    states(
        &doc,
        "expression depth",
        &format!(
            "{} ({} inside functions)",
            limits.max_expr_depth, limits.max_function_expr_depth
        ),
    );
    states(&doc, "string size", &limits.max_string_size.to_string());
    states(&doc, "array size", &limits.max_array_size.to_string());
    states(&doc, "map size", &limits.max_map_size.to_string());
    states(
        &doc,
        "modules imported per evaluation",
        &limits.max_modules.to_string(),
    );
    states(
        &doc,
        "time per evaluation",
        &format!("{} seconds", limits.timeout.as_secs()),
    );
    states(
        &doc,
        "operations per run (one plan, or one simulated patient)",
        &limits.max_run_operations.to_string(),
    );
    states(
        &doc,
        "patient dates",
        &format!("{} to {}", rehab_engine::MIN_YEAR, rehab_engine::MAX_YEAR),
    );
}
