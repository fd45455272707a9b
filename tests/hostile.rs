//! Hostile inputs: protocol files from other clinicians and patient files from apps are
//! untrusted. Each input here must give a clear, coded error (or a defined result),
//! never a panic and never a hang. The limits are in `docs/limits.md`.

use crate::common;

use std::path::{Path, PathBuf};

use common::{guarded as engine, refused};

/// A scratch folder for this test process.
fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("engine-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

fn write(name: &str, bytes: impl AsRef<[u8]>) -> String {
    let path = scratch().join(name);
    std::fs::write(&path, bytes).expect("write");
    path.display().to_string()
}

fn minimal() -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/valid/minimal.yaml"),
    )
    .expect("minimal fixture")
}

#[test]
fn yaml_bombs_and_oversized_files() {
    // A billion laughs: nine aliases of nine aliases, twelve levels deep.
    let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x]\n");
    let mut previous = 'a';
    for name in 'b'..='l' {
        let refs = vec![format!("*{previous}"); 9].join(", ");
        bomb.push_str(&format!("{name}: &{name} [{refs}]\n"));
        previous = name;
    }
    refused(
        &engine(&["check", &write("bomb.yaml", bomb)]),
        "E001",
        "aliases",
    );

    let deep = format!("x: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
    refused(
        &engine(&["check", &write("deep.yaml", deep)]),
        "E001",
        "recursion",
    );

    let deep_maps: String = (0..2000)
        .map(|i| format!("{}a:\n", "  ".repeat(i)))
        .collect();
    refused(
        &engine(&["check", &write("deep-maps.yaml", deep_maps)]),
        "E001",
        "",
    );

    let big = format!("{}#{}\n", minimal(), "x".repeat(1024 * 1024));
    refused(
        &engine(&["check", &write("big.yaml", big)]),
        "E001",
        "more than the limit",
    );
}

#[test]
fn encodings_keys_and_tabs() {
    let mut bad = minimal().into_bytes();
    bad.extend_from_slice(b"# \xff\xfe\n");
    let run = engine(&["check", &write("utf8.yaml", bad)]);
    refused(&run, "E001", "not valid UTF-8");
    // Regression: the bad byte was placed by its byte offset; it is placed at its line
    // and column, like every other diagnostic (the line after the fixture's last).
    let line = minimal().lines().count() + 1;
    assert!(
        run.stderr.contains(&format!("utf8.yaml:{line}:3")),
        "{}",
        run.stderr
    );

    // A byte-order mark is harmless, and columns stay right after it.
    let bom = [b"\xef\xbb\xbf".as_slice(), minimal().as_bytes()].concat();
    let run = engine(&["check", &write("bom.yaml", bom)]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);

    let twice = minimal().replacen("title: Minimal protocol\n", "title: A\ntitle: B\n", 1);
    refused(
        &engine(&["check", &write("twice.yaml", twice)]),
        "E005",
        "duplicate",
    );

    let tabs = minimal().replacen("    title: Rest\n", "\ttitle: Rest\n", 1);
    refused(
        &engine(&["check", &write("tabs.yaml", tabs)]),
        "E001",
        "tab",
    );
}

#[test]
fn huge_numbers_and_far_dates() {
    let week = minimal().replacen("week: 3,", "week: 99999999999999999999999999,", 1);
    refused(
        &engine(&["check", &write("week.yaml", week)]),
        "E004",
        "maximum",
    );

    let patient = |name: &str, text: &str| {
        let file = write(name, text);
        engine(&["run", "protocols/morra.yaml", "--patient", &file])
    };
    refused(
        &patient(
            "huge-pain.yaml",
            "inputs: { site: metatarsal, diagnosed_on: 2026-09-01 }\njournal:\n  - { date: 2026-11-12, pain: { during: 100000000000000000000000000 } }\n",
        ),
        "E004",
        "more than the maximum",
    );
    // Regression: a diagnosis in 9999 was blamed on the protocol with no place, and one
    // in year 0 ran silently. Patient dates lie between 1900 and 2200, checked at their
    // place in the patient file.
    for (name, date) in [("y9999.yaml", "9999-12-01"), ("y0.yaml", "0000-03-01")] {
        let run = patient(
            name,
            &format!("inputs: {{ site: metatarsal, diagnosed_on: {date} }}\n"),
        );
        refused(&run, "E041", "outside the years 1900 to 2200");
        assert!(run.stderr.contains(&format!("{name}:1:")), "{}", run.stderr);
    }
    let far = patient(
        "journal-2999.yaml",
        "inputs: { site: metatarsal, diagnosed_on: 2026-09-01 }\njournal:\n  - { date: 2026-10-01, session: done }\n  - { date: 2999-01-01, session: done }\n",
    );
    refused(&far, "E045", "outside the years 1900 to 2200");
    assert!(
        far.stderr.contains("journal-2999.yaml:4:"),
        "{}",
        far.stderr
    );
    // Within the bounds, an entry that would make the plan longer than the engine
    // allows is reported at that entry, by `run` and by `check --patient` alike.
    let long = write(
        "journal-2100.yaml",
        "inputs: { site: metatarsal, diagnosed_on: 2026-09-01 }\njournal:\n  - { date: 2100-01-01, session: done }\n",
    );
    for args in [
        ["run", "protocols/morra.yaml", "--patient", long.as_str()],
        ["check", "protocols/morra.yaml", "--patient", long.as_str()],
    ] {
        let run = engine(&args);
        refused(&run, "E045", "a plan lasts at most");
        assert!(
            run.stderr.contains("journal-2100.yaml:3:"),
            "{}",
            run.stderr
        );
    }
    // Regression: `--start 9999-12-31` reached the engine; it is a command-line error.
    let start = engine(&["run", "protocols/morra.yaml", "--start", "9999-12-31"]);
    assert_eq!(start.code, Some(2), "{}", start.stderr);
    assert!(
        start.stderr.contains("outside the years 1900 to 2200"),
        "{}",
        start.stderr
    );
    refused(
        &patient(
            "y-9999.yaml",
            "inputs: { site: metatarsal, diagnosed_on: -9999-01-01 }\n",
        ),
        "E041",
        "calendar date",
    );
    // An entry before the diagnosis is outside the plan: a warning, and the run goes on.
    let early = patient(
        "early.yaml",
        "inputs: { site: metatarsal, diagnosed_on: 2026-09-01 }\njournal:\n  - { date: 2026-08-01, session: done }\n",
    );
    assert_eq!(early.code, Some(0), "{}", early.stderr);
    assert!(early.stderr.contains("warning[W049]"), "{}", early.stderr);
}

#[test]
fn journals_out_of_range_out_of_order_and_doubled() {
    let patient = |name: &str, journal: &str| {
        let file = write(
            name,
            format!(
                "inputs: {{ site: metatarsal, diagnosed_on: 2026-09-01 }}\njournal:\n{journal}"
            ),
        );
        engine(&[
            "run",
            "protocols/morra.yaml",
            "--patient",
            &file,
            "--format",
            "json",
        ])
    };
    refused(
        &patient(
            "minus.yaml",
            "  - { date: 2026-11-12, pain: { during: -1 } }\n",
        ),
        "E046",
        "-1",
    );
    refused(
        &patient(
            "eleven.yaml",
            "  - { date: 2026-11-12, pain: { during: 11 } }\n",
        ),
        "E046",
        "11",
    );
    refused(
        &patient(
            "order.yaml",
            "  - { date: 2026-11-12, session: done }\n  - { date: 2026-11-10, session: done }\n",
        ),
        "E045",
        "comes after",
    );
    // Two check-ins on one day: a defined result, both applied.
    let doubled = patient(
        "doubled.yaml",
        "  - { date: 2026-10-12, event: cleared_by_physician }\n  - { date: 2026-11-12, session: done, pain: { during: 3 } }\n  - { date: 2026-11-12, session: done, pain: { during: 0 } }\n",
    );
    assert_eq!(doubled.code, Some(0), "{}", doubled.stderr);
    let plan: serde_json::Value = serde_json::from_str(&doubled.stdout).expect("json");
    assert_eq!(plan["journal"]["applied"], 3);
}

#[test]
fn hostile_scripts_stop_with_coded_errors() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/scripts");
    for (name, code) in [
        ("endless-loop.yaml", "E062"),
        ("endless-recursion.yaml", "E062"),
        ("array-growth.yaml", "E062"),
        ("string-growth.yaml", "E062"),
        ("import-absolute.yaml", "E063"),
        ("import-parent.yaml", "E063"),
    ] {
        let file = fixtures.join(name).display().to_string();
        refused(&engine(&["run", &file]), code, "");
    }

    // No script can reach the environment, the clock or the shell: such functions do
    // not exist in the sandbox.
    for call in [
        "env(\"HOME\")",
        "system(\"ls\")",
        "timestamp()",
        "open(\"/etc/passwd\")",
    ] {
        let text = minimal().replacen(
            "example_patient:",
            &format!(
                "rules:\n  - {{ id: r, on: check-in, when: '{call} == 1', action: hold, reason: x, source: src }}\nexample_patient:"
            ),
            1,
        );
        let file = write("reach.yaml", text);
        refused(&engine(&["check", &file]), "E061", "is not defined");
    }

    // Another protocol's module is out of reach: a protocol may only load modules from
    // its own folder, by plain name.
    let borrow = minimal().replacen(
        "example_patient:",
        "modules: [\"../protocols/morra\"]\nexample_patient:",
        1,
    );
    refused(
        &engine(&["check", &write("borrow.yaml", borrow)]),
        "E063",
        "",
    );
    let import = minimal().replacen(
        "example_patient:",
        "rules:\n  - { id: r, on: check-in, when: 'import \"morra\" as m; true', action: hold, reason: x, source: src }\nexample_patient:\n  journal: [{ date: 2026-01-20, session: done }]",
        1,
    );
    refused(
        &engine(&["run", &write("import.yaml", import)]),
        "E063",
        "morra",
    );
}

/// The same inputs give byte-identical output in every format, run after run.
#[test]
fn every_protocol_runs_the_same_twice_in_every_format() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut protocols = 0;
    for entry in std::fs::read_dir(root.join("protocols"))
        .expect("protocols")
        .flatten()
    {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        protocols += 1;
        let file = path.display().to_string();
        for format in ["text", "json", "yaml", "md"] {
            let args = ["run", file.as_str(), "--format", format, "--explain"];
            let a = engine(&args);
            let b = engine(&args);
            assert_eq!(a.code, Some(0), "{file} {format}: {}", a.stderr);
            assert_eq!(a.stdout, b.stdout, "{file} {format}");
            assert_eq!(a.stderr, b.stderr, "{file} {format}");
        }
        let a = engine(&["check", &file, "--format", "json"]);
        let b = engine(&["check", &file, "--format", "json"]);
        assert_eq!(a.stdout, b.stdout, "{file}");
    }
    assert!(protocols >= 1);
}
