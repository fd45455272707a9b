//! Reading protocol, module and patient files from the file system for the engine's
//! loader, under one set of rules: regular files only (a FIFO, a folder or a device is
//! refused before it is opened), at most one byte past [`rehab_syntax::MAX_FILE_BYTES`]
//! read whatever the file's size, UTF-8 without a byte-order mark, and a plugin module
//! only from inside its protocol's folder, links followed.
//!
//! The engine itself never reads files; the command line and the Python package both
//! hand this reader to `rehab_engine::load::Loader`, so the two front ends cannot drift
//! apart on what they accept.

use std::path::Path;

use rehab_engine::load::{FileKind, Unread};
use rehab_syntax::{Diagnostic, codes};

/// Reads a file from the file system for the loader: only a regular file, at most one
/// byte past [`rehab_syntax::MAX_FILE_BYTES`] (so a file of any size costs no more
/// memory than the limit), and a module only when it lies inside its protocol's folder,
/// links followed.
pub fn read_file(path: &Path, kind: FileKind) -> Result<String, Unread> {
    if kind == FileKind::Module {
        if std::fs::symlink_metadata(path).is_err() {
            return Err(Unread::Missing);
        }
        if !inside(path.parent().unwrap_or(Path::new("")), path) {
            return Err(Unread::OutsideFolder);
        }
    }
    read_limited(path)
}

/// Reads a regular file of at most [`rehab_syntax::MAX_FILE_BYTES`] as UTF-8 text,
/// without a byte-order mark.
fn read_limited(path: &Path) -> Result<String, Unread> {
    use std::io::Read as _;
    let failed = |message: String| Unread::Failed(Diagnostic::error(codes::IO, message));
    let io = |e: std::io::Error| failed(format!("cannot read the file: {e}"));
    let not_regular = |kind: std::fs::FileType| {
        failed(format!(
            "cannot read the file: it is {}, not a regular file",
            file_kind(kind)
        ))
    };
    // Checked before opening: opening a FIFO blocks until a writer comes.
    let kind = std::fs::metadata(path).map_err(io)?.file_type();
    if !kind.is_file() {
        return Err(not_regular(kind));
    }
    let file = std::fs::File::open(path).map_err(io)?;
    // Checked again on the open file, in case the path was swapped in between.
    let kind = file.metadata().map_err(io)?.file_type();
    if !kind.is_file() {
        return Err(not_regular(kind));
    }
    let limit = rehab_syntax::MAX_FILE_BYTES as u64;
    let mut bytes = Vec::new();
    file.take(limit + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > limit {
        return Err(Unread::Failed(Diagnostic::error(
            codes::YAML,
            format!(
                "file is more than the limit of {} bytes",
                rehab_syntax::MAX_FILE_BYTES
            ),
        )));
    }
    let text = String::from_utf8(bytes).map_err(|e| Unread::NotUtf8 {
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
pub fn inside(folder: &Path, path: &Path) -> bool {
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
