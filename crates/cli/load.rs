//! Reading protocol and patient files, and checking them, collecting diagnostics.

use std::path::Path;

use rehab_engine::ModuleFile;
use rehab_engine::model::{Patient, Protocol};
use rehab_syntax::patient::PatientDoc;
use rehab_syntax::protocol::ProtocolDoc;
use rehab_syntax::{Diagnostic, FileId, SourceFile, Sources, Span, codes};

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
    ///
    /// Only a regular file is read (a FIFO would block, a device such as `/dev/zero`
    /// never end), and at most one byte past [`rehab_syntax::MAX_FILE_BYTES`], so a
    /// file of any size costs no more memory than the limit.
    pub fn read(&mut self, path: &Path) -> Option<FileId> {
        let shown = path.display().to_string();
        match read_limited(path) {
            Ok(text) => Some(self.sources.add(SourceFile::new(shown, text))),
            Err(ReadProblem::NotUtf8 { lossy, at }) => {
                // Shown with the bad bytes replaced, so the place reads as line and
                // column like every other diagnostic.
                let file = self.sources.add(SourceFile::new(shown, lossy));
                self.diagnostics.push(
                    Diagnostic::error(codes::YAML, "file is not valid UTF-8").at(Span::new(
                        file,
                        at,
                        at + 1,
                    )),
                );
                None
            }
            Err(problem) => {
                self.diagnostics.push(problem.diagnostic().in_file(&shown));
                None
            }
        }
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
        let modules = self.modules(path, file, &doc);
        let (protocol, diagnostics) =
            rehab_engine::check_protocol(&self.sources, file, &doc, &modules);
        self.diagnostics.extend(diagnostics);
        let protocol = protocol?;
        Some((protocol, file, doc.example_patient))
    }

    /// Reads the plugin modules a protocol lists, from the protocol's own folder only.
    /// A name that is not a plain identifier is never turned into a path; the engine
    /// reports it. A module file that is a link to a file outside the folder is refused
    /// without being read, whatever it points at.
    fn modules(
        &mut self,
        protocol: &Path,
        protocol_file: FileId,
        doc: &ProtocolDoc,
    ) -> Vec<ModuleFile> {
        let folder = protocol.parent().unwrap_or(Path::new(""));
        let mut files = Vec::new();
        for name in &doc.modules {
            if !rehab_engine::is_module_name(&name.value) {
                continue;
            }
            let path = folder.join(format!("{}.rhai", name.value));
            if std::fs::symlink_metadata(&path).is_err() {
                continue;
            }
            if !inside(folder, &path) {
                self.diagnostics.push(
                    Diagnostic::error(
                        codes::SCRIPT_IMPORT,
                        format!(
                            "module `{}` is a link to a file outside the protocol's folder; it was not read",
                            name.value
                        ),
                    )
                    .at(Span::from_location(protocol_file, &name.referenced))
                    .with_help("copy the module into the protocol's own folder instead of linking to it"),
                );
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

/// Why a file could not be read.
#[derive(Debug)]
enum ReadProblem {
    Io(std::io::Error),
    NotRegular(&'static str),
    TooLarge,
    /// The text with each bad sequence replaced, and the byte offset of the first.
    NotUtf8 {
        lossy: String,
        at: usize,
    },
}

impl ReadProblem {
    fn diagnostic(&self) -> Diagnostic {
        match self {
            ReadProblem::Io(e) => {
                Diagnostic::error(codes::IO, format!("cannot read the file: {e}"))
            }
            ReadProblem::NotRegular(kind) => Diagnostic::error(
                codes::IO,
                format!("cannot read the file: it is {kind}, not a regular file"),
            ),
            ReadProblem::TooLarge => Diagnostic::error(
                codes::YAML,
                format!(
                    "file is more than the limit of {} bytes",
                    rehab_syntax::MAX_FILE_BYTES
                ),
            ),
            ReadProblem::NotUtf8 { .. } => {
                Diagnostic::error(codes::YAML, "file is not valid UTF-8")
            }
        }
    }
}

/// Reads a regular file of at most [`rehab_syntax::MAX_FILE_BYTES`] as UTF-8 text,
/// without a byte-order mark.
fn read_limited(path: &Path) -> Result<String, ReadProblem> {
    use std::io::Read as _;
    // Checked before opening: opening a FIFO blocks until a writer comes.
    let kind = std::fs::metadata(path)
        .map_err(ReadProblem::Io)?
        .file_type();
    if !kind.is_file() {
        return Err(ReadProblem::NotRegular(file_kind(kind)));
    }
    let file = std::fs::File::open(path).map_err(ReadProblem::Io)?;
    // Checked again on the open file, in case the path was swapped in between.
    let kind = file.metadata().map_err(ReadProblem::Io)?.file_type();
    if !kind.is_file() {
        return Err(ReadProblem::NotRegular(file_kind(kind)));
    }
    let limit = rehab_syntax::MAX_FILE_BYTES as u64;
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadProblem::Io)?;
    if bytes.len() as u64 > limit {
        return Err(ReadProblem::TooLarge);
    }
    let text = String::from_utf8(bytes).map_err(|e| ReadProblem::NotUtf8 {
        at: e.utf8_error().valid_up_to(),
        lossy: String::from_utf8_lossy(e.as_bytes()).into_owned(),
    })?;
    // A byte-order mark is harmless; drop it so columns stay right.
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    })
}

/// The kind of a file that is not a regular file, in words.
fn file_kind(kind: std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt as _;
    if kind.is_dir() {
        "a folder"
    } else if kind.is_fifo() {
        "a pipe (FIFO)"
    } else if kind.is_char_device() || kind.is_block_device() {
        "a device"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    }
}

/// Whether `path`, links followed, is inside `folder` (also with links followed).
pub(crate) fn inside(folder: &Path, path: &Path) -> bool {
    let folder = if folder.as_os_str().is_empty() {
        Path::new(".")
    } else {
        folder
    };
    match (std::fs::canonicalize(folder), std::fs::canonicalize(path)) {
        (Ok(folder), Ok(path)) => path.starts_with(folder),
        _ => false,
    }
}
