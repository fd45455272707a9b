//! `engine compare`: two protocols' plans for one patient, side by side.

use crate::common;

use common::{engine, stderr, stdout};
use serde_json::Value;

const BOTH: &str = "examples/compare/runner.yaml";

/// `engine compare` of Morra's and the Couch to 5K protocols for the shared runner, with
/// `extra` arguments.
fn morra_and_couch(extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "compare",
        "protocols/morra.yaml",
        "protocols/couch-to-5k.yaml",
        "--patient",
        BOTH,
    ];
    args.extend(extra);
    engine(&args)
}

#[test]
fn two_protocols_side_by_side_for_one_patient() {
    let o = morra_and_couch(&[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).is_empty(), "{}", stderr(&o));
    let out = stdout(&o);
    for words in [
        "first running day",
        "2026-11-10",
        "completed 2027-02-01",
        "completed 2027-01-11",
        "Weekly running, minutes or distance",
        "walk-jog week 12",
        "couch-to-5k week 9",
        "Decisions that differ",
        "Disclaimers:",
    ] {
        assert!(out.contains(words), "{words}: {out}");
    }
    insta::assert_snapshot!(out);
}

#[test]
fn the_json_comparison_has_both_plans_in_numbers() {
    let o = morra_and_couch(&["--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(v["first"]["protocol"]["id"], "morra");
    assert_eq!(v["second"]["protocol"]["id"], "couch-to-5k");
    assert_eq!(v["first"]["first_running_day"], "2026-11-10");
    assert_eq!(v["second"]["outcome"]["date"], "2027-01-11");
    assert_eq!(v["second"]["sessions"], 27);
    assert_eq!(
        v["second"]["weekly_running_minutes"]
            .as_array()
            .map(Vec::len),
        Some(9)
    );
    assert_eq!(v["first"]["phases"].as_array().map(Vec::len), Some(4));
}

#[test]
fn a_patient_one_protocol_cannot_run_is_named_with_the_missing_input() {
    // Morra's example patient has no `start`, which Couch to 5K needs.
    let o = engine(&[
        "compare",
        "protocols/morra.yaml",
        "protocols/couch-to-5k.yaml",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty());
    let err = stderr(&o);
    assert!(
        err.contains("error[E040]: missing input `start`")
            && err.contains("which protocol `couch-to-5k` needs"),
        "{err}"
    );
}

#[test]
fn simulated_outcomes_can_be_compared_too() {
    let args = [
        "compare",
        "protocols/morra.yaml",
        "protocols/couch-to-5k.yaml",
        "--patient",
        BOTH,
        "--simulate",
        "60",
        "--format",
        "json",
    ];
    let a = engine(&args);
    let b = engine(&args);
    assert_eq!(a.status.code(), Some(0), "{}", stderr(&a));
    assert_eq!(a.stdout, b.stdout, "the same seed, the same comparison");
    let v: Value = serde_json::from_str(&stdout(&a)).expect("json");
    for side in ["first", "second"] {
        assert_eq!(v[side]["simulation"]["patients"], 60, "{v}");
        assert!(
            v[side]["simulation"]["completion_days"]["p50"].is_u64()
                || v[side]["simulation"]["completed"] == 0
        );
    }
}

#[test]
fn level_protocols_are_compared_by_distance() {
    let o = engine(&[
        "compare",
        "protocols/delaware-soreness.yaml",
        "protocols/acl-return-to-run.yaml",
        "--patient",
        "examples/compare/acl-patient.yaml",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).expect("json");
    for side in ["first", "second"] {
        let d = &v[side]["running_distance"];
        assert_eq!(d["unit"], "mi", "{side}: {d}");
        assert!(d["max"].as_f64().is_some_and(|m| m > 0.0), "{side}: {d}");
        // Level 1 of both progressions: ten passes of a tenth of a mile jogged.
        let first_running_week = v[side]["weekly_running_minutes"]
            .as_array()
            .and_then(|w| w.iter().find(|w| !w["distance"].is_null()))
            .expect("a week with a distance");
        assert!(first_running_week["distance"]["max"].as_f64() > Some(1.0));
    }
    // The criteria-gated protocol starts running on its time gate, twelve weeks after
    // surgery; the other on the day after its entry test.
    assert_eq!(v["first"]["first_running_day"], "2026-06-02");
    assert_eq!(v["second"]["first_running_day"], "2026-05-25");
}

/// The weekly table lines the plans up by calendar date unless asked otherwise: each
/// plan's own week numbers set Morra's rest week 1 beside the other plan's first running
/// week, ten weeks apart (the regression). By start, rows count days since each start.
#[test]
fn weekly_rows_are_calendar_weeks_unless_aligned_by_start() {
    let row = |align: &str, words: &str| -> String {
        let o = morra_and_couch(&["--align", align]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        stdout(&o)
            .lines()
            .find(|l| l.contains(words))
            .unwrap_or_else(|| panic!("no row with {words}"))
            .to_string()
    };
    // Both plans' first running weeks begin on 2026-11-10 in the calendar.
    let by_date = row("date", "couch-to-5k week 1)");
    assert!(by_date.starts_with("  2026-11-10"), "{by_date}");
    assert!(by_date.contains("walk-jog week 1)"), "{by_date}");
    // From each start, the first rows hold each plan's first week.
    let by_start = row("start", "couch-to-5k week 1)");
    assert!(by_start.starts_with("  1-7 "), "{by_start}");
    assert!(by_start.contains("rest week 1)"), "{by_start}");

    let o = morra_and_couch(&["--format", "json"]);
    let v: Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(v["align"], "date");
    let rows = v["aligned_weeks"].as_array().expect("rows");
    let shared = rows
        .iter()
        .find(|r| r["from"] == "2026-11-10")
        .expect("a row from 2026-11-10");
    assert_eq!(shared["first"][0]["phase"], "walk-jog");
    assert_eq!(shared["second"][0]["week"], 1);
}
