//! `engine test`: runs protocol scenarios, checks their expectations and snapshots, and
//! reports each result, the differences of each failure, and coverage.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use rehab_engine::plan::Plan;
use rehab_engine::scenario::{Coverage, Expect, check_scenario, evaluate};
use rehab_syntax::escape::visible;
use rehab_syntax::scenario::ScenarioDoc;
use rehab_syntax::{Diagnostic, FileId, S, Span, codes};

use crate::args::TestArgs;
use crate::load::Session;
use crate::render;

/// What `engine test` does with a scenario's snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Snapshots {
    /// Compare the plan with it, and fail on a difference.
    Compare,
    /// Write the plan as the new snapshot (`--update`).
    Update,
}

/// The folder `engine test` searches when given no path.
const DEFAULT_PATH: &str = "protocols";

pub fn test(a: &TestArgs) -> (Option<String>, Session, bool) {
    let mut s = Session::default();
    let roots: Vec<PathBuf> = if a.paths.is_empty() {
        vec![PathBuf::from(DEFAULT_PATH)]
    } else {
        a.paths.clone()
    };
    let mut files = Vec::new();
    for root in &roots {
        if root.is_file() {
            files.push(root.clone());
        } else if root.is_dir() {
            find_scenarios(root, &mut files);
        } else {
            s.diagnostics.push(
                Diagnostic::error(codes::IO, "no such file or folder")
                    .in_file(root.display().to_string()),
            );
        }
    }
    files.sort();
    files.dedup();

    let snapshots = if a.update {
        Snapshots::Update
    } else {
        Snapshots::Compare
    };
    let mut out = String::new();
    let (mut passed, mut failed) = (0usize, 0usize);
    let mut coverage: BTreeMap<String, Coverage> = BTreeMap::new();
    for file in &files {
        let shown = file.display().to_string();
        let before = s.diagnostics.len();
        let doc = s.loader.scenario(file);
        if let Some(filter) = &a.filter {
            let title = doc.as_ref().map_or("", |(d, _)| d.title.as_str());
            if !shown.contains(filter.as_str()) && !title.contains(filter.as_str()) {
                continue;
            }
        }
        let result = match doc {
            Ok((doc, id)) => run_scenario(&mut s, file, id, doc, (&roots, snapshots)),
            Err(found) => {
                s.diagnostics.extend(found);
                ScenarioResult::default()
            }
        };
        let diagnostics: Vec<Diagnostic> = s.diagnostics.drain(before..).collect();
        let errors = diagnostics.iter().any(Diagnostic::is_error);
        let ok = !errors && result.failures.is_empty();
        let title = result.title.as_deref().unwrap_or("");
        let _ = writeln!(
            out,
            "{} {}{}{}",
            if ok { "ok    " } else { "FAILED" },
            visible(&shown),
            if title.is_empty() { "" } else { ": " },
            visible(title)
        );
        for note in &result.notes {
            let _ = writeln!(out, "    {}", visible(note));
        }
        for d in &diagnostics {
            for line in d.render(s.sources()).lines() {
                let _ = writeln!(out, "    {line}");
            }
        }
        // Failures quote the plan and the scenario: each line is escaped on its own.
        for failure in &result.failures {
            for line in failure.lines() {
                let _ = writeln!(out, "    {}", visible(line));
            }
        }
        if a.plan
            && let Some(plan) = &result.plan
        {
            match render::text_without_provenance(
                plan,
                render::Detail::Changes,
                render::Audience::Clinician,
            ) {
                Ok(text) => {
                    let _ = writeln!(out, "\n{text}");
                }
                Err(e) => {
                    let _ = writeln!(out, "    {e}");
                }
            }
        }
        if ok {
            passed += 1;
        } else {
            failed += 1;
        }
        if let (Some((key, fresh)), Some(plan)) = (result.protocol, &result.plan) {
            coverage.entry(key).or_insert(fresh).add(plan);
        }
    }
    if a.coverage {
        out.push_str(&render_coverage(&coverage));
    }
    let _ = writeln!(out, "{passed} passed, {failed} failed");
    let ok = failed == 0 && !s.has_errors();
    (Some(out), s, ok)
}

/// Scenario files under `dir`: `*.yaml` files in folders named `scenarios`. Links are
/// not followed (a link to a parent folder would make the walk endless); a linked
/// scenario runs when it is named on the command line.
fn find_scenarios(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<(PathBuf, std::fs::FileType)> = entries
        .flatten()
        .filter_map(|e| Some((e.path(), e.file_type().ok()?)))
        .collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    for (path, kind) in entries {
        if kind.is_dir() {
            find_scenarios(&path, found);
        } else if kind.is_file()
            && path.extension().is_some_and(|e| e == "yaml" || e == "yml")
            && dir.file_name().is_some_and(|n| n == "scenarios")
        {
            found.push(path);
        }
    }
}

/// The file a scenario names (its `protocol` or `patient_file`), when it may be read: a
/// `.yaml` file that, links followed, lies inside the folder the command runs in or one
/// of the folders it was given. Otherwise a diagnostic at the
/// name, so a scenario cannot show the contents of any file on the disk.
fn scenario_file(
    s: &mut Session,
    scenario: FileId,
    named: &S<String>,
    folder: &Path,
    roots: &[PathBuf],
) -> Option<PathBuf> {
    let path = folder.join(&named.value);
    let yaml = path.extension().is_some_and(|e| e == "yaml" || e == "yml");
    let here = [PathBuf::from(".")];
    let allowed = yaml
        && here
            .iter()
            .chain(roots)
            .any(|root| rehab_files::inside(root, &path));
    if allowed || (yaml && std::fs::metadata(&path).is_err()) {
        // A file that does not exist is reported by the reading, with its path.
        return Some(path);
    }
    s.diagnostics.push(
        Diagnostic::error(
            codes::SCENARIO,
            format!(
                "`{}` is not a file this scenario may read: scenarios name `.yaml` files inside the folder `engine test` runs in or was given",
                named.value
            ),
        )
        .at(Span::from_place(scenario, &named.referenced)),
    );
    None
}

/// What running one scenario gave.
#[derive(Default)]
struct ScenarioResult {
    title: Option<String>,
    /// Expectations that did not hold and snapshot differences, each ready to print.
    failures: Vec<String>,
    /// Things worth saying that are not failures, such as a snapshot written.
    notes: Vec<String>,
    plan: Option<Plan>,
    /// The protocol's path, and an empty coverage of it.
    protocol: Option<(String, Coverage)>,
}

fn run_scenario(
    s: &mut Session,
    file: &Path,
    id: FileId,
    mut doc: ScenarioDoc,
    (roots, snapshots): (&[PathBuf], Snapshots),
) -> ScenarioResult {
    let mut result = ScenarioResult::default();
    // Only this scenario's own problems stop it; earlier ones belong to others.
    let first = s.diagnostics.len();
    result.title = Some(doc.title.trim().to_string());
    let folder = file.parent().unwrap_or(Path::new(""));
    let protocol_path = match &doc.protocol {
        Some(p) => match scenario_file(s, id, p, folder, roots) {
            Some(path) => path,
            None => return result,
        },
        None => default_protocol(file),
    };
    let Some((protocol, protocol_file, example)) = s.protocol(&protocol_path) else {
        return result;
    };
    let (patient_doc, patient_file) = match (&doc.patient_file, doc.patient.take(), example) {
        (Some(path), _, _) => {
            match scenario_file(s, id, path, folder, roots).and_then(|path| s.patient_doc(&path)) {
                Some(p) => p,
                None => return result,
            }
        }
        (None, Some(inline), _) => (inline, id),
        (None, None, Some(example)) => (example, protocol_file),
        (None, None, None) => {
            s.diagnostics.push(
                Diagnostic::error(
                    codes::NO_PATIENT,
                    "the scenario gives no patient and the protocol embeds no example patient",
                )
                .in_file(file.display().to_string())
                .with_help("add `patient_file: PATH` or `patient:` to the scenario"),
            );
            return result;
        }
    };
    let Some(patient) = s.patient(&protocol, &patient_doc, patient_file) else {
        return result;
    };
    let (checked, found) = check_scenario(s.sources(), id, &protocol, &doc);
    s.diagnostics.extend(found);
    if s.diagnostics[first..].iter().any(Diagnostic::is_error) {
        return result;
    }
    let plan = match rehab_engine::run(&protocol, &patient, &checked.config) {
        Ok(p) => p,
        Err(d) => {
            s.diagnostics
                .push(d.in_file(protocol_path.display().to_string()));
            return result;
        }
    };
    for expect in &checked.expectations {
        if let Err(actual) = evaluate(&plan, &expect.kind) {
            result.failures.push(failure(s, expect, &actual));
        }
    }
    if doc.snapshot {
        snapshot(file, &plan, snapshots, &mut result);
    }
    result.protocol = Some((
        protocol_path.display().to_string(),
        Coverage::new(&protocol),
    ));
    result.plan = Some(plan);
    result
}

/// `protocols/morra.yaml` for `protocols/morra/scenarios/x.yaml`.
fn default_protocol(scenario: &Path) -> PathBuf {
    let scenarios = scenario.parent().unwrap_or(Path::new(""));
    let own = scenarios.parent().unwrap_or(Path::new(""));
    let name = own.file_name().map(|n| n.to_string_lossy().to_string());
    let parent = own.parent().unwrap_or(Path::new(""));
    parent.join(format!("{}.yaml", name.unwrap_or_default()))
}

/// An expectation that did not hold: what was expected, where, and what the plan has.
fn failure(s: &Session, expect: &Expect, actual: &str) -> String {
    let place = s
        .sources()
        .get(expect.at.file)
        .map(|f| {
            let at = f.line_col(expect.at.start);
            format!("{}:{}:{}", f.path, at.line, at.column)
        })
        .unwrap_or_default();
    format!(
        "expected: {}\n  actual: {actual}\n     --> {place}",
        expect.kind
    )
}

/// Compares the plan with the scenario's snapshot, or writes it with `--update`.
fn snapshot(file: &Path, plan: &Plan, snapshots: Snapshots, result: &mut ScenarioResult) {
    let folder = file.parent().unwrap_or(Path::new("")).join("snapshots");
    let stem = file
        .file_stem()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let path = folder.join(format!("{stem}.txt"));
    let shown = path.display().to_string();
    let actual = match render::text_without_provenance(
        plan,
        render::Detail::Changes,
        render::Audience::Clinician,
    ) {
        Ok(t) => t,
        Err(e) => {
            result.failures.push(e);
            return;
        }
    };
    let expected = std::fs::read_to_string(&path).ok();
    if expected.as_deref() == Some(actual.as_str()) {
        return;
    }
    if snapshots == Snapshots::Update {
        let written =
            std::fs::create_dir_all(&folder).and_then(|()| std::fs::write(&path, &actual));
        match (written, &expected) {
            (Ok(()), None) => result.notes.push(format!("snapshot written: {shown}")),
            (Ok(()), Some(_)) => result.notes.push(format!("snapshot updated: {shown}")),
            (Err(e), _) => result
                .failures
                .push(format!("cannot write the snapshot {shown}: {e}")),
        }
        return;
    }
    match expected {
        None => result.failures.push(format!(
            "no snapshot yet at {shown}; review the plan (`engine run`) and write it with `engine test --update`"
        )),
        Some(expected) => {
            let diff = similar::TextDiff::from_lines(&expected, &actual);
            let mut text = format!(
                "the plan differs from its snapshot {shown} (- snapshot, + now); if the change is intended, run `engine test --update`\n"
            );
            text.push_str(
                &diff
                    .unified_diff()
                    .context_radius(2)
                    .header("snapshot", "now")
                    .to_string(),
            );
            result.failures.push(text.trim_end().to_string());
        }
    }
}

fn render_coverage(coverage: &BTreeMap<String, Coverage>) -> String {
    let mut out = String::new();
    for (path, c) in coverage {
        let _ = writeln!(
            out,
            "\ncoverage of {path} across {} scenario{}:",
            c.scenarios,
            if c.scenarios == 1 { "" } else { "s" }
        );
        let _ = writeln!(out, "  rules (times fired):");
        for (rule, n) in &c.rules {
            let _ = writeln!(out, "    {rule:<32} {n}");
        }
        let _ = writeln!(
            out,
            "  gates (passed / failed on evidence, waited, assumed in projection, checkpoints):"
        );
        for (phase, gate, t) in &c.gates {
            let name = format!("{phase}/{gate}");
            let _ = writeln!(
                out,
                "    {name:<32} {} / {}, {}, {}, {}",
                t.passed, t.failed, t.waited, t.assumed, t.checkpoints
            );
        }
        let _ = writeln!(out, "  phases (scenarios reaching them):");
        for (phase, n) in &c.phases {
            let _ = writeln!(out, "    {phase:<32} {n}");
        }
        let never_fired: Vec<&str> = c
            .rules
            .iter()
            .filter(|(_, n)| *n == 0)
            .map(|(r, _)| r.as_str())
            .collect();
        let never_passed: Vec<String> = c
            .gates
            .iter()
            .filter(|(_, _, t)| t.passed == 0 && t.checkpoints == 0)
            .map(|(p, g, _)| format!("{p}/{g}"))
            .collect();
        let never_failed: Vec<String> = c
            .gates
            .iter()
            .filter(|(_, _, t)| t.can_fail && t.failed == 0)
            .map(|(p, g, _)| format!("{p}/{g}"))
            .collect();
        let never_reached: Vec<&str> = c
            .phases
            .iter()
            .filter(|(_, n)| *n == 0)
            .map(|(p, _)| p.as_str())
            .collect();
        let _ = writeln!(out, "  never fired: {}", list(&never_fired));
        let _ = writeln!(out, "  never passed on evidence: {}", list(&never_passed));
        let _ = writeln!(
            out,
            "  never failed on evidence (of the gates evidence can fail): {}",
            list(&never_failed)
        );
        let _ = writeln!(out, "  never reached: {}", list(&never_reached));
        out.push('\n');
    }
    out
}

/// `a, b, c`, or `none`.
fn list<T: AsRef<str>>(items: &[T]) -> String {
    if items.is_empty() {
        "none".to_string()
    } else {
        items
            .iter()
            .map(AsRef::as_ref)
            .collect::<Vec<_>>()
            .join(", ")
    }
}
