//! The `engine` command line: reads files, calls the engine, renders, and picks exit codes.
//!
//! This is the only part of the project that touches files, standard streams or the
//! process exit code.

#![deny(clippy::unwrap_used, clippy::expect_used)]

mod args;
mod batch;
mod compare;
mod load;
mod log;
mod render;
mod simulate;
mod test;
mod today;

use std::io::Write;

use clap::Parser;
use rehab_engine::RunConfig;
use rehab_syntax::{Diagnostic, codes};

use crate::args::{
    Args, Audience, CheckArgs, CheckFormat, Command, ExportArgs, ExportFormat, Format, RunArgs,
    SchemaArgs, SchemaFile,
};
use crate::load::Session;

fn main() {
    let args = Args::parse();
    let (out, session, ok) = match args.command {
        Command::Run(a) => run(&a),
        Command::Check(a) => check(&a),
        Command::Schema(a) => schema(&a),
        Command::Test(a) => test::test(&a),
        Command::Simulate(a) => simulate::simulate(&a),
        Command::Compare(a) => compare::compare(&a),
        Command::Log(a) => log::log(&a),
        Command::Today(a) => today::today(&a),
        Command::Export(a) => export(&a),
    };
    let diagnostics = session.render_diagnostics();
    if !diagnostics.is_empty() && !session.diagnostics_on_stdout {
        let _ = writeln!(std::io::stderr(), "{diagnostics}");
    }
    if let Some(out) = out {
        let mut stdout = std::io::stdout().lock();
        // A closed pipe (`engine run ... | head`) is not an error worth a message.
        let _ = stdout
            .write_all(out.as_bytes())
            .and_then(|()| stdout.flush());
    }
    // Everything is written and flushed, and every command has released what it holds
    // (`engine log` its lock) on returning: the process ends here without freeing what it
    // built (the checked protocols, the sources), which the system takes back at once;
    // freeing it cost about 3 % of a short run, 2.5 % of checking five protocols.
    let _ = std::io::stderr().flush();
    std::process::exit(if ok { 0 } else { 1 })
}

fn run(a: &RunArgs) -> (Option<String>, Session, bool) {
    let mut s = Session::default();
    let Some((protocol, protocol_file, example)) = s.protocol(&a.protocol) else {
        return (None, s, false);
    };
    if a.batch {
        return run_batch(a, &protocol, s);
    }
    let Some((doc, file)) = s.patient_or_example(
        a.patient.as_deref(),
        (&protocol, &a.protocol, protocol_file),
        example,
        "give a patient file with --patient FILE, or add `example_patient` to the protocol",
    ) else {
        return (None, s, false);
    };
    let Some(patient) = s.patient(&protocol, &doc, file) else {
        return (None, s, false);
    };
    let config = RunConfig {
        start: a.start,
        as_of: a.as_of,
        quiet: false,
    };
    let plan = match rehab_engine::run(&protocol, &patient, &config) {
        Ok(p) => p,
        Err(d) => {
            s.diagnostics
                .push(d.in_file(a.protocol.display().to_string()));
            return (None, s, false);
        }
    };
    let shown = match &a.patient {
        Some(p) => p.display().to_string(),
        None => a.protocol.display().to_string(),
    };
    s.journal_warnings(&plan, (&doc, file, &shown));
    let detail = if a.explain {
        render::Detail::Explained
    } else {
        render::Detail::Changes
    };
    let audience = match a.audience {
        Audience::Clinician => render::Audience::Clinician,
        Audience::Patient => render::Audience::Patient,
    };
    let out = match a.format {
        Format::Text => render::text(&plan, detail, audience),
        Format::Md => render::markdown(&plan, detail, audience),
        Format::Html => render::html(&plan, &protocol, audience),
        Format::Json => render::json(&plan),
        Format::Yaml => render::yaml(&plan),
        Format::Ics => render::ics(&plan),
        Format::Fhir => render::fhir::careplan(&plan),
    };
    // The plan is freed by the process's exit (see `main`), not walked to be freed now.
    std::mem::forget(plan);
    rendered(out, s)
}

/// A command's rendered output, or the renderer's refusal as a diagnostic of the
/// session (an option that does not fit the plan, such as a format it cannot take).
fn rendered(out: Result<String, String>, mut s: Session) -> (Option<String>, Session, bool) {
    match out {
        Ok(out) => (Some(out), s, true),
        Err(message) => {
            s.diagnostics
                .push(Diagnostic::error(codes::BAD_OPTION, message));
            (None, s, false)
        }
    }
}

fn export(a: &ExportArgs) -> (Option<String>, Session, bool) {
    let mut s = Session::default();
    let Some((protocol, ..)) = s.protocol(&a.protocol) else {
        return (None, s, false);
    };
    let out = match a.format {
        ExportFormat::Fhir => render::fhir::plan_definition(&protocol),
    };
    rendered(out, s)
}

fn schema(a: &SchemaArgs) -> (Option<String>, Session, bool) {
    let kind = match a.kind {
        SchemaFile::Protocol => rehab_syntax::schema::SchemaKind::Protocol,
        SchemaFile::Patient => rehab_syntax::schema::SchemaKind::Patient,
        SchemaFile::Scenario => rehab_syntax::schema::SchemaKind::Scenario,
    };
    let text = rehab_syntax::schema::schema_text(kind);
    (Some(text), Session::default(), true)
}

fn check(a: &CheckArgs) -> (Option<String>, Session, bool) {
    let mut s = Session::default();
    let mut report = String::new();
    let mut files = Vec::new();
    let patient = a.patient.as_ref().and_then(|p| s.patient_doc(p));
    let patient_errors = s.diagnostics.iter().filter(|d| d.is_error()).count();
    for path in &a.protocols {
        let before = s.diagnostics.iter().filter(|d| d.is_error()).count();
        let mut sha256 = None;
        if let Some((protocol, file, example)) = s.protocol(path) {
            sha256 = Some(protocol.sha256().to_string());
            // A patient is checked by running its plan too, so that `check` refuses
            // exactly what `run` would.
            let shown = path.display().to_string();
            let mut patients = Vec::new();
            if let Some(doc) = example {
                patients.push((doc, file, shown.clone()));
            }
            match (&patient, &a.patient) {
                (Some((doc, patient_file)), Some(given)) => {
                    patients.push((doc.clone(), *patient_file, given.display().to_string()));
                }
                // A patient file that did not parse is still held up against each
                // protocol's journal fields.
                (None, Some(given)) => s.undeclared_fields(given, &protocol),
                _ => {}
            }
            for (doc, file, doc_path) in &patients {
                let Some(p) = s.patient(&protocol, doc, *file) else {
                    continue;
                };
                match rehab_engine::run(&protocol, &p, &RunConfig::default()) {
                    Ok(plan) => {
                        s.journal_warnings(&plan, (doc, *file, doc_path));
                        // Freed by the process's exit (see `main`).
                        std::mem::forget(plan);
                    }
                    Err(d) => s.diagnostics.push(d.in_file(&shown)),
                }
            }
        }
        let errors = s.diagnostics.iter().filter(|d| d.is_error()).count() - before;
        let verdict = plural_errors(errors);
        // A protocol that checks is named by its SHA-256, so a clinic can pin a
        // patient to the exact protocol they started on.
        match sha256.as_deref().filter(|_| errors == 0) {
            Some(hash) => {
                report.push_str(&format!("{}: {verdict}, sha256 {hash}\n", path.display()))
            }
            None => report.push_str(&format!("{}: {verdict}\n", path.display())),
        }
        let mut entry = serde_json::json!({
            "file": path.display().to_string(),
            "errors": errors,
        });
        if let Some(hash) = sha256.filter(|_| errors == 0) {
            entry["sha256"] = serde_json::Value::from(hash);
        }
        files.push(entry);
    }
    // A patient file that does not even read is reported on a line of its own; its
    // problems against a protocol count under that protocol.
    if let Some(path) = &a.patient
        && patient_errors > 0
    {
        report.push_str(&format!(
            "{}: {}\n",
            path.display(),
            plural_errors(patient_errors)
        ));
        files.push(serde_json::json!({
            "file": path.display().to_string(),
            "errors": patient_errors,
        }));
    }
    let ok = !s.has_errors();
    if a.format == CheckFormat::Json {
        let diagnostics: Vec<_> = s
            .diagnostics
            .iter()
            .map(|d| d.to_json(s.sources()))
            .collect();
        let out = serde_json::json!({
            "ok": ok,
            "errors": s.diagnostics.iter().filter(|d| d.is_error()).count(),
            "warnings": s.diagnostics.iter().filter(|d| !d.is_error()).count(),
            "files": files,
            "diagnostics": diagnostics,
        });
        s.diagnostics_on_stdout = true;
        let mut text = serde_json::to_string_pretty(&out).unwrap_or_default();
        text.push('\n');
        return (Some(text), s, ok);
    }
    (Some(report), s, ok)
}

/// `engine run PROTOCOL --batch`: standard input to standard output, line by line.
/// Exits 1 at the end when any line failed; the failures are in the output.
fn run_batch(
    a: &RunArgs,
    protocol: &rehab_engine::model::Protocol,
    mut s: Session,
) -> (Option<String>, Session, bool) {
    let config = RunConfig {
        start: a.start,
        as_of: a.as_of,
        quiet: false,
    };
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match batch::run_lines(protocol, &config, &mut input, &mut out) {
        Ok(tally) => {
            if tally.failed > 0 {
                s.diagnostics.push(Diagnostic::error(
                    codes::BAD_VALUE,
                    format!(
                        "{} of {} patient lines failed; each failure is on its own output line",
                        tally.failed, tally.lines
                    ),
                ));
            }
            (None, s, tally.failed == 0)
        }
        // A closed pipe (`... | head`) ends the batch without a message.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => (None, s, true),
        Err(e) => {
            s.diagnostics.push(Diagnostic::error(
                codes::IO,
                format!("the batch could not read or write: {e}"),
            ));
            (None, s, false)
        }
    }
}

/// `ok`, `1 error`, `3 errors`.
fn plural_errors(n: usize) -> String {
    match n {
        0 => "ok".to_string(),
        1 => "1 error".to_string(),
        n => format!("{n} errors"),
    }
}
