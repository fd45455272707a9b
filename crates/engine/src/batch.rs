//! Many patients through one checked protocol: each patient given as text (a patient
//! object of the same shape as a patient YAML file; JSON is YAML), parsed with sources of
//! its own, checked and run as `engine run --patient` would, on several threads, each
//! with its own script evaluator.
//!
//! The command line's `run --batch` and the Python package share this path. Nothing is
//! read or written here: the caller gives the texts and turns each result into what it
//! writes, on the worker thread that ran it (so turning a plan into JSON, most of a
//! batch's work, runs in parallel too).

use rehab_syntax::{Diagnostic, SourceFile, Sources, codes};
use serde_json::Value;

use crate::model::{Patient, Protocol};
use crate::plan::Plan;
use crate::run::{RunConfig, run_using};
use crate::scripts::Evaluator;

/// One patient to run: the name its diagnostics give as their file (such as `line 3`),
/// and its text, or why there is no text (a line too long, say).
pub type PatientText = (String, Result<String, Diagnostic>);

/// Why a patient was not run: its errors, each as `engine check --format json` gives it
/// (code, message, and its place in the patient's text as file, line and column).
pub type Failure = Vec<Value>;

/// Parses and checks one patient text named `name` against `protocol`.
pub fn patient_from_text(protocol: &Protocol, name: &str, text: &str) -> Result<Patient, Failure> {
    checked(protocol, name, text).map(|(patient, _)| patient)
}

/// The checked patient with the sources its diagnostics point into.
fn checked(protocol: &Protocol, name: &str, text: &str) -> Result<(Patient, Sources), Failure> {
    let mut sources = Sources::new();
    let file = sources.add(SourceFile::new(name, text));
    let doc =
        rehab_syntax::parse_patient(&sources, file).map_err(|found| failure(&found, &sources))?;
    let (patient, found) = crate::check_patient(&sources, file, protocol, &doc);
    match patient {
        Some(p) if !found.iter().any(Diagnostic::is_error) => Ok((p, sources)),
        _ => Err(failure(&found, &sources)),
    }
}

/// Parses, checks and runs one patient text named `name` with `evaluator` (which must
/// be `protocol`'s own), as `engine run --patient` would.
pub fn run_text(
    protocol: &Protocol,
    evaluator: &Evaluator<'_>,
    config: &RunConfig,
    name: &str,
    text: &str,
) -> Result<Plan, Failure> {
    let (patient, sources) = checked(protocol, name, text)?;
    run_using(evaluator, protocol, &patient, config, None).map_err(|d| failure(&[d], &sources))
}

/// The errors among `found`, as JSON values placed in `sources`.
pub fn failure(found: &[Diagnostic], sources: &Sources) -> Failure {
    found
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.to_json(sources))
        .collect()
}

/// Runs every patient on `threads` threads (each taking every `threads`-th patient with
/// an evaluator of its own) and gives `finish` of each result, in input order. `finish`
/// gets the patient's index and runs on the worker thread.
pub fn run_all<R, F>(
    protocol: &Protocol,
    config: &RunConfig,
    patients: &[PatientText],
    threads: usize,
    finish: F,
) -> Vec<R>
where
    R: Send,
    F: Fn(usize, Result<Plan, Failure>) -> R + Sync,
{
    let threads = threads.clamp(1, patients.len().max(1));
    let mut results: Vec<Option<R>> = (0..patients.len()).map(|_| None).collect();
    let finish = &finish;
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                scope.spawn(move || {
                    let evaluator = protocol.scripts().evaluator();
                    patients
                        .iter()
                        .enumerate()
                        .skip(t)
                        .step_by(threads)
                        .map(|(i, (name, text))| {
                            let none = Sources::new();
                            let result = match (&evaluator, text) {
                                (_, Err(d)) | (Err(d), _) => {
                                    Err(failure(std::slice::from_ref(d), &none))
                                }
                                (Ok(ev), Ok(text)) => run_text(protocol, ev, config, name, text),
                            };
                            (i, finish(i, result))
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for worker in workers {
            // A worker that panicked leaves its patients empty; they are reported below.
            if let Ok(done) = worker.join() {
                for (i, out) in done {
                    results[i] = Some(out);
                }
            }
        }
    });
    results
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            r.unwrap_or_else(|| {
                let d = Diagnostic::error(codes::PHASE, "internal: the patient was not run");
                finish(i, Err(failure(&[d], &Sources::new())))
            })
        })
        .collect()
}

/// One thread per core, the default for [`run_all`].
pub fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{FileKind, Loader, Unread};
    use std::path::Path;

    const PROTOCOL: &str = "id: p\ntitle: P\nversion: \"1\"\nauthors: [{ name: A }]\nsources: [{ id: s, citation: C }]\ndisclaimer: D\ninputs: [{ id: start, label: Start, type: date }]\nstarts_on: start\nphases:\n  - { id: only, title: Only, source: s, duration: { period: 1wk }, pattern: [{ days: [off, off, off, off, off, off, off], source: s }] }\n";

    #[test]
    fn patients_run_in_input_order_and_a_bad_one_fails_in_place() {
        let mut loader = Loader::new(|_: &Path, _: FileKind| -> Result<String, Unread> {
            Ok(PROTOCOL.to_string())
        });
        let (loaded, diagnostics) = loader.protocol(Path::new("p.yaml"));
        assert!(diagnostics.iter().all(|d| !d.is_error()), "{diagnostics:?}");
        let protocol = loaded.unwrap();
        let patients: Vec<PatientText> = vec![
            (
                "a".into(),
                Ok(r#"{"inputs": {"start": "2026-09-01"}}"#.into()),
            ),
            ("b".into(), Ok(r#"{"inputs": {"start": "soon"}}"#.into())),
            ("c".into(), Ok("inputs:\n  start: 2026-10-01\n".into())),
            ("d".into(), Err(Diagnostic::error(codes::YAML, "too long"))),
        ];
        let config = RunConfig::default();
        let out = run_all(&protocol, &config, &patients, 2, |i, r| {
            (i, r.map(|p| p.start.to_string()))
        });
        assert_eq!(out.len(), 4);
        assert!(out.iter().enumerate().all(|(i, (j, _))| i == *j));
        assert_eq!(out[0].1.as_deref().ok(), Some("2026-09-01"));
        assert_eq!(out[2].1.as_deref().ok(), Some("2026-10-01"));
        let errors = out[1].1.as_ref().unwrap_err();
        assert_eq!(errors[0]["file"], "b");
        assert_eq!(errors[0]["line"], 1);
        let errors = out[3].1.as_ref().unwrap_err();
        assert_eq!(errors[0]["code"], codes::YAML);
    }
}
