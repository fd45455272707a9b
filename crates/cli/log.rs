//! `engine log`: adds one journal entry to a patient file, checked as `run` would check
//! the whole file, and written atomically under a lock.
//!
//! The entry is checked by running the edited file, not by checks of its own: the edited
//! text goes through the same parsing, patient check and run as `engine run --patient`,
//! and what they find in the new entry is shown in the `--entry` text as typed. The file
//! is edited as text ([`rehab_syntax::edit`]), so its comments and layout stay byte for
//! byte, and it is replaced only when everything passed: a refused entry leaves it as it
//! was.
//!
//! Two writers at once: a writer holds `FILE.lock` (created only if it does not exist)
//! from before it reads the file until after it renamed the new one into place, so a
//! second `engine log` on the same file fails with E007 instead of writing over the
//! first one's entry, and the rename makes each write all or nothing.

use std::fs::OpenOptions;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use rehab_engine::RunConfig;
use rehab_engine::load::FileKind;
use rehab_engine::model::Protocol;
use rehab_engine::plan::Plan;
use rehab_syntax::edit::{Edit, EntryLine, Origin};
use rehab_syntax::patient::PatientDoc;
use rehab_syntax::{Diagnostic, FileId, SourceFile, Span, codes};

use crate::args::LogArgs;
use crate::load::Session;

/// The name the `--entry` text is shown under in diagnostics: `--> --entry:1:12`.
const ENTRY: &str = "--entry";

pub fn log(a: &LogArgs) -> (Option<String>, Session, bool) {
    let mut s = Session::default();
    let Some((protocol, _, _)) = s.protocol(&a.protocol) else {
        return (None, s, false);
    };
    let entry = s.loader.add(SourceFile::new(ENTRY, a.entry.clone()));
    let line = match rehab_syntax::read_tree(s.sources(), entry)
        .and_then(|tree| EntryLine::new(s.sources(), entry, &tree).map_err(|d| vec![d]))
    {
        Ok(line) => line,
        Err(found) => {
            s.diagnostics.extend(found);
            return (None, s, false);
        }
    };
    // Links are followed: the lock and the new file go next to the file itself.
    let Ok(target) = std::fs::canonicalize(&a.patient) else {
        if s.read(&a.patient, FileKind::Patient).is_some() {
            s.diagnostics.push(
                Diagnostic::error(codes::IO, "cannot find where the file is")
                    .in_file(a.patient.display().to_string()),
            );
        }
        return (None, s, false);
    };
    let _lock = if a.dry_run {
        None
    } else {
        match Lock::take(&target) {
            Ok(lock) => Some(lock),
            Err(d) => {
                s.diagnostics
                    .push(d.in_file(a.patient.display().to_string()));
                return (None, s, false);
            }
        }
    };
    let Some(edit) = edited(&mut s, &protocol, a, (entry, &line)) else {
        return (None, s, false);
    };
    if a.dry_run {
        return (Some(edit.text), s, true);
    }
    if let Err(e) = write_atomically(&target, &edit.text) {
        s.diagnostics.push(
            Diagnostic::error(codes::WRITE, format!("cannot write the file: {e}"))
                .in_file(a.patient.display().to_string()),
        );
        return (None, s, false);
    }
    let out = format!(
        "{}:{}: added {}\n",
        a.patient.display(),
        edit.line_number(),
        line.text
    );
    (Some(out), s, true)
}

/// Reads the patient file, which must run as it is, adds the entry to its text and runs
/// the result: the edit when the result runs too, else `None` with the diagnostics in
/// the session.
fn edited(
    s: &mut Session,
    protocol: &Protocol,
    a: &LogArgs,
    (entry, line): (FileId, &EntryLine),
) -> Option<Edit> {
    let shown = a.patient.display().to_string();
    let (doc, file) = s.patient_doc_for(&a.patient, protocol)?;
    let plan = plan_of(s, protocol, (&doc, file), &a.protocol)?;
    // The file's own warnings are not the new entry's: they are left out below.
    let before = s.diagnostics.len();
    s.journal_warnings(&plan, (&doc, file, &shown));
    let old_warnings = s.diagnostics.split_off(before);

    let old_tree = rehab_syntax::read_tree(s.sources(), file).ok()?;
    let edit = match Edit::plan(s.sources(), file, &old_tree, line) {
        Ok(edit) => edit,
        Err(d) => {
            s.diagnostics.push(d);
            return None;
        }
    };
    let combined = s.loader.add(SourceFile::new(
        format!("{shown} (with the new entry)"),
        edit.text.clone(),
    ));
    let places = Places {
        combined,
        file,
        entry,
        entry_len: s.sources().get(entry).map_or(0, |f| f.text.len()),
        shown: &shown,
        edit: &edit,
        line,
    };
    let before = s.diagnostics.len();
    let checked = check_edited(s, protocol, a, &places, &old_tree);
    let found: Vec<Diagnostic> = s
        .diagnostics
        .split_off(before)
        .into_iter()
        .map(|d| places.remap(d))
        .filter(|d| {
            d.is_error()
                || d.span.is_some_and(|sp| sp.file == entry)
                || !old_warnings
                    .iter()
                    .any(|w| w.code == d.code && w.message == d.message)
        })
        .collect();
    let failed = found.iter().any(Diagnostic::is_error);
    s.diagnostics.extend(found);
    (checked && !failed).then_some(edit)
}

/// Runs the edited text as `run` would, pushing what it finds (in the edited text) to
/// the session; false when it did not run.
fn check_edited(
    s: &mut Session,
    protocol: &Protocol,
    a: &LogArgs,
    places: &Places<'_>,
    old_tree: &rehab_syntax::structure::Node,
) -> bool {
    let new_tree = match rehab_syntax::read_tree(s.sources(), places.combined) {
        Ok(tree) => tree,
        Err(found) => {
            s.diagnostics.extend(found);
            return false;
        }
    };
    if !places.edit.verify(old_tree, &new_tree, places.line) {
        s.diagnostics.push(
            Diagnostic::error(
                codes::WRITE,
                "the entry cannot be added to this file's text without changing the rest of it",
            )
            .in_file(places.shown)
            .with_help("write the journal as a list with one entry per line, oldest first"),
        );
        return false;
    }
    let doc = match rehab_syntax::parse_patient(s.sources(), places.combined) {
        Ok(doc) => doc,
        Err(found) => {
            s.diagnostics.extend(found);
            return false;
        }
    };
    let Some(plan) = plan_of(s, protocol, (&doc, places.combined), &a.protocol) else {
        return false;
    };
    s.journal_warnings(&plan, (&doc, places.combined, places.shown));
    true
}

/// The patient's plan, as `run` makes it; `None` with the diagnostics in the session.
fn plan_of(
    s: &mut Session,
    protocol: &Protocol,
    (doc, file): (&PatientDoc, FileId),
    protocol_path: &Path,
) -> Option<Plan> {
    let patient = s.patient(protocol, doc, file)?;
    match rehab_engine::run(protocol, &patient, &RunConfig::default()) {
        Ok(plan) => Some(plan),
        Err(d) => {
            s.diagnostics
                .push(d.in_file(protocol_path.display().to_string()));
            None
        }
    }
}

/// The texts a diagnostic about the edited file may point into.
struct Places<'a> {
    combined: FileId,
    file: FileId,
    entry: FileId,
    entry_len: usize,
    shown: &'a str,
    edit: &'a Edit,
    line: &'a EntryLine,
}

impl Places<'_> {
    /// Moves a diagnostic about the edited text to where its text came from: the old
    /// file, or the entry as typed (its whole text when the place is the dash written
    /// before it, or between pieces copied from it).
    fn remap(&self, mut d: Diagnostic) -> Diagnostic {
        let Some(span) = d.span.filter(|sp| sp.file == self.combined) else {
            if d.span.is_none() {
                d.path = Some(self.shown.into());
            }
            return d;
        };
        let start = self.edit.origin(span.start, self.line);
        let end = self.edit.origin(span.end, self.line);
        let (entry, entry_len) = (self.entry, self.entry_len);
        d.span = Some(match (start, end) {
            (Some(Origin::Old(a)), Some(Origin::Old(b))) => {
                d.path = Some(self.shown.into());
                Span::new(self.file, a, b)
            }
            (Some(Origin::Entry(a)), Some(Origin::Entry(b))) => {
                d.path = Some(ENTRY.into());
                match (self.line.source_offset(a), self.line.source_offset(b)) {
                    (Some(a), Some(b)) => Span::new(entry, a, b),
                    _ => Span::new(entry, 0, entry_len),
                }
            }
            _ => {
                d.path = Some(ENTRY.into());
                Span::new(entry, 0, entry_len)
            }
        });
        d
    }
}

/// `FILE.lock`, held by one writer of `FILE` at a time: created only when it does not
/// exist, and removed when dropped.
#[derive(Debug)]
struct Lock(PathBuf);

impl Lock {
    fn take(target: &Path) -> Result<Lock, Diagnostic> {
        let mut name = target.file_name().unwrap_or_default().to_os_string();
        name.push(".lock");
        let path = target.with_file_name(name);
        match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(mut file) => {
                // Who holds it, for whoever finds a lock left behind.
                let _ = writeln!(file, "engine log, process {}", std::process::id());
                Ok(Lock(path))
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(Diagnostic::error(
                codes::WRITE,
                format!(
                    "another `engine log` is writing this file: its lock {} exists",
                    path.display()
                ),
            )
            .with_help(
                "try again when it is done; if no engine log is running, delete the lock file",
            )),
            Err(e) => Err(Diagnostic::error(
                codes::WRITE,
                format!("cannot create the lock {}: {e}", path.display()),
            )),
        }
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Replaces `target` with `text` all at once: a new file in the same folder, with the
/// old one's permissions, written, flushed and synced, then renamed over it. A failure
/// at any step leaves `target` as it was.
fn write_atomically(target: &Path, text: &str) -> std::io::Result<()> {
    let folder = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let permissions = std::fs::metadata(target)?.permissions();
    let mut name = std::ffi::OsString::from(".");
    name.push(target.file_name().unwrap_or_default());
    name.push(format!(".{}.tmp", std::process::id()));
    let temporary = folder.join(name);
    let written = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temporary)?;
        file.write_all(text.as_bytes())?;
        file.flush()?;
        file.set_permissions(permissions)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&temporary, target)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written?;
    // The rename is durable once the folder is synced; not every file system can.
    if let Ok(dir) = std::fs::File::open(folder) {
        let _ = dir.sync_all();
    }
    Ok(())
}
