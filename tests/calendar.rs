//! The calendar (`engine run --format ics`), read back by real calendar parsers: python's
//! `icalendar` and the stricter `ical`, in a virtual environment under `target/` that
//! `.ci/run` creates (and this test creates when it is missing, outside CI). One python
//! process reads every calendar at once (`tests/clients/check_ics.py`).

use crate::common::{self, Scratch, engine, stdout};

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The calendar readers' python (`target/venv-ics`, with the pinned readers of
/// `tests/clients/requirements.txt`); see [`common::client_python`].
fn python() -> PathBuf {
    common::client_python("venv-ics", "tests/clients/requirements.txt")
}

/// Every calendar read back: file path -> `{header, events, problems}`.
fn read_back(files: &[String]) -> Value {
    let out = Command::new(python())
        .arg(root().join("tests/clients/check_ics.py"))
        .args(files)
        .output()
        .expect("the calendar check runs");
    assert!(
        out.status.success(),
        "check_ics.py failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("check_ics.py prints JSON")
}

/// The calendar for one plan, from two runs that must agree byte for byte.
fn calendar(args: &[&str]) -> String {
    let mut with = args.to_vec();
    with.extend(["--format", "ics"]);
    let first = engine(&with);
    assert_eq!(first.status.code(), Some(0), "{}", common::stderr(&first));
    let second = engine(&with);
    assert_eq!(first.stdout, second.stdout, "two runs of {args:?} differ");
    stdout(&first)
}

fn plan(args: &[&str]) -> Value {
    let mut with = args.to_vec();
    with.extend(["--format", "json"]);
    let run = engine(&with);
    serde_json::from_slice(&run.stdout).expect("a JSON plan")
}

/// The days a plan's calendar must have an event on: days with a part other than rest,
/// an assessment asked for when a phase begins, or a gate decided on an assessment.
fn active_days(plan: &Value) -> BTreeSet<String> {
    let gates_on_assessments: BTreeSet<String> = plan["phases"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|p| p["gates"].as_array().into_iter().flatten())
        .filter(|g| g.get("assessment").is_some())
        .map(|g| format!("gate:{}", g["id"].as_str().unwrap_or_default()))
        .collect();
    plan["days"]
        .as_array()
        .expect("days")
        .iter()
        .filter(|d| {
            let parts = d["session"]["parts"].as_array().expect("parts");
            let decisions = d["decisions"].as_array().expect("decisions");
            parts.iter().any(|p| p["kind"] != "off")
                || decisions.iter().any(|x| {
                    let rule = x["rule"].as_str().unwrap_or_default();
                    (rule.starts_with("assess:") && x["action"] == "assess")
                        || gates_on_assessments.contains(rule)
                })
        })
        .map(|d| d["date"].as_str().expect("date").to_string())
        .collect()
}

/// The protocols' example patients and Morra's courses in `examples/patients/`.
fn plans() -> Vec<(String, Vec<String>)> {
    let mut cases = Vec::new();
    let mut protocols: Vec<PathBuf> = std::fs::read_dir(root().join("protocols"))
        .expect("protocols/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    protocols.sort();
    for p in &protocols {
        let name = p.file_stem().expect("name").to_string_lossy().to_string();
        cases.push((name, vec!["run".into(), common::relative(p)]));
    }
    let mut patients: Vec<PathBuf> = std::fs::read_dir(root().join("examples/patients"))
        .expect("examples/patients/")
        .map(|e| e.expect("entry").path())
        .collect();
    patients.sort();
    for p in &patients {
        let name = p.file_stem().expect("name").to_string_lossy().to_string();
        cases.push((
            format!("morra-{name}"),
            vec![
                "run".into(),
                "protocols/morra.yaml".into(),
                "--patient".into(),
                common::relative(p),
            ],
        ));
    }
    cases
}

#[test]
fn every_calendar_reads_back_with_its_days_and_stable_uids() {
    let dir = Scratch::new("calendars");
    let mut files = Vec::new();
    let mut expected = Vec::new();
    for (name, args) in plans() {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let ics = calendar(&args);
        // Every line ends in CRLF; the snapshots show them as plain line breaks.
        assert!(!ics.replace("\r\n", "").contains('\n'), "{name}: a bare LF");
        if !name.starts_with("morra-") {
            insta::assert_snapshot!(format!("ics-{name}"), ics.replace("\r\n", "\n"));
        }
        files.push(dir.write(&format!("{name}.ics"), &ics));
        expected.push((name, plan(&args)));
    }
    let report = read_back(&files);
    for (file, (name, plan)) in files.iter().zip(&expected) {
        let cal = &report[file.as_str()];
        assert_eq!(cal["problems"], serde_json::json!([]), "{name}");
        assert_eq!(cal["header"]["VERSION"], "2.0", "{name}");
        assert_eq!(cal["header"]["CALSCALE"], "GREGORIAN", "{name}");
        assert_eq!(cal["header"]["METHOD"], "PUBLISH", "{name}");
        let events = cal["events"].as_array().expect("events");
        let uids: BTreeSet<&str> = events.iter().filter_map(|e| e["uid"].as_str()).collect();
        assert_eq!(uids.len(), events.len(), "{name}: UIDs repeat");

        // The stamp is the plan's first day, never the clock.
        let stamp = format!("{}T00:00:00+00:00", plan["start"].as_str().expect("start"));
        let mut days = BTreeSet::new();
        let mut referrals = Vec::new();
        for e in events {
            assert_eq!(e["dtstamp"], stamp.as_str(), "{name}");
            assert_eq!(e["dtstart_is_date"], true, "{name}");
            let start: jiff::civil::Date = e["dtstart"].as_str().expect("date").parse().unwrap();
            let end: jiff::civil::Date = e["dtend"].as_str().expect("date").parse().unwrap();
            assert_eq!(end, start.tomorrow().unwrap(), "{name}: {e}");
            let summary = e["summary"].as_str().expect("summary");
            let uid = e["uid"].as_str().expect("uid");
            let description = e["description"].as_str().expect("description");
            assert!(!summary.contains('\\'), "{name}: {summary}");
            assert!(
                description.ends_with(&clean(plan["disclaimer"].as_str().expect("text"))),
                "{name}: {description}"
            );
            if uid.contains("-referral-") {
                assert_eq!(summary, "Contact your clinician");
                referrals.push(start.to_string());
            } else {
                assert!(
                    [
                        "Run: ",
                        "Session: ",
                        "Cross-training: ",
                        "Strength: ",
                        "Assessment: "
                    ]
                    .iter()
                    .any(|l| summary.starts_with(l)),
                    "{name}: {summary}"
                );
                assert!(
                    days.insert(start.to_string()),
                    "{name}: two events on {start}"
                );
            }
        }
        assert_eq!(days, active_days(plan), "{name}");
        let referred = plan["outcome"]["status"] == "referred";
        let outcome = plan["outcome"]["date"].as_str().expect("date").to_string();
        assert_eq!(
            referrals,
            if referred { vec![outcome] } else { vec![] },
            "{name}"
        );
    }
}

/// Text from a file as the calendar must give it back: control characters and direction
/// marks gone, white space (line breaks and tabs too) as single spaces.
fn clean(text: &str) -> String {
    let kept: String = text
        .chars()
        .filter(|c| c.is_whitespace() || !rehab_syntax::escape::is_unsafe(*c))
        .collect();
    kept.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Text that is hard on a calendar: TEXT's special characters, control characters, a
/// forged line, a direction override, and characters of two, three and four octets in a
/// line long enough to be folded many times.
const HOSTILE: &str = r#""Zoë; O'Brien, a\\b\e[31mRED\a\0\r\nDTSTART:19700101\u202eX \t€€€ 😀😀😀 then a long line, long enough to fold; again and again, with é and 😀 at every turn: ééééééééééééééééééééééééééééééé 😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀""#;

/// The decoded value of HOSTILE, as YAML reads the double-quoted scalar.
fn hostile_value() -> String {
    HOSTILE
        .trim_matches('"')
        .replace("\\\\", "\u{0}BACKSLASH")
        .replace("\\e", "\u{1b}")
        .replace("\\a", "\u{7}")
        .replace("\\0", "\u{0}")
        .replace("\\r", "\r")
        .replace("\\n", "\n")
        .replace("\\t", "\t")
        .replace("\\u202e", "\u{202e}")
        .replace("\u{0}BACKSLASH", "\\")
}

/// Regression guard for the calendar's escaping: every text from a file that reaches an
/// event (the protocol's title and disclaimer, a phase's title, a gate on an
/// assessment, a rule's reason, a referral, the patient's name and note) comes back from
/// both parsers exactly as written, minus control characters.
#[test]
fn hostile_text_reads_back_exactly_minus_control_characters() {
    let full = std::fs::read_to_string(root().join("tests/fixtures/valid/full.yaml"))
        .expect("full fixture");
    let x = HOSTILE;
    let mut text = full;
    for (from, to) in [
        ("title: Full fixture protocol", format!("title: {x}")),
        ("disclaimer: Test only.", format!("disclaimer: {x}")),
        ("title: Hop test passed", format!("title: {x}")),
        ("title: Run\n", format!("title: {x}\n")),
        (
            "reason: Pain during a run holds the week.",
            format!("reason: {x}"),
        ),
        (
            "example_patient:\n  inputs: { site: shin, start: 2026-01-05 }",
            format!(
                "  - {{ id: pain-refers, on: check-in, phases: [run], when: pain.during >= 8, action: refer, reason: {x}, source: src }}\nexample_patient:\n  name: {x}\n  inputs: {{ site: shin, start: 2026-01-05 }}\n  journal:\n    - {{ date: 2026-01-05, event: cleared }}\n    - {{ date: 2026-01-05, assessment: hop, result: {{ painless: true }} }}\n    - {{ date: 2026-02-16, session: done, pain: {{ during: 4 }}, note: {x} }}\n    - {{ date: 2026-02-18, session: done, pain: {{ during: 9 }} }}"
            ),
        ),
    ] {
        assert!(text.contains(from), "the full fixture has no {from:?}");
        text = text.replacen(from, &to, 1);
    }
    let dir = Scratch::new("hostile-calendar");
    let file = dir.write("hostile.yaml", text);
    let ics = calendar(&["run", &file]);
    assert!(
        !ics.contains('\u{1b}') && !ics.contains('\u{202e}'),
        "{ics}"
    );
    assert!(!ics.lines().any(|l| l.starts_with("DTSTART:19700101")));
    let ics_file = dir.write("hostile.ics", &ics);
    let report = read_back(std::slice::from_ref(&ics_file));
    let cal = &report[ics_file.as_str()];
    assert_eq!(cal["problems"], serde_json::json!([]));

    let want = clean(&hostile_value());
    assert!(want.starts_with("Zoë; O'Brien, a\\b[31mRED DTSTART:19700101X €€€ 😀"));
    let events = cal["events"].as_array().expect("events");
    let find = |date: &str, uid_part: &str| {
        events
            .iter()
            .find(|e| e["dtstart"] == date && e["uid"].as_str().unwrap().contains(uid_part))
            .unwrap_or_else(|| panic!("no event on {date}: {events:?}"))
    };
    let text_of = |e: &Value, key: &str| e[key].as_str().expect("text").to_string();

    // The gate's assessment, in the summary and the description, with the disclaimer.
    let gate = find("2026-02-15", "-day-");
    // The summary is cut at a word; the description has it whole.
    let summary = text_of(gate, "summary");
    let cut = summary.strip_suffix("...").expect("a long summary is cut");
    assert!(format!("Assessment: {want}").starts_with(cut), "{summary}");
    assert!(summary.chars().count() <= 120, "{summary}");
    let lines: Vec<String> = text_of(gate, "description")
        .split('\n')
        .map(String::from)
        .collect();
    assert_eq!(lines[0], format!("Assessment: {want}"));
    assert_eq!(lines.last().unwrap(), &want, "the disclaimer");

    // The hold: the phase's title, the patient's note and the rule's reason.
    let hold = text_of(find("2026-02-16", "-day-"), "description");
    let hold: Vec<&str> = hold.split('\n').collect();
    assert!(
        hold.contains(&format!("Phase: {want}, week 1").as_str()),
        "{hold:?}"
    );
    assert!(
        hold.contains(&format!("Your note: {want}").as_str()),
        "{hold:?}"
    );
    assert!(
        hold.contains(&format!("Change: {want}").as_str()),
        "{hold:?}"
    );

    // The referral gives the reason and the protocol's title.
    let refer = text_of(find("2026-02-18", "-referral-"), "description");
    assert!(
        refer.starts_with(&format!(
            "The plan stops here: contact your clinician before any further sessions. {want}\nProtocol: {want} (full v1)"
        )),
        "{refer}"
    );
    // Today's card escapes the same text for the terminal.
    let card = engine(&["today", &file, "--as-of", "2026-02-16"]);
    let card = stdout(&card);
    assert!(card.contains("\\u{1b}[31mRED"), "{card}");
    assert!(
        !card.contains('\u{1b}') && !card.contains('\u{202e}'),
        "{card}"
    );

    // The patient's name is in the UIDs as a slug: letters and digits only.
    let uid = text_of(gate, "uid");
    assert!(
        uid.starts_with("20260215-day-full-zo-o-brien-a-b-31mred-"),
        "{uid}"
    );
}
