//! Adding one journal entry to a patient file by editing its text, so that every
//! comment and the layout of the rest of the file stay byte for byte.
//!
//! The file is never serialised again: the entry is written on one line in the style of
//! the examples (`  - { date: 2026-11-10, session: done }`), with the journal's own
//! indentation, and spliced in after the last entry of the same or an earlier date.
//! [`Edit::verify`] then reads the edited text back and refuses an edit whose data is
//! anything but the old file's plus the one entry, so a layout this module does not
//! foresee fails safely instead of changing the file.

use serde_json::Value;

use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::source::{FileId, SourceFile, Sources, Span};
use crate::structure::{Kind, Node, to_json};

/// The new entry written on one line, with where each piece of it came from in the
/// text it was given in, so that a problem found in the edited file can be shown in
/// the entry as it was typed.
#[derive(Debug, Clone)]
pub struct EntryLine {
    /// `{ date: 2026-11-10, session: done }`
    pub text: String,
    /// The entry's `date`, when it is a calendar date; an entry without one goes last
    /// (and is refused by the check).
    pub date: Option<jiff::civil::Date>,
    /// Pieces copied from the entry's text: (offset in `text`, offset in the entry, length).
    pieces: Vec<(usize, usize, usize)>,
    /// The entry's data, to compare with what the edited file holds.
    data: Value,
}

impl EntryLine {
    /// Writes the entry read into `tree` from `file` on one line. Keys and values are
    /// copied as typed (quotes included); only the spacing between them changes. An
    /// entry that is not a mapping, or that cannot be written on one line with the
    /// same meaning (block text, tags, anchors), is refused with E050 at its place.
    pub fn new(sources: &Sources, file: FileId, tree: &Node) -> Result<EntryLine, Diagnostic> {
        let text = sources.get(file).map_or("", |f| f.text.as_str());
        let whole = Span::new(file, 0, text.len());
        let refuse = |message: &str| {
            Diagnostic::error(codes::BAD_OPTION, message)
                .at(whole)
                .with_help(
                    "give one entry as a YAML flow mapping of plain or quoted values, such as \
                     '{ date: 2026-11-10, session: done, pain: { during: 2 } }'",
                )
        };
        if !matches!(tree.value, Kind::Map(_)) {
            return Err(refuse(
                "`--entry` is not a journal entry: it must be a mapping",
            ));
        }
        let mut line = EntryLine {
            text: String::new(),
            date: None,
            pieces: Vec::new(),
            data: to_json(tree),
        };
        line.write(text, tree);
        // Read back alone, the line must hold the same data as the entry: this refuses
        // what copying pieces of text cannot carry (an alias, a tag, a block scalar).
        let mut alone = Sources::new();
        let id = alone.add(SourceFile::new("--entry", line.text.clone()));
        let same = crate::load::read_tree(&alone, id).is_ok_and(|mut t| {
            crate::structure::core_schema(&mut t, &line.text);
            to_json(&t) == line.data
        });
        if line.text.contains(['\n', '\r']) || !same {
            return Err(refuse(
                "`--entry` cannot be written on one line with the same meaning",
            ));
        }
        if let Kind::Map(entries) = &tree.value {
            line.date = entries
                .iter()
                .find(|(k, _)| k.value == "date")
                .and_then(|(_, v)| match &v.value {
                    Kind::Str(s) => s.trim().parse().ok(),
                    _ => None,
                });
        }
        Ok(line)
    }

    /// Appends `node` in flow style, recording where each copied piece came from.
    fn write(&mut self, text: &str, node: &Node) {
        let place = node.referenced;
        match &node.value {
            Kind::Map(entries) if entries.is_empty() => self.text.push_str("{}"),
            Kind::Seq(items) if items.is_empty() => self.text.push_str("[]"),
            Kind::Map(entries) => {
                self.copy(text, place.start, 1, "{ ");
                for (i, (key, value)) in entries.iter().enumerate() {
                    if i > 0 {
                        self.text.push_str(", ");
                    }
                    let k = key.referenced;
                    self.copy(text, k.start, k.end - k.start, "");
                    self.text.push_str(": ");
                    self.write(text, value);
                }
                self.text.push_str(" }");
            }
            Kind::Seq(items) => {
                self.copy(text, place.start, 1, "[");
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        self.text.push_str(", ");
                    }
                    self.write(text, item);
                }
                self.text.push(']');
            }
            _ => self.copy(text, place.start, place.end - place.start, ""),
        }
    }

    /// Writes `len` bytes of `text` from `from` (or `instead`, when given, for an
    /// opening bracket whose block-style source has no bracket) and records the piece.
    fn copy(&mut self, text: &str, from: usize, len: usize, instead: &str) {
        self.pieces.push((self.text.len(), from, len));
        if instead.is_empty() {
            self.text.push_str(text.get(from..from + len).unwrap_or(""));
        } else {
            self.text.push_str(instead);
        }
    }

    /// The offset in the entry's own text of `offset` in the line, if it falls in a
    /// piece copied from it.
    pub fn source_offset(&self, offset: usize) -> Option<usize> {
        self.pieces
            .iter()
            .rev()
            .find(|(at, _, len)| *at <= offset && offset <= at + len)
            .map(|(at, from, _)| from + (offset - at))
    }
}

/// The edit that adds an entry: `removed` bytes at `at` in the old text are replaced by
/// `inserted`, in which the entry's line starts at `entry_at`.
#[derive(Debug, Clone)]
pub struct Edit {
    pub at: usize,
    pub removed: usize,
    pub inserted: String,
    pub entry_at: usize,
    /// The entry's place among the journal's entries (0 is the first).
    pub index: usize,
    /// The edited file.
    pub text: String,
}

/// Where an offset in the edited text comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The old file, at this offset.
    Old(usize),
    /// The new entry's line, at this offset in it.
    Entry(usize),
}

impl Edit {
    /// Plans the edit that adds `line` to the patient file `file`, whose tree is `tree`:
    /// after the last entry dated on or before the new one's, in the journal's
    /// indentation; a file without a journal, or with `journal: []`, gets one. A layout
    /// the edit cannot take (a whole file or a journal written in flow style) is an E007.
    pub fn plan(
        sources: &Sources,
        file: FileId,
        tree: &Node,
        line: &EntryLine,
    ) -> Result<Edit, Diagnostic> {
        let text = sources.get(file).map_or("", |f| f.text.as_str());
        let path = sources.get(file).map_or("", |f| f.path.as_str());
        let nl = if text.contains("\r\n") { "\r\n" } else { "\n" };
        let refuse = |message: &str, at: usize| {
            Diagnostic::error(codes::WRITE, message)
                .at(Span::new(file, at, at))
                .in_file(path)
                .with_help("write the file in block style, with the journal as a list of one entry per line")
        };
        let Kind::Map(keys) = &tree.value else {
            return Err(refuse("the patient file is not a mapping of fields", 0));
        };
        if text.as_bytes().get(tree.referenced.start) == Some(&b'{') {
            return Err(refuse(
                "the patient file is written as one flow mapping `{ ... }`: engine log cannot add an entry to it",
                tree.referenced.start,
            ));
        }
        let item = |indent: &str| format!("{indent}- {}", line.text);
        let Some((key, journal)) = keys.iter().find(|(k, _)| k.value == "journal") else {
            // No journal yet: one at the end of the file.
            let before = if text.is_empty() || text.ends_with('\n') {
                ""
            } else {
                nl
            };
            let head = format!("{before}journal:{nl}  - ");
            let inserted = format!("{before}journal:{nl}{}{nl}", item("  "));
            return Ok(Edit::new(text, text.len(), 0, inserted, head.len(), 0));
        };
        let Kind::Seq(items) = &journal.value else {
            return Err(refuse(
                "the journal is not a list",
                journal.referenced.start,
            ));
        };
        let start = journal.referenced.start;
        if text.as_bytes().get(start) == Some(&b'[') {
            if !items.is_empty() {
                return Err(refuse(
                    "the journal is written as one flow list `[ ... ]`: engine log cannot add an entry to it",
                    start,
                ));
            }
            // `journal: []`: the brackets go, and the list starts on the next line,
            // after whatever followed them on theirs (a comment).
            let close = text[start..]
                .find(']')
                .map_or(text.len(), |i| start + i + 1);
            let end_of_line = text[close..].find('\n').map_or(text.len(), |i| close + i);
            let content_end = if text[..end_of_line].ends_with('\r') {
                end_of_line - 1
            } else {
                end_of_line
            };
            let rest = &text[close..content_end];
            let colon = text[key.referenced.end..].find(':').map_or(0, |i| i + 1);
            let from = key.referenced.end + colon;
            let head = format!("{rest}{nl}  - ");
            let inserted = format!("{rest}{nl}{}", item("  "));
            return Ok(Edit::new(
                text,
                from,
                content_end - from,
                inserted,
                head.len(),
                0,
            ));
        }
        // A block list: the indentation of its first dash.
        // (The list's place is its first dash, or the first key after it.)
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let spaces = text[line_start..].len() - text[line_start..].trim_start_matches(' ').len();
        let indent = &text[line_start..line_start + spaces];
        if line_start + spaces > start || text.as_bytes().get(line_start + spaces) != Some(&b'-') {
            return Err(refuse(
                "the journal's first entry does not start its line",
                start,
            ));
        }
        let index = items
            .iter()
            .take_while(|e| {
                line.date.is_none() || entry_date(e).is_some_and(|d| Some(d) <= line.date)
            })
            .count();
        let (at, before) = match index.checked_sub(1).and_then(|i| items.get(i)) {
            None => (line_start, ""),
            Some(previous) => {
                let end = item_end(text, previous);
                if end == text.len() && !text.ends_with('\n') {
                    (end, nl)
                } else {
                    (end, "")
                }
            }
        };
        let after = if before.is_empty() { nl } else { "" };
        let inserted = format!("{before}{}{after}", item(indent));
        let entry_at = before.len() + indent.len() + 2;
        Ok(Edit::new(text, at, 0, inserted, entry_at, index))
    }

    fn new(
        old: &str,
        at: usize,
        removed: usize,
        inserted: String,
        entry_at: usize,
        index: usize,
    ) -> Edit {
        let mut text = String::with_capacity(old.len() + inserted.len());
        text.push_str(old.get(..at).unwrap_or(old));
        text.push_str(&inserted);
        text.push_str(old.get(at + removed..).unwrap_or(""));
        Edit {
            at,
            removed,
            inserted,
            entry_at,
            index,
            text,
        }
    }

    /// Where `offset` in the edited text comes from: the old file, the new entry's line,
    /// or neither (the dash and indentation written before the entry).
    pub fn origin(&self, offset: usize, line: &EntryLine) -> Option<Origin> {
        let entry = self.at + self.entry_at;
        if offset < self.at {
            Some(Origin::Old(offset))
        } else if offset >= self.at + self.inserted.len() {
            Some(Origin::Old(offset - self.inserted.len() + self.removed))
        } else if offset >= entry && offset <= entry + line.text.len() {
            Some(Origin::Entry(offset - entry))
        } else {
            None
        }
    }

    /// The 1-based line of the edited text the entry is written on.
    pub fn line_number(&self) -> usize {
        let entry = self.at + self.entry_at;
        self.text
            .get(..entry)
            .map_or(0, |t| t.matches('\n').count())
            + 1
    }

    /// Whether `new`, the edited text's tree, holds exactly the data of `old`, the old
    /// text's tree, with the entry added at its place in the journal.
    pub fn verify(&self, old: &Node, new: &Node, line: &EntryLine) -> bool {
        let mut expected = to_json(old);
        let Value::Object(fields) = &mut expected else {
            return false;
        };
        let journal = fields
            .entry("journal")
            .or_insert_with(|| Value::Array(Vec::new()));
        let Value::Array(entries) = journal else {
            return false;
        };
        if self.index > entries.len() {
            return false;
        }
        entries.insert(self.index, line.data.clone());
        expected == to_json(new)
    }
}

/// The date of a journal entry in a file's tree.
fn entry_date(entry: &Node) -> Option<jiff::civil::Date> {
    let Kind::Map(keys) = &entry.value else {
        return None;
    };
    keys.iter()
        .find(|(k, _)| k.value == "date")
        .and_then(|(_, v)| match &v.value {
            Kind::Str(s) => s.trim().parse().ok(),
            _ => None,
        })
}

/// The offset just past the line on which entry `node` of a block list ends (its last
/// value, the closing brackets of a flow mapping and a comment after them), where the
/// next entry's line may start.
fn item_end(text: &str, node: &Node) -> usize {
    let (end, mut open) = last(text, node);
    let bytes = text.as_bytes();
    // A block scalar's place runs to the next line's content already: the entry ends
    // where that line starts.
    let line_start = text[..end.min(text.len())].rfind('\n').map_or(0, |i| i + 1);
    if open == 0 && line_start > 0 && text[line_start..end].trim().is_empty() {
        return line_start;
    }
    let mut i = end;
    while open > 0 && i < bytes.len() {
        match bytes[i] {
            b'}' | b']' => open -= 1,
            b'#' => {
                i = text[i..].find('\n').map_or(bytes.len(), |n| i + n);
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    text[i.min(text.len())..]
        .find('\n')
        .map_or(text.len(), |n| i + n + 1)
}

/// The end of the last thing written in `node`, and how many flow collections are still
/// open there (their closing brackets follow).
fn last(text: &str, node: &Node) -> (usize, usize) {
    let place = node.referenced;
    let flow = usize::from(matches!(
        text.as_bytes().get(place.start),
        Some(b'{' | b'[')
    ));
    let children = match &node.value {
        Kind::Map(entries) => entries
            .iter()
            .map(|(k, v)| std::cmp::max_by_key((k.referenced.end, 0), last(text, v), |x| x.0))
            .max_by_key(|x| x.0),
        Kind::Seq(items) => items.iter().map(|i| last(text, i)).max_by_key(|x| x.0),
        _ => return (place.end, 0),
    };
    match children {
        Some((end, open)) => (end, open + flow),
        None => (place.end, flow),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The file `old` with `entry` added, as `engine log` would write it.
    fn add(old: &str, entry: &str) -> Result<String, Diagnostic> {
        let mut sources = Sources::new();
        let file = sources.add(SourceFile::new("p.yaml", old));
        let typed = sources.add(SourceFile::new("--entry", entry));
        let tree = crate::load::read_tree(&sources, file).map_err(|mut d| d.remove(0))?;
        let entry_tree = crate::load::read_tree(&sources, typed).map_err(|mut d| d.remove(0))?;
        let line = EntryLine::new(&sources, typed, &entry_tree)?;
        let edit = Edit::plan(&sources, file, &tree, &line)?;
        let mut edited = Sources::new();
        let id = edited.add(SourceFile::new("p.yaml", edit.text.clone()));
        let new = crate::load::read_tree(&edited, id).map_err(|mut d| d.remove(0))?;
        assert!(edit.verify(&tree, &new, &line), "{}", edit.text);
        Ok(edit.text)
    }

    #[test]
    fn an_entry_goes_after_a_flow_mapping_that_spans_lines() {
        let old = "journal:\n  - { date: 2026-01-01,\n      pain: { during: 1 }\n    }   # two lines\n  - { date: 2026-01-03 }\n";
        assert_eq!(
            add(old, "{date: 2026-01-02}").unwrap(),
            "journal:\n  - { date: 2026-01-01,\n      pain: { during: 1 }\n    }   # two lines\n  - { date: 2026-01-02 }\n  - { date: 2026-01-03 }\n"
        );
    }

    #[test]
    fn an_entry_goes_after_a_block_scalar_and_before_the_first_entry() {
        let old = "journal:\n    - date: 2026-01-02\n      note: |\n        a # b\n        c\n    - date: 2026-01-04\n";
        assert_eq!(
            add(old, "date: 2026-01-03\nnote: 'it''s, ok'").unwrap(),
            "journal:\n    - date: 2026-01-02\n      note: |\n        a # b\n        c\n    - { date: 2026-01-03, note: 'it''s, ok' }\n    - date: 2026-01-04\n"
        );
        assert_eq!(
            add(old, "{date: 2026-01-01}").unwrap(),
            "journal:\n    - { date: 2026-01-01 }\n    - date: 2026-01-02\n      note: |\n        a # b\n        c\n    - date: 2026-01-04\n"
        );
    }

    #[test]
    fn what_cannot_be_written_on_one_line_or_spliced_is_refused() {
        for entry in [
            "{date: 2026-01-01, note: !!str 1}",
            "[1]",
            "{a: &x 1, b: *x}",
        ] {
            let refused = add("journal: []\n", entry).unwrap_err();
            assert_eq!(refused.code, codes::BAD_OPTION, "{entry}");
        }
        for old in ["{ journal: [] }\n", "journal: [{ date: 2026-01-01 }]\n"] {
            let refused = add(old, "{date: 2026-01-02}").unwrap_err();
            assert_eq!(refused.code, codes::WRITE, "{old}");
        }
    }

    #[test]
    fn pieces_of_the_line_map_back_to_the_entry_as_typed() {
        let mut sources = Sources::new();
        let typed = sources.add(SourceFile::new(
            "--entry",
            "{date: 2026-01-01,pain: {during: 11}}",
        ));
        let tree = crate::load::read_tree(&sources, typed).unwrap();
        let line = EntryLine::new(&sources, typed, &tree).unwrap();
        assert_eq!(line.text, "{ date: 2026-01-01, pain: { during: 11 } }");
        let at = line.text.find("11").unwrap();
        assert_eq!(line.source_offset(at), Some(33));
        assert_eq!(line.source_offset(line.text.find(", ").unwrap() + 1), None);
    }
}
