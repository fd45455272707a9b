//! Strength circuits taken in turn, a circuit withheld while a gate fails, and phase
//! notes shown as reminders on days, through the real binary.

use crate::common;

use common::{engine, stderr, stdout};

use serde_json::Value;

const FIXTURE: &str = "tests/fixtures/valid/circuits.yaml";

fn plan() -> Value {
    let o = engine(&["run", FIXTURE, "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).is_empty(), "{}", stderr(&o));
    serde_json::from_str(&stdout(&o)).expect("the plan is JSON")
}

fn day<'a>(plan: &'a Value, date: &str) -> &'a Value {
    plan["days"]
        .as_array()
        .and_then(|d| d.iter().find(|d| d["date"] == date))
        .unwrap_or_else(|| panic!("no day {date}"))
}

/// The circuit of each strength day of the phase, by date.
fn circuits(plan: &Value, phase: &str) -> Vec<(String, String)> {
    plan["days"]
        .as_array()
        .expect("days")
        .iter()
        .filter(|d| d["phase"] == phase)
        .flat_map(|d| {
            let date = d["date"].as_str().unwrap_or_default().to_string();
            d["session"]["parts"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(move |p| p["circuit"].as_str().map(|c| (date.clone(), c.to_string())))
        })
        .collect()
}

fn reminders(day: &Value) -> Vec<&str> {
    day["reminders"]
        .as_array()
        .map(|r| r.iter().filter_map(|r| r["text"].as_str()).collect())
        .unwrap_or_default()
}

/// Strength days take the circuits in turn across weeks; after the hop test fails on
/// the phase's last day (the gate holds it a week), the impact circuit is left out and
/// its turns go to the next circuit, until the passing result of 2026-01-22.
#[test]
fn strength_days_rotate_and_leave_out_a_circuit_while_its_gate_fails() {
    let p = plan();
    let got = circuits(&p, "strong");
    let want = [
        ("2026-01-05", "core"),
        ("2026-01-06", "legs"),
        ("2026-01-07", "impact"),
        ("2026-01-09", "core"),
        ("2026-01-10", "legs"),
        ("2026-01-12", "impact"),
        ("2026-01-13", "core"),
        ("2026-01-14", "legs"),
        ("2026-01-16", "impact"),
        ("2026-01-17", "core"),
        // The gate failed on 2026-01-18: impact's turns go to the next circuit.
        ("2026-01-19", "legs"),
        ("2026-01-20", "core"),
        ("2026-01-21", "legs"),
        // A passing result on 2026-01-22 brings it back.
        ("2026-01-23", "impact"),
        ("2026-01-24", "core"),
    ];
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(d, c)| (d.to_string(), c.to_string()))
        .collect();
    assert_eq!(got, want);

    // The first day it is left out says why, once.
    let said: Vec<&Value> = p["days"]
        .as_array()
        .expect("days")
        .iter()
        .flat_map(|d| d["decisions"].as_array().into_iter().flatten())
        .filter(|d| d["action"] == "withhold")
        .collect();
    assert_eq!(said.len(), 1, "{said:?}");
    let first = &day(&p, "2026-01-19")["decisions"][0];
    assert_eq!(first["rule"], "gate:hop-test");
    assert_eq!(first["action"], "withhold");
    assert_eq!(
        first["interpretation"],
        "No hopping while the hop test hurts."
    );

    let phase = &p["phases"][0];
    assert!(
        phase.get("strength").is_none(),
        "a rotation is not one circuit"
    );
    let rotation: Vec<&str> = phase["rotation"]
        .as_array()
        .expect("rotation")
        .iter()
        .filter_map(|c| c["id"].as_str())
        .collect();
    assert_eq!(rotation, ["core", "legs", "impact"]);
    assert_eq!(
        phase["withhold"],
        serde_json::json!([{
            "circuit": "impact",
            "while_failing": "hop-test",
            "source": "s",
            "interpretation": "No hopping while the hop test hurts."
        }])
    );
}

/// Without a journal every gate is assumed to pass, so nothing is withheld and the
/// rotation runs round the list; the phase ends on time.
#[test]
fn a_nominal_plan_withholds_no_circuit() {
    let scratch = common::Scratch::new("circuits-nominal");
    let patient = scratch.write("patient.yaml", "inputs: { start: 2026-01-05 }\n");
    let o = engine(&["run", FIXTURE, "--patient", &patient, "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let p: Value = serde_json::from_str(&stdout(&o)).expect("the plan is JSON");
    let got: Vec<String> = circuits(&p, "strong").into_iter().map(|(_, c)| c).collect();
    let turns = ["core", "legs", "impact"];
    let want: Vec<&str> = (0..10).map(|i| turns[i % 3]).collect();
    assert_eq!(got, want);
    assert_eq!(p["phases"][0]["end"], "2026-01-18");
}

/// Notes with `days` and `weeks` are shown on each day of those kinds in those weeks,
/// and listed with the phase as before; other notes and other days carry none.
#[test]
fn phase_notes_are_reminders_on_the_days_they_apply_to() {
    let p = plan();
    // Strength days, and only they, remind to warm up.
    assert_eq!(
        reminders(day(&p, "2026-01-06")),
        ["Warm up before the circuit."]
    );
    assert_eq!(reminders(day(&p, "2026-01-08")), Vec::<&str>::new());
    assert!(
        day(&p, "2026-01-08").get("reminders").is_none(),
        "omitted when empty"
    );
    // Session and cross-training days of the walk/jog weeks 1-2, not days off or week 3.
    let run = |date| reminders(day(&p, date));
    assert_eq!(run("2026-01-26"), ["Ice after activity."]);
    assert_eq!(run("2026-01-27"), ["Ice after activity."]);
    assert!(run("2026-01-31").is_empty());
    assert_eq!(run("2026-02-06"), ["Ice after activity."]);
    assert!(run("2026-02-09").is_empty());
    let notes: Vec<&str> = p["phases"][1]["notes"]
        .as_array()
        .expect("notes")
        .iter()
        .filter_map(|n| n["text"].as_str())
        .collect();
    assert_eq!(
        notes,
        ["Ice after activity.", "Listed with the phase only."]
    );

    for args in [vec!["run", FIXTURE], vec!["run", FIXTURE, "--format", "md"]] {
        let o = engine(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        let out = stdout(&o);
        assert!(out.contains("Reminder (Mon, Tue, Wed, Thu, Fri)"), "{out}");
        insta::assert_snapshot!(
            format!("circuits-{}", if args.len() > 2 { "md" } else { "text" }),
            out
        );
    }
}

/// A gate without an assessment withholds from its failed test until a test it passes;
/// with every circuit withheld, strength days have no strength work and are days off.
#[test]
fn a_day_with_every_circuit_withheld_has_no_strength_work() {
    let scratch = common::Scratch::new("circuits-all-withheld");
    let protocol = scratch.write(
        "all-withheld.yaml",
        r#"# One circuit, withheld while a scripted gate fails. Not clinical content.
id: all-withheld
title: All withheld
version: "1"
authors: [{ name: Test author }]
sources: [{ id: s, citation: "A fixture, not a clinical source." }]
disclaimer: Test fixture only.
inputs:
  - { id: start, label: First day, type: date }
starts_on: start
circuits:
  - { id: hops, title: Hops, exercises: "hop 3x10", source: s }
phases:
  - id: hop
    title: Hopping
    source: s
    duration: { period: 1wk }
    strength: hops
    withhold: [{ circuit: hops, while_failing: no-pain, source: s }]
    pattern:
      - { days: [strength, strength, strength, strength, strength, strength, strength], source: s }
    gates:
      - { id: no-pain, title: No pain this week, when: "max_pain(7) < 2", retest: 1wk, source: s }
    notes:
      - { text: Rest well., source: s, days: [off] }
example_patient:
  inputs: { start: 2026-01-05 }
  journal:
    - { date: 2026-01-07, session: done, pain: { during: 3 } }
    - { date: 2026-01-11, session: done, pain: { during: 0 } }
"#,
    );
    let o = engine(&["run", &protocol, "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let p: Value = serde_json::from_str(&stdout(&o)).expect("the plan is JSON");
    assert_eq!(
        circuits(&p, "hop").len(),
        7,
        "the first week has its circuit"
    );
    for date in ["2026-01-12", "2026-01-15", "2026-01-18"] {
        let d = day(&p, date);
        assert_eq!(d["status"], "off", "{date}");
        assert_eq!(reminders(d), ["Rest well."], "{date}");
    }
    let said = &day(&p, "2026-01-12")["decisions"][0];
    assert_eq!(said["action"], "withhold");
    assert!(
        said["reason"]
            .as_str()
            .is_some_and(|r| r.contains("strength days have no strength work")),
        "{said}"
    );
    assert_eq!(p["phases"][0]["end"], "2026-01-18");
}
