//! `engine log`: one journal entry added to a patient file, checked as `run` checks the
//! file, with the rest of the file kept byte for byte, and written all at once.

use crate::common;

use std::path::Path;
use std::process::{Command, Stdio};

use common::{Scratch, engine, stderr, stdout};

const MORRA: &str = "protocols/morra.yaml";

/// A patient file with comments in every place a comment can be, and entries written
/// both ways (flow and block).
const PATIENT: &str = "\
# yaml-language-server: $schema=../../schemas/patient.schema.json
# A runner whose journal has comments everywhere.
name: Commented runner   # the name
inputs:
  site: metatarsal       # the site
  diagnosed_on: 2026-09-01
journal:                 # oldest first
  - { date: 2026-10-12, event: cleared_by_physician }   # cleared
  # the hop test
  - { date: 2026-11-09, assessment: single_leg_hop, result: { painless: true, level: true } }
  - { date: 2026-11-09, assessment: shoe_check, note: current pair is fine }
  - date: 2026-11-26
    session: done        # done | partial | skipped
    pain: { before: 0, during: 1, after: 0, next_day: 0 }
    note: ache on top of the foot
# the end
";

/// Runs `engine log FILE --protocol PROTOCOL --entry ENTRY` with `extra` options.
fn log(file: &str, protocol: &str, entry: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["log", file, "--protocol", protocol, "--entry", entry];
    args.extend_from_slice(extra);
    engine(&args)
}

/// `text` with `line` inserted as its line number `at` (1-based).
fn with_line(text: &str, at: usize, line: &str) -> String {
    let mut lines: Vec<&str> = text.split_inclusive('\n').collect();
    let new = format!("{line}\n");
    lines.insert(at - 1, &new);
    lines.concat()
}

/// Only the patient file is left in the folder: no lock and no temporary file.
fn only_the_file_is_left(dir: &Scratch) {
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .expect("read the scratch folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["patient.yaml"], "left behind: {names:?}");
}

#[test]
fn an_entry_is_added_in_the_journal_style_and_every_comment_is_kept() {
    let dir = Scratch::new("log-comments");
    let file = dir.write("patient.yaml", PATIENT);
    let o = log(
        &file,
        MORRA,
        "{date: 2026-11-28, session: done, pain: {during: 0}}",
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        format!("{file}:16: added {{ date: 2026-11-28, session: done, pain: {{ during: 0 }} }}\n")
    );
    let expected = with_line(
        PATIENT,
        16,
        "  - { date: 2026-11-28, session: done, pain: { during: 0 } }",
    );
    assert_eq!(std::fs::read_to_string(&file).expect("read"), expected);
    only_the_file_is_left(&dir);
    // The result runs.
    let o = engine(&["run", MORRA, "--patient", &file]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn entries_go_in_date_order_after_entries_of_the_same_date() {
    let dir = Scratch::new("log-order");
    let file = dir.write("patient.yaml", PATIENT);
    // (entry, the line it lands on in the file as it then is)
    let steps = [
        ("{ date: 2026-09-20, session: skipped }", 8), // before every entry
        ("{ date: 2026-10-20, session: skipped }", 10), // between two
        ("{ date: 2026-11-09, assessment: running_form }", 14), // after both of its date
        ("{ date: 2026-11-30, session: done }", 19),   // after the last
    ];
    let mut expected = PATIENT.to_string();
    for (entry, line) in steps {
        let o = log(&file, MORRA, entry, &[]);
        assert!(o.status.success(), "{entry}: {}", stderr(&o));
        expected = with_line(&expected, line, &format!("  - {entry}"));
        assert_eq!(
            std::fs::read_to_string(&file).expect("read"),
            expected,
            "{entry}"
        );
    }
    only_the_file_is_left(&dir);
}

#[test]
fn a_file_without_a_journal_or_with_an_empty_one_gets_one() {
    let dir = Scratch::new("log-no-journal");
    let entry = "{ date: 2026-10-12, event: cleared_by_physician }";
    let cases = [
        (
            "name: New runner\ninputs: { site: metatarsal, diagnosed_on: 2026-09-01 }\n# no journal yet\n",
            "name: New runner\ninputs: { site: metatarsal, diagnosed_on: 2026-09-01 }\n# no journal yet\njournal:\n  - { date: 2026-10-12, event: cleared_by_physician }\n",
        ),
        (
            "name: New runner\ninputs:\n  site: metatarsal\n  diagnosed_on: 2026-09-01",
            "name: New runner\ninputs:\n  site: metatarsal\n  diagnosed_on: 2026-09-01\njournal:\n  - { date: 2026-10-12, event: cleared_by_physician }\n",
        ),
        (
            "name: New runner\njournal: []   # none yet\ninputs: { site: metatarsal, diagnosed_on: 2026-09-01 }\n",
            "name: New runner\njournal:   # none yet\n  - { date: 2026-10-12, event: cleared_by_physician }\ninputs: { site: metatarsal, diagnosed_on: 2026-09-01 }\n",
        ),
    ];
    for (before, after) in cases {
        let file = dir.write("patient.yaml", before);
        let o = log(&file, MORRA, entry, &[]);
        assert!(o.status.success(), "{before}: {}", stderr(&o));
        assert_eq!(std::fs::read_to_string(&file).expect("read"), after);
    }
    only_the_file_is_left(&dir);
}

#[test]
fn windows_line_endings_and_a_journal_at_the_margin_are_followed() {
    let dir = Scratch::new("log-crlf");
    let before = "name: X\r\ninputs: { site: metatarsal, diagnosed_on: 2026-09-01 }\r\njournal:\r\n- date: 2026-10-12\r\n  event: cleared_by_physician\r\n- { date: 2026-10-20, session: done }";
    let file = dir.write("patient.yaml", before);
    for entry in [
        "{ date: 2026-10-13, session: skipped }",
        "{ date: 2026-10-22, session: skipped }",
    ] {
        let o = log(&file, MORRA, entry, &[]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    assert_eq!(
        std::fs::read_to_string(&file).expect("read"),
        "name: X\r\ninputs: { site: metatarsal, diagnosed_on: 2026-09-01 }\r\njournal:\r\n- date: 2026-10-12\r\n  event: cleared_by_physician\r\n- { date: 2026-10-13, session: skipped }\r\n- { date: 2026-10-20, session: done }\r\n- { date: 2026-10-22, session: skipped }"
    );
}

#[test]
fn a_refused_entry_leaves_the_file_byte_identical() {
    let dir = Scratch::new("log-refused");
    let file = dir.write("patient.yaml", PATIENT);
    // (entry, code, the place in the entry)
    let cases = [
        ("{date: 2026-13-07, session: done}", "E045", "--entry:1:8"),
        ("{date: 2026-11-10, session: done", "E001", "--entry:1:1"),
        ("{date: 2026-12-01, event: cleared}", "E047", "--entry:1:27"),
        (
            "{date: 2026-12-01, session: done, pain: {during: 11}}",
            "E046",
            "--entry:1:50",
        ),
        (
            "{date: 2026-12-01, session: done, swelling: true}",
            "E047",
            "--entry:1:",
        ),
        ("{date: 2026-12-01, sesion: done}", "E002", "--entry:1:20"),
        // Out of order is impossible, but a date too far from the start is not.
        ("{date: 2199-01-01, session: done}", "E045", "--entry:1:"),
        ("{date: 2026-12-01, session: maybe}", "E004", "--entry:1:"),
        ("{date: 2026-12-01, note: !!str 1}", "E050", "--entry:1:1"),
        ("[2026-12-01, done]", "E050", "--entry:1:1"),
    ];
    for (entry, code, place) in cases {
        let o = log(&file, MORRA, entry, &[]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{entry}: {err}");
        assert!(
            err.contains(&format!("[{code}]")),
            "{entry}: expected {code}: {err}"
        );
        assert!(err.contains(place), "{entry}: expected {place}: {err}");
        assert!(!err.contains("panicked"), "{err}");
        assert_eq!(
            std::fs::read_to_string(&file).expect("read"),
            PATIENT,
            "{entry}"
        );
        only_the_file_is_left(&dir);
    }
}

#[test]
fn a_patient_file_that_does_not_run_is_not_written() {
    let dir = Scratch::new("log-broken");
    let broken = PATIENT.replace("site: metatarsal", "site: metatarsl");
    let file = dir.write("patient.yaml", &broken);
    let o = log(&file, MORRA, "{ date: 2026-11-28, session: done }", &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("[E041]"), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&file).expect("read"), broken);
}

#[test]
fn a_dry_run_prints_the_new_file_and_writes_nothing() {
    let dir = Scratch::new("log-dry-run");
    let file = dir.write("patient.yaml", PATIENT);
    let entry = "{ date: 2026-11-28, session: done }";
    let o = log(&file, MORRA, entry, &["--dry-run"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), with_line(PATIENT, 16, &format!("  - {entry}")));
    assert_eq!(std::fs::read_to_string(&file).expect("read"), PATIENT);
    only_the_file_is_left(&dir);
}

#[test]
fn the_file_keeps_its_permissions() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = Scratch::new("log-permissions");
    let file = dir.write("patient.yaml", PATIENT);
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).expect("chmod");
    let o = log(&file, MORRA, "{ date: 2026-11-28, session: done }", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mode = std::fs::metadata(&file).expect("stat").permissions().mode();
    assert_eq!(mode & 0o777, 0o640);
}

#[test]
fn a_locked_file_is_refused_and_its_lock_left_alone() {
    let dir = Scratch::new("log-locked");
    let file = dir.write("patient.yaml", PATIENT);
    let lock = dir.write("patient.yaml.lock", "");
    let o = log(&file, MORRA, "{ date: 2026-11-28, session: done }", &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("[E007]"), "{}", stderr(&o));
    assert!(stderr(&o).contains("patient.yaml.lock"), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&file).expect("read"), PATIENT);
    assert!(
        Path::new(&lock).exists(),
        "another writer's lock was removed"
    );
}

/// The example patient embedded in a protocol file, as a patient file of its own: the
/// `example_patient:` block, moved to the margin.
fn example_patient(protocol: &str) -> String {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(protocol))
        .expect("read the protocol");
    let mut lines = text
        .lines()
        .skip_while(|l| !l.starts_with("example_patient:"));
    assert!(
        lines.next().is_some(),
        "{protocol} embeds an example patient"
    );
    let block: Vec<&str> = lines
        .take_while(|l| l.is_empty() || l.starts_with(' ') || l.starts_with('#'))
        .collect();
    let indent = block
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    block
        .iter()
        .map(|l| format!("{}\n", l.get(indent..).unwrap_or("")))
        .collect()
}

#[test]
fn every_shipped_protocol_takes_a_check_in_for_its_example_patient() {
    let dir = Scratch::new("log-protocols");
    let mut protocols: Vec<String> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("protocols"))
            .expect("protocols")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
            .map(|p| {
                format!(
                    "protocols/{}",
                    p.file_name().expect("name").to_string_lossy()
                )
            })
            .collect();
    protocols.sort();
    assert!(protocols.len() >= 5, "{protocols:?}");
    for protocol in protocols {
        let before = example_patient(&protocol);
        let file = dir.write("patient.yaml", &before);
        let o = engine(&["run", &protocol, "--patient", &file, "--format", "json"]);
        assert!(o.status.success(), "{protocol}: {}", stderr(&o));
        let plan: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("a JSON plan");
        let start = plan["phases"][0]["start"].as_str().expect("a first phase");
        let entry = format!("{{ date: {start}, session: done, pain: {{ during: 0 }} }}");
        let o = log(&file, &protocol, &entry, &[]);
        assert!(o.status.success(), "{protocol}: {}", stderr(&o));
        let after = std::fs::read_to_string(&file).expect("read");
        assert_eq!(
            after,
            format!("{before}journal:\n  - {entry}\n"),
            "{protocol}"
        );
        let o = engine(&["run", &protocol, "--patient", &file]);
        assert!(o.status.success(), "{protocol}: {}", stderr(&o));
    }
}

/// Several writers at once on one file: each either added its whole entry or exited 1
/// without touching the file; none is lost, and the file always runs. Rounds of writers
/// started together make contention likely, but no outcome depends on timing: whichever
/// writers win, the same properties hold.
#[test]
fn concurrent_writers_never_lose_an_entry_or_leave_half_a_file() {
    let dir = Scratch::new("log-concurrent");
    let file = dir.write("patient.yaml", PATIENT);
    let mut kept = Vec::new();
    for round in 0..3 {
        let writers: Vec<(String, std::process::Child)> = (0..6)
            .map(|n| {
                let note = format!("writer {round}-{n}");
                let entry = format!("{{ date: 2026-11-28, session: done, note: {note} }}");
                let child = Command::new(env!("CARGO_BIN_EXE_engine"))
                    .args(["log", &file, "--protocol", MORRA, "--entry", &entry])
                    .current_dir(env!("CARGO_MANIFEST_DIR"))
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .expect("the engine starts");
                (note, child)
            })
            .collect();
        for (note, child) in writers {
            let o = child.wait_with_output().expect("wait");
            match o.status.code() {
                Some(0) => kept.push(note),
                Some(1) => assert!(stderr(&o).contains("[E007]"), "{note}: {}", stderr(&o)),
                other => panic!("{note} exited with {other:?}: {}", stderr(&o)),
            }
        }
        let text = std::fs::read_to_string(&file).expect("read");
        for note in &kept {
            assert_eq!(
                text.matches(&format!("note: {note} }}\n")).count(),
                1,
                "{note}"
            );
        }
        let lines = PATIENT.lines().count() + kept.len();
        assert_eq!(text.lines().count(), lines, "{text}");
        assert!(text.starts_with(&PATIENT[..PATIENT.find("# the end").expect("end")]));
        let o = engine(&["run", MORRA, "--patient", &file]);
        assert!(o.status.success(), "{}", stderr(&o));
        only_the_file_is_left(&dir);
    }
    assert!(!kept.is_empty(), "no writer succeeded");
}
