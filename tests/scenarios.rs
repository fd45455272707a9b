//! Every scenario of every protocol runs under `cargo test`, without new Rust code: its
//! expectations and snapshot must hold (`engine test`), and its plan is pinned by insta,
//! so that CI (`CI=true`) rejects a plan that changed without review.

use crate::common;

use std::path::Path;

use common::{Scratch, engine, relative, stderr, stdout};

#[test]
fn every_scenario_passes_and_its_plan_is_pinned() {
    insta::glob!("..", "protocols/*/scenarios/*.yaml", |path| {
        let file = relative(path);
        let o = engine(&["test", &file, "--plan"]);
        let out = stdout(&o);
        assert!(stderr(&o).is_empty(), "{file}: {}", stderr(&o));
        assert_eq!(o.status.code(), Some(0), "{file}:\n{out}");
        assert_eq!(out.lines().last(), Some("1 passed, 0 failed"), "{file}");
        // Named by protocol and scenario, so two protocols may both have, say, an
        // `uneventful.yaml` scenario.
        let protocol = path
            .parent()
            .and_then(Path::parent)
            .and_then(Path::file_name)
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let stem = path
            .file_stem()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        insta::with_settings!({ snapshot_suffix => format!("{protocol}-{stem}") }, {
            insta::assert_snapshot!(out);
        });
    });
}

#[test]
fn every_protocol_has_scenarios() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut protocols = 0;
    for entry in std::fs::read_dir(root.join("protocols"))
        .expect("protocols/")
        .flatten()
    {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        protocols += 1;
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        let scenarios = root.join("protocols").join(stem).join("scenarios");
        let count = std::fs::read_dir(&scenarios)
            .map(|d| {
                d.flatten()
                    .filter(|e| e.path().extension().is_some_and(|x| x == "yaml"))
                    .count()
            })
            .unwrap_or(0);
        assert!(count >= 3, "{} has {count} scenarios", relative(&path));
    }
    assert!(protocols >= 1);
}

#[test]
fn engine_test_over_protocols_passes_and_says_so_last() {
    let o = engine(&["test"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    let last = out.lines().last().unwrap_or("");
    let failed = last
        .strip_suffix(" failed")
        .and_then(|l| l.split(", ").nth(1));
    assert_eq!(failed, Some("0"), "{last}");
    let passed: usize = last
        .split(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(passed >= 10, "{last}");
}

/// A protocol changed under its scenarios: `engine test` fails, shows the changed days
/// with their dates, and exits 1.
#[test]
fn a_changed_dose_fails_with_a_diff_of_the_days() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let scratch = Scratch::new("scenarios");
    let dir = scratch.path();
    let scenarios = dir.join("morra").join("scenarios");
    std::fs::create_dir_all(scenarios.join("snapshots")).expect("temp dir");
    let protocol = std::fs::read_to_string(root.join("protocols/morra.yaml")).expect("morra");
    let changed = protocol.replacen(
        "walk 2min, run 3min; repeat 20min",
        "walk 2min, run 4min; repeat 20min",
        1,
    );
    assert_ne!(
        changed, protocol,
        "week 3's dose is where the test expects it"
    );
    std::fs::write(dir.join("morra.yaml"), changed).expect("write");
    std::fs::copy(root.join("protocols/morra.rhai"), dir.join("morra.rhai")).expect("rhai");
    let scenario = std::fs::read_to_string(root.join("protocols/morra/scenarios/uneventful.yaml"))
        .expect("scenario")
        .replace(
            "../../../examples/patients/",
            &format!("{}/examples/patients/", root.display()),
        );
    std::fs::write(scenarios.join("uneventful.yaml"), scenario).expect("write");
    std::fs::copy(
        root.join("protocols/morra/scenarios/snapshots/uneventful.txt"),
        scenarios.join("snapshots/uneventful.txt"),
    )
    .expect("snapshot");

    let o = engine(&["test", dir.to_str().unwrap_or("")]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("FAILED"), "{out}");
    assert!(
        out.contains("-    Tue 2026-11-24          walk 2min, run 3min; repeat 20min"),
        "{out}"
    );
    assert!(
        out.contains("+    Tue 2026-11-24          walk 2min, run 4min; repeat 20min"),
        "{out}"
    );
    assert_eq!(out.lines().last(), Some("0 passed, 1 failed"), "{out}");

    // After review, --update accepts the change, and the next run passes.
    let u = engine(&["test", dir.to_str().unwrap_or(""), "--update"]);
    assert_eq!(u.status.code(), Some(0), "{}", stdout(&u));
    assert!(stdout(&u).contains("snapshot updated"), "{}", stdout(&u));
    let again = engine(&["test", dir.to_str().unwrap_or("")]);
    assert_eq!(again.status.code(), Some(0), "{}", stdout(&again));
}

/// `--coverage` names every rule, gate and phase of Morra's protocol with its count, and
/// lists what the scenarios never exercised.
#[test]
fn coverage_names_every_rule_gate_and_phase_with_a_count() {
    let o = engine(&["test", "protocols/morra", "--coverage"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    let protocol =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("protocols/morra.yaml"))
            .expect("morra");
    let doc: serde_json::Value = {
        // The ids, read from the file itself rather than repeated here.
        let mut sources = rehab_syntax::Sources::new();
        let file = sources.add(rehab_syntax::SourceFile::new("morra.yaml", protocol));
        let tree = rehab_syntax::read_tree(&sources, file).expect("tree");
        rehab_syntax::structure::to_json(&tree)
    };
    let ids = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x["id"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let count_of = |name: &str| -> Option<String> {
        out.lines()
            .map(str::trim)
            .find(|l| l.split_whitespace().next() == Some(name))
            .and_then(|l| l.split_whitespace().nth(1).map(str::to_string))
    };
    let rules = ids(&doc["rules"]);
    let phases = ids(&doc["phases"]);
    assert!(rules.len() >= 3 && phases.len() >= 4);
    for rule in &rules {
        let n = count_of(rule).unwrap_or_else(|| panic!("rule {rule} missing:\n{out}"));
        assert!(n.parse::<usize>().is_ok(), "{rule}: {n}");
    }
    for phase in doc["phases"].as_array().expect("phases") {
        let id = phase["id"].as_str().unwrap_or("");
        let n = count_of(id).unwrap_or_else(|| panic!("phase {id} missing:\n{out}"));
        assert!(n.parse::<usize>().is_ok(), "{id}: {n}");
        for gate in ids(&phase["gates"]) {
            let name = format!("{id}/{gate}");
            let n = count_of(&name).unwrap_or_else(|| panic!("gate {name} missing:\n{out}"));
            assert!(n.parse::<usize>().is_ok(), "{name}: {n}");
        }
    }
    assert!(out.contains("never fired: "), "{out}");
    assert!(out.contains("never reached: "), "{out}");
}

/// A path that does not exist is an error of its own; it does not stop the other
/// scenarios from running, or from failing.
#[test]
fn a_missing_path_does_not_hide_failures() {
    let scratch = Scratch::new("missing");
    let dir = scratch.path();
    let scenarios = dir.join("morra").join("scenarios");
    std::fs::create_dir_all(&scenarios).expect("temp dir");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::write(
        scenarios.join("wrong.yaml"),
        format!(
            "title: An expectation that does not hold\nprotocol: {}/protocols/morra.yaml\nexpect:\n  - {{ outcome: referred }}\n",
            root.display()
        ),
    )
    .expect("write");
    let o = engine(&["test", dir.to_str().unwrap_or(""), "/no/such/folder"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("FAILED"), "{out}");
    assert!(out.contains("expected the outcome referred"), "{out}");
    assert_eq!(out.lines().last(), Some("0 passed, 1 failed"), "{out}");
    assert!(stderr(&o).contains("[E006]"), "{}", stderr(&o));
}
