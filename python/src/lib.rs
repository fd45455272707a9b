//! The native half of the `rehab` Python package (`rehab._rehab`). It answers in JSON
//! text, which the thin Python layer (`rehab/__init__.py`) turns into dicts and
//! exceptions: a plan is exactly the JSON `engine run --format json` prints.
//!
//! Patients go through the engine's batch path (`rehab_engine::batch`), the one
//! `engine run --batch` uses: each patient text is parsed with sources of its own,
//! checked and run; many patients run on every core, each thread with its own
//! evaluator, with the GIL released.

// Input-dependent paths return errors; a panic would abort the Python process.
#![deny(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use jiff::civil::Date;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use rehab_engine::RunConfig;
use rehab_engine::batch::{self, Failure, PatientText};
use rehab_engine::load::{LoadedProtocol, Loader};
use rehab_engine::plan::Plan;
use rehab_engine::simulate::{self, Model, Population};
use rehab_syntax::{Diagnostic, Sources, codes};
use serde_json::Value;

/// A result for Python: `(True, plan JSON)` or `(False, diagnostics JSON)`.
type Answer = (bool, String);

/// A checked protocol, read once; every run shares it.
#[pyclass(frozen, module = "rehab._rehab")]
struct NativeProtocol {
    loaded: Arc<LoadedProtocol>,
    /// The protocol's texts, for checking its embedded example patient.
    sources: Sources,
    path: String,
}

impl std::fmt::Debug for NativeProtocol {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NativeProtocol")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// Reads and checks the protocol at `path`: `(protocol or None, diagnostics JSON)`.
#[pyfunction]
fn load(py: Python<'_>, path: PathBuf) -> (Option<NativeProtocol>, String) {
    py.detach(|| {
        let mut loader = Loader::new(rehab_files::read_file);
        let (loaded, found) = loader.protocol(&path);
        let sources = loader.into_sources();
        let diagnostics = to_json(&found, &sources);
        let protocol = loaded
            .filter(|_| !found.iter().any(Diagnostic::is_error))
            .map(|loaded| NativeProtocol {
                loaded,
                sources,
                path: path.display().to_string(),
            });
        (protocol, diagnostics)
    })
}

/// Checks the protocol at `path` as `engine check` does: the protocol, then its
/// embedded example patient, checked and run. Every diagnostic, as a JSON list.
#[pyfunction]
fn check(py: Python<'_>, path: PathBuf) -> String {
    py.detach(|| {
        let mut loader = Loader::new(rehab_files::read_file);
        let (loaded, mut found) = loader.protocol(&path);
        if let Some(loaded) = loaded
            && let Some(doc) = &loaded.example
        {
            let protocol = &loaded.protocol;
            let (patient, more) =
                rehab_engine::check_patient(loader.sources(), loaded.file, protocol, doc);
            let ok = !more.iter().any(Diagnostic::is_error);
            found.extend(more);
            if let Some(patient) = patient.filter(|_| ok)
                && let Err(d) = rehab_engine::run(protocol, &patient, &RunConfig::default())
            {
                found.push(d.in_file(path.display().to_string()));
            }
        }
        to_json(&found, loader.sources())
    })
}

/// Every diagnostic of `found` (errors and warnings) as a JSON list.
fn to_json(found: &[Diagnostic], sources: &Sources) -> String {
    Value::Array(found.iter().map(|d| d.to_json(sources)).collect()).to_string()
}

/// A failure as a JSON list of diagnostics.
fn failed(failure: Failure) -> Answer {
    (false, Value::Array(failure).to_string())
}

/// One error that has no place in a file, as a failure.
fn error(code: &'static str, message: String) -> Failure {
    batch::failure(&[Diagnostic::error(code, message)], &Sources::new())
}

/// A plan as the JSON `engine run --format json` prints.
fn plan_json(plan: Result<Plan, Failure>) -> Answer {
    match plan.and_then(|p| {
        let mut line = Vec::new();
        rehab_engine::json::to_line(&p, &mut line)
            .map_err(|e| error(codes::PHASE, format!("cannot write the plan as JSON: {e}")))?;
        String::from_utf8(line)
            .map_err(|e| error(codes::PHASE, format!("cannot write the plan as JSON: {e}")))
    }) {
        Ok(text) => (true, text),
        Err(failure) => failed(failure),
    }
}

/// A date argument, `YYYY-MM-DD`.
fn date(name: &str, text: Option<String>) -> PyResult<Option<Date>> {
    text.map(|t| {
        t.trim().parse::<Date>().map_err(|e| {
            PyValueError::new_err(format!("{name} must be a date YYYY-MM-DD, not {t:?}: {e}"))
        })
    })
    .transpose()
}

fn config(start: Option<String>, as_of: Option<String>) -> PyResult<RunConfig> {
    Ok(RunConfig {
        start: date("start", start)?,
        as_of: date("as_of", as_of)?,
        quiet: false,
    })
}

#[pymethods]
impl NativeProtocol {
    #[getter]
    fn id(&self) -> &str {
        self.loaded.id()
    }

    #[getter]
    fn title(&self) -> &str {
        self.loaded.title()
    }

    #[getter]
    fn version(&self) -> &str {
        self.loaded.version()
    }

    #[getter]
    fn sha256(&self) -> &str {
        self.loaded.sha256()
    }

    #[getter]
    fn path(&self) -> &str {
        &self.path
    }

    #[getter]
    fn has_example(&self) -> bool {
        self.loaded.example.is_some()
    }

    /// Runs one patient text (YAML or JSON): `(ok, plan or diagnostics JSON)`.
    #[pyo3(signature = (text, name, start=None, as_of=None))]
    fn run(
        &self,
        py: Python<'_>,
        text: String,
        name: String,
        start: Option<String>,
        as_of: Option<String>,
    ) -> PyResult<Answer> {
        let config = config(start, as_of)?;
        let protocol = &self.loaded.protocol;
        Ok(py.detach(|| {
            let plan = match protocol.scripts().evaluator() {
                Ok(ev) => batch::run_text(protocol, &ev, &config, &name, &text),
                Err(d) => Err(batch::failure(&[d], &Sources::new())),
            };
            plan_json(plan)
        }))
    }

    /// Runs the protocol's embedded example patient.
    #[pyo3(signature = (start=None, as_of=None))]
    fn run_example(
        &self,
        py: Python<'_>,
        start: Option<String>,
        as_of: Option<String>,
    ) -> PyResult<Answer> {
        let config = config(start, as_of)?;
        Ok(py.detach(|| {
            let plan = self.example().and_then(|patient| {
                rehab_engine::run(&self.loaded.protocol, &patient, &config)
                    .map_err(|d| batch::failure(&[d], &self.sources))
            });
            plan_json(plan)
        }))
    }

    /// Runs many patient texts on `threads` threads (one per core by default), with the
    /// GIL released: one answer per text, in input order.
    #[pyo3(signature = (texts, start=None, as_of=None, threads=None))]
    fn run_many(
        &self,
        py: Python<'_>,
        texts: Vec<String>,
        start: Option<String>,
        as_of: Option<String>,
        threads: Option<usize>,
    ) -> PyResult<Vec<Answer>> {
        let config = config(start, as_of)?;
        let protocol = &self.loaded.protocol;
        Ok(py.detach(|| {
            let patients: Vec<PatientText> = texts
                .into_iter()
                .enumerate()
                .map(|(i, text)| (format!("patient {i}"), Ok(text)))
                .collect();
            let threads = threads.unwrap_or_else(batch::threads);
            batch::run_all(protocol, &config, &patients, threads, |_, plan| {
                plan_json(plan)
            })
        }))
    }

    /// Simulates `patients` patients from `seed` with the given model: `(ok, report or
    /// diagnostics JSON)`. `patient` gives the shared inputs (its journal is left out);
    /// without it, the protocol's example patient.
    #[pyo3(signature = (patients, seed, patient=None, threads=None, model=None))]
    fn simulate(
        &self,
        py: Python<'_>,
        patients: u64,
        seed: u64,
        patient: Option<String>,
        threads: Option<usize>,
        model: Option<ModelArgs>,
    ) -> PyResult<Answer> {
        let model = model.unwrap_or_default().model();
        model.validate().map_err(PyValueError::new_err)?;
        if patients == 0 || patients > simulate::MAX_PATIENTS {
            return Err(PyValueError::new_err(format!(
                "patients must be from 1 to {}, not {patients}",
                simulate::MAX_PATIENTS
            )));
        }
        let protocol = &self.loaded.protocol;
        py.detach(|| {
            let base = match patient {
                Some(text) => batch::patient_from_text(protocol, "patient", &text),
                None => self.example(),
            };
            let base = match base {
                Ok(base) => base.without_journal(),
                Err(failure) => return Ok(failed(failure)),
            };
            let run = Population {
                patients,
                seed,
                threads,
            };
            let summary = simulate::population(protocol, &base, &model, run, &AtomicU64::new(0))
                .map_err(PyValueError::new_err)?;
            let report = simulate::report(protocol, &summary, &model, seed);
            Ok((true, report.to_string()))
        })
    }
}

impl NativeProtocol {
    /// The protocol's example patient, checked; E044 when it has none.
    fn example(&self) -> Result<rehab_engine::model::Patient, Failure> {
        let protocol = &self.loaded.protocol;
        let Some(doc) = &self.loaded.example else {
            let d = Diagnostic::error(
                codes::NO_PATIENT,
                format!("protocol `{}` embeds no example patient", protocol.id()),
            )
            .in_file(&self.path)
            .with_help("give a patient");
            return Err(batch::failure(&[d], &self.sources));
        };
        let (patient, found) =
            rehab_engine::check_patient(&self.sources, self.loaded.file, protocol, doc);
        match patient {
            Some(p) if !found.iter().any(Diagnostic::is_error) => Ok(p),
            _ => Err(batch::failure(&found, &self.sources)),
        }
    }
}

/// The simulated patients' model; each number left out keeps the engine's default.
#[derive(Debug, Default, FromPyObject)]
#[pyo3(from_item_all)]
struct ModelArgs {
    pain_chance: Option<f64>,
    cross_pain_chance: Option<f64>,
    pain_min: Option<i64>,
    pain_max: Option<i64>,
    next_day_chance: Option<f64>,
    skip_chance: Option<f64>,
    pass_chance: Option<f64>,
}

impl ModelArgs {
    fn model(&self) -> Model {
        let d = Model::default();
        Model {
            pain_chance: self.pain_chance.unwrap_or(d.pain_chance),
            cross_pain_chance: self.cross_pain_chance.unwrap_or(d.cross_pain_chance),
            pain_min: self.pain_min.unwrap_or(d.pain_min),
            pain_max: self.pain_max.unwrap_or(d.pain_max),
            next_day_chance: self.next_day_chance.unwrap_or(d.next_day_chance),
            skip_chance: self.skip_chance.unwrap_or(d.skip_chance),
            pass_chance: self.pass_chance.unwrap_or(d.pass_chance),
        }
    }
}

#[pymodule]
fn _rehab(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<NativeProtocol>()?;
    m.add_function(wrap_pyfunction!(load, m)?)?;
    m.add_function(wrap_pyfunction!(check, m)?)?;
    Ok(())
}
