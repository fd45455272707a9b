//! `engine today`: the card for one day, for every protocol's example patient (on its
//! first running or session day), and the states a day can be in: before the plan,
//! referred, completed, and a journal read only up to the day.

use crate::common::{engine, stderr, stdout};

use std::path::{Path, PathBuf};

use serde_json::Value;

fn today(args: &[&str]) -> String {
    let mut with = vec!["today"];
    with.extend(args);
    let run = engine(&with);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    stdout(&run)
}

fn card(args: &[&str]) -> Value {
    let mut with = args.to_vec();
    with.extend(["--format", "json"]);
    serde_json::from_str(&today(&with)).expect("a JSON card")
}

/// The first day of a plan with a session on it.
fn first_session_day(protocol: &str) -> String {
    let run = engine(&["run", protocol, "--format", "json"]);
    let plan: Value = serde_json::from_slice(&run.stdout).expect("a JSON plan");
    plan["days"]
        .as_array()
        .expect("days")
        .iter()
        .find(|d| {
            d["session"]["parts"]
                .as_array()
                .expect("parts")
                .iter()
                .any(|p| p["kind"] == "session")
        })
        .and_then(|d| d["date"].as_str())
        .expect("a session day")
        .to_string()
}

#[test]
fn every_protocol_has_a_card_for_its_first_session_day() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut protocols: Vec<PathBuf> = std::fs::read_dir(root.join("protocols"))
        .expect("protocols/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    protocols.sort();
    for p in &protocols {
        let name = p.file_stem().expect("name").to_string_lossy().to_string();
        let protocol = format!("protocols/{name}.yaml");
        let date = first_session_day(&protocol);
        let text = today(&[&protocol, "--as-of", &date]);
        insta::assert_snapshot!(format!("today-{name}"), text);
        let json = card(&[&protocol, "--as-of", &date]);
        assert_eq!(json["state"], "day", "{name}");
        assert_eq!(json["rest_day"], false, "{name}");
        assert!(!json["todo"].as_array().expect("todo").is_empty(), "{name}");
        let asks = json["report_tonight"].as_array().expect("questions");
        assert_eq!(asks[0]["id"], "pain.before", "{name}");
        insta::assert_json_snapshot!(format!("today-{name}-json"), json);
    }
}

#[test]
fn a_card_says_when_the_plan_has_not_begun_has_ended_or_is_a_rest_day() {
    let before = card(&["protocols/morra.yaml", "--as-of", "2026-08-01"]);
    assert_eq!(before["state"], "before_start");
    assert_eq!(before["message"], "The plan starts on 2026-09-01.");

    let rest = today(&["protocols/morra.yaml", "--as-of", "2026-09-03"]);
    assert!(rest.contains("Rest day: nothing to do today."), "{rest}");
    assert!(!rest.contains("Tonight, report"), "{rest}");

    let after = card(&["protocols/morra.yaml", "--as-of", "2027-03-01"]);
    assert_eq!(after["state"], "completed");
    assert_eq!(after["outcome"]["status"], "completed");
    assert!(after["disclaimer"].as_str().is_some_and(|d| !d.is_empty()));

    // Strength work names its circuit and lists the exercises in plain words.
    let strength = card(&["protocols/morra.yaml", "--as-of", "2026-11-11"]);
    let todo = strength["todo"].as_array().expect("todo");
    let circuit = todo
        .iter()
        .find(|t| t["kind"] == "strength")
        .expect("strength");
    assert_eq!(circuit["circuit"]["id"], "core-and-hip");
    assert_eq!(circuit["words"], "core work, hip strengthening");
}

/// Entries after the card's day are not read: the referral course is still in progress
/// on the day it stepped back, and referred from the day of the referral.
#[test]
fn a_card_reads_the_journal_only_up_to_its_day() {
    let patient = "examples/patients/referral.yaml";
    let before = card(&[
        "protocols/morra.yaml",
        "--patient",
        patient,
        "--as-of",
        "2026-11-19",
    ]);
    assert_eq!(before["state"], "day");
    assert_eq!(before["outcome"]["status"], "in_progress");
    assert_eq!(before["status"], "done");

    let on = today(&[
        "protocols/morra.yaml",
        "--patient",
        patient,
        "--as-of",
        "2026-11-24",
    ]);
    insta::assert_snapshot!("today-referral-day", on);
    let after = card(&[
        "protocols/morra.yaml",
        "--patient",
        patient,
        "--as-of",
        "2026-12-01",
    ]);
    assert_eq!(after["state"], "referred");
    assert_eq!(after["outcome"]["date"], "2026-11-24");
    assert!(
        after["message"]
            .as_str()
            .is_some_and(|m| m.contains("contact your clinician")),
        "{after}"
    );
}

#[test]
fn a_card_needs_its_day() {
    let run = engine(&["today", "protocols/morra.yaml"]);
    assert_eq!(run.status.code(), Some(2));
    assert!(stderr(&run).contains("--as-of"), "{}", stderr(&run));
}
