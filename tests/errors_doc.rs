//! `docs/errors.md` lists every code the engine can emit, and its examples are real:
//! each "Shown by" command is run and must report that code.

use crate::common;

use std::collections::BTreeSet;
use std::path::Path;

use common::{engine, stderr, stdout};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn doc() -> String {
    std::fs::read_to_string(Path::new(ROOT).join("docs/errors.md")).expect("docs/errors.md")
}

/// The codes with a section of their own (`## E001: ...`), in order.
fn documented() -> Vec<String> {
    doc()
        .lines()
        .filter_map(|l| l.strip_prefix("## "))
        .filter_map(|h| h.split(':').next())
        .filter(|c| is_code(c))
        .map(str::to_string)
        .collect()
}

fn is_code(s: &str) -> bool {
    s.len() == 4
        && (s.starts_with('E') || s.starts_with('W'))
        && s[1..].chars().all(|c| c.is_ascii_digit())
}

/// Every code-like token (`E0xx`, `W0xx`) in a text.
fn codes_in(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| is_code(w))
        .map(str::to_string)
        .collect()
}

#[test]
fn every_code_is_documented_once_in_order() {
    let documented = documented();
    let declared: Vec<String> = rehab_syntax::codes::ALL
        .iter()
        .map(|(c, _)| c.to_string())
        .collect();
    // In number order, warnings among errors (W042 between E041 and E044).
    let mut sorted = declared.clone();
    sorted.sort_by(|a, b| a[1..].cmp(&b[1..]));
    let unique: BTreeSet<&String> = documented.iter().collect();
    assert_eq!(unique.len(), documented.len(), "a code has two sections");
    assert_eq!(documented, sorted, "docs/errors.md and codes::ALL differ");
}

/// Scans the sources of every crate for code literals: a code written anywhere in the
/// engine's code must be documented, even one added without going through `codes`.
#[test]
fn no_code_in_the_sources_is_missing_from_the_document() {
    let documented: BTreeSet<String> = documented().into_iter().collect();
    let mut stack = vec![Path::new(ROOT).join("crates")];
    let mut scanned = 0;
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                if !path.ends_with("target") {
                    stack.push(path);
                }
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("read");
                // Only string literals: `"E010"`.
                for code in codes_in(&text) {
                    if text.contains(&format!("\"{code}\"")) {
                        assert!(
                            documented.contains(&code),
                            "{} emits {code}, which docs/errors.md does not list",
                            path.display()
                        );
                    }
                }
                scanned += 1;
            }
        }
    }
    assert!(scanned > 20, "scanned only {scanned} files");
}

/// Every code in a snapshot of the project's output is documented.
#[test]
fn no_snapshot_shows_an_undocumented_code() {
    let documented: BTreeSet<String> = documented().into_iter().collect();
    let dir = Path::new(ROOT).join("tests/snapshots");
    for entry in std::fs::read_dir(&dir).expect("snapshots").flatten() {
        let text = std::fs::read_to_string(entry.path()).expect("read");
        for line in text.lines() {
            let Some(rest) = line
                .strip_prefix("error[")
                .or_else(|| line.strip_prefix("warning["))
            else {
                continue;
            };
            let code = rest.split(']').next().unwrap_or("");
            assert!(
                documented.contains(code),
                "{}: {code} is not in docs/errors.md",
                entry.path().display()
            );
        }
    }
}

#[test]
fn every_shown_by_command_reports_its_code() {
    let doc = doc();
    let mut current = String::new();
    let mut shown = 0;
    let mut without = Vec::new();
    for line in doc.lines() {
        if let Some(h) = line.strip_prefix("## ") {
            if is_code(&current) && !current.is_empty() && shown == 0 {
                without.push(current.clone());
            }
            current = h.split(':').next().unwrap_or("").to_string();
            shown = 0;
            continue;
        }
        let Some(command) = line
            .strip_prefix("Shown by: `engine ")
            .and_then(|c| c.strip_suffix('`'))
        else {
            continue;
        };
        shown += 1;
        let args: Vec<&str> = command.split_whitespace().collect();
        let o = engine(&args);
        // `engine test` reports a scenario's problems with its results, on stdout.
        let err = stderr(&o) + stdout(&o).as_str();
        assert!(
            err.contains(&format!("[{current}]")),
            "`engine {command}` does not show {current}:\n{err}"
        );
        if current.starts_with('E') {
            assert_eq!(o.status.code(), Some(1), "engine {command}");
        }
    }
    if is_code(&current) && shown == 0 {
        without.push(current);
    }
    // Only a code that no file can cause may go without a command: E050 comes from the
    // command line, and E067 is the time backstop that counted limits always beat.
    assert_eq!(
        without,
        ["E050", "E067"],
        "codes without a `Shown by` command"
    );
}
