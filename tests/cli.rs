//! Tests that run the real `engine` binary, as clinicians and CI do.

mod common;

use std::process::Output;

use common::{engine, relative, stderr, stdout};

use serde_json::Value;

/// Runs a protocol and parses its JSON plan; the run must succeed.
fn plan(args: &[&str]) -> Value {
    let mut all = vec!["run"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "json"]);
    let o = engine(&all);
    assert!(o.status.success(), "run failed: {}", stderr(&o));
    serde_json::from_str(&stdout(&o)).expect("the plan is JSON")
}

#[test]
fn every_protocol_plan_in_every_format() {
    insta::glob!("..", "protocols/*.yaml", |path| {
        let file = relative(path);
        for format in ["text", "md", "json", "yaml"] {
            let o = engine(&["run", &file, "--format", format]);
            assert!(o.status.success(), "{file} as {format}: {}", stderr(&o));
            assert!(
                stderr(&o).is_empty(),
                "{file} as {format} warned: {}",
                stderr(&o)
            );
            let stem = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("protocol");
            insta::assert_snapshot!(format!("plan-{stem}-{format}"), stdout(&o));
        }
    });
}

#[test]
fn every_protocol_checks_clean() {
    insta::glob!("..", "protocols/*.yaml", |path| {
        let o = engine(&["check", &relative(path)]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(stdout(&o).ends_with(": ok\n"));
    });
}

#[test]
fn json_plan_has_the_contract_keys() {
    let p = plan(&["protocols/morra.yaml"]);
    assert_eq!(p["protocol"]["id"], "morra");
    assert_eq!(p["protocol"]["version"], "1");
    let phases = p["phases"].as_array().expect("phases");
    let ids: Vec<&str> = phases
        .iter()
        .map(|ph| ph["id"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(ids, ["rest", "protected", "pre-run", "walk-jog"]);
    for ph in phases {
        assert!(ph["start"].is_string() && ph["end"].is_string(), "{ph}");
    }
    let days = p["days"].as_array().expect("days");
    assert_eq!(days.len(), 154);
    for d in days {
        for key in ["date", "phase", "week", "session", "status", "decisions"] {
            assert!(d.get(key).is_some(), "day lacks {key}: {d}");
        }
        assert!(d["session"]["text"].is_string());
        let status = d["status"].as_str().unwrap_or("");
        assert!(["done", "partial", "skipped", "planned", "off"].contains(&status));
    }
    assert_eq!(p["outcome"]["status"], "completed");
    assert_eq!(p["outcome"]["date"], days[153]["date"]);
    assert!(
        p["disclaimer"]
            .as_str()
            .is_some_and(|s| s.contains("not medical advice"))
    );
    let decision = &days[0]["decisions"][0];
    for key in ["rule", "action", "reason", "values"] {
        assert!(
            decision.get(key).is_some(),
            "decision lacks {key}: {decision}"
        );
    }
}

/// The seed article's walk/jog table, week by week.
const WALK_JOG: [&str; 12] = [
    "walk 2min, run 1-2min; repeat 20min",
    "walk 2min, run 1-2min; repeat 20min",
    "walk 2min, run 3min; repeat 20min",
    "walk 2min, run 4min; repeat 20min",
    "walk 1min, run 5min; repeat 20-25min",
    "walk 1min, run 6min; repeat 20-25min",
    "walk 1min, run 7min; repeat 25-30min",
    "walk 1min, run 8min; repeat 30min",
    "walk 1min, run 8min; repeat 30-40min",
    "walk 1min, run 10-15min; repeat 30-45min",
    "run 30-45min",
    "run 30-45min",
];

fn walk_jog_weeks(p: &Value) -> Vec<Vec<&Value>> {
    let days: Vec<&Value> = p["days"]
        .as_array()
        .expect("days")
        .iter()
        .filter(|d| d["phase"] == "walk-jog")
        .collect();
    days.chunks(7).map(<[&Value]>::to_vec).collect()
}

fn kinds(day: &Value) -> Vec<&str> {
    day["session"]["parts"]
        .as_array()
        .expect("parts")
        .iter()
        .map(|p| p["kind"].as_str().unwrap_or(""))
        .collect()
}

#[test]
fn walk_jog_weeks_follow_the_source_exactly() {
    let p = plan(&["protocols/morra.yaml"]);
    let weeks = walk_jog_weeks(&p);
    assert_eq!(weeks.len(), 12);
    for (i, week) in weeks.iter().enumerate() {
        let sessions: Vec<&str> = week
            .iter()
            .flat_map(|d| d["session"]["parts"].as_array().into_iter().flatten())
            .filter(|p| p["kind"] == "session")
            .map(|p| p["text"].as_str().unwrap_or(""))
            .collect();
        assert!(!sessions.is_empty(), "week {} has no session", i + 1);
        assert!(
            sessions.iter().all(|s| *s == WALK_JOG[i]),
            "week {}: {sessions:?}",
            i + 1
        );
    }
}

#[test]
fn weeks_1_to_8_alternate_with_cross_training_and_one_day_off() {
    let p = plan(&["protocols/morra.yaml"]);
    for (i, week) in walk_jog_weeks(&p).iter().take(8).enumerate() {
        let k: Vec<Vec<&str>> = week.iter().map(|d| kinds(d)).collect();
        let off = k.iter().filter(|d| *d == &["off"]).count();
        assert_eq!(off, 1, "week {}: {k:?}", i + 1);
        let active: Vec<&Vec<&str>> = k.iter().filter(|d| *d != &["off"]).collect();
        for pair in active.windows(2) {
            assert_ne!(pair[0], pair[1], "week {} does not alternate: {k:?}", i + 1);
        }
    }
}

#[test]
fn weeks_9_to_12_put_one_or_two_cross_training_days_between_sessions() {
    let p = plan(&["protocols/morra.yaml"]);
    let later: Vec<&Value> = walk_jog_weeks(&p).into_iter().skip(8).flatten().collect();
    let sessions: Vec<usize> = later
        .iter()
        .enumerate()
        .filter(|(_, d)| kinds(d) == ["session"])
        .map(|(i, _)| i)
        .collect();
    assert_eq!(sessions.len(), 12);
    for pair in sessions.windows(2) {
        let between = &later[pair[0] + 1..pair[1]];
        assert!((1..=2).contains(&between.len()), "gap of {}", between.len());
        assert!(between.iter().all(|d| kinds(d) == ["cross"]));
    }
}

/// The last day of the healing stage, for a patient file.
fn healing_end(patient: &str) -> String {
    let p = plan(&["protocols/morra.yaml", "--patient", patient]);
    let phases = p["phases"].as_array().expect("phases");
    let protected = phases
        .iter()
        .find(|ph| ph["id"] == "protected")
        .expect("protected phase");
    protected["end"].as_str().unwrap_or("").to_string()
}

#[test]
fn the_site_sets_the_healing_stage_from_the_table() {
    // All four were diagnosed on 2026-09-01; healing ends at the table's upper bound.
    assert_eq!(
        healing_end("examples/patients/metatarsal.yaml"),
        "2026-10-26"
    ); // 8 weeks
    assert_eq!(
        healing_end("examples/patients/calcaneus.yaml"),
        "2026-11-23"
    ); // 12 weeks
    assert_eq!(healing_end("examples/patients/femur.yaml"), "2027-01-18"); // 20 weeks
    assert_eq!(healing_end("examples/patients/pelvis.yaml"), "2027-01-18"); // 20 weeks
}

#[test]
fn spine_pelvis_and_hip_rest_longer_with_no_early_strength_work() {
    let p = plan(&[
        "protocols/morra.yaml",
        "--patient",
        "examples/patients/pelvis.yaml",
    ]);
    let rest = &p["phases"][0];
    assert_eq!(rest["id"], "rest");
    assert_eq!(rest["days"], 13 * 7);
    assert!(rest["allowed"].as_array().is_some_and(Vec::is_empty));
    let m = plan(&["protocols/morra.yaml"]);
    assert!(
        m["phases"][0]["allowed"]
            .as_array()
            .is_some_and(|a| !a.is_empty())
    );
}

#[test]
fn example_patient_runs_like_the_same_patient_file() {
    let embedded = engine(&["run", "protocols/morra.yaml", "--format", "json"]);
    let file = engine(&[
        "run",
        "protocols/morra.yaml",
        "--patient",
        "examples/patients/metatarsal.yaml",
        "--format",
        "json",
    ]);
    let strip_name = |o: &Output| {
        let mut v: Value = serde_json::from_str(&stdout(o)).expect("json");
        v["patient"]["name"] = Value::Null;
        v
    };
    assert_eq!(strip_name(&embedded), strip_name(&file));
}

#[test]
fn start_and_as_of_override_dates() {
    let p = plan(&["protocols/morra.yaml", "--start", "2027-03-01"]);
    assert_eq!(p["days"][0]["date"], "2027-03-01");
    assert_eq!(p["outcome"]["status"], "completed");
    let q = plan(&["protocols/morra.yaml", "--as-of", "2026-12-01"]);
    assert_eq!(q["outcome"]["status"], "in_progress");
    assert_eq!(q["outcome"]["date"], "2027-02-01");
}

#[test]
fn output_is_deterministic() {
    let a = engine(&["run", "protocols/morra.yaml", "--format", "json"]);
    let b = engine(&["run", "protocols/morra.yaml", "--format", "json"]);
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn invalid_protocols_are_reported_with_places() {
    insta::glob!("fixtures/invalid/*.yaml", |path| {
        let file = relative(path);
        let o = engine(&["check", &file]);
        assert_eq!(o.status.code(), Some(1), "{file}");
        let err = stderr(&o);
        assert!(!err.contains("panicked"), "{file}: {err}");
        assert!(
            err.contains(&format!("{file}:")),
            "{file} lacks a place: {err}"
        );
        insta::assert_snapshot!(err);
        // Running an invalid protocol fails the same way, without a plan.
        let r = engine(&["run", &file]);
        assert_eq!(r.status.code(), Some(1), "{file}");
        assert!(r.stdout.is_empty());
    });
}

#[test]
fn a_malformed_dose_points_at_its_column_in_the_file() {
    let o = engine(&["run", "tests/fixtures/invalid/bad-dose.yaml"]);
    assert_eq!(o.status.code(), Some(1));
    // `run 15 minz` is on line 23; the bad unit starts at column 36.
    assert!(
        stderr(&o).contains("tests/fixtures/invalid/bad-dose.yaml:23:36"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn patient_file_errors_name_the_protocol() {
    let dir = std::env::temp_dir().join(format!("engine-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let missing = dir.join("missing.yaml");
    std::fs::write(&missing, "inputs:\n  site: femur\n  shoe: neutral\n").expect("write");
    let o = engine(&[
        "run",
        "protocols/morra.yaml",
        "--patient",
        missing.to_str().unwrap_or(""),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("missing input `diagnosed_on`"), "{err}");
    assert!(err.contains("protocol `morra`"), "{err}");
    assert!(
        err.contains("warning[W042]: input `shoe` is not used"),
        "{err}"
    );

    let wrong = dir.join("wrong.yaml");
    std::fs::write(
        &wrong,
        "inputs:\n  site: metatarsals\n  diagnosed_on: 2026-13-01\n",
    )
    .expect("write");
    let o = engine(&[
        "run",
        "protocols/morra.yaml",
        "--patient",
        wrong.to_str().unwrap_or(""),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("did you mean `metatarsal`?"), "{err}");
    assert!(err.contains("must be a calendar date"), "{err}");
    assert!(err.contains("wrong.yaml:3:17"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_missing_file_is_an_error_not_a_panic() {
    let o = engine(&["run", "protocols/no-such-protocol.yaml"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("error[E006]: cannot read the file"));
}
