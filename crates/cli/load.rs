//! Reading protocol and patient files, and checking them, collecting diagnostics.

use std::path::Path;

use rehab_engine::ModuleFile;
use rehab_engine::model::{Patient, Protocol};
use rehab_syntax::patient::PatientDoc;
use rehab_syntax::protocol::ProtocolDoc;
use rehab_syntax::{Diagnostic, FileId, SourceFile, Sources, codes};

/// Everything one command read, and every diagnostic found so far.
#[derive(Debug, Default)]
pub struct Session {
    pub sources: Sources,
    pub diagnostics: Vec<Diagnostic>,
    /// Set when the output already carries the diagnostics (`check --format json`), so
    /// they are not printed again on standard error.
    pub diagnostics_on_stdout: bool,
}

impl Session {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// Reads a file into the sources; an unreadable file is a diagnostic.
    pub fn read(&mut self, path: &Path) -> Option<FileId> {
        let shown = path.display().to_string();
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) => {
                self.diagnostics.push(
                    Diagnostic::error(codes::IO, format!("cannot read the file: {e}"))
                        .in_file(&shown),
                );
                return None;
            }
        };
        if bytes.len() > rehab_syntax::MAX_FILE_BYTES {
            self.diagnostics.push(
                Diagnostic::error(
                    codes::YAML,
                    format!(
                        "file is {} bytes, more than the limit of {}",
                        bytes.len(),
                        rehab_syntax::MAX_FILE_BYTES
                    ),
                )
                .in_file(&shown),
            );
            return None;
        }
        let text = match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => {
                self.diagnostics.push(
                    Diagnostic::error(
                        codes::YAML,
                        format!(
                            "file is not valid UTF-8 (byte {})",
                            e.utf8_error().valid_up_to()
                        ),
                    )
                    .in_file(&shown),
                );
                return None;
            }
        };
        // A byte-order mark is harmless; drop it so columns stay right.
        let text = text
            .strip_prefix('\u{feff}')
            .map(str::to_string)
            .unwrap_or(text);
        Some(self.sources.add(SourceFile::new(shown, text)))
    }

    /// Reads, parses and checks a protocol. Also returns its embedded example patient.
    pub fn protocol(&mut self, path: &Path) -> Option<(Protocol, FileId, Option<PatientDoc>)> {
        let file = self.read(path)?;
        let doc = match rehab_syntax::parse_protocol(&self.sources, file) {
            Ok(d) => d,
            Err(found) => {
                self.diagnostics.extend(found);
                return None;
            }
        };
        let modules = self.modules(path, &doc);
        let (protocol, diagnostics) =
            rehab_engine::check_protocol(&self.sources, file, &doc, &modules);
        self.diagnostics.extend(diagnostics);
        let protocol = protocol?;
        Some((protocol, file, doc.example_patient))
    }

    /// Reads the plugin modules a protocol lists, from the protocol's own folder only.
    /// A name that is not a plain identifier is never turned into a path; the engine
    /// reports it.
    fn modules(&mut self, protocol: &Path, doc: &ProtocolDoc) -> Vec<ModuleFile> {
        let folder = protocol.parent().unwrap_or(Path::new(""));
        let mut files = Vec::new();
        for name in &doc.modules {
            if !rehab_engine::is_module_name(&name.value) {
                continue;
            }
            let path = folder.join(format!("{}.rhai", name.value));
            if !path.is_file() {
                continue;
            }
            if let Some(file) = self.read(&path) {
                files.push(ModuleFile {
                    name: name.value.clone(),
                    file,
                });
            }
        }
        files
    }

    /// Reads and parses a patient file.
    pub fn patient_doc(&mut self, path: &Path) -> Option<(PatientDoc, FileId)> {
        let file = self.read(path)?;
        match rehab_syntax::parse_patient(&self.sources, file) {
            Ok(d) => Some((d, file)),
            Err(found) => {
                self.diagnostics.extend(found);
                None
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
            (Some(path), _) => self.patient_doc(path),
            (None, Some(doc)) => Some((doc, protocol_file)),
            (None, None) => {
                self.diagnostics.push(
                    Diagnostic::error(
                        codes::NO_PATIENT,
                        format!("protocol `{}` embeds no example patient", protocol.id),
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
        let (patient, diagnostics) =
            rehab_engine::check_patient(&self.sources, file, protocol, doc);
        self.diagnostics.extend(diagnostics);
        patient
    }

    /// Renders every diagnostic, errors and warnings alike, in the order found.
    pub fn render_diagnostics(&self) -> String {
        self.diagnostics
            .iter()
            .map(|d| d.render(&self.sources))
            .collect::<Vec<_>>()
            .join("\n")
    }
}
