//! Tests that run the real `engine` binary, as clinicians and CI do.

use crate::common;

use std::path::Path;
use std::process::Output;

use common::{Scratch, engine, relative, stderr, stdout};

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
            insta::assert_snapshot!(
                format!("plan-{stem}-{format}"),
                common::without_protocol_hash(&stdout(&o), &file)
            );
        }
    });
}

#[test]
fn every_protocol_checks_clean() {
    insta::glob!("..", "protocols/*.yaml", |path| {
        let o = engine(&["check", &relative(path)]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(stdout(&o).contains(": ok, sha256 "), "{}", stdout(&o));
        // The digest `check` prints is the one the plan carries.
        let hash = common::protocol_sha256(&relative(path));
        let plan = engine(&["run", &relative(path), "--format", "json"]);
        let v: Value = serde_json::from_str(&stdout(&plan)).expect("json");
        assert_eq!(v["provenance"]["protocol"]["sha256"], hash.as_str());
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
    // The file names its patient; the name is part of the patient's digest too.
    let strip_name = |o: &Output| {
        let mut v: Value = serde_json::from_str(&stdout(o)).expect("json");
        v["patient"]["name"] = Value::Null;
        v["provenance"]["patient"]["sha256"] = Value::Null;
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

/// The command that checks an invalid fixture: patient files (`patient-*.yaml`) against
/// Morra's protocol, the others on their own.
fn check_command(file: &str) -> Vec<String> {
    let name = Path::new(file)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("");
    if name.starts_with("patient-") {
        vec![
            "protocols/morra.yaml".into(),
            "--patient".into(),
            file.into(),
        ]
    } else {
        vec![file.into()]
    }
}

/// The `--> file:line:column` places of rendered diagnostics, one per diagnostic.
fn places(rendered: &str) -> Vec<(String, usize, usize)> {
    rendered
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("--> "))
        .filter_map(|place| {
            let mut parts = place.rsplitn(3, ':');
            let column = parts.next()?.parse().ok()?;
            let line = parts.next()?.parse().ok()?;
            Some((parts.next()?.to_string(), line, column))
        })
        .collect()
}

#[test]
fn invalid_files_are_reported_with_places() {
    let mut fixtures = 0;
    let mut codes_seen = std::collections::BTreeSet::new();
    insta::glob!("fixtures/invalid/*.yaml", |path| {
        fixtures += 1;
        let file = relative(path);
        let target = check_command(&file);
        let args: Vec<&str> = std::iter::once("check")
            .chain(target.iter().map(String::as_str))
            .collect();
        let o = engine(&args);
        assert_eq!(o.status.code(), Some(1), "{file}");
        let err = stderr(&o);
        assert!(!err.contains("panicked"), "{file}: {err}");
        // Every diagnostic has a line and a column, in this fixture or its module.
        let headers = err
            .lines()
            .filter(|l| l.starts_with("error[") || l.starts_with("warning["))
            .count();
        let found = places(&err);
        assert!(headers > 0, "{file}: no diagnostic");
        assert_eq!(
            found.len(),
            headers,
            "{file}: a diagnostic lacks a place: {err}"
        );
        for (path, line, column) in &found {
            assert!(
                path.starts_with("tests/fixtures/invalid/"),
                "{file}: {path}"
            );
            assert!(*line >= 1 && *column >= 1, "{file}: {err}");
        }
        insta::assert_snapshot!(err);

        // The JSON report carries the same diagnostics, each with its place.
        let mut json_args = args.clone();
        json_args.extend(["--format", "json"]);
        let j = engine(&json_args);
        assert_eq!(j.status.code(), Some(1), "{file}");
        assert!(j.stderr.is_empty(), "{file}: {}", stderr(&j));
        let report: Value = serde_json::from_slice(&j.stdout).expect("check --format json");
        assert_eq!(report["ok"], false);
        let diagnostics = report["diagnostics"].as_array().expect("diagnostics");
        assert_eq!(diagnostics.len(), headers, "{file}");
        for (d, (path, line, column)) in diagnostics.iter().zip(&found) {
            assert_eq!(d["file"].as_str(), Some(path.as_str()), "{file}");
            assert_eq!(d["line"].as_u64(), Some(*line as u64), "{file}");
            assert_eq!(d["column"].as_u64(), Some(*column as u64), "{file}");
            codes_seen.insert(d["code"].as_str().unwrap_or("").to_string());
        }

        // Running it fails the same way, without a plan.
        let mut run_args = vec!["run"];
        run_args.extend(target.iter().map(String::as_str));
        let r = engine(&run_args);
        assert_eq!(r.status.code(), Some(1), "{file}");
        assert!(r.stdout.is_empty(), "{file} printed a plan");
    });
    assert!(fixtures >= 40, "only {fixtures} invalid fixtures");
    // Every code for a mistake in a file is shown by at least one fixture. The others
    // come from the command line or a run and are tested where they arise (E007, from
    // `engine log`, in tests/log.rs).
    let elsewhere = [
        "E006", "E007", "E044", "E050", "E062", "E064", "E066", "E067", "E070", "W042", "W049",
        "W051", "W052", "W053",
    ];
    for (code, _) in rehab_syntax::codes::ALL {
        if !elsewhere.contains(code) {
            assert!(
                codes_seen.contains(*code),
                "no invalid fixture shows {code}"
            );
        }
    }
}

#[test]
fn five_unrelated_mistakes_are_reported_in_one_run() {
    let o = engine(&[
        "check",
        "tests/fixtures/five-mistakes.yaml",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&o.stdout).expect("json");
    let found: Vec<(&str, u64)> = report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap_or(""),
                d["line"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            ("E020", 21),
            ("E010", 23),
            ("E021", 25),
            ("E030", 34),
            ("E060", 41)
        ],
        "{found:?}"
    );
    // The structural mistakes of a file are likewise reported together.
    let o = engine(&["check", "tests/fixtures/five-structural-mistakes.yaml"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    let codes: Vec<&str> = err
        .lines()
        .filter_map(|l| l.strip_prefix("error[")?.split(']').next())
        .collect();
    assert_eq!(codes, ["E002", "E004", "E003", "E004", "E002"], "{err}");
}

#[test]
fn check_output_is_plain_and_deterministic() {
    let args = ["check", "tests/fixtures/five-mistakes.yaml"];
    let a = engine(&args);
    let b = engine(&args);
    assert_eq!(a.stderr, b.stderr);
    assert_eq!(a.stdout, b.stdout);
    // No escape sequences (colour) when the output is not a terminal.
    assert!(!a.stderr.contains(&0x1b), "{}", stderr(&a));
    let j1 = engine(&[
        "check",
        "tests/fixtures/five-mistakes.yaml",
        "--format",
        "json",
    ]);
    let j2 = engine(&[
        "check",
        "tests/fixtures/five-mistakes.yaml",
        "--format",
        "json",
    ]);
    assert_eq!(j1.stdout, j2.stdout);
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
    let dir = Scratch::new("cli-test");
    let missing = dir.write("missing.yaml", "inputs:\n  site: femur\n  shoe: neutral\n");
    let o = engine(&["run", "protocols/morra.yaml", "--patient", &missing]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("missing input `diagnosed_on`"), "{err}");
    assert!(err.contains("protocol `morra`"), "{err}");
    assert!(
        err.contains("warning[W042]: input `shoe` is not used"),
        "{err}"
    );

    let wrong = dir.write(
        "wrong.yaml",
        "inputs:\n  site: metatarsals\n  diagnosed_on: 2026-13-01\n",
    );
    let o = engine(&["run", "protocols/morra.yaml", "--patient", &wrong]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("did you mean `metatarsal`?"), "{err}");
    assert!(err.contains("must be a calendar date"), "{err}");
    assert!(err.contains("wrong.yaml:3:17"), "{err}");
}

#[test]
fn journal_field_values_are_checked_against_the_protocol() {
    let dir = Scratch::new("fields-test");
    let file = dir.write(
        "fields.yaml",
        "inputs: { start: 2026-11-02, activity: run 20min, weeks: 4 }\n\
         journal:\n\
         \x20 - { date: 2026-11-02, session: done, morning_stiffness: 11 }\n\
         \x20 - { date: 2026-11-04, session: done, morning_stiffness: true }\n\
         \x20 - { date: 2026-11-05, event: nothing, morning_stiffness: 1 }\n\
         \x20 - { date: 2026-11-06, session: done, morning_stifness: 1 }\n",
    );
    let o = engine(&[
        "check",
        "protocols/silbernagel-achilles.yaml",
        "--patient",
        &file,
    ]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    // Outside the field's 0-10, and of the wrong kind: each at the value.
    assert!(
        err.contains("error[E048]: journal field `morning_stiffness` must be a number from 0 to 10, found `11`"),
        "{err}"
    );
    assert!(err.contains("fields.yaml:3:59"), "{err}");
    assert!(err.contains("found `true`"), "{err}");
    assert!(err.contains("fields.yaml:4:59"), "{err}");
    // On an event entry, a further key is not a journal field.
    assert!(
        err.contains("error[E048]: `morning_stiffness` is not a key of an event entry"),
        "{err}"
    );
    // A misspelt field is named, with the protocol and the closest declared field.
    assert!(
        err.contains("error[E047]: `morning_stifness` is not a journal field of protocol `silbernagel-achilles`"),
        "{err}"
    );
    assert!(err.contains("did you mean `morning_stiffness`?"), "{err}");
}

#[test]
fn the_readme_patient_sample_checks_against_morra() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    let sample = readme
        .split("```yaml\n")
        .skip(1)
        .filter_map(|block| block.split("```").next())
        .find(|block| block.contains("journal:") && block.contains("diagnosed_on"))
        .expect("README.md shows a patient file with a journal");
    let dir = Scratch::new("readme");
    let file = dir.write("patient.yaml", sample);
    let o = engine(&["check", "protocols/morra.yaml", "--patient", &file]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn a_missing_file_is_an_error_not_a_panic() {
    let o = engine(&["run", "protocols/no-such-protocol.yaml"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("error[E006]: cannot read the file"));
}

/// An alias stands for its anchor's value: `*yes` is `true` where `&yes true` was written.
#[test]
fn aliases_are_read_as_the_values_they_stand_for() {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/valid/full.yaml"),
    )
    .expect("full fixture")
    .replace(
        "      - { id: painless, text: Ten hops without pain?, pass: true }",
        "      - { id: painless, text: Ten hops without pain?, pass: &yes true }\n      - { id: level, text: Level landings?, pass: *yes }",
    )
    .replace("    title: Run\n", "    title: &name Run\n    purpose: *name\n");
    let dir = Scratch::new("alias");
    let file = dir.write("alias.yaml", text);
    let o = engine(&["check", &file]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

/// A week's or level's `note` and `interpretation` were read from the file but no output
/// showed them, though the authoring guide says plans do.
#[test]
fn week_and_level_notes_were_shown_in_no_format() {
    let file = "tests/fixtures/valid/week-notes.yaml";
    let p = plan(&[file]);
    let weeks = p["weeks"].as_array().expect("weeks");
    let notes = |phase: &str, week: u64| {
        weeks
            .iter()
            .find(|w| w["phase"] == phase && w["week"] == week)
            .map(|w| w["notes"].clone())
            .unwrap_or_else(|| panic!("no week {week} of {phase}"))
    };
    assert_eq!(
        notes("weekly", 1),
        serde_json::json!([{ "note": "Run no more than 5 minutes at a time." }])
    );
    assert_eq!(
        notes("weekly", 2),
        serde_json::json!([{
            "note": "The same runs, twice as long.",
            "interpretation": "The source says \"longer\" without a figure; this file doubles the run."
        }])
    );
    assert_eq!(notes("weekly", 3), Value::Null, "week 3 has no note");
    // A calendar week of the level phase carries the entries of the levels it covered.
    assert_eq!(
        notes("levelled", 1),
        serde_json::json!([
            {
                "levels": { "first": 1, "last": 1 },
                "interpretation": "The source gives no distance for level 1."
            },
            { "levels": { "first": 2, "last": 3 }, "note": "On a treadmill." }
        ])
    );

    let yaml = engine(&["run", file, "--format", "yaml"]);
    assert!(yaml.status.success(), "{}", stderr(&yaml));
    let yaml = stdout(&yaml);
    for words in [
        "note: Run no more than 5 minutes at a time.",
        "interpretation: The source gives no distance for level 1.",
    ] {
        assert!(yaml.contains(words), "yaml lacks {words}");
    }
    for (name, args) in [
        ("text", vec!["run", file]),
        ("explain", vec!["run", file, "--explain"]),
        ("md", vec!["run", file, "--format", "md"]),
    ] {
        let o = engine(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        let out = stdout(&o);
        for words in [
            "Run no more than 5 minutes at a time.",
            "The same runs, twice as long.",
            "without a figure;",
            "The source gives no distance for level 1.",
            "On a treadmill.",
        ] {
            assert!(out.contains(words), "{name} lacks {words}: {out}");
        }
        insta::assert_snapshot!(format!("week-notes-{name}"), out);
    }
}

/// A session day whose dose is `off` was laid out as a planned session: counted in the
/// week's sessions and by `engine compare`, and given pain by simulated patients.
#[test]
fn an_off_session_dose_was_treated_as_a_session() {
    let file = "tests/fixtures/valid/off-session.yaml";
    let p = plan(&[file]);
    let days = p["days"].as_array().expect("days");
    let by_date = |date: &str| {
        days.iter()
            .find(|d| d["date"] == date)
            .unwrap_or_else(|| panic!("no day {date}"))
    };
    // Week 1's session days, and week 2's second one, are days off like any other.
    for date in ["2026-01-05", "2026-01-07", "2026-01-09", "2026-01-14"] {
        let d = by_date(date);
        assert_eq!(d["status"], "off", "{date}: {d}");
        assert_eq!(kinds(d), ["off"], "{date}: {d}");
    }
    for date in ["2026-01-12", "2026-01-16"] {
        assert_eq!(kinds(by_date(date)), ["session"], "{date}");
    }
    let weeks = p["weeks"].as_array().expect("weeks");
    let counts: Vec<(u64, u64)> = weeks
        .iter()
        .map(|w| {
            (
                w["sessions"].as_u64().unwrap_or(99),
                w["off_days"].as_u64().unwrap_or(99),
            )
        })
        .collect();
    assert_eq!(counts, [(0, 7), (2, 5)]);

    let o = engine(&["compare", file, file, "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).expect("compare json");
    assert_eq!(v["first"]["sessions"], 2, "{v}");

    // Every session hurts; the first real one, on day 8, refers the patient.
    let o = engine(&[
        "simulate",
        file,
        "--patients",
        "10",
        "--pain-chance",
        "1",
        "--skip-chance",
        "0",
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).expect("simulate json");
    assert_eq!(v["referred"], 10, "{v}");
    assert_eq!(v["patient_days"], 10 * 8, "{v}");

    let o = engine(&["run", file]);
    assert!(o.status.success(), "{}", stderr(&o));
    insta::assert_snapshot!(stdout(&o));
}

/// `walk 2min, run 3min; repeat 1mi` counted one round (3 running minutes) as the
/// session's running time, so the week reported known but wrong minutes and `compare`
/// reported 36 min for a 4-mile plan. Its minutes are unknown (`null`), its distance is
/// shown, and the effort (`rpe 3-4`) reaches the plan. The same held the other way:
/// `walk 0.1mi, jog 0.1mi; repeat 20min` counted one round as the session's distance.
#[test]
fn a_repeat_to_a_distance_was_counted_as_one_round_of_minutes() {
    let file = "tests/fixtures/valid/effort-distance.yaml";
    let o = engine(&["check", file]);
    assert!(o.status.success(), "{}", stderr(&o));

    let p = plan(&[file]);
    let weeks = p["weeks"].as_array().expect("weeks");
    assert_eq!(weeks[0]["run_minutes"]["max"], 36.0, "{}", weeks[0]);
    for week in &weeks[1..3] {
        assert!(week["run_minutes"].is_null(), "{week}");
        assert_eq!(week["run_distance"]["unit"], "mi", "{week}");
    }
    // Distance intervals repeated to a time: how many rounds fit depends on the pace,
    // so neither the minutes nor the distance are known (one round was counted).
    assert!(weeks[3]["run_minutes"].is_null(), "{}", weeks[3]);
    assert!(weeks[3].get("run_distance").is_none(), "{}", weeks[3]);
    let texts: Vec<&str> = p["days"]
        .as_array()
        .expect("days")
        .iter()
        .filter_map(|d| d["session"]["text"].as_str())
        .collect();
    assert!(
        texts.contains(&"walk 2min, run 3min rpe 3-4; repeat 1mi"),
        "{texts:?}"
    );
    insta::assert_snapshot!(
        "effort-distance-weeks-json",
        serde_json::to_string_pretty(&p["weeks"]).expect("json")
    );

    let o = engine(&["run", file]);
    assert!(o.status.success(), "{}", stderr(&o));
    insta::assert_snapshot!("effort-distance-text", stdout(&o));

    let o = engine(&["compare", file, file]);
    assert!(o.status.success(), "{}", stderr(&o));
    insta::assert_snapshot!("effort-distance-compare-text", stdout(&o));
    let o = engine(&["compare", file, file, "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).expect("compare json");
    assert!(v["first"]["running_minutes"].is_null(), "{v}");
    // Week 4's distance is not known, so no partial sum reads as the plan's distance.
    assert!(v["first"]["running_distance"].is_null(), "{v}");
    insta::assert_snapshot!(
        "effort-distance-compare-json",
        serde_json::to_string_pretty(&v["first"]).expect("json")
    );
}

/// Regression: a misspelt journal field was reported only after the file's type errors
/// were fixed; `run` and `check --patient` report both at once.
#[test]
fn a_misspelt_journal_field_is_reported_with_type_errors() {
    let patient = "tests/fixtures/other/misspelt-field-and-bad-pain.yaml";
    for command in ["run", "check"] {
        let o = engine(&[
            command,
            "protocols/delaware-soreness.yaml",
            "--patient",
            patient,
        ]);
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        let err = stderr(&o);
        assert!(err.contains("error[E004]"), "{err}");
        assert!(err.contains("error[E047]"), "{err}");
        assert!(err.contains("did you mean `more_swelling`?"), "{err}");
        assert_eq!(err.matches("error[E047]").count(), 1, "{err}");
    }
}

fn provenance(args: &[&str]) -> Value {
    let mut all = vec!["run"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "json"]);
    let o = engine(&all);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).expect("json");
    v["provenance"].clone()
}

/// The protocol's digest is over its bytes and its modules' (a comment is enough to
/// change it, and nothing else does); `engine check` prints the same digest; and it is
/// the SHA-256 of the files one after the other, as `cat a.yaml a.rhai | sha256sum`.
#[test]
fn the_protocol_digest_changes_with_its_bytes_and_only_then() {
    let dir = Scratch::new("provenance-protocol");
    let yaml = std::fs::read_to_string("protocols/morra.yaml").expect("morra");
    let rhai = std::fs::read_to_string("protocols/morra.rhai").expect("module");
    let protocol = dir.write("morra.yaml", &yaml);
    dir.write("morra.rhai", &rhai);
    let first = provenance(&[&protocol]);
    let hash = first["protocol"]["sha256"]
        .as_str()
        .expect("sha256")
        .to_string();
    assert_eq!(provenance(&[&protocol]), first, "two runs agree");
    assert_eq!(common::protocol_sha256(&protocol), hash);
    assert_eq!(first["protocol"]["id"], "morra");
    assert_eq!(first["engine"]["version"], env!("CARGO_PKG_VERSION"));
    // The shipped file has the same bytes, so the same digest.
    assert_eq!(common::protocol_sha256("protocols/morra.yaml"), hash);

    dir.write("morra.yaml", format!("{yaml}# a comment\n"));
    let commented = provenance(&[&protocol]);
    assert_ne!(commented["protocol"]["sha256"], hash.as_str());
    dir.write("morra.yaml", &yaml);
    dir.write("morra.rhai", format!("{rhai}// a comment\n"));
    let module = provenance(&[&protocol]);
    assert_ne!(module["protocol"]["sha256"], hash.as_str());
    assert_ne!(
        module["protocol"]["sha256"],
        commented["protocol"]["sha256"]
    );
    dir.write("morra.rhai", &rhai);
    assert_eq!(
        provenance(&[&protocol]),
        first,
        "restored bytes, same digest"
    );

    // `sha256sum` over the two files, where the tool is there to ask.
    if let Ok(o) = std::process::Command::new("sh")
        .args([
            "-c",
            "cat protocols/morra.yaml protocols/morra.rhai | sha256sum",
        ])
        .output()
        && o.status.success()
    {
        assert!(stdout(&o).starts_with(&hash), "{}", stdout(&o));
    }
}

/// The patient's digest is over its content as parsed: the same patient written as a
/// block-style YAML file with comments or as one JSON line, keys in any order and
/// `3` or `3.0` for a number, has one digest; a changed score has another.
#[test]
fn the_patient_digest_is_over_its_content_not_its_layout() {
    let dir = Scratch::new("provenance-patient");
    let yaml = dir.write(
        "a.yaml",
        "# A patient written by hand.\nname: Runner\ninputs:\n  weeks: 12\n  start: 2026-11-02\n  activity: run 20min easy\njournal:\n  - date: 2026-11-03\n    note: \"fine\"\n    pain: { during: 2, before: 0 }\n    morning_stiffness: 3\n    session: done\n  # Another entry.\n  - { date: 2026-11-05, session: skipped }\n",
    );
    let line = dir.write(
        "b.yaml",
        r#"{"journal": [{"session": "done", "morning_stiffness": 3.0, "date": "2026-11-03", "pain": {"before": 0, "during": 2}, "note": "fine"}, {"session": "skipped", "date": "2026-11-05"}], "inputs": {"activity": "run 20min easy", "start": "2026-11-02", "weeks": 12}, "name": "Runner"}"#,
    );
    let other = dir.write(
        "c.yaml",
        r#"{"journal": [{"session": "done", "morning_stiffness": 3.0, "date": "2026-11-03", "pain": {"before": 0, "during": 3}, "note": "fine"}, {"session": "skipped", "date": "2026-11-05"}], "inputs": {"activity": "run 20min easy", "start": "2026-11-02", "weeks": 12}, "name": "Runner"}"#,
    );
    let protocol = "protocols/silbernagel-achilles.yaml";
    let digest =
        |file: &str| provenance(&[protocol, "--patient", file])["patient"]["sha256"].clone();
    let a = digest(&yaml);
    assert_eq!(a.as_str().map(str::len), Some(64), "{a}");
    assert_eq!(digest(&line), a);
    assert_ne!(digest(&other), a);
}
