//! `engine simulate`: the JSON contract, determinism for a seed whatever the threads,
//! and a model that can be reasoned about.

use crate::common;

use common::{Scratch, engine, stderr, stdout};
use serde_json::Value;

fn simulate(extra: &[&str]) -> (String, Value) {
    let mut args = vec!["simulate", "protocols/morra.yaml", "--format", "json"];
    args.extend_from_slice(extra);
    let o = engine(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    let value = serde_json::from_str(&text).expect("simulate --format json");
    (text, value)
}

#[test]
fn the_json_report_has_the_contract_keys() {
    let (_, v) = simulate(&["--patients", "120", "--seed", "1"]);
    assert_eq!(v["patients"], 120);
    assert_eq!(v["seed"], 1);
    assert!(v["patient_days"].as_u64().is_some_and(|d| d > 120 * 100));
    for p in ["p10", "p50", "p90"] {
        assert!(v["completion_days"][p].as_u64().is_some(), "{p}: {v}");
    }
    let p10 = v["completion_days"]["p10"].as_u64().unwrap_or(0);
    let p50 = v["completion_days"]["p50"].as_u64().unwrap_or(0);
    let p90 = v["completion_days"]["p90"].as_u64().unwrap_or(0);
    assert!(p10 <= p50 && p50 <= p90, "{v}");
    let referred = v["referred"].as_u64().expect("referred");
    let completed = v["completed"].as_u64().expect("completed");
    assert_eq!(
        referred + completed + v["in_progress"].as_u64().unwrap_or(0),
        120
    );
    assert!(v["disclaimer"].as_str().is_some_and(|d| !d.is_empty()));
    assert_eq!(v["model"]["pain_chance"], 0.1);
}

#[test]
fn the_same_seed_gives_the_same_report_on_any_number_of_threads() {
    let (one, _) = simulate(&["--patients", "150", "--seed", "7", "--threads", "1"]);
    let (two, _) = simulate(&["--patients", "150", "--seed", "7", "--threads", "2"]);
    let (five, _) = simulate(&["--patients", "150", "--seed", "7", "--threads", "5"]);
    assert_eq!(one, two);
    assert_eq!(one, five);
    let (other, _) = simulate(&["--patients", "150", "--seed", "8", "--threads", "2"]);
    assert_ne!(one, other, "a different seed should draw differently");
}

#[test]
fn a_patient_without_setbacks_finishes_on_the_nominal_day() {
    let nominal = engine(&["run", "protocols/morra.yaml", "--format", "json"]);
    let plan: Value = serde_json::from_str(&stdout(&nominal)).expect("plan");
    // The example patient's own journal is not used: days from start to outcome.
    let days = plan["days"].as_array().map_or(0, Vec::len) as u64;
    let (_, v) = simulate(&[
        "--patients",
        "20",
        "--pain-chance",
        "0",
        "--cross-pain-chance",
        "0",
        "--skip-chance",
        "0",
        "--pass-chance",
        "1",
    ]);
    assert_eq!(v["completed"], 20, "{v}");
    assert_eq!(v["completion_days"]["p10"].as_u64(), Some(days), "{v}");
    assert_eq!(v["completion_days"]["p90"].as_u64(), Some(days), "{v}");
    assert!(
        v["rules_fired"]
            .as_array()
            .expect("rules")
            .iter()
            .all(|r| r["times"] == 0)
    );
}

#[test]
fn more_pain_means_more_referrals_and_later_completion() {
    let (_, low) = simulate(&["--patients", "150", "--pain-chance", "0.02"]);
    let (_, high) = simulate(&["--patients", "150", "--pain-chance", "0.2"]);
    let referred = |v: &Value| v["referred"].as_u64().unwrap_or(0);
    assert!(referred(&high) > referred(&low), "{low}\n{high}");
}

#[test]
fn a_model_file_and_bad_values_are_handled() {
    let dir = Scratch::new("sim");
    let model = dir.write("model.yaml", "pain_chance: 0.3\nskip_chance: 0\n");
    let (_, v) = simulate(&["--patients", "20", "--model", &model]);
    assert_eq!(v["model"]["pain_chance"], 0.3);
    assert_eq!(v["model"]["skip_chance"], 0.0);
    // A flag overrides the file.
    let (_, v) = simulate(&[
        "--patients",
        "20",
        "--model",
        &model,
        "--pain-chance",
        "0.05",
    ]);
    assert_eq!(v["model"]["pain_chance"], 0.05);

    let o = engine(&["simulate", "protocols/morra.yaml", "--pain-chance", "1.5"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("error[E050]"), "{}", stderr(&o));
    let o = engine(&["simulate", "protocols/morra.yaml", "--patients", "0"]);
    assert_eq!(o.status.code(), Some(1));
    let model = dir.write("model.yaml", "pain_chanse: 0.3\n");
    let o = engine(&["simulate", "protocols/morra.yaml", "--model", &model]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("pain_chanse"), "{}", stderr(&o));
}

#[test]
fn the_text_report_reads_well() {
    let o = engine(&["simulate", "protocols/morra.yaml", "--patients", "100"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    for words in [
        "100 patients, seed 1",
        "Model: pain after a running session 10%",
        "Disclaimer:",
        "Outcomes: completed",
        "Days to completion: p10",
        "days | #",
        "Rules fired",
        "patient-days",
    ] {
        assert!(out.contains(words), "{words}: {out}");
    }
}

/// Regression: `simulate --help` and `compare --help` described `--format` as the
/// format of diagnostics; it is the format of their report.
#[test]
fn help_describes_the_report_format() {
    for command in ["simulate", "compare"] {
        let o = engine(&[command, "--help"]);
        assert!(o.status.success());
        let help = stdout(&o);
        let format = help
            .lines()
            .skip_while(|l| !l.contains("--format"))
            .take(4)
            .collect::<Vec<_>>()
            .join("\n");
        assert!(
            format.contains("report") || format.contains("comparison"),
            "{format}"
        );
        assert!(!format.contains("diagnostics"), "{format}");
        assert!(!format.contains("Code frames"), "{format}");
    }
}
