//! `engine run PROTOCOL --batch`: JSON Lines in, one JSON plan per line out, in order.

use crate::common;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use common::{Scratch, engine, stderr, stdout};
use serde_json::Value;

/// Runs a batch with `input` on standard input.
fn batch(protocol: &str, input: &[u8], extra: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_engine"))
        .args(["run", protocol, "--batch"])
        .args(extra)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the engine runs");
    let mut stdin = child.stdin.take().expect("stdin");
    let input = input.to_vec();
    // Written from a thread, so a full output pipe never blocks the input.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output().expect("the batch ends");
    writer.join().expect("the input was written");
    out
}

fn lines(o: &Output) -> Vec<Value> {
    stdout(o)
        .lines()
        .map(|l| serde_json::from_str(l).expect("each output line is JSON"))
        .collect()
}

/// A patient YAML file as one JSON line.
fn json_line(path: &str) -> String {
    let text = std::fs::read_to_string(path).expect("patient file");
    let v: Value = serde_saphyr::from_str(&text).expect("patient YAML");
    serde_json::to_string(&v).expect("json")
}

/// Each line's plan is exactly what `engine run --patient FILE --format json` gives for
/// that patient, in input order.
#[test]
fn every_line_gives_the_plan_run_gives_for_that_patient() {
    let mut files: Vec<String> = std::fs::read_dir("examples/patients")
        .expect("examples")
        .filter_map(|e| e.ok().map(|e| e.path().display().to_string()))
        .filter(|p| p.ends_with(".yaml"))
        .collect();
    files.sort();
    assert!(files.len() >= 8, "{files:?}");
    let input: String = files.iter().map(|f| json_line(f) + "\n").collect();
    let o = batch("protocols/morra.yaml", input.as_bytes(), &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let plans = lines(&o);
    assert_eq!(plans.len(), files.len());
    for (file, plan) in files.iter().zip(&plans) {
        let run = engine(&[
            "run",
            "protocols/morra.yaml",
            "--patient",
            file,
            "--format",
            "json",
        ]);
        assert!(run.status.success(), "{file}: {}", stderr(&run));
        let expected: Value = serde_json::from_str(&stdout(&run)).expect("json");
        assert_eq!(plan, &expected, "{file}");
    }
}

/// A bad line gives `{"line": N, "error": ...}` with its diagnostics placed in the line,
/// the batch goes on, and the exit code is 1 at the end. Lines are counted from 1, blank
/// lines included; blank lines give no output.
#[test]
fn bad_lines_are_reported_in_place_and_the_batch_goes_on() {
    let good = r#"{"inputs": {"site": "femur", "diagnosed_on": "2026-09-01"}}"#;
    let mut input = Vec::new();
    input.extend_from_slice(format!("{good}\n\n").as_bytes());
    input.extend_from_slice(
        b"{\"inputs\": {\"site\": \"nose\", \"diagnosed_on\": \"2026-09-01\"}}\n",
    );
    input.extend_from_slice(b"{not json\n");
    input.extend_from_slice(b"{\"inputs\": {\"site\": \"femur\", \"diagnosed_on\": \"2026-09-01\"}, \"journal\": [{\"date\": \"2026-10-01\", \"pain\": {\"during\": 11}}]}\n");
    input.extend_from_slice(b"\xff\xfe not utf-8\n");
    input.extend_from_slice(&vec![b' '; rehab_syntax::MAX_FILE_BYTES + 10]);
    input.extend_from_slice(b"x\n");
    input.extend_from_slice(format!("{good}\r\n").as_bytes());
    let o = batch("protocols/morra.yaml", &input, &[]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("5 of 7 patient lines failed"),
        "{}",
        stderr(&o)
    );
    let out = lines(&o);
    assert_eq!(out.len(), 7);
    assert!(out[0]["days"].is_array());
    let error = |v: &Value| {
        (
            v["line"].as_u64(),
            v["error"]["diagnostics"][0]["code"].clone(),
        )
    };
    assert_eq!(error(&out[1]), (Some(3), Value::from("E041")));
    assert_eq!(out[1]["error"]["diagnostics"][0]["line"], 1);
    assert!(out[1]["error"]["diagnostics"][0]["column"].as_u64() > Some(1));
    assert_eq!(error(&out[2]), (Some(4), Value::from("E001")));
    assert_eq!(out[3]["line"], 5);
    assert!(
        out[3]["error"]["diagnostics"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("11")),
        "{}",
        out[3]
    );
    assert_eq!(error(&out[4]), (Some(6), Value::from("E001")));
    assert_eq!(error(&out[5]), (Some(7), Value::from("E001")));
    assert!(out[6]["days"].is_array(), "a CRLF line runs");
    assert_eq!(out[6], out[0]);
}

/// More lines than a block: output stays in input order across blocks and threads.
#[test]
fn output_keeps_input_order_across_blocks() {
    let sites = ["metatarsal", "calcaneus", "femur", "hip", "pelvis", "spine"];
    let n = 700;
    let input: String = (0..n)
        .map(|i| {
            format!(
                "{{\"name\": \"p{i}\", \"inputs\": {{\"site\": \"{}\", \"diagnosed_on\": \"2026-09-01\"}}}}\n",
                sites[i % sites.len()]
            )
        })
        .collect();
    let o = batch(
        "protocols/morra.yaml",
        input.as_bytes(),
        &["--as-of", "2026-10-01"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out = lines(&o);
    assert_eq!(out.len(), n);
    for (i, plan) in out.iter().enumerate() {
        assert_eq!(plan["patient"]["name"], format!("p{i}"));
        assert_eq!(plan["patient"]["inputs"]["site"], sites[i % sites.len()]);
        assert_eq!(plan["as_of"], "2026-10-01");
    }
}

/// A protocol that does not check stops the batch before any line is read.
#[test]
fn a_protocol_that_does_not_check_reads_no_line() {
    let dir = Scratch::new("batch-bad-protocol");
    let bad = dir.write("bad.yaml", "id: [\n");
    let o = batch(&bad, b"{}\n", &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).is_empty(), "{}", stdout(&o));
    assert!(stderr(&o).contains("error[E001]"), "{}", stderr(&o));
}

/// Issue 21's first acceptance, whole: a batch of 3,000 patients with one bad line gives
/// 3,000 output lines, the bad one `{"line": N, "error": ...}` at its place with its line
/// number, and exit code 1; a sample of the others is compared, byte for byte once
/// written compactly, with single `engine run --patient FILE --format json` runs. The
/// protocol is couch-to-5k (nine weeks, cheap in the debug build), the patients start on
/// different days and some report check-ins, so the plans differ.
#[test]
fn three_thousand_patients_with_one_bad_line() {
    const N: usize = 3_000;
    const BAD: usize = 1_234;
    let first = jiff::civil::date(2026, 1, 1);
    let patient = |i: usize| -> String {
        let start = first
            .checked_add(jiff::Span::new().days(i64::try_from(i % 365).expect("small")))
            .expect("a date");
        let mut p = serde_json::json!({ "name": format!("p{i}"), "inputs": { "start": start.to_string() } });
        if i.is_multiple_of(4) {
            let day = start
                .checked_add(jiff::Span::new().days(2))
                .expect("a date");
            let session = if i.is_multiple_of(8) {
                "partial"
            } else {
                "done"
            };
            p["journal"] = serde_json::json!([{ "date": day.to_string(), "session": session }]);
        }
        p.to_string()
    };
    let mut input = String::new();
    for n in 1..=N {
        if n == BAD {
            input.push_str(r#"{"name": "bad", "inputs": {"start": "2026-02-30"}}"#);
        } else {
            input.push_str(&patient(n));
        }
        input.push('\n');
    }
    let o = batch("protocols/couch-to-5k.yaml", input.as_bytes(), &[]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!("1 of {N} patient lines failed")),
        "{}",
        stderr(&o)
    );
    let out = stdout(&o);
    let printed: Vec<&str> = out.lines().collect();
    assert_eq!(printed.len(), N);
    for (i, line) in printed.iter().enumerate() {
        assert_eq!(
            line.starts_with(r#"{"line":"#),
            i + 1 == BAD,
            "line {}",
            i + 1
        );
    }
    let bad: Value = serde_json::from_str(printed[BAD - 1]).expect("JSON");
    assert_eq!(bad["line"], BAD);
    let diagnostic = &bad["error"]["diagnostics"][0];
    assert_eq!(diagnostic["line"], 1, "{bad}");
    assert!(diagnostic["column"].as_u64() > Some(1), "{bad}");
    assert!(
        diagnostic["message"]
            .as_str()
            .is_some_and(|m| m.contains("2026-02-30")),
        "{bad}"
    );
    let dir = Scratch::new("batch-3000");
    for n in [1, 2, 4, 8, BAD - 1, BAD + 1, 2_000, 2_997, N] {
        let file = dir.write(&format!("p{n}.json"), patient(n));
        let run = engine(&[
            "run",
            "protocols/couch-to-5k.yaml",
            "--patient",
            &file,
            "--format",
            "json",
        ]);
        assert!(run.status.success(), "line {n}: {}", stderr(&run));
        let expected: Value = serde_json::from_str(&stdout(&run)).expect("json");
        assert_eq!(expected["patient"]["name"], format!("p{n}"));
        let compact = serde_json::to_string(&expected).expect("json");
        assert_eq!(printed[n - 1], compact, "line {n}");
    }
}
