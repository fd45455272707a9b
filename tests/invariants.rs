//! The invariants of `docs/ARCHITECTURE.md` that a compiler does not already hold, as
//! tests: the crates' dependencies point one way, library crates do no input or output,
//! they deny panicking shortcuts, and one loader serves every caller.

use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The library crates, each with the project crates and the outside crates it may use.
const LIBRARIES: &[(&str, &[&str], &[&str])] = &[
    ("dose", &[], &["pest", "pest_derive", "serde"]),
    (
        "syntax",
        &["rehab-dose"],
        &["serde", "serde-saphyr", "jiff", "schemars", "serde_json"],
    ),
    ("rules", &[], &["rhai", "jiff", "compact_str", "smallvec"]),
    (
        "engine",
        &["rehab-dose", "rehab-syntax", "rehab-rules"],
        &["serde", "jiff", "sha2", "serde_json"],
    ),
];

/// The names under `[dependencies]` of a crate's manifest.
fn dependencies(krate: &str) -> Vec<String> {
    let manifest = std::fs::read_to_string(
        Path::new(ROOT)
            .join("crates")
            .join(krate)
            .join("Cargo.toml"),
    )
    .expect("a manifest");
    let mut in_section = false;
    let mut names = Vec::new();
    for line in manifest.lines() {
        if line.starts_with('[') {
            in_section = line.trim() == "[dependencies]";
            continue;
        }
        if in_section
            && let Some((name, _)) = line.split_once(['.', '=', ' '])
            && !name.trim().is_empty()
            && !name.starts_with('#')
        {
            names.push(name.trim().to_string());
        }
    }
    names
}

/// Every `.rs` file under `dir`.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("a folder").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// The code of a file without its comments, so that examples in comments do not count.
fn code(path: &Path) -> String {
    std::fs::read_to_string(path)
        .expect("a source file")
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn dependencies_point_one_way() {
    for (krate, project, outside) in LIBRARIES {
        for name in dependencies(krate) {
            assert!(
                project.contains(&name.as_str()) || outside.contains(&name.as_str()),
                "crates/{krate} depends on `{name}`, which docs/ARCHITECTURE.md does not let it"
            );
        }
    }
}

#[test]
fn library_crates_do_no_input_or_output() {
    for (krate, ..) in LIBRARIES {
        for file in sources(&Path::new(ROOT).join("crates").join(krate).join("src")) {
            let code = code(&file);
            for forbidden in [
                "std::fs",
                "File::open",
                "println!",
                "eprintln!",
                "print!(",
                "std::process",
                "std::env",
                "stdin()",
            ] {
                // Unit tests may read fixtures.
                let before_tests = code.split("#[cfg(test)]").next().unwrap_or("");
                assert!(
                    !before_tests.contains(forbidden),
                    "{} uses `{forbidden}`: only the command line reads files, prints or exits",
                    file.display()
                );
            }
        }
    }
}

#[test]
fn library_crates_deny_unwrap_and_expect() {
    for (krate, ..) in LIBRARIES {
        let lib = std::fs::read_to_string(
            Path::new(ROOT)
                .join("crates")
                .join(krate)
                .join("src/lib.rs"),
        )
        .expect("lib.rs");
        assert!(
            lib.contains("#![deny(clippy::unwrap_used, clippy::expect_used)]"),
            "crates/{krate} does not deny unwrap and expect"
        );
    }
}

/// The reading, parsing and checking of a protocol is written once, in the engine's
/// loader; everything else calls the loader.
#[test]
fn one_loader_serves_every_caller() {
    let roots = ["crates", "benches", "fuzz/fuzz_targets", "tests"];
    for root in roots {
        for file in sources(&Path::new(ROOT).join(root)) {
            let shown = file
                .strip_prefix(ROOT)
                .unwrap_or(&file)
                .display()
                .to_string();
            if shown.ends_with("crates/engine/src/load.rs")
                || shown.contains("crates/engine/src/check/")
                || shown.ends_with("crates/engine/src/lib.rs")
                || shown.ends_with("tests/invariants.rs")
            {
                continue;
            }
            let code = code(&file);
            // A benchmark named after what it measures is not a call.
            let code = code.replace("fn check_protocol(", "");
            assert!(
                !code.contains("check_protocol("),
                "{shown} checks a protocol itself instead of using rehab_engine::load::Loader"
            );
        }
    }
}

/// Files stay small enough to read whole, and the runner's and checker's functions short
/// enough to hold in mind: no file under `crates/*/src` over 900 lines, no function in
/// `run/` or `check/` over 100.
#[test]
fn files_and_functions_stay_small() {
    for file in sources(&Path::new(ROOT).join("crates")) {
        let shown = file
            .strip_prefix(ROOT)
            .unwrap_or(&file)
            .display()
            .to_string();
        if !shown.contains("/src/") && !shown.starts_with("crates/cli/") {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("a source file");
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines.len() <= 900, "{shown} has {} lines", lines.len());
        if !(shown.contains("/src/run/") || shown.contains("/src/check/")) {
            continue;
        }
        for (start, line) in lines.iter().enumerate() {
            let trimmed = line.trim_start();
            let indent = &line[..line.len() - trimmed.len()];
            let is_fn = [
                "fn ",
                "pub fn ",
                "pub(crate) fn ",
                "pub(super) fn ",
                "const fn ",
            ]
            .iter()
            .any(|p| trimmed.starts_with(p));
            if !is_fn || trimmed.ends_with(';') {
                continue;
            }
            let closing = format!("{indent}}}");
            let end = lines[start..]
                .iter()
                .position(|l| *l == closing)
                .map_or(lines.len(), |i| start + i);
            let length = end - start + 1;
            assert!(
                length <= 100,
                "{shown}:{}: a function of {length} lines: {trimmed}",
                start + 1
            );
        }
    }
}
