//! The command line's side of loading: reading files from the file system under its
//! rules (the engine's [`Loader`] does the rest), and collecting diagnostics.

use std::path::Path;
use std::sync::Arc;

use jiff::civil::Date;
use rehab_engine::load::{FileKind, LoadedProtocol, Loader, Unread};
use rehab_engine::model::{Patient, Protocol};
use rehab_engine::plan::Plan;
use rehab_syntax::patient::PatientDoc;
use rehab_syntax::{Diagnostic, FileId, Sources, Span, codes};

/// How the command line reads a file: from the file system, under its rules.
pub type ReadFile = fn(&Path, FileKind) -> Result<String, Unread>;

/// Everything one command read, and every diagnostic found so far.
#[derive(Debug)]
pub struct Session {
    pub loader: Loader<ReadFile>,
    pub diagnostics: Vec<Diagnostic>,
    /// Set when the output already carries the diagnostics (`check --format json`), so
    /// they are not printed again on standard error.
    pub diagnostics_on_stdout: bool,
}

impl Default for Session {
    fn default() -> Self {
        Session {
            loader: Loader::new(rehab_files::read_file as ReadFile),
            diagnostics: Vec::new(),
            diagnostics_on_stdout: false,
        }
    }
}

impl Session {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// Every text read so far.
    pub fn sources(&self) -> &Sources {
        self.loader.sources()
    }

    /// Reads a file into the sources; an unreadable file is a diagnostic.
    pub fn read(&mut self, path: &Path, kind: FileKind) -> Option<FileId> {
        self.loader
            .read(path, kind)
            .map_err(|d| self.diagnostics.push(d))
            .ok()
    }

    /// Reads, parses and checks a protocol with its modules (once per path, however
    /// often it is asked for). Also holds its embedded example patient.
    pub fn protocol(
        &mut self,
        path: &Path,
    ) -> Option<(Arc<LoadedProtocol>, FileId, Option<PatientDoc>)> {
        let (loaded, diagnostics) = self.loader.protocol(path);
        self.diagnostics.extend(diagnostics);
        let loaded = loaded?;
        let (file, example) = (loaded.file, loaded.example.clone());
        Some((loaded, file, example))
    }

    /// Reads and parses a patient file.
    pub fn patient_doc(&mut self, path: &Path) -> Option<(PatientDoc, FileId)> {
        self.loader
            .patient(path)
            .map_err(|found| self.diagnostics.extend(found))
            .ok()
    }

    /// Reads and parses a patient file to check against `protocol`. When its structure
    /// has mistakes, the journal fields it reports that the protocol does not declare
    /// are reported with them (each place once), not only after they are fixed.
    pub fn patient_doc_for(
        &mut self,
        path: &Path,
        protocol: &Protocol,
    ) -> Option<(PatientDoc, FileId)> {
        let found = self.patient_doc(path);
        if found.is_none() {
            self.undeclared_fields(path, protocol);
        }
        found
    }

    /// The journal fields of the patient file read from `path` that `protocol` does not
    /// declare, for a file that did not parse; skipped where a diagnostic already
    /// points.
    pub fn undeclared_fields(&mut self, path: &Path, protocol: &Protocol) {
        let Some(file) = self.sources().find(&path.display().to_string()) else {
            return;
        };
        let found = rehab_engine::undeclared_journal_fields(self.sources(), file, protocol);
        for d in found {
            if !self.diagnostics.iter().any(|seen| seen.span == d.span) {
                self.diagnostics.push(d);
            }
        }
    }

    /// The patient document a command runs: the file given with `--patient`, else the
    /// protocol's example patient (read from the protocol's own file); without either,
    /// an E044 diagnostic with `help` saying how to give one.
    pub fn patient_or_example(
        &mut self,
        path: Option<&Path>,
        (protocol, protocol_path, protocol_file): (&Protocol, &Path, FileId),
        example: Option<PatientDoc>,
        help: &str,
    ) -> Option<(PatientDoc, FileId)> {
        match (path, example) {
            (Some(path), _) => self.patient_doc_for(path, protocol),
            (None, Some(doc)) => Some((doc, protocol_file)),
            (None, None) => {
                self.diagnostics.push(
                    Diagnostic::error(
                        codes::NO_PATIENT,
                        format!("protocol `{}` embeds no example patient", protocol.id()),
                    )
                    .in_file(protocol_path.display().to_string())
                    .with_help(help),
                );
                None
            }
        }
    }

    /// Checks a patient document (read from `file`) against a protocol.
    pub fn patient(
        &mut self,
        protocol: &Protocol,
        doc: &PatientDoc,
        file: FileId,
    ) -> Option<Patient> {
        let (patient, diagnostics) = self.check_patient(protocol, doc, file);
        self.diagnostics.extend(diagnostics);
        patient
    }

    /// Checks a patient document against a protocol, giving its diagnostics to the
    /// caller to choose from.
    pub fn check_patient(
        &self,
        protocol: &Protocol,
        doc: &PatientDoc,
        file: FileId,
    ) -> (Option<Patient>, Vec<Diagnostic>) {
        rehab_engine::check_patient(self.loader.sources(), file, protocol, doc)
    }

    /// Warnings about a patient's journal beside the plan it gave: entries outside the
    /// plan (W049), and where the journal and the plan disagree (W051 to W053), each at
    /// its entry in the patient document read from `file` (shown as `shown`).
    pub fn journal_warnings(
        &mut self,
        plan: &Plan,
        (doc, file, shown): (&PatientDoc, FileId, &str),
    ) {
        let date_of = |e: &rehab_syntax::S<rehab_syntax::patient::JournalEntry>| {
            e.value.date.value.trim().parse::<Date>().ok()
        };
        // The entry a warning is about: the first dated `date` that `fits`.
        let place = |date: Date, fits: &dyn Fn(&rehab_syntax::patient::JournalEntry) -> bool| {
            doc.journal
                .iter()
                .find(|e| date_of(e) == Some(date) && fits(&e.value))
                .map(|e| Span::from_place(file, &e.value.date.referenced))
        };
        let journal = &plan.journal;
        if journal.applied < journal.entries {
            let mut warning = Diagnostic::warning(
                codes::JOURNAL_OUTSIDE,
                format!(
                    "{} of {} journal entries fall outside the plan ({} to {}) and were not applied",
                    journal.entries - journal.applied,
                    journal.entries,
                    plan.start,
                    plan.outcome.date
                ),
            )
            .in_file(shown);
            // Point at the first entry the plan could not apply.
            let outside = doc
                .journal
                .iter()
                .filter_map(date_of)
                .find(|d| *d < plan.start || *d > plan.outcome.date);
            if let Some(at) = outside.and_then(|d| place(d, &|_| true)) {
                warning = warning.at(at);
            }
            self.diagnostics.push(warning);
        }
        for found in rehab_engine::disagree::disagreements(plan) {
            let mut warning = Diagnostic::warning(found.code, found.message).in_file(shown);
            if let Some(at) = place(found.date, &|e| e.session.is_some()) {
                warning = warning.at(at);
            }
            self.diagnostics.push(warning);
        }
    }

    /// Renders every diagnostic, errors and warnings alike, in the order found.
    pub fn render_diagnostics(&self) -> String {
        self.diagnostics
            .iter()
            .map(|d| d.render(self.loader.sources()))
            .collect::<Vec<_>>()
            .join("\n")
    }
}
