//! Adaptive runs through the real binary: example patients against Morra's protocol,
//! explanations, plugin modules and hostile scripts.

use crate::common;

use common::{engine, relative, stderr, stdout};

use serde_json::Value;

fn morra(patient: &str) -> Value {
    let file = format!("examples/patients/{patient}.yaml");
    let o = engine(&[
        "run",
        "protocols/morra.yaml",
        "--patient",
        &file,
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{file}: {}", stderr(&o));
    assert!(stderr(&o).is_empty(), "{file} warned: {}", stderr(&o));
    serde_json::from_str(&stdout(&o)).expect("the plan is JSON")
}

fn day<'a>(plan: &'a Value, date: &str) -> &'a Value {
    plan["days"]
        .as_array()
        .and_then(|d| d.iter().find(|d| d["date"] == date))
        .unwrap_or_else(|| panic!("no day {date}"))
}

fn phase<'a>(plan: &'a Value, id: &str) -> &'a Value {
    plan["phases"]
        .as_array()
        .and_then(|p| p.iter().find(|p| p["id"] == id))
        .unwrap_or_else(|| panic!("no phase {id}"))
}

fn decisions<'a>(day: &'a Value, rule: &str) -> Vec<&'a Value> {
    day["decisions"]
        .as_array()
        .map(|d| d.iter().filter(|d| d["rule"] == rule).collect())
        .unwrap_or_default()
}

#[test]
fn every_example_patient_runs_against_morra() {
    insta::glob!("..", "examples/patients/*.yaml", |path| {
        let file = relative(path);
        let o = engine(&[
            "run",
            "protocols/morra.yaml",
            "--patient",
            &file,
            "--explain",
        ]);
        assert!(o.status.success(), "{file}: {}", stderr(&o));
        assert!(stderr(&o).is_empty(), "{file} warned: {}", stderr(&o));
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("x");
        insta::assert_snapshot!(
            format!("morra-{stem}"),
            common::without_protocol_hash(&stdout(&o), "protocols/morra.yaml")
        );
    });
}

#[test]
fn an_uneventful_course_follows_the_journal_then_projects() {
    let p = morra("uneventful");
    assert_eq!(p["journal"]["followed_until"], "2026-11-21");
    assert_eq!(p["journal"]["applied"], 13);
    assert_eq!(day(&p, "2026-11-19")["status"], "done");
    assert_eq!(day(&p, "2026-11-21")["status"], "partial");
    assert_eq!(day(&p, "2026-11-19")["report"]["pain"]["during"], 1);
    // Pain of 1 is the normal minor sensitivity: no rule fired, the week moved on.
    assert_eq!(day(&p, "2026-11-24")["week"], 3);
    // Gates passed on evidence, not by assumption.
    let last_pre_run = day(&p, "2026-11-09");
    for gate in ["gate:hop-test", "gate:shoes", "gate:form"] {
        assert_eq!(decisions(last_pre_run, gate)[0]["action"], "pass", "{gate}");
    }
    assert_eq!(
        decisions(day(&p, "2026-10-12"), "gate:cleared")[0]["action"],
        "pass"
    );
    // Days after the journal are projected as planned.
    assert_eq!(day(&p, "2026-11-24")["status"], "planned");
    assert_eq!(p["outcome"]["status"], "completed");
    assert_eq!(p["outcome"]["date"], "2027-02-01");
    // Walk/jog weeks 1-8: core and hip work on the cross-training days, and the ice
    // reminder on every day with activity; week 9 has neither.
    let cross = day(&p, "2026-11-11");
    assert_eq!(cross["session"]["parts"][1]["circuit"], "core-and-hip");
    let ice = |d: &Value| {
        d["reminders"].as_array().is_some_and(|r| {
            r.iter().any(|r| {
                r["text"]
                    .as_str()
                    .unwrap_or("")
                    .starts_with("Ice after activity")
            })
        })
    };
    assert!(ice(cross) && ice(day(&p, "2026-11-10")), "{cross}");
    assert!(
        !ice(day(&p, "2026-11-16")),
        "the day off has no activity to ice after"
    );
    let week9 = day(&p, "2027-01-06");
    assert_eq!(week9["week"], 9);
    assert!(!ice(week9), "{week9}");
    assert!(week9["session"]["parts"][0]["circuit"].is_null());
}

#[test]
fn pain_in_week_3_repeats_week_3() {
    let p = morra("week3-pain");
    let painful = day(&p, "2026-11-26");
    let fired = decisions(painful, "pain-holds-week");
    assert_eq!(fired.len(), 1);
    assert_eq!(fired[0]["action"], "hold");
    assert_eq!(fired[0]["values"]["pain.during"], 3.0);
    assert_eq!(fired[0]["source"], "morra-article");
    // The week after is week 3 again, then week 4.
    assert_eq!(day(&p, "2026-12-01")["week"], 3);
    assert_eq!(
        day(&p, "2026-12-01")["session"]["text"],
        "walk 2min, run 3min; repeat 20min"
    );
    assert_eq!(day(&p, "2026-12-08")["week"], 4);
    let weeks: Vec<u64> = p["weeks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["phase"] == "walk-jog")
        .map(|w| w["week"].as_u64().unwrap())
        .collect();
    assert_eq!(weeks, [1, 2, 3, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    assert_eq!(p["outcome"]["date"], "2027-02-08");
}

#[test]
fn explain_names_the_rule_the_pain_it_saw_and_the_source() {
    let o = engine(&[
        "run",
        "protocols/morra.yaml",
        "--patient",
        "examples/patients/week3-pain.yaml",
        "--explain",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let at = out
        .find("Thu 2026-11-26")
        .expect("the painful day is shown");
    let block = &out[at..at + 1200];
    assert!(block.contains("pain-holds-week -> hold"), "{block}");
    assert!(block.contains("when: morra::hurts(pain)"), "{block}");
    assert!(block.contains("pain.during = 3"), "{block}");
    assert!(block.contains("pain.after = 2"), "{block}");
    assert!(block.contains("[morra-article]"), "{block}");
    assert!(block.contains("reading:"), "{block}");
}

#[test]
fn a_painful_hop_test_holds_the_pre_run_stage_and_retests() {
    let p = morra("painful-hop");
    let failed = decisions(day(&p, "2026-11-09"), "gate:hop-test");
    assert_eq!(failed[0]["action"], "hold");
    assert_eq!(failed[0]["values"]["single_leg_hop.painless"], false);
    assert!(
        failed[0]["reason"]
            .as_str()
            .unwrap()
            .contains("tested again on 2026-11-16")
    );
    assert_eq!(day(&p, "2026-11-10")["phase"], "pre-run");
    assert_eq!(
        decisions(day(&p, "2026-11-16"), "gate:hop-test")[0]["action"],
        "pass"
    );
    assert_eq!(phase(&p, "pre-run")["end"], "2026-11-16");
    assert_eq!(phase(&p, "walk-jog")["start"], "2026-11-17");
    // The strength days take the three circuits in turn; hops and jumps come back
    // only after the painful test is passed again.
    let circuits = |from: &str, to: &str| -> Vec<String> {
        p["days"]
            .as_array()
            .expect("days")
            .iter()
            .filter(|d| (from..=to).contains(&d["date"].as_str().unwrap_or("")))
            .flat_map(|d| {
                d["session"]["parts"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
            })
            .filter_map(|part| part["circuit"].as_str().map(str::to_string))
            .collect()
    };
    assert_eq!(
        circuits("2026-10-27", "2026-11-01"),
        ["pre-run-core", "pre-run-legs", "pre-run-impact"].repeat(2)
    );
    let held = circuits("2026-11-10", "2026-11-15");
    assert_eq!(held.len(), 6);
    assert!(!held.iter().any(|c| c == "pre-run-impact"), "{held:?}");
    assert_eq!(
        decisions(day(&p, "2026-11-10"), "gate:hop-test")[0]["action"],
        "withhold"
    );
    // The hop test's own advice fires with the failed result.
    assert_eq!(
        decisions(day(&p, "2026-11-09"), "hop-test-painful")[0]["action"],
        "advise"
    );
}

#[test]
fn femur_and_metatarsal_heal_for_as_long_as_the_table_says() {
    let femur = morra("femur");
    let metatarsal = morra("metatarsal");
    assert_eq!(
        femur["patient"]["inputs"]["diagnosed_on"],
        metatarsal["patient"]["inputs"]["diagnosed_on"]
    );
    // Healing: metatarsal 6-8 weeks, femur 18-20 weeks, both at the upper end.
    assert_eq!(phase(&metatarsal, "protected")["end"], "2026-10-26");
    assert_eq!(phase(&femur, "protected")["end"], "2027-01-18");
}

#[test]
fn a_pelvis_fracture_has_no_early_strength_work() {
    let p = morra("pelvis");
    let rest = phase(&p, "rest");
    assert_eq!(rest["days"], 91); // 13 weeks, the upper end of two to three months
    let allowed = rest["allowed"].as_array().unwrap();
    assert!(allowed.is_empty(), "{allowed:?}");
    let avoided: Vec<&str> = rest["avoided"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["text"].as_str().unwrap())
        .collect();
    assert!(avoided.iter().any(|t| t.contains("early strength work")));
    let days = p["days"].as_array().unwrap();
    assert!(
        days.iter()
            .filter(|d| d["phase"] == "rest")
            .all(|d| d["status"] == "off")
    );
}

#[test]
fn pain_that_returns_after_a_step_back_ends_in_a_referral() {
    let p = morra("referral");
    assert_eq!(p["outcome"]["status"], "referred");
    assert_eq!(p["outcome"]["date"], "2026-11-24");
    assert_eq!(
        p["days"].as_array().unwrap().last().unwrap()["date"],
        "2026-11-24"
    );
    // Next-day pain on 2026-11-19 stepped back, with the hold overridden by it.
    let stepped = day(&p, "2026-11-19");
    assert_eq!(
        decisions(stepped, "pain-steps-back")[0]["action"],
        "rest 2, regress 1"
    );
    assert_eq!(
        decisions(stepped, "pain-holds-week")[0]["overridden_by"],
        "pain-steps-back"
    );
    let last = day(&p, "2026-11-24");
    let refer = decisions(last, "pain-returns-after-step-back-refers");
    assert_eq!(refer[0]["action"], "refer");
    assert_eq!(refer[0]["values"]["fired(\"pain-steps-back\", 14)"], 1.0);
    assert_eq!(refer[0]["values"]["planned"], "session");
    // The step back and the hold fired too, and are recorded as overridden.
    for rule in ["pain-steps-back", "pain-holds-week"] {
        assert_eq!(
            decisions(last, rule)[0]["overridden_by"],
            "pain-returns-after-step-back-refers",
            "{rule}"
        );
    }
    assert_eq!(phase(&p, "walk-jog")["end"], "2026-11-24");
}

#[test]
fn a_rule_may_call_its_own_module() {
    let o = engine(&[
        "run",
        "tests/fixtures/scripts/plugin-ok.yaml",
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let p: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let fired = decisions(day(&p, "2026-01-06"), "r");
    assert_eq!(fired[0]["condition"], "scores::worse_than(pain, 2)");
    assert_eq!(fired[0]["values"]["pain.during"], 3.0);
}

#[test]
fn undefined_functions_fail_check_and_run_at_the_call() {
    for (file, place) in [
        ("tests/fixtures/scripts/undefined-function.yaml", ":23:30"),
        (
            "tests/fixtures/scripts/undefined-module-function.yaml",
            ":23:19",
        ),
    ] {
        for command in ["check", "run"] {
            let o = engine(&[command, file]);
            assert_eq!(o.status.code(), Some(1), "{command} {file}");
            let err = stderr(&o);
            assert!(err.contains("error[E061]"), "{err}");
            assert!(err.contains(&format!("{file}{place}")), "{err}");
        }
    }
}

#[test]
fn hostile_scripts_stop_with_a_located_error() {
    insta::glob!("fixtures/scripts/*.yaml", |path| {
        let file = relative(path);
        if file.ends_with("plugin-ok.yaml") || file.contains("undefined") {
            return;
        }
        let o = engine(&["run", &file]);
        assert_eq!(o.status.code(), Some(1), "{file}");
        assert!(o.stdout.is_empty(), "{file} printed a plan");
        let err = stderr(&o);
        assert!(!err.contains("panicked"), "{file}: {err}");
        // The error names the script's file, line and column.
        let place = format!("{file}:");
        let at = err.find(&place).unwrap_or_else(|| panic!("{file}: {err}"));
        let rest = &err[at + place.len()..];
        let mut numbers = rest.split(|c: char| !c.is_ascii_digit());
        assert!(numbers.next().is_some_and(|l| !l.is_empty()), "{err}");
        assert!(numbers.next().is_some_and(|c| !c.is_empty()), "{err}");
        insta::assert_snapshot!(err);
    });
}

fn actions() -> Value {
    let o = engine(&[
        "run",
        "tests/fixtures/valid/actions.yaml",
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    serde_json::from_str(&stdout(&o)).expect("the plan is JSON")
}

#[test]
fn the_most_conservative_action_wins_and_the_others_are_recorded() {
    let p = actions();
    let d = day(&p, "2026-01-14");
    assert_eq!(decisions(d, "r-regress")[0]["overridden_by"], Value::Null);
    assert_eq!(decisions(d, "r-rest")[0]["overridden_by"], "r-regress");
    assert_eq!(decisions(d, "r-hold")[0]["overridden_by"], "r-regress");
    // Regress 1 from week 2: week 1 starts again the next day.
    let next = day(&p, "2026-01-15");
    assert_eq!(
        (next["week"].as_u64(), next["day"].as_u64()),
        (Some(1), Some(1))
    );
    // Rest beats hold: two rest days, then the schedule resumes where it stopped.
    let d = day(&p, "2026-01-17");
    assert_eq!(decisions(d, "r-hold")[0]["overridden_by"], "r-rest");
    for date in ["2026-01-18", "2026-01-19"] {
        assert_eq!(day(&p, date)["status"], "off", "{date}");
        assert_eq!(day(&p, date)["session"]["text"], "off", "{date}");
    }
    assert_eq!(day(&p, "2026-01-18")["decisions"][0]["action"], "rest");
    let resumed = day(&p, "2026-01-20");
    assert_eq!(
        (resumed["week"].as_u64(), resumed["day"].as_u64()),
        (Some(1), Some(4))
    );
}

#[test]
fn week_end_rules_hold_the_week_and_goto_moves_phase() {
    let p = actions();
    let end = day(&p, "2026-01-23");
    assert_eq!(decisions(end, "r-weekend")[0]["action"], "hold");
    assert_eq!(
        decisions(end, "r-weekend")[0]["values"]["sessions_this_week(\"skipped\")"],
        1.0
    );
    assert_eq!(day(&p, "2026-01-24")["week"], 1);
    // The setback event sends the patient to `keep` the next day.
    assert_eq!(
        decisions(day(&p, "2026-01-25"), "r-goto")[0]["action"],
        "goto keep"
    );
    assert_eq!(day(&p, "2026-01-26")["phase"], "keep");
    assert_eq!(phase(&p, "build")["end"], "2026-01-25");
    assert_eq!(p["outcome"]["date"], "2026-02-01");
}

#[test]
fn projected_days_fire_no_rules() {
    // After the journal ends (2026-01-25), no rule decision appears.
    let p = actions();
    let rules = ["r-hold", "r-rest", "r-regress", "r-weekend", "r-goto"];
    for d in p["days"].as_array().unwrap() {
        if d["date"].as_str().unwrap() > "2026-01-25" {
            for rule in rules {
                assert!(decisions(d, rule).is_empty(), "{rule} on {}", d["date"]);
            }
        }
    }
}

#[test]
fn lengths_and_doses_may_be_computed_by_scripts() {
    let low = engine(&[
        "run",
        "tests/fixtures/valid/computed.yaml",
        "--format",
        "json",
    ]);
    assert!(low.status.success(), "{}", stderr(&low));
    let low: Value = serde_json::from_str(&stdout(&low)).unwrap();
    assert_eq!(phase(&low, "base")["days"], 10);
    assert_eq!(day(&low, "2026-01-15")["session"]["text"], "run 15min");
    assert_eq!(day(&low, "2026-01-29")["session"]["text"], "run 25min");
    let high = engine(&[
        "run",
        "tests/fixtures/valid/computed.yaml",
        "--patient",
        "tests/fixtures/valid/computed-high-patient.yaml",
        "--format",
        "json",
    ]);
    assert!(high.status.success(), "{}", stderr(&high));
    let high: Value = serde_json::from_str(&stdout(&high)).unwrap();
    assert_eq!(phase(&high, "base")["days"], 14);
}

#[test]
fn a_rule_may_count_the_firings_of_another() {
    let o = engine(&["run", "tests/fixtures/valid/fired.yaml", "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let p: Value = serde_json::from_str(&stdout(&o)).expect("json");
    // The second painful check-in has seen one earlier hold: no referral yet.
    let second = decisions(day(&p, "2026-01-20"), "refer-on-recurrence");
    assert!(second.is_empty(), "{second:?}");
    assert_eq!(decisions(day(&p, "2026-01-20"), "pain-holds").len(), 1);
    // The third sees two, and refers; the hold that fired with it is overridden.
    let third = day(&p, "2026-01-27");
    let refer = decisions(third, "refer-on-recurrence");
    assert_eq!(refer.len(), 1, "{third}");
    assert_eq!(refer[0]["values"]["fired(\"pain-holds\", 14)"], 2.0);
    assert_eq!(
        decisions(third, "pain-holds")[0]["overridden_by"],
        "refer-on-recurrence"
    );
    assert_eq!(p["outcome"]["status"], "referred");
    assert_eq!(p["outcome"]["date"], "2026-01-27");
}

/// `rest N` in a level-by-level phase paused the phase week, so the week ran to nine days
/// with two days numbered alike, and the pattern's days moved off their weekdays.
#[test]
fn rest_in_a_level_phase_stretched_the_calendar_week() {
    let file = "tests/fixtures/valid/rest-in-levels.yaml";
    let o = engine(&["run", file, "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let p: Value = serde_json::from_str(&stdout(&o)).expect("the plan is JSON");
    let days = p["days"].as_array().expect("days");
    for (i, d) in days.iter().enumerate() {
        // Every day, rest days included, is the day of the phase's calendar week it
        // falls on, and holds what the pattern gives that day (or a rest).
        let (week, slot) = (i / 7 + 1, i % 7 + 1);
        assert_eq!(
            (d["week"].as_u64(), d["day"].as_u64()),
            (Some(week as u64), Some(slot as u64)),
            "{}",
            d["date"]
        );
        let parts: Vec<&str> = d["session"]["parts"]
            .as_array()
            .expect("parts")
            .iter()
            .map(|p| p["kind"].as_str().unwrap_or(""))
            .collect();
        let allowed: &[&str] = match slot {
            1 | 3 | 5 => &["session", "off"],
            2 | 4 => &["cross", "off"],
            _ => &["off"],
        };
        assert!(
            parts.iter().all(|k| allowed.contains(k)),
            "{}: {parts:?}",
            d["date"]
        );
    }
    for date in ["2026-01-08", "2026-01-09", "2026-01-17", "2026-01-18"] {
        assert_eq!(day(&p, date)["status"], "off", "{date}");
    }
    for w in p["weeks"].as_array().expect("weeks") {
        let (start, end) = (w["start"].as_str(), w["end"].as_str());
        let span = days
            .iter()
            .filter(|d| Some(d["date"].as_str().unwrap_or("")) >= start)
            .take_while(|d| Some(d["date"].as_str().unwrap_or("")) <= end)
            .count();
        assert!(
            span == 7 || w == p["weeks"].as_array().unwrap().last().unwrap(),
            "{w}"
        );
    }
    // The week's last day is a rest day, and week-end rules still look at the week.
    assert_eq!(decisions(day(&p, "2026-01-18"), "week-end-note").len(), 1);
    assert_eq!(decisions(day(&p, "2026-01-11"), "week-end-note").len(), 1);

    let o = engine(&["run", file, "--explain"]);
    assert!(o.status.success(), "{}", stderr(&o));
    insta::assert_snapshot!(stdout(&o));
}

/// Lists and maps a rule saw (`checkins(n)`, `table(id)`) were printed as the engine's
/// debug form (`List([Map(Vars { entries: ...`) in `--explain` and in JSON `values`.
#[test]
fn lists_and_maps_a_rule_saw_were_printed_as_debug_dumps() {
    let file = "tests/fixtures/valid/values-as-data.yaml";
    let o = engine(&["run", file, "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let p: Value = serde_json::from_str(&stdout(&o)).expect("the plan is JSON");
    let fired = decisions(day(&p, "2026-01-07"), "sore-twice");
    assert_eq!(fired.len(), 1);
    let values = &fired[0]["values"];
    assert_eq!(
        values["checkins(2)"],
        serde_json::json!([
            {
                "date": "2026-01-05",
                "fields": { "swelling": true },
                "max_pain": 2.0,
                "pain": { "after": 0.0, "before": 0.0, "during": 2.0, "next_day": 0.0 },
                "session": "done"
            },
            {
                "date": "2026-01-07",
                "fields": {},
                "max_pain": 3.0,
                "pain": { "after": 1.0, "before": 0.0, "during": 3.0, "next_day": 0.0 },
                "session": ""
            }
        ]),
        "{values}"
    );
    assert_eq!(values["table(\"healing\")"]["text"], "4-6wk", "{values}");
    assert_eq!(values["table(\"healing\")"]["max_days"], 42.0, "{values}");

    for (name, args) in [
        ("yaml", vec!["run", file, "--format", "yaml"]),
        ("text", vec!["run", file, "--explain"]),
        ("md", vec!["run", file, "--explain", "--format", "md"]),
    ] {
        let o = engine(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        let out = stdout(&o);
        for debug in ["List(", "Map(", "Vars {", "Str(", "Int("] {
            assert!(!out.contains(debug), "{name} shows {debug}: {out}");
        }
        if name != "yaml" {
            let saw = out
                .lines()
                .skip_while(|l| !l.contains("sore-twice"))
                .find(|l| l.contains("saw"))
                .unwrap_or_else(|| panic!("{name}: no values shown: {out}"));
            assert!(saw.contains("checkins(2)"), "{name}: {saw}");
            insta::assert_snapshot!(format!("values-as-data-{name}"), out);
        }
    }
}

/// Where the journal and the plan disagree, a warning names the disagreement at its
/// journal entry and the exit code stays 0:
/// - sessions reported while the plan still waits for a gate's evidence (the hop test
///   was never recorded), by `run` and `check --patient` alike, and while it waits for
///   a requirement before a phase begins;
/// - a session on a day the protocol's limits keep free (Delaware: never two days
///   running), quoting the limit;
/// - a session on a day the plan has off (complete rest).
///
/// Morra's example patients, whose pre-run check-in once fell on the pattern's day off,
/// draw no warning.
#[test]
fn journal_and_plan_disagreements_are_warned_at_the_entry() {
    /// One disagreement: the protocol, the patient, the commands that show it, and
    /// the warning's code, words and place.
    struct Case {
        protocol: &'static str,
        patient: &'static str,
        commands: &'static [&'static str],
        code: &'static str,
        words: &'static str,
        place: &'static str,
    }
    let cases = [
        Case {
            protocol: "protocols/morra.yaml",
            patient: "tests/fixtures/other/sessions-while-waiting.yaml",
            commands: &["run", "check"],
            code: "W051",
            words: "Single-leg hop test",
            place: "8:13",
        },
        Case {
            protocol: "tests/fixtures/valid/requires.yaml",
            patient: "tests/fixtures/other/requires-patient.yaml",
            commands: &["run", "check"],
            code: "W051",
            words: "\"Hop test is painless\": waiting for a result",
            place: "10:13",
        },
        Case {
            protocol: "protocols/delaware-soreness.yaml",
            patient: "tests/fixtures/other/sessions-on-consecutive-days.yaml",
            commands: &["run"],
            code: "W052",
            words: "never on consecutive days",
            place: "10:13",
        },
        Case {
            protocol: "protocols/morra.yaml",
            patient: "tests/fixtures/other/session-on-day-off.yaml",
            commands: &["run"],
            code: "W053",
            words: "a day off",
            place: "6:13",
        },
    ];
    for case in &cases {
        for command in case.commands {
            let o = engine(&[command, case.protocol, "--patient", case.patient]);
            assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
            let err = stderr(&o);
            assert!(err.contains(&format!("warning[{}]", case.code)), "{err}");
            assert!(err.contains(case.words), "{err}");
            assert!(
                err.contains(&format!("{}:{}", case.patient, case.place)),
                "{err}"
            );
        }
    }
    for entry in std::fs::read_dir("examples/patients")
        .expect("examples")
        .flatten()
    {
        let file = entry.path().display().to_string();
        let o = engine(&["run", "protocols/morra.yaml", "--patient", &file]);
        assert!(!stderr(&o).contains("warning["), "{file}: {}", stderr(&o));
    }
}

/// `rest 1, repeat` and `repeat`: the day's place in the week is done over on the next
/// scheduled day, after any rest; a phase due to end on a date ends a day later.
#[test]
fn a_repeat_does_the_day_over_after_any_rest() {
    let file = "tests/fixtures/valid/repeat.yaml";
    let o = engine(&["run", file, "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).is_empty(), "{}", stderr(&o));
    let p: Value = serde_json::from_str(&stdout(&o)).expect("the plan is JSON");
    let place = |date: &str| {
        let d = day(&p, date);
        (d["week"].as_u64(), d["day"].as_u64(), d["status"].as_str())
    };
    // Pain on the week's second session (day 3): one rest day, then day 3 again.
    assert_eq!(
        decisions(day(&p, "2026-01-07"), "stop-rest-repeat")[0]["action"],
        "rest 1, repeat"
    );
    assert_eq!(day(&p, "2026-01-08")["status"], "off");
    assert_eq!(place("2026-01-09"), (Some(1), Some(3), Some("done")));
    assert_eq!(
        day(&p, "2026-01-09")["session"]["text"],
        day(&p, "2026-01-07")["session"]["text"]
    );
    // A partial session on day 5 is done over the next day, without a rest.
    assert_eq!(place("2026-01-11"), (Some(1), Some(5), Some("partial")));
    assert_eq!(place("2026-01-12"), (Some(1), Some(5), Some("done")));
    // Week 1 took ten days (a rest and two repeated days); week 2 follows it.
    assert_eq!(place("2026-01-14"), (Some(1), Some(7), Some("off")));
    assert_eq!(day(&p, "2026-01-15")["week"], 2);
    // In the one-week `keep` phase the repeated day moves its end a day later.
    assert_eq!(place("2026-01-31").1, Some(2));
    assert_eq!(phase(&p, "keep")["end"], "2026-02-05");
    assert_eq!(p["outcome"]["date"], "2026-02-05");
    // Three weeks of 7 days, plus the rest day and the two days done over.
    assert_eq!(phase(&p, "build")["end"], "2026-01-28");
}

/// Requirements hold a phase back until their evidence arrives: the protocol's before
/// its first phase, a phase's own before it. Waiting days have no sessions and belong
/// to the phase waited for, as its week 0; the phase begins, in week 1, on the day the
/// evidence is in the journal. On projected days a requirement is assumed met, and
/// with no journal at all the plan does not wait.
#[test]
fn requirements_hold_a_phase_back_until_their_evidence_arrives() {
    let file = "tests/fixtures/valid/requires.yaml";
    let run = |patient: Option<&str>| -> Value {
        let mut args = vec!["run", file, "--format", "json"];
        if let Some(p) = patient {
            args.extend(["--patient", p]);
        }
        let o = engine(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        serde_json::from_str(&stdout(&o)).expect("the plan is JSON")
    };
    let by = |day: &Value, who: &str| -> Vec<String> {
        day["decisions"]
            .as_array()
            .expect("decisions")
            .iter()
            .filter(|d| d["rule"] == who)
            .map(|d| d["action"].as_str().unwrap_or("").to_string())
            .collect()
    };

    let p = run(Some("tests/fixtures/other/requires-patient.yaml"));
    assert_eq!(p["requires"][0]["id"], "clearance");
    // Waiting for the physician's clearance before the first phase.
    for date in ["2026-01-05", "2026-01-06"] {
        let d = day(&p, date);
        assert_eq!(
            (&d["phase"], &d["week"], &d["day"], &d["status"]),
            (&"walk".into(), &0.into(), &0.into(), &"waiting".into()),
            "{date}"
        );
        assert_eq!(d["session"]["parts"][0]["kind"], "off", "{date}");
    }
    // The wait is said once, on its first day.
    assert_eq!(by(day(&p, "2026-01-05"), "requires:clearance"), ["wait"]);
    assert!(by(day(&p, "2026-01-06"), "requires:clearance").is_empty());
    // Cleared on 2026-01-07: the walking phase begins that day, in its week 1.
    let first = day(&p, "2026-01-07");
    assert_eq!((&first["week"], &first["day"]), (&1.into(), &1.into()));
    assert_eq!(by(first, "requires:clearance"), ["pass"]);
    assert_eq!(by(first, "phase:walk"), ["enter"]);
    let walk = phase(&p, "walk");
    assert_eq!(walk["start"], "2026-01-05");
    assert_eq!(walk["waited"]["end"], "2026-01-06");
    assert_eq!(walk["waited"]["days"], 2);
    assert_eq!(walk["waited"]["for"][0], "Cleared by the physician");
    // The running phase waits for the hop test, and begins the day it passes; its
    // condition, evaluated with `trigger` "entry", sees the phase not yet begun.
    assert_eq!(day(&p, "2026-01-14")["status"], "waiting");
    assert_eq!(by(day(&p, "2026-01-14"), "requires:hop-test"), ["wait"]);
    assert_eq!(day(&p, "2026-01-15")["week"], 0);
    let begins = day(&p, "2026-01-16");
    assert_eq!(begins["week"], 1);
    assert_eq!(begins["session"]["parts"][0]["kind"], "session");
    assert_eq!(by(begins, "requires:hop-test"), ["pass"]);
    assert_eq!(by(begins, "requires:walking-pain-free"), ["pass"]);
    assert_eq!(by(begins, "requires:footwear"), ["checkpoint"]);
    assert_eq!(phase(&p, "run")["waited"]["start"], "2026-01-14");
    assert_eq!(p["phases"][1]["requires"].as_array().map(Vec::len), Some(3));

    // The journal ends on the second day: the clearance is assumed from the third.
    let q = run(Some("tests/fixtures/other/requires-projected.yaml"));
    assert_eq!(day(&q, "2026-01-06")["status"], "skipped");
    assert_eq!(day(&q, "2026-01-06")["week"], 0);
    let assumed = day(&q, "2026-01-07");
    assert_eq!(assumed["week"], 1);
    assert_eq!(by(assumed, "requires:clearance"), ["assume-passed"]);
    assert_eq!(
        by(day(&q, "2026-01-14"), "requires:hop-test"),
        ["assume-passed"]
    );

    // No journal: nothing is followed, nothing waits, and the phases keep their dates.
    let e = run(None);
    assert_eq!(phase(&e, "walk")["start"], "2026-01-05");
    assert!(phase(&e, "walk").get("waited").is_none());
    assert_eq!(phase(&e, "run")["start"], "2026-01-12");
    assert!(
        e["days"]
            .as_array()
            .expect("days")
            .iter()
            .all(|d| d["week"] != 0)
    );

    let o = engine(&[
        "run",
        file,
        "--patient",
        "tests/fixtures/other/requires-patient.yaml",
        "--explain",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    insta::assert_snapshot!(stdout(&o));
}

/// A rule's `goto` back to the first phase does not test the protocol's requirements
/// again (one of them holds only in the plan's first days, so testing it again would
/// keep the patient waiting), while a phase entered anew tests its own again.
#[test]
fn a_goto_to_the_first_phase_does_not_test_the_protocols_requirements_again() {
    let o = engine(&[
        "run",
        "tests/fixtures/valid/requires-goto.yaml",
        "--patient",
        "tests/fixtures/other/requires-goto-patient.yaml",
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).is_empty(), "{}", stderr(&o));
    let p: Value = serde_json::from_str(&stdout(&o)).expect("the plan is JSON");
    let stays: Vec<(&str, &str)> = p["phases"]
        .as_array()
        .expect("phases")
        .iter()
        .map(|ph| {
            (
                ph["id"].as_str().unwrap_or(""),
                ph["start"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        stays,
        [
            ("walk", "2026-01-05"),
            ("run", "2026-01-12"),
            ("walk", "2026-01-15"),
            ("run", "2026-01-22"),
        ]
    );
    let tested = |date: &str, id: &str| {
        day(&p, date)["decisions"]
            .as_array()
            .expect("decisions")
            .iter()
            .any(|d| d["rule"] == format!("requires:{id}"))
    };
    assert!(tested("2026-01-05", "early"));
    assert!(!tested("2026-01-15", "early"));
    assert!(tested("2026-01-12", "walking-pain-free"));
    assert!(tested("2026-01-22", "walking-pain-free"));
}
