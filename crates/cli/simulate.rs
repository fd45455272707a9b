//! `engine simulate`: a protocol run for many simulated patients, in parallel, with a
//! result that depends on the seed only.

use std::fmt::Write as _;
use std::io::{IsTerminal, Write as _};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rehab_engine::model::{Patient, Protocol};
use rehab_engine::simulate::{self, MAX_PATIENTS, Model, Population, Summary};
use rehab_syntax::escape::visible;
use rehab_syntax::patient::PatientDoc;
use rehab_syntax::{Diagnostic, FileId, codes};
use serde::Deserialize;

use crate::args::{ReportFormat, SimulateArgs};
use crate::load::Session;
use rehab_engine::load::FileKind;

/// A model file: any of the model's numbers.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelFile {
    pain_chance: Option<f64>,
    cross_pain_chance: Option<f64>,
    pain_min: Option<i64>,
    pain_max: Option<i64>,
    next_day_chance: Option<f64>,
    skip_chance: Option<f64>,
    pass_chance: Option<f64>,
}

pub fn simulate(a: &SimulateArgs) -> (Option<String>, Session, bool) {
    let mut s = Session::default();
    let fail = |mut s: Session, message: String| {
        s.diagnostics
            .push(Diagnostic::error(codes::BAD_OPTION, message));
        (None, s, false)
    };
    if a.patients == 0 || a.patients > MAX_PATIENTS {
        return fail(
            s,
            format!(
                "--patients must be from 1 to {MAX_PATIENTS}, not {}",
                a.patients
            ),
        );
    }
    let model = match model(&mut s, a) {
        Some(m) => m,
        None => return (None, s, false),
    };
    if let Err(e) = model.validate() {
        return fail(s, e);
    }
    // Checked once here, for its diagnostics and the base patient; each worker checks
    // its own copy (a checked protocol holds its compiled scripts, which stay on one
    // thread).
    let Some((protocol, protocol_file, example)) = s.protocol(&a.protocol) else {
        return (None, s, false);
    };
    let Some(base) = base_patient(&mut s, a, (&protocol, protocol_file), example) else {
        return (None, s, false);
    };
    let summary = match population(
        &protocol,
        &base,
        &model,
        Population {
            patients: a.patients,
            seed: a.seed,
            threads: a.threads,
        },
    ) {
        Ok(summary) => summary,
        Err(e) => return fail(s, e),
    };
    let out = match a.format {
        ReportFormat::Text => text(&protocol, &summary, &model, a, &base),
        ReportFormat::Json => json(&protocol, &summary, &model, a),
    };
    // A protocol that stops with an error for some patient is broken: the report is
    // still printed, and the first error is shown with its code and place.
    if let Some(first) = &summary.first_error {
        s.diagnostics.push(first.clone());
        return (Some(out), s, false);
    }
    (Some(out), s, true)
}

/// Simulates a population of `protocol` with the engine, showing progress on a
/// terminal for a large one; the summary depends on the seed only.
pub fn population(
    protocol: &Protocol,
    base: &Patient,
    model: &Model,
    run: Population,
) -> Result<Summary, String> {
    let done = AtomicU64::new(0);
    let show_progress = std::io::stderr().is_terminal() && run.patients >= 2000;
    if !show_progress {
        return simulate::population(protocol, base, model, run, &done);
    }
    std::thread::scope(|scope| {
        let worker = scope.spawn(|| simulate::population(protocol, base, model, run, &done));
        while !worker.is_finished() {
            progress(done.load(Ordering::Relaxed), run.patients);
            std::thread::sleep(Duration::from_millis(100));
        }
        progress(run.patients, run.patients);
        let _ = writeln!(std::io::stderr());
        worker
            .join()
            .unwrap_or_else(|_| Err("a worker stopped unexpectedly".to_string()))
    })
}

fn progress(done: u64, total: u64) {
    let width = 40u64;
    let filled = done.saturating_mul(width) / total.max(1);
    // The bar goes to standard error, which is a terminal here; the report stays clean.
    let mut err = std::io::stderr();
    let _ = write!(
        err,
        "\r[{}{}] {done}/{total} patients",
        "#".repeat(filled as usize),
        " ".repeat((width - filled.min(width)) as usize)
    );
    let _ = err.flush();
}

pub fn model(s: &mut Session, a: &SimulateArgs) -> Option<Model> {
    let mut m = Model::default();
    if let Some(path) = &a.model {
        let id = s.read(path, FileKind::Other)?;
        let text = s
            .sources()
            .get(id)
            .map(|f| f.text.clone())
            .unwrap_or_default();
        let file: ModelFile = match serde_saphyr::from_str(&text) {
            Ok(f) => f,
            Err(e) => {
                s.diagnostics.push(
                    Diagnostic::error(codes::BAD_VALUE, format!("cannot read the model: {e}"))
                        .in_file(path.display().to_string()),
                );
                return None;
            }
        };
        set(&mut m, &file);
    }
    set(
        &mut m,
        &ModelFile {
            pain_chance: a.pain_chance,
            cross_pain_chance: a.cross_pain_chance,
            pain_min: a.pain_min,
            pain_max: a.pain_max,
            next_day_chance: a.next_day_chance,
            skip_chance: a.skip_chance,
            pass_chance: a.pass_chance,
        },
    );
    Some(m)
}

fn set(m: &mut Model, f: &ModelFile) {
    if let Some(v) = f.pain_chance {
        m.pain_chance = v;
    }
    if let Some(v) = f.cross_pain_chance {
        m.cross_pain_chance = v;
    }
    if let Some(v) = f.pain_min {
        m.pain_min = v;
    }
    if let Some(v) = f.pain_max {
        m.pain_max = v;
    }
    if let Some(v) = f.next_day_chance {
        m.next_day_chance = v;
    }
    if let Some(v) = f.skip_chance {
        m.skip_chance = v;
    }
    if let Some(v) = f.pass_chance {
        m.pass_chance = v;
    }
}

/// The inputs every simulated patient shares, from `--patient` or the example patient,
/// with the journal left out.
fn base_patient(
    s: &mut Session,
    a: &SimulateArgs,
    (protocol, protocol_file): (&Protocol, FileId),
    example: Option<PatientDoc>,
) -> Option<Patient> {
    let (doc, file) = s.patient_or_example(
        a.patient.as_deref(),
        (protocol, &a.protocol, protocol_file),
        example,
        "give the simulated patients' inputs with --patient FILE",
    )?;
    let patient = s.patient(protocol, &doc, file)?;
    Some(patient.without_journal())
}

fn percent(n: u64, of: u64) -> f64 {
    if of == 0 {
        0.0
    } else {
        (n as f64 * 1000.0 / of as f64).round() / 10.0
    }
}

fn model_words(m: &Model) -> String {
    format!(
        "pain after a running session {}% of the time, after cross-training {}% (scores {}-{}, still there the next day in {}% of those); sessions skipped {}%; assessments passed {}%",
        m.pain_chance * 100.0,
        m.cross_pain_chance * 100.0,
        m.pain_min,
        m.pain_max,
        m.next_day_chance * 100.0,
        m.skip_chance * 100.0,
        m.pass_chance * 100.0
    )
}

fn text(
    protocol: &rehab_engine::model::Protocol,
    s: &Summary,
    m: &Model,
    a: &SimulateArgs,
    base: &Patient,
) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Simulation of {} ({} v{}): {} patients, seed {}",
        visible(protocol.title()),
        visible(protocol.id()),
        visible(protocol.version()),
        s.patients,
        a.seed
    );
    let inputs: Vec<String> = base
        .inputs()
        .iter()
        .map(|(k, v)| format!("{} {}", visible(k), visible(&v.to_string())))
        .collect();
    let _ = writeln!(out, "Inputs: {}", inputs.join(", "));
    let _ = writeln!(out, "Model: {}.", model_words(m));
    let _ = writeln!(
        out,
        "  Every day that prescribes a session or cross-training gets a check-in; a gate's\n  assessment or event is reported the day the gate asks for it."
    );
    let _ = writeln!(out, "\nDisclaimer: {}", visible(protocol.disclaimer()));
    let _ = writeln!(
        out,
        "\nOutcomes: completed {}% ({}), referred {}% ({}), in progress {}% ({}){}",
        percent(s.completed, s.patients),
        s.completed,
        percent(s.referred, s.patients),
        s.referred,
        percent(s.in_progress, s.patients),
        s.in_progress,
        if s.failed > 0 {
            format!(
                ", stopped with an error {} (first: {})",
                s.failed,
                s.first_error.as_ref().map_or(String::new(), |d| format!(
                    "{}: {}",
                    d.code,
                    visible(&d.message)
                ))
            )
        } else {
            String::new()
        }
    );
    if let (Some(p10), Some(p50), Some(p90)) =
        (s.percentile(10), s.percentile(50), s.percentile(90))
    {
        let mean = s.completion_days.iter().map(|d| f64::from(*d)).sum::<f64>()
            / s.completion_days.len() as f64;
        let _ = writeln!(
            out,
            "Days to completion: p10 {p10}, p50 {p50}, p90 {p90} (fewest {}, most {}, mean {:.1})",
            s.completion_days.first().copied().unwrap_or(0),
            s.completion_days.last().copied().unwrap_or(0),
            mean
        );
        let bins = s.histogram(12);
        let most = bins.iter().map(|b| b.2).max().unwrap_or(1).max(1);
        for (from, to, n) in bins {
            let bar = "#".repeat(((n * 50).div_ceil(most)) as usize);
            let _ = writeln!(out, "  {from:>4}-{to:<4} days | {bar:<50} {n}");
        }
    }
    let _ = writeln!(out, "\nRules fired (times, over all patients):");
    for (rule, n) in &s.rules {
        let _ = writeln!(out, "  {rule:<32} {n}");
    }
    let _ = writeln!(out, "\nSimulated {} patient-days.", s.patient_days);
    out
}

fn json(
    protocol: &rehab_engine::model::Protocol,
    s: &Summary,
    m: &Model,
    a: &SimulateArgs,
) -> String {
    let value = simulate::report(protocol, s, m, a.seed);
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    text
}
