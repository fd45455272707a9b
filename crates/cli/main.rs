//! The `engine` command line: reads files, calls the engine, renders, and picks exit codes.
//!
//! This is the only part of the project that touches files, standard streams or the
//! process exit code.

mod args;
mod load;
mod render;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use rehab_engine::RunConfig;
use rehab_syntax::{Diagnostic, codes};

use crate::args::{Args, CheckArgs, Command, Format, RunArgs};
use crate::load::Session;

fn main() -> ExitCode {
    let args = Args::parse();
    let (out, session, ok) = match args.command {
        Command::Run(a) => run(&a),
        Command::Check(a) => check(&a),
    };
    let diagnostics = session.render_diagnostics();
    if !diagnostics.is_empty() {
        let _ = writeln!(std::io::stderr(), "{diagnostics}");
    }
    if let Some(out) = out {
        let mut stdout = std::io::stdout().lock();
        // A closed pipe (`engine run ... | head`) is not an error worth a message.
        let _ = stdout
            .write_all(out.as_bytes())
            .and_then(|()| stdout.flush());
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn run(a: &RunArgs) -> (Option<String>, Session, bool) {
    let mut s = Session::default();
    let Some((protocol, protocol_file, example)) = s.protocol(&a.protocol) else {
        return (None, s, false);
    };
    let (doc, file) = match &a.patient {
        Some(path) => match s.patient_doc(path) {
            Some(p) => p,
            None => return (None, s, false),
        },
        None => match example {
            Some(doc) => (doc, protocol_file),
            None => {
                s.diagnostics.push(
                    Diagnostic::error(
                        codes::NO_PATIENT,
                        format!("protocol `{}` embeds no example patient", protocol.id),
                    )
                    .in_file(a.protocol.display().to_string())
                    .with_help("give a patient file with --patient FILE, or add `example_patient` to the protocol"),
                );
                return (None, s, false);
            }
        },
    };
    let Some(patient) = s.patient(&protocol, &doc, file) else {
        return (None, s, false);
    };
    let config = RunConfig {
        start: a.start,
        as_of: a.as_of,
    };
    let plan = match rehab_engine::run(&protocol, &patient, &config) {
        Ok(p) => p,
        Err(d) => {
            s.diagnostics
                .push(d.in_file(a.protocol.display().to_string()));
            return (None, s, false);
        }
    };
    let journal = &plan.journal;
    if journal.applied < journal.entries {
        let shown = match &a.patient {
            Some(p) => p.display().to_string(),
            None => a.protocol.display().to_string(),
        };
        s.diagnostics.push(
            Diagnostic::warning(
                codes::JOURNAL_OUTSIDE,
                format!(
                    "{} of {} journal entries fall outside the plan ({} to {}) and were not applied",
                    journal.entries - journal.applied,
                    journal.entries,
                    plan.start,
                    plan.outcome.date
                ),
            )
            .in_file(shown),
        );
    }
    let out = match a.format {
        Format::Text => render::text(&plan, a.explain),
        Format::Md => render::markdown(&plan, a.explain),
        Format::Json => render::json(&plan),
        Format::Yaml => render::yaml(&plan),
    };
    match out {
        Ok(out) => (Some(out), s, true),
        Err(message) => {
            s.diagnostics
                .push(Diagnostic::error(codes::BAD_OPTION, message));
            (None, s, false)
        }
    }
}

fn check(a: &CheckArgs) -> (Option<String>, Session, bool) {
    let mut s = Session::default();
    let mut report = String::new();
    let patient = a.patient.as_ref().and_then(|p| s.patient_doc(p));
    for path in &a.protocols {
        let before = s.diagnostics.iter().filter(|d| d.is_error()).count();
        if let Some((protocol, file, example)) = s.protocol(path) {
            if let Some(doc) = example {
                s.patient(&protocol, &doc, file);
            }
            if let Some((doc, patient_file)) = &patient {
                s.patient(&protocol, doc, *patient_file);
            }
        }
        let errors = s.diagnostics.iter().filter(|d| d.is_error()).count() - before;
        let verdict = match errors {
            0 => "ok".to_string(),
            1 => "1 error".to_string(),
            n => format!("{n} errors"),
        };
        report.push_str(&format!("{}: {verdict}\n", path.display()));
    }
    let ok = !s.has_errors();
    (Some(report), s, ok)
}
