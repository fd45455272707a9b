//! One pipeline from paths to checked values: read a protocol, parse it, read its plugin
//! modules, check it; read and parse patient and scenario files.
//!
//! The reading itself is injected ([`Loader::new`] takes a function), so the command
//! line, the engine's tests, the fuzz targets and the benchmarks share this pipeline: the
//! command line reads the file system with its limits, tests read fixtures, and fuzz
//! targets read memory. The engine itself never touches a file.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rehab_syntax::patient::PatientDoc;
use rehab_syntax::scenario::ScenarioDoc;
use rehab_syntax::{Diagnostic, FileId, SourceFile, Sources, Span, codes};

use crate::check_protocol;
use crate::model::Protocol;
use crate::scripts::ModuleFile;

/// Which kind of file the loader asks for, so that a reader can apply its rules to it
/// (a plugin module, for one, must stay inside its protocol's folder).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Protocol,
    /// A `.rhai` plugin module, in the folder of the protocol that lists it.
    Module,
    Patient,
    Scenario,
    /// Any other file a command reads, such as a simulation's model.
    Other,
}

/// Why a reader gave no text.
#[derive(Debug, Clone)]
pub enum Unread {
    /// There is no such file. A listed module that is missing is reported by the check.
    Missing,
    /// A module that is a link to a file outside its protocol's folder: not read.
    OutsideFolder,
    /// The bytes are not UTF-8: the text with each bad sequence replaced, and the byte
    /// offset of the first, so the error can be placed at a line and column.
    NotUtf8 { lossy: String, at: usize },
    /// Anything else (cannot be opened, not a regular file, too large), in words with a
    /// code; the loader names the file.
    Failed(Diagnostic),
}

/// A protocol that loaded: the checked protocol, its file, and its embedded example
/// patient, if it has one.
#[derive(Debug)]
pub struct LoadedProtocol {
    pub protocol: Protocol,
    pub file: FileId,
    pub example: Option<PatientDoc>,
}

/// A loaded protocol is used as its checked protocol.
impl std::ops::Deref for LoadedProtocol {
    type Target = Protocol;

    fn deref(&self) -> &Protocol {
        &self.protocol
    }
}

/// Reads, parses and checks files through an injected reader, keeping every text it
/// read in its [`Sources`] (for code frames) and every protocol it loaded, so that a
/// protocol named by many scenarios or by both sides of a comparison is read and
/// compiled once.
pub struct Loader<R> {
    read: R,
    sources: Sources,
    /// Each protocol path asked for, with what loading it gave and its diagnostics.
    protocols: HashMap<PathBuf, (Option<Arc<LoadedProtocol>>, Vec<Diagnostic>)>,
}

impl<R> fmt::Debug for Loader<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Loader")
            .field("sources", &self.sources)
            .field("protocols", &self.protocols.len())
            .finish_non_exhaustive()
    }
}

impl<R: FnMut(&Path, FileKind) -> Result<String, Unread>> Loader<R> {
    /// A loader that reads files with `read`.
    pub fn new(read: R) -> Self {
        Loader {
            read,
            sources: Sources::default(),
            protocols: HashMap::new(),
        }
    }

    /// A loader that adds what it reads to `sources`, for callers that have read other
    /// files already; [`Loader::into_sources`] gives them back.
    pub fn with_sources(sources: Sources, read: R) -> Self {
        Loader {
            read,
            sources,
            protocols: HashMap::new(),
        }
    }

    /// Every text read, to keep after the loader is done.
    pub fn into_sources(self) -> Sources {
        self.sources
    }

    /// Every text read so far, for rendering diagnostics.
    pub fn sources(&self) -> &Sources {
        &self.sources
    }

    /// Adds a text that was not read from a file (such as a value given on the command
    /// line) to the sources, so that diagnostics can point into it.
    pub fn add(&mut self, file: SourceFile) -> FileId {
        self.sources.add(file)
    }

    /// Reads a file into the sources; why it could not be read is a diagnostic.
    pub fn read(&mut self, path: &Path, kind: FileKind) -> Result<FileId, Diagnostic> {
        match (self.read)(path, kind) {
            Ok(text) => Ok(self
                .sources
                .add(SourceFile::new(path.display().to_string(), text))),
            Err(unread) => Err(self.unread(path, unread)),
        }
    }

    /// Why `path` was not read, as a diagnostic naming the file.
    fn unread(&mut self, path: &Path, unread: Unread) -> Diagnostic {
        let shown = path.display().to_string();
        match unread {
            Unread::NotUtf8 { lossy, at } => {
                // Shown with the bad bytes replaced, so the place reads as line and
                // column like every other diagnostic.
                let file = self.sources.add(SourceFile::new(shown, lossy));
                Diagnostic::error(codes::YAML, "file is not valid UTF-8").at(Span::new(
                    file,
                    at,
                    at + 1,
                ))
            }
            Unread::Missing => {
                Diagnostic::error(codes::IO, "cannot read the file: there is no such file")
                    .in_file(&shown)
            }
            Unread::OutsideFolder => Diagnostic::error(
                codes::SCRIPT_IMPORT,
                "the file is a link to a file outside the protocol's folder; it was not read",
            )
            .in_file(&shown),
            Unread::Failed(d) => d.in_file(&shown),
        }
    }

    /// Reads, parses and checks the protocol at `path` with its modules, once: asked
    /// again, it gives the same result and the same diagnostics without reading again.
    pub fn protocol(&mut self, path: &Path) -> (Option<Arc<LoadedProtocol>>, Vec<Diagnostic>) {
        if let Some((loaded, diagnostics)) = self.protocols.get(path) {
            return (loaded.clone(), diagnostics.clone());
        }
        let (loaded, diagnostics) = self.load_protocol(path);
        let loaded = loaded.map(Arc::new);
        self.protocols
            .insert(path.to_path_buf(), (loaded.clone(), diagnostics.clone()));
        (loaded, diagnostics)
    }

    fn load_protocol(&mut self, path: &Path) -> (Option<LoadedProtocol>, Vec<Diagnostic>) {
        let file = match self.read(path, FileKind::Protocol) {
            Ok(file) => file,
            Err(d) => return (None, vec![d]),
        };
        let doc = match rehab_syntax::parse_protocol(&self.sources, file) {
            Ok(doc) => doc,
            Err(found) => return (None, found),
        };
        let (modules, mut diagnostics) = self.modules(path, file, &doc.modules);
        let (protocol, found) = check_protocol(&self.sources, file, &doc, &modules);
        diagnostics.extend(found);
        // A module that could not be read is an error of this protocol, though the
        // check, which never saw the module, found none.
        let protocol = protocol.filter(|_| !diagnostics.iter().any(Diagnostic::is_error));
        let loaded = protocol.map(|protocol| LoadedProtocol {
            protocol,
            file,
            example: doc.example_patient,
        });
        (loaded, diagnostics)
    }

    /// Reads the plugin modules a protocol lists, from the protocol's own folder only. A
    /// name that is not a plain identifier is never turned into a path (the check
    /// reports it), and a missing file is left for the check to report.
    fn modules(
        &mut self,
        protocol: &Path,
        protocol_file: FileId,
        listed: &[rehab_syntax::S<String>],
    ) -> (Vec<ModuleFile>, Vec<Diagnostic>) {
        let folder = protocol.parent().unwrap_or(Path::new(""));
        let mut files = Vec::new();
        let mut diagnostics = Vec::new();
        for name in listed {
            if !rehab_rules::is_module_name(&name.value) {
                continue;
            }
            let path = folder.join(format!("{}.rhai", name.value));
            let file = match (self.read)(&path, FileKind::Module) {
                Err(Unread::Missing) => continue,
                Err(Unread::OutsideFolder) => {
                    diagnostics.push(
                        Diagnostic::error(
                            codes::SCRIPT_IMPORT,
                            format!(
                                "module `{}` is a link to a file outside the protocol's folder; it was not read",
                                name.value
                            ),
                        )
                        .at(Span::from_place(protocol_file, &name.referenced))
                        .with_help(
                            "copy the module into the protocol's own folder instead of linking to it",
                        ),
                    );
                    None
                }
                Ok(text) => Some(
                    self.sources
                        .add(SourceFile::new(path.display().to_string(), text)),
                ),
                Err(other) => {
                    diagnostics.push(self.unread(&path, other));
                    None
                }
            };
            files.push(ModuleFile {
                name: name.value.clone(),
                file,
            });
        }
        (files, diagnostics)
    }

    /// Reads and parses a patient file.
    pub fn patient(&mut self, path: &Path) -> Result<(PatientDoc, FileId), Vec<Diagnostic>> {
        let file = self.read(path, FileKind::Patient).map_err(|d| vec![d])?;
        rehab_syntax::parse_patient(&self.sources, file).map(|doc| (doc, file))
    }

    /// Reads and parses a scenario file.
    pub fn scenario(&mut self, path: &Path) -> Result<(ScenarioDoc, FileId), Vec<Diagnostic>> {
        let file = self.read(path, FileKind::Scenario).map_err(|d| vec![d])?;
        rehab_syntax::parse_scenario(&self.sources, file).map(|doc| (doc, file))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROTOCOL: &str = "id: p\ntitle: P\nversion: \"1\"\nauthors: [{ name: A }]\nsources: [{ id: s, citation: C }]\ndisclaimer: D\ninputs: [{ id: start, label: Start, type: date }]\nstarts_on: start\nmodules: [helper]\nphases:\n  - { id: only, title: Only, source: s, duration: { period: 1wk }, pattern: [{ days: [off, off, off, off, off, off, off], source: s }] }\n";

    /// A reader over two files in memory that counts what it is asked for.
    fn reader<'a>(
        module: Result<&'static str, fn() -> Unread>,
        asked: &'a std::cell::RefCell<Vec<String>>,
    ) -> impl FnMut(&Path, FileKind) -> Result<String, Unread> + 'a {
        move |path, _| {
            asked.borrow_mut().push(path.display().to_string());
            match path.to_str() {
                Some("p/p.yaml") => Ok(PROTOCOL.to_string()),
                Some("p/helper.rhai") => module.map(str::to_string).map_err(|f| f()),
                _ => Err(Unread::Missing),
            }
        }
    }

    #[test]
    fn a_protocol_is_read_and_checked_once_however_often_it_is_asked_for() {
        let asked = std::cell::RefCell::new(Vec::new());
        let mut loader = Loader::new(reader(Ok("fn f() { 1 }"), &asked));
        let (first, d1) = loader.protocol(Path::new("p/p.yaml"));
        let (second, d2) = loader.protocol(Path::new("p/p.yaml"));
        assert!(d1.is_empty(), "{d1:?}");
        assert_eq!(d1.len(), d2.len());
        let (Some(first), Some(second)) = (first, second) else {
            panic!("the protocol loads");
        };
        assert!(Arc::ptr_eq(&first, &second));
        assert_eq!(*asked.borrow(), ["p/p.yaml", "p/helper.rhai"]);
    }

    /// Regression: a module too large to read was reported twice, as too large and as
    /// not found.
    #[test]
    fn a_module_that_cannot_be_read_is_reported_once() {
        let asked = std::cell::RefCell::new(Vec::new());
        let too_large = || {
            Unread::Failed(Diagnostic::error(
                codes::YAML,
                "file is more than the limit",
            ))
        };
        let mut loader = Loader::new(reader(Err(too_large), &asked));
        let (loaded, diagnostics) = loader.protocol(Path::new("p/p.yaml"));
        assert!(loaded.is_none());
        let codes: Vec<&str> = diagnostics.iter().map(|d| d.code).collect();
        assert_eq!(codes, [codes::YAML], "{diagnostics:?}");

        // A link out of the folder is one E063 at the `modules:` entry, not two.
        let outside = || Unread::OutsideFolder;
        let mut loader = Loader::new(reader(Err(outside), &asked));
        let (_, diagnostics) = loader.protocol(Path::new("p/p.yaml"));
        let codes: Vec<&str> = diagnostics.iter().map(|d| d.code).collect();
        assert_eq!(codes, [codes::SCRIPT_IMPORT], "{diagnostics:?}");
        assert!(
            diagnostics[0].message.contains("outside"),
            "{diagnostics:?}"
        );

        // A missing module is the check's to report.
        let missing = || Unread::Missing;
        let mut loader = Loader::new(reader(Err(missing), &asked));
        let (_, diagnostics) = loader.protocol(Path::new("p/p.yaml"));
        assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
        assert!(
            diagnostics[0].message.contains("not found"),
            "{diagnostics:?}"
        );
    }
}
