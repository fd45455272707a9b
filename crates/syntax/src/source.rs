//! Source files and byte spans: the one notion of "a place" every diagnostic uses.

use serde_saphyr::Location;

/// Identifies a file registered in [`Sources`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(u32);

/// A byte range inside one registered file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Span {
    pub file: FileId,
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(file: FileId, start: usize, end: usize) -> Self {
        Span {
            file,
            start,
            end: end.max(start),
        }
    }

    /// The span of a node the YAML parser reported, in `file`.
    /// The span of `place` in `file`.
    pub fn from_place(file: FileId, place: &Place) -> Self {
        Span::new(file, place.start, place.end)
    }

    /// The span of a place the YAML reader reported.
    pub(crate) fn from_location(file: FileId, location: &Location) -> Self {
        Span::from_place(file, &Place::from(location))
    }
}

/// Where a value sits in its file, as byte offsets: a span whose file is named later.
///
/// The YAML reader's own location type stays inside this crate; the rest of the engine
/// sees only this.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Place {
    pub start: usize,
    pub end: usize,
}

impl From<&Location> for Place {
    fn from(location: &Location) -> Place {
        let span = location.span();
        let start = span.byte_offset().unwrap_or(0) as usize;
        let len = span.byte_len().unwrap_or(0) as usize;
        Place {
            start,
            end: start + len,
        }
    }
}

/// A file the engine read, kept so diagnostics can show the offending text.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: String,
    pub text: String,
    line_starts: Vec<usize>,
}

/// A 1-based line and column (columns count characters, not bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: usize,
    pub column: usize,
}

impl SourceFile {
    pub fn new(path: impl Into<String>, text: impl Into<String>) -> Self {
        let text = text.into();
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        SourceFile {
            path: path.into(),
            text,
            line_starts,
        }
    }

    /// The 0-based index of the line holding byte `offset`.
    fn line_index(&self, offset: usize) -> usize {
        match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        }
    }

    pub fn line_col(&self, offset: usize) -> LineCol {
        let offset = self.clamp(offset);
        let line = self.line_index(offset);
        let start = self.line_starts.get(line).copied().unwrap_or(0);
        let column = self
            .text
            .get(start..offset)
            .map_or(0, |s| s.chars().count())
            + 1;
        LineCol {
            line: line + 1,
            column,
        }
    }

    /// The byte offset of 1-based `line` and `column` (in characters), clamped to the text.
    pub fn offset_of(&self, line: u64, column: u64) -> usize {
        let index = usize::try_from(line.saturating_sub(1)).unwrap_or(usize::MAX);
        let Some(&start) = self.line_starts.get(index) else {
            return self.text.len();
        };
        let skip = usize::try_from(column.saturating_sub(1)).unwrap_or(usize::MAX);
        let within = self.line_text(index + 1);
        start
            + within
                .char_indices()
                .nth(skip)
                .map_or(within.len(), |(i, _)| i)
    }

    /// The text of 1-based line `line`, without its line break.
    pub fn line_text(&self, line: usize) -> &str {
        let Some(&start) = self.line_starts.get(line.saturating_sub(1)) else {
            return "";
        };
        let end = self
            .line_starts
            .get(line)
            .copied()
            .unwrap_or(self.text.len());
        self.text
            .get(start..end)
            .unwrap_or("")
            .trim_end_matches(['\n', '\r'])
    }

    /// Clamps `offset` into the text and onto a character boundary.
    fn clamp(&self, offset: usize) -> usize {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        offset
    }

    /// Maps a byte range inside the value of the scalar at `node` (as the program sees
    /// the string) to a span in the file.
    ///
    /// Plain and single-line quoted scalars map exactly: the opening quote is skipped.
    /// Escapes in double-quoted scalars and folded block scalars cannot be mapped
    /// character for character; there the whole scalar is the span, which still
    /// points at the right line.
    pub fn span_in_scalar(&self, file: FileId, node: &Place, start: usize, end: usize) -> Span {
        let whole = Span::from_place(file, node);
        let raw = self.text.get(whole.start..whole.end).unwrap_or("");
        let (body, offset) = match raw.as_bytes().first() {
            Some(b'"') if raw.contains('\\') => return whole,
            Some(b'"' | b'\'') => (&raw[1..], 1),
            Some(b'|' | b'>') => return whole,
            _ => (raw, 0),
        };
        if body.contains('\n') || body.contains("''") {
            return whole;
        }
        let s = (whole.start + offset + start).min(whole.end);
        let e = (whole.start + offset + end).min(whole.end);
        Span::new(file, s, e)
    }
}

/// Every file read during one command, so that any diagnostic can be rendered.
#[derive(Debug, Default, Clone)]
pub struct Sources {
    files: Vec<SourceFile>,
}

impl Sources {
    pub fn new() -> Self {
        Sources::default()
    }

    pub fn add(&mut self, file: SourceFile) -> FileId {
        self.files.push(file);
        FileId(u32::try_from(self.files.len() - 1).unwrap_or(u32::MAX))
    }

    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize)
    }

    /// The file last read from `path`, if any.
    pub fn find(&self, path: &str) -> Option<FileId> {
        let index = self.files.iter().rposition(|f| f.path == path)?;
        u32::try_from(index).ok().map(FileId)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_characters() {
        let f = SourceFile::new("x.yaml", "a: 1\nbé: walk\n");
        assert_eq!(f.line_col(0), LineCol { line: 1, column: 1 });
        // "w" of walk: after "bé: " which is 5 bytes but 4 characters.
        assert_eq!(f.line_col(10), LineCol { line: 2, column: 5 });
        assert_eq!(f.line_text(2), "bé: walk");
        assert_eq!(f.line_text(9), "");
    }
}
