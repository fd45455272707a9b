//! Hostile inputs, round 2: scripts that try to escape the sandbox's limits through
//! callbacks or a whole run, files that are links, devices or pipes, a scenario walk
//! that loops, and text that tries to drive the terminal. Each is answered by a counted
//! limit or a coded error, never by a wall-clock time-out; how long each took is
//! printed (run with `--nocapture` to see it), never judged.

use crate::common;

use std::path::Path;

use common::{Run, Scratch, guarded as engine, refused};
use rehab_syntax::escape::is_unsafe;

/// Reports how long a hostile input took to be answered: shown with `--nocapture`,
/// never judged (speed belongs to benchmarks, not tests).
#[allow(clippy::print_stderr)]
fn took(what: &str, run: &Run) {
    eprintln!("{what}: {:?}", run.took);
}

fn minimal() -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/valid/minimal.yaml"),
    )
    .expect("minimal fixture")
}

/// A protocol with one check-in rule whose condition is `script`, and an example
/// patient with one check-in for it to run on.
fn protocol_with_rule(script: &str) -> String {
    let body: String = script.lines().map(|l| format!("      {l}\n")).collect();
    minimal().replacen(
        "example_patient:",
        &format!(
            "rules:\n  - id: r\n    on: check-in\n    when: |\n{body}    action: hold\n    reason: x\n    source: src\nexample_patient:\n  journal: [{{ date: 2026-01-20, session: done }}]"
        ),
        1,
    )
}

/// Two arrays of 300 numbers and a map, for the callbacks to work on.
const DATA: &str = "let a = []; for i in 0..300 { a.push(i); }\nlet m = #{ x: 1, y: 2, z: 3 };";

/// Every function that takes a callback, each given one that never ends, and how it is
/// called. A callback's endless loop must stop the script with the operation limit.
const ENDLESS: &[(&str, &str)] = &[
    ("all", "a.all(|x| { loop {} })"),
    ("dedup", "a.dedup(|x, y| { loop {} })"),
    ("drain", "a.drain(|x| { loop {} })"),
    ("drain", "m.drain(|k, v| { loop {} })"),
    ("filter", "a.filter(|x| { loop {} })"),
    ("filter", "m.filter(|k, v| { loop {} })"),
    ("find", "a.find(|x| { loop {} })"),
    ("find_map", "a.find_map(|x| { loop {} })"),
    ("for_each", "a.for_each(|x| { loop {} })"),
    ("index_of", "a.index_of(|x| { loop {} })"),
    ("map", "a.map(|x| { loop {} })"),
    ("map", "m.map(|k, v| { loop {} })"),
    ("order", "a.order(|x, y| { loop {} })"),
    ("order_by", "a.order_by(|x, y| { loop {} })"),
    ("reduce", "a.reduce(|acc, x| { loop {} })"),
    ("reduce_rev", "a.reduce_rev(|acc, x| { loop {} })"),
    ("retain", "a.retain(|x| { loop {} })"),
    ("retain", "m.retain(|k, v| { loop {} })"),
    ("some", "a.some(|x| { loop {} })"),
    ("sort", "a.sort(|x, y| { loop {} })"),
    ("sort_by", "a.sort_by(|x, y| { loop {} })"),
    ("zip", "a.zip(a, |x, y| { loop {} })"),
];

/// Functions that take a function pointer only to describe it, never to call it.
const NEVER_CALL: &[&str] = &[
    "debug",
    "get$is_anonymous",
    "get$name",
    "is_anonymous",
    "name",
    "to_debug",
];

/// Regression: Rhai's own `sort` swallowed a comparator's errors, so a comparator that
/// ran out of operations was ignored and nested comparators ran for minutes past every
/// limit. Every callback-taking function is now held to the operation limit.
#[test]
fn every_callback_function_is_held_to_the_operation_limit() {
    let sandbox = rehab_rules::Sandbox::new(rehab_rules::Limits::default(), Vec::new())
        .expect("a bare sandbox");
    for name in sandbox.callback_functions() {
        assert!(
            ENDLESS.iter().any(|(f, _)| *f == name) || NEVER_CALL.contains(&name.as_str()),
            "`{name}` takes a callback but no hostile test covers it"
        );
    }
    let dir = Scratch::new("callbacks");
    for (i, (name, call)) in ENDLESS.iter().enumerate() {
        let file = dir.write(
            &format!("c{i}.yaml"),
            protocol_with_rule(&format!("{DATA}\n{call};\ntrue")),
        );
        let run = engine(&["run", &file]);
        took(name, &run);
        refused(&run, "E062", "operations");
    }
}

/// Regression: a comparator that sorts with a comparator that sorts again ran for
/// minutes, every level swallowing the level below's errors.
#[test]
fn nested_sort_comparators_stop_at_the_operation_limit() {
    let dir = Scratch::new("nested-sort");
    let nested = "a.sort(|x, y| {\n  let b = []; for i in 0..300 { b.push(i); }\n  b.sort(|p, q| { let c = []; for i in 0..300 { c.push(i); } c.sort(|r, s| s - r); q - p });\n  y - x\n});\ntrue";
    let file = dir.write(
        "nested.yaml",
        protocol_with_rule(&format!("{DATA}\n{nested}")),
    );
    let run = engine(&["run", &file]);
    took("nested sorts", &run);
    refused(&run, "E062", "operations");
    // The error is placed in the protocol, at the rule's script.
    assert!(run.stderr.contains(&format!("{file}:")), "{}", run.stderr);
}

/// Regression: an error thrown inside a comparator was ignored and sorting went on.
#[test]
fn a_comparator_that_throws_stops_the_script() {
    let dir = Scratch::new("throwing-sort");
    let file = dir.write(
        "throw.yaml",
        protocol_with_rule(&format!(
            "{DATA}\na.sort(|x, y| {{ throw \"boom\" }});\ntrue"
        )),
    );
    refused(&engine(&["run", &file]), "E064", "boom");
}

/// A protocol whose one rule costs nearly the per-evaluation operation limit and runs on
/// each of `check_ins` daily check-ins.
fn costly_protocol(check_ins: usize) -> String {
    let journal: String = (0..check_ins)
        .map(|d| {
            let date = jiff::civil::date(2026, 1, 5)
                .checked_add(jiff::Span::new().days(d as i64))
                .expect("a date");
            format!("\n    - {{ date: {date}, session: done }}")
        })
        .collect();
    let journal = if journal.is_empty() {
        " []".to_string()
    } else {
        journal
    };
    format!(
        r#"# One rule that costs nearly the operation limit on every check-in.
id: costly
title: Costly rules
version: "1"
authors: [{{ name: Test author }}]
sources: [{{ id: src, citation: A test source }}]
disclaimer: Test only.
inputs:
  - {{ id: start, label: Start date, type: date }}
starts_on: start
phases:
  - id: only
    title: Only
    source: src
    duration: {{ period: 52wk }}
    cross: bike 20min
    pattern: [{{ days: [cross, cross, cross, cross, cross, cross, cross], source: src }}]
rules:
  - id: costly
    on: check-in
    when: |
      let n = 0;
      while n < 12000 {{ n += 1; }}
      false
    action: hold
    reason: x
    source: src
example_patient:
  inputs: {{ start: 2026-01-05 }}
  journal:{journal}"#
    )
}

/// Regression: a legal rule costing just under the operation limit, on every one of
/// hundreds of check-ins, ran for minutes. A run now has a budget of operations over
/// all its evaluations, with its own code and the rule's place.
#[test]
fn run_budget_stops_a_costly_rule_on_every_check_in() {
    let dir = Scratch::new("run-budget");
    // A few such check-ins are fine: each evaluation is within its own limit.
    let few = dir.write("few.yaml", costly_protocol(5));
    let run = engine(&["run", &few]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);

    let many = dir.write("many.yaml", costly_protocol(360));
    let run = engine(&["run", &many]);
    took("run budget", &run);
    refused(&run, "E066", "budget of one run");
    assert!(run.stderr.contains(&format!("{many}:")), "{}", run.stderr);

    // `check` with the patient refuses what `run` refuses.
    refused(&engine(&["check", &many]), "E066", "budget of one run");
}

/// Regression: `engine simulate` exited 0 when every simulated patient stopped with an
/// error, and showed neither code nor place. Each simulated patient has its own run
/// budget, and the first error is shown with both.
#[test]
fn simulate_fails_with_the_first_error_and_its_place() {
    let dir = Scratch::new("simulate-errors");
    let file = dir.write("costly.yaml", costly_protocol(0));
    let run = engine(&[
        "simulate",
        &file,
        "--patients",
        "2",
        "--threads",
        "1",
        "--cross-pain-chance",
        "0",
    ]);
    took("simulate with a costly rule", &run);
    refused(&run, "E066", "budget of one run");
    assert!(run.stderr.contains(&format!("{file}:")), "{}", run.stderr);
    assert!(
        run.stdout.contains("stopped with an error 2"),
        "{}",
        run.stdout
    );
}

/// Regression: a module file that is a link was followed: one linked to `/etc/passwd`
/// showed its first line in a code frame, one linked to another folder's `.rhai` ran.
#[cfg(unix)]
#[test]
fn symlinked_modules_outside_the_folder_are_refused_unread() {
    let dir = Scratch::new("linked-modules");
    let elsewhere = Scratch::new("linked-modules-elsewhere");
    let other = elsewhere.write("other.rhai", "fn passed() { true }");
    let protocol = |module: &str| {
        protocol_with_rule(&format!("{module}::passed()")).replacen(
            "rules:",
            &format!("modules: [{module}]\nrules:"),
            1,
        )
    };
    std::os::unix::fs::symlink("/etc/passwd", dir.path().join("passwd.rhai")).expect("link");
    std::os::unix::fs::symlink(&other, dir.path().join("other.rhai")).expect("link");
    let passwd = dir.write("passwd.yaml", protocol("passwd"));
    let run = engine(&["check", &passwd]);
    refused(&run, "E063", "outside the protocol's folder");
    assert!(!run.stderr.contains("root:"), "{}", run.stderr);
    let linked = dir.write("other.yaml", protocol("other"));
    refused(
        &engine(&["run", &linked]),
        "E063",
        "outside the protocol's folder",
    );
    // A link that stays inside the folder is an ordinary module.
    dir.write("inside-target.rhai", "fn passed() { false }");
    std::os::unix::fs::symlink(
        dir.path().join("inside-target.rhai"),
        dir.path().join("inside.rhai"),
    )
    .expect("link");
    let inside = dir.write("inside.yaml", protocol("inside"));
    let run = engine(&["run", &inside]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
}

/// Regression: files were read whole before the size limit was checked, so `/dev/zero`
/// grew memory until killed and a FIFO blocked forever. Only regular files are read,
/// and at most one byte past the limit.
#[cfg(unix)]
#[test]
fn devices_and_pipes_are_refused_without_reading() {
    let dev_zero = engine(&["check", "/dev/zero"]);
    took("/dev/zero", &dev_zero);
    refused(&dev_zero, "E006", "not a regular file");
    refused(
        &engine(&["run", "protocols/morra.yaml", "--patient", "/dev/zero"]),
        "E006",
        "a device",
    );
    let dir = Scratch::new("fifo");
    let fifo = dir.path().join("patient.yaml");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    let fifo = fifo.display().to_string();
    let run = engine(&["run", "protocols/morra.yaml", "--patient", &fifo]);
    took("FIFO", &run);
    refused(&run, "E006", "a pipe");
    // A module that is a pipe is refused the same way, at no cost.
    let module_fifo = dir.path().join("piped.rhai");
    std::process::Command::new("mkfifo")
        .arg(&module_fifo)
        .status()
        .expect("mkfifo runs");
    let protocol = dir.write(
        "piped.yaml",
        protocol_with_rule("piped::passed()").replacen("rules:", "modules: [piped]\nrules:", 1),
    );
    refused(&engine(&["check", &protocol]), "E006", "a pipe");
    // A folder given as a file.
    refused(&engine(&["check", "protocols"]), "E006", "a folder");
}

/// Regression: `engine test` followed links to folders, and never ended on a folder
/// holding two links to itself.
#[cfg(unix)]
#[test]
fn engine_test_does_not_follow_folder_links() {
    let dir = Scratch::new("link-loop");
    let scenarios = dir.path().join("scenarios");
    std::fs::create_dir_all(&scenarios).expect("folder");
    std::os::unix::fs::symlink(".", scenarios.join("a")).expect("link");
    std::os::unix::fs::symlink(".", scenarios.join("b")).expect("link");
    std::os::unix::fs::symlink("..", dir.path().join("up")).expect("link");
    dir.write("minimal.yaml", minimal());
    std::fs::write(
        scenarios.join("one.yaml"),
        "title: One\nprotocol: ../minimal.yaml\nexpect: [{ outcome: completed }]\n",
    )
    .expect("scenario");
    let root = dir.path().display().to_string();
    let run = engine(&["test", &root]);
    took("link loop", &run);
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.ends_with("1 passed, 0 failed\n"),
        "{}",
        run.stdout
    );
}

/// Regression: a scenario's `patient_file` could name any file on the disk, and its
/// first line then appeared in a code frame.
#[test]
fn scenarios_read_only_yaml_files_inside_their_tree() {
    let dir = Scratch::new("scenario-files");
    let scenarios = dir.path().join("scenarios");
    std::fs::create_dir_all(&scenarios).expect("folder");
    dir.write("minimal.yaml", minimal());
    let elsewhere = Scratch::new("scenario-files-elsewhere");
    let outside = elsewhere.write("outside.yaml", minimal());
    for (name, named) in [
        ("absolute.yaml", "/etc/passwd"),
        ("parent.yaml", "../../../../../../../../../../etc/passwd"),
        ("not-yaml.yaml", "../secret.txt"),
        ("outside-protocol.yaml", "PROTOCOL"),
    ] {
        let (protocol, patient) = if named == "PROTOCOL" {
            (outside.clone(), String::new())
        } else {
            (
                "../minimal.yaml".to_string(),
                format!("patient_file: {named}\n"),
            )
        };
        std::fs::write(
            scenarios.join(name),
            format!(
                "title: Reads {named}\nprotocol: {protocol}\n{patient}expect: [{{ outcome: completed }}]\n"
            ),
        )
        .expect("scenario");
    }
    std::fs::write(dir.path().join("secret.txt"), "a secret line\n").expect("secret");
    let run = engine(&["test", &dir.path().display().to_string()]);
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    assert!(
        run.stdout.ends_with("0 passed, 4 failed\n"),
        "{}",
        run.stdout
    );
    assert_eq!(run.stdout.matches("[E070]").count(), 4, "{}", run.stdout);
    assert!(!run.stdout.contains("root:"), "{}", run.stdout);
    assert!(!run.stdout.contains("a secret line"), "{}", run.stdout);
}

/// What a hostile text field holds: colour, bell, NUL, a carriage return, a line that
/// forges the plan's `Plan:` line, and a right-to-left override.
const FORGED: &str = r#""\e[31mRED\a\0\r\nPlan: forged\u202eX""#;

/// Neither control characters nor forged lines reach the output.
fn clean(what: &str, text: &str) {
    if let Some(c) = text.chars().find(|c| is_unsafe(*c) && *c != '\n') {
        panic!("{what}: {c:?} reached the output:\n{text}");
    }
    assert!(
        !text.lines().any(|l| l.starts_with("Plan: forged")),
        "{what}: a forged line:\n{text}"
    );
}

/// The full fixture with a hostile value in every text field that reaches an output.
pub(crate) fn hostile_protocol() -> String {
    let full = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/valid/full.yaml"),
    )
    .expect("full fixture");
    let x = FORGED;
    let mut text = full;
    for (from, to) in [
        ("title: Full fixture protocol", format!("title: {x}")),
        ("version: \"1\"", format!("version: {x}")),
        ("{ name: Test author }", format!("{{ name: {x} }}")),
        ("citation: A test source", format!("citation: {x}")),
        ("disclaimer: Test only.", format!("disclaimer: {x}")),
        ("label: Injured site", format!("label: {x}")),
        ("label: Shin", format!("label: {x}")),
        ("label: Start date", format!("label: {x}")),
        ("label: Healing time by site", format!("label: {x}")),
        ("title: Core circuit", format!("title: {x}")),
        ("title: Hop test", format!("title: {x}")),
        ("text: Ten hops without pain?", format!("text: {x}")),
        ("title: Cleared by a physician", format!("title: {x}")),
        (
            "title: Healing",
            format!(
                "title: {x}\n    purpose: {x}\n    notes: [{{ text: {x}, source: src, interpretation: {x} }}]"
            ),
        ),
        ("title: Physician clearance", format!("title: {x}")),
        (
            "{ week: 3, session: run 15min }",
            format!("{{ week: 3, session: run 15min, note: {x}, interpretation: {x} }}"),
        ),
        ("title: Hop test passed", format!("title: {x}")),
        ("title: Run", format!("title: {x}\n    interpretation: {x}")),
        (
            "reason: Pain during a run holds the week.",
            format!("reason: {x}\n    interpretation: {x}"),
        ),
        (
            "example_patient:\n  inputs: { site: shin, start: 2026-01-05 }",
            format!(
                "example_patient:\n  name: {x}\n  inputs: {{ site: shin, start: 2026-01-05 }}\n  journal:\n    - {{ date: 2026-01-05, event: cleared }}\n    - {{ date: 2026-01-05, assessment: hop, result: {{ painless: true }} }}\n    - {{ date: 2026-03-10, session: done, pain: {{ during: 4 }}, note: {x} }}"
            ),
        ),
    ] {
        assert!(text.contains(from), "the full fixture has no {from:?}");
        text = text.replacen(from, &to, 1);
    }
    text
}

/// Regression: control characters in a name, a note, a title, a reason or a thrown
/// message were printed raw, so a name could forge a `Plan:` line or recolour the
/// terminal. Every text and Markdown output and every diagnostic escapes them.
#[test]
fn control_characters_never_reach_text_markdown_or_diagnostics() {
    let dir = Scratch::new("control-characters");
    let file = dir.write("hostile.yaml", hostile_protocol());
    let check = engine(&["check", &file]);
    assert_eq!(check.code, Some(0), "{}", check.stderr);
    for format in ["text", "md"] {
        for explain in [false, true] {
            let mut args = vec!["run", file.as_str(), "--format", format];
            if explain {
                args.push("--explain");
            }
            let run = engine(&args);
            assert_eq!(run.code, Some(0), "{}", run.stderr);
            assert!(run.stdout.contains("Plan"), "{}", run.stdout);
            // The text reached the output, escaped.
            assert!(
                run.stdout.contains("\\u{1b}[31mRED"),
                "{format}: {}",
                run.stdout
            );
            clean(&format!("run --format {format}"), &run.stdout);
            clean("run's diagnostics", &run.stderr);
        }
    }
    let simulate = engine(&["simulate", &file, "--patients", "3"]);
    assert_eq!(simulate.code, Some(0), "{}", simulate.stderr);
    clean("simulate", &simulate.stdout);
    let compare = engine(&["compare", &file, &file]);
    assert_eq!(compare.code, Some(0), "{}", compare.stderr);
    clean("compare", &compare.stdout);

    // A scenario's title reaches `engine test`'s report.
    let scenarios = dir.path().join("hostile").join("scenarios");
    std::fs::create_dir_all(&scenarios).expect("folder");
    std::fs::write(
        scenarios.join("s.yaml"),
        format!(
            "title: {FORGED}\nprotocol: ../../hostile.yaml\nexpect: [{{ outcome: completed }}]\n"
        ),
    )
    .expect("scenario");
    let test = engine(&["test", &dir.path().display().to_string()]);
    clean("test", &test.stdout);
    assert!(test.stdout.contains("\\u{1b}[31mRED"), "{}", test.stdout);

    // Diagnostics quote the files' text: a bad value and a thrown message.
    let bad = dir.write(
        "bad.yaml",
        hostile_protocol().replacen("start: 2026-01-05 }", &format!("start: {FORGED} }}"), 1),
    );
    let run = engine(&["check", &bad]);
    refused(&run, "E041", "calendar date");
    clean("check's diagnostics", &run.stderr);
    let thrown = dir.write(
        "thrown.yaml",
        protocol_with_rule("throw \"\\x1b[31mRED\\x07\\x00\\r\\nPlan: forged\\u202eX\";\ntrue"),
    );
    let run = engine(&["run", &thrown]);
    refused(&run, "E064", "the script threw an error");
    clean("a thrown message", &run.stderr);
}

/// Regression: the YAML library's words reached authors ("use from_str_multiple",
/// "rejected by the configured policy").
#[test]
fn library_wording_does_not_reach_authors() {
    let dir = Scratch::new("library-words");
    let two = dir.write("two.yaml", format!("{}---\nid: b\n", minimal()));
    let run = engine(&["check", &two]);
    refused(&run, "E001", "more than one YAML document");
    let nan = dir.write(
        "nan.yaml",
        minimal().replacen("version: \"0\"", "version: .nan", 1),
    );
    let run2 = engine(&["check", &nan]);
    refused(&run2, "E001", "not a number the engine accepts");
    for stderr in [&run.stderr, &run2.stderr] {
        assert!(!stderr.contains("from_str"), "{stderr}");
        assert!(!stderr.contains("policy"), "{stderr}");
    }
}

/// Regression: a 100 MB module was read whole, then also reported as not found.
#[test]
fn an_oversized_module_is_refused_once_without_being_read_whole() {
    let dir = Scratch::new("big-module");
    let module = std::fs::File::create(dir.path().join("big.rhai")).expect("module");
    // A sparse file: 100 MB long, though nothing is written.
    module.set_len(100 * 1024 * 1024).expect("grow the module");
    let file = dir.write(
        "big.yaml",
        protocol_with_rule("big::passed()").replacen("rules:", "modules: [big]\nrules:", 1),
    );
    let run = engine(&["check", &file]);
    took("100 MB module", &run);
    refused(&run, "E001", "more than the limit");
    assert_eq!(run.stderr.matches("error[").count(), 1, "{}", run.stderr);
    assert!(!run.stderr.contains("not found"), "{}", run.stderr);
}
