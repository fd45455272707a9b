//! Parse errors: a byte span into the parsed text and a friendly message, with a caret rendering.

use std::fmt::{self, Display, Formatter};

use serde::Serialize;

/// Why a text is not a valid dose or amount.
///
/// `start..end` is a byte range into the text that was parsed (on `char` boundaries); it
/// is empty (`start == end`) when the problem is that something is missing at that point,
/// for example at the end of the text. The message is lowercase, has no trailing period,
/// and never names grammar rules.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct DoseError {
    /// Byte offset where the offending text starts.
    pub start: usize,
    /// Byte offset just past the offending text.
    pub end: usize,
    /// What is wrong, e.g. `expected an activity`.
    pub message: String,
}

impl DoseError {
    /// An error over `start..end` with a message.
    pub fn new(start: usize, end: usize, message: impl Into<String>) -> DoseError {
        DoseError {
            start,
            end,
            message: message.into(),
        }
    }

    /// The error shown under the line of `input` it points into:
    ///
    /// ```text
    /// bike 20 easy
    ///         ^^^^ expected a unit (s, min, h, d, wk, m, km, mi) after 20
    /// ```
    ///
    /// `input` must be the text that was parsed. Tabs and other control characters in the
    /// shown line become spaces so that the carets stay under the span; an empty span gets
    /// one caret. Offsets past the end of `input` or inside a character are clamped rather
    /// than trusted.
    pub fn render(&self, input: &str) -> String {
        let start = floor_boundary(input, self.start);
        let end = floor_boundary(input, self.end.max(start));
        // Every offset below is a char boundary of `input`, so `get` always succeeds.
        let slice = |from: usize, to: usize| input.get(from..to).unwrap_or("");
        let line_start = slice(0, start).rfind('\n').map_or(0, |at| at + 1);
        let line_end = slice(start, input.len())
            .find('\n')
            .map_or(input.len(), |at| start + at);
        let line: String = slice(line_start, line_end)
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let column = slice(line_start, start).chars().count();
        let width = slice(start, end.min(line_end).max(start))
            .chars()
            .count()
            .max(1);
        format!(
            "{line}\n{}{} {}",
            " ".repeat(column),
            "^".repeat(width),
            self.message
        )
    }
}

/// The largest char boundary of `text` at or before `at`.
fn floor_boundary(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

impl Display for DoseError {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DoseError {}
