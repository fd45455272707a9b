//! The printable handout (`--format html`) and the patient's view (`--audience
//! patient`): snapshots, a real HTML parser's reading of the page, hostile text, and the
//! page printed to PDF by headless Chromium and read back with `pdftotext`.

use crate::common::{self, Scratch, engine, stdout};

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const MORRA: &str = "protocols/morra.yaml";
const WEEK3: &str = "examples/patients/week3-pain.yaml";

fn run(args: &[&str]) -> String {
    let o = engine(args);
    assert!(
        o.status.success(),
        "engine {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    stdout(&o)
}

/// What a real HTML parser (html5ever, through scraper) finds wrong with a page: parse
/// errors, scripts, anything loaded from elsewhere.
fn problems(html: &str) -> Vec<String> {
    let doc = scraper::Html::parse_document(html);
    let mut found: Vec<String> = doc.errors.iter().map(|e| format!("parse: {e}")).collect();
    let all = scraper::Selector::parse("*").expect("selector");
    for el in doc.select(&all) {
        let name = el.value().name();
        if matches!(
            name,
            "script" | "link" | "img" | "iframe" | "object" | "embed" | "base"
        ) {
            found.push(format!("element <{name}>"));
        }
        for (attr, value) in el.value().attrs() {
            let v = value.trim().to_ascii_lowercase();
            if attr.starts_with("on") {
                found.push(format!("event handler {attr}"));
            }
            if v.contains("http:") || v.contains("https:") || v.starts_with("//") {
                found.push(format!("external {attr}={value}"));
            }
            if v.contains("url(") && !v.contains("url(#") {
                found.push(format!("url() in {attr}={value}"));
            }
        }
    }
    let style = scraper::Selector::parse("style").expect("selector");
    for css in doc.select(&style) {
        let css = css.text().collect::<String>();
        if css.contains("@import") || css.contains("//") || css.contains("http") {
            found.push("the stylesheet loads something".to_string());
        }
        if css.matches("url(").count() != css.matches("url(#").count() {
            found.push("url() in the stylesheet".to_string());
        }
    }
    found
}

#[test]
fn every_protocol_handout() {
    insta::glob!("..", "protocols/*.yaml", |path| {
        let file = path.display().to_string();
        let html = run(&["run", &file, "--format", "html"]);
        assert_eq!(problems(&html), Vec::<String>::new(), "{file}");
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("?");
        insta::assert_snapshot!(
            format!("handout-{stem}"),
            common::without_protocol_hash(&html, &file)
        );
    });
}

#[test]
fn morra_for_the_patient() {
    for format in ["text", "md", "html"] {
        let out = run(&[
            "run",
            MORRA,
            "--patient",
            WEEK3,
            "--format",
            format,
            "--audience",
            "patient",
        ]);
        // Ids, source tags and interpretations are the clinician's.
        for hidden in [
            "[morra-article]",
            "morra-replies",
            "pain-holds-week",
            "Interpretation",
            "Reading:",
            "walk-jog",
            "gate:",
        ] {
            assert!(!out.contains(hidden), "{format} shows {hidden:?}");
        }
        let flat = out.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            flat.contains("walk 2 minutes, run 1-2 minutes, repeat for 20 minutes in all"),
            "{format} has no plain words"
        );
        if format == "html" {
            assert_eq!(problems(&out), Vec::<String>::new());
            insta::assert_snapshot!(
                "patient-html-week3-pain",
                common::without_protocol_hash(&out, MORRA)
            );
        } else {
            insta::assert_snapshot!(format!("patient-{format}-week3-pain"), out);
        }
    }
}

/// The clinician's view is the default, and it is the plan as it always was (the
/// snapshots of every protocol in text and Markdown pin it byte for byte).
#[test]
fn the_clinician_view_is_the_default() {
    for format in ["text", "md", "html"] {
        let default = run(&["run", MORRA, "--patient", WEEK3, "--format", format]);
        let clinician = run(&[
            "run",
            MORRA,
            "--patient",
            WEEK3,
            "--format",
            format,
            "--audience",
            "clinician",
        ]);
        assert_eq!(default, clinician, "{format}");
        assert!(default.contains("pain-holds-week"), "{format}");
    }
}

#[test]
fn the_handout_shows_what_the_plan_says() {
    let html = run(&["run", MORRA, "--patient", WEEK3, "--format", "html"]);
    // Runs of rest days are folded into one row.
    assert!(html.contains("Tue-Mon"), "no folded rest days");
    // The what-if box takes the protocol's own rules, by what they do.
    for heading in [
        "What if it hurts",
        "When not to move on",
        "When to stop, rest or step back",
        "When to call your clinician",
    ] {
        assert!(html.contains(heading), "no {heading:?}");
    }
    assert!(
        html.contains("A warning sign (pain of 5 or more"),
        "no referral reason"
    );
    // The check-in grid starts the day after the journal's last entry, with the
    // protocol's journal fields as columns.
    assert!(html.contains("From 2026-12-06."), "check-in start");
    assert!(
        html.contains("Pain at rest (yes or no)"),
        "journal field column"
    );
    // Distance: the weeks are charted in the protocol's unit.
    let delaware = run(&[
        "run",
        "protocols/delaware-soreness.yaml",
        "--format",
        "html",
    ]);
    assert!(delaware.contains("Running distance per week (mi)"));
    // A week whose running is not known is shown as such, never as a number.
    let effort = run(&[
        "run",
        "tests/fixtures/valid/effort-distance.yaml",
        "--format",
        "html",
    ]);
    assert!(effort.contains("week 2 of Build up, from 2026-01-12: 3 mi"));
    assert!(effort.contains("week 4 of Build up, from 2026-01-26: running not known"));
    assert!(effort.contains("? not known"));
}

/// Text from files (a title, a note, a reason, a name) comes out HTML-escaped, without
/// its control characters, and can neither add markup nor a script.
#[test]
fn hostile_text_is_escaped_in_the_handout() {
    let dir = Scratch::new("handout-hostile");
    let protocol = crate::hostile_scripts::hostile_protocol().replace(
        "RED",
        "RED<script>alert('&')</script></style><b x=\\\"y\\\">",
    );
    let file = dir.write("hostile.yaml", protocol);
    for audience in ["clinician", "patient"] {
        let html = run(&["run", &file, "--format", "html", "--audience", audience]);
        assert!(
            html.contains("RED&lt;script&gt;alert(&#x27;&amp;&#x27;)&lt;&#x2f;script&gt;"),
            "{audience}: {html}"
        );
        assert!(!html.contains("<script"), "{audience}");
        assert!(!html.contains("<b x"), "{audience}");
        for c in ['\u{1b}', '\u{7}', '\0', '\r', '\u{202e}'] {
            assert!(!html.contains(c), "{audience}: {c:?} reached the page");
        }
        assert_eq!(problems(&html), Vec::<String>::new(), "{audience}");
    }
}

/// A program the test needs: found on the path, or (outside CI) the test is skipped with
/// a message. Under `CI=true` a missing program fails the test.
#[allow(clippy::print_stderr)] // says why the test did nothing
fn program(names: &[&str]) -> Option<String> {
    // Looked up on the path rather than run: `pdftotext --version` exits with an error.
    let path = std::env::var_os("PATH").unwrap_or_default();
    let found = names
        .iter()
        .find(|n| std::env::split_paths(&path).any(|dir| dir.join(n).is_file()));
    if found.is_none() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "none of {names:?} is installed; .ci/run installs them"
        );
        eprintln!("skipped: none of {names:?} is installed");
    }
    found.map(|s| s.to_string())
}

/// Runs a command to its end, killing it past a generous watchdog (no timing is judged).
fn finish(cmd: &mut Command) -> bool {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the program starts");
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status.success();
        }
        if started.elapsed() > Duration::from_secs(300) {
            let _ = child.kill();
            panic!("{cmd:?} did not finish");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The acceptance case: Morra's handout for the runner with pain in week 3, printed to
/// PDF by headless Chromium, has the weeks, the what-if box and the disclaimer.
#[test]
fn the_handout_prints_to_pdf() {
    let Some(chromium) = program(&["chromium", "chromium-browser", "google-chrome"]) else {
        return;
    };
    let Some(pdftotext) = program(&["pdftotext"]) else {
        return;
    };
    let dir = Scratch::new("handout-pdf");
    let html = run(&["run", MORRA, "--patient", WEEK3, "--format", "html"]);
    let page = dir.write("handout.html", &html);
    let pdf = dir.path().join("handout.pdf");
    let profile = dir.path().join("profile");
    let printed = finish(
        Command::new(&chromium)
            .arg("--headless")
            .arg("--no-sandbox")
            .arg("--disable-gpu")
            .arg("--disable-dev-shm-usage")
            .arg("--no-pdf-header-footer")
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg(format!("--print-to-pdf={}", pdf.display()))
            .arg(format!("file://{page}")),
    );
    assert!(printed && pdf.exists(), "chromium printed no PDF");
    let txt = dir.path().join("handout.txt");
    assert!(finish(Command::new(&pdftotext).arg(&pdf).arg(&txt)));
    let text = std::fs::read_to_string(&txt).expect("the PDF's text");
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for expected in [
        "Return to running after a stress fracture",
        "Week 1 (2026-11-10 to 2026-11-16)",
        "Week 3 (2026-11-24 to 2026-11-30)",
        "Week 3 (2026-12-01 to 2026-12-07)",
        "Week 12",
        "What if it hurts",
        "When to call your clinician",
        "Check-in",
        "Your clinician",
    ] {
        assert!(
            text.contains(expected),
            "the PDF lacks {expected:?}: {text}"
        );
    }
    let disclaimer = "does not replace the judgement of the patient's physician";
    assert!(text.contains(disclaimer), "the PDF lacks the disclaimer");
    assert!(Path::new(&pdf).metadata().is_ok_and(|m| m.len() > 1000));
}
