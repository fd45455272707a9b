//! Diagnostics: a stable code, a message, a place, and an optional help line.
//!
//! Every layer returns these as values; only the command line prints them.

use crate::escape::{one_for_one, visible};
use std::fmt::Write as _;

use crate::source::{Sources, Span};

/// How bad a finding is. Errors stop a command; warnings are reported and it goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

/// One problem found in a file, with the place that shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// A stable code from [`crate::codes`], such as `E010`.
    pub code: &'static str,
    pub message: String,
    /// Where it is; `None` only for problems with no place, such as an unreadable file.
    pub span: Option<Span>,
    /// The path of the file, kept for diagnostics that have no span.
    pub path: Option<Box<str>>,
    pub help: Option<Box<str>>,
}

impl Diagnostic {
    pub fn error(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            span: None,
            path: None,
            help: None,
        }
    }

    pub fn warning(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message)
        }
    }

    pub fn at(mut self, span: Span) -> Self {
        self.span = Some(span);
        self
    }

    pub fn in_file(mut self, path: impl Into<String>) -> Self {
        self.path = Some(path.into().into_boxed_str());
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into().into_boxed_str());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The diagnostic as a JSON object for tools: `severity`, `code`, `message`, `file`,
    /// and where known `line`, `column`, `end_line`, `end_column` (1-based, columns in
    /// characters, the end exclusive), `text` (the offending text) and `help`.
    pub fn to_json(&self, sources: &Sources) -> serde_json::Value {
        let mut o = serde_json::Map::new();
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        o.insert("severity".into(), severity.into());
        o.insert("code".into(), self.code.into());
        o.insert("message".into(), self.message.clone().into());
        let file = self.span.and_then(|s| sources.get(s.file).map(|f| (s, f)));
        match file {
            Some((span, file)) => {
                let start = file.line_col(span.start);
                let end = file.line_col(span.end);
                o.insert("file".into(), file.path.clone().into());
                o.insert("line".into(), start.line.into());
                o.insert("column".into(), start.column.into());
                o.insert("end_line".into(), end.line.into());
                o.insert("end_column".into(), end.column.into());
                let text = file.text.get(span.start..span.end).unwrap_or_default();
                o.insert("text".into(), text.into());
            }
            None => {
                let path = self.path.as_deref().map(serde_json::Value::from);
                o.insert("file".into(), path.unwrap_or(serde_json::Value::Null));
            }
        }
        if let Some(help) = &self.help {
            o.insert("help".into(), help.to_string().into());
        }
        serde_json::Value::Object(o)
    }

    /// Renders the diagnostic as plain text with a code frame: the line, and a row of
    /// carets under the offending text.
    pub fn render(&self, sources: &Sources) -> String {
        let mut out = String::new();
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        // Messages quote the files' text, and paths come from the command line: both
        // are escaped so that neither can drive the terminal.
        let _ = writeln!(out, "{level}[{}]: {}", self.code, visible(&self.message));
        let file = self.span.and_then(|s| sources.get(s.file).map(|f| (s, f)));
        match file {
            Some((span, file)) => {
                let start = file.line_col(span.start);
                let end = file.line_col(span.end);
                let line_text = file.line_text(start.line);
                let gutter = start.line.to_string().len();
                let pad = " ".repeat(gutter);
                let _ = writeln!(
                    out,
                    "{pad}--> {}:{}:{}",
                    visible(&file.path),
                    start.line,
                    start.column
                );
                let _ = writeln!(out, "{pad} |");
                let line_chars = line_text.chars().count();
                let width = if end.line == start.line {
                    end.column.saturating_sub(start.column)
                } else {
                    line_chars.saturating_sub(start.column - 1)
                }
                .max(1);
                // A very long line (minified or hostile input) is shown as a window
                // around the offending text, so the frame stays readable.
                let (shown, caret_at, width) = window(line_text, start.column - 1, width);
                let _ = writeln!(out, "{} | {}", start.line, one_for_one(&shown));
                let _ = writeln!(out, "{pad} | {}{}", " ".repeat(caret_at), "^".repeat(width));
                if let Some(help) = &self.help {
                    let _ = writeln!(out, "{pad} = help: {}", visible(help));
                }
            }
            None => {
                if let Some(path) = &self.path {
                    let _ = writeln!(out, " --> {}", visible(path));
                }
                if let Some(help) = &self.help {
                    let _ = writeln!(out, "  = help: {}", visible(help));
                }
            }
        }
        out
    }
}

/// The widest line a code frame shows whole, in characters.
const MAX_FRAME_WIDTH: usize = 120;

/// The part of `line` to show, where the carets start in it, and how many: the whole
/// line when it is short, else a window around the span (start `column`, 0-based, and
/// `width` characters) with `…` marking what was cut.
fn window(line: &str, column: usize, width: usize) -> (String, usize, usize) {
    let chars: Vec<char> = line.chars().collect();
    if chars.len() <= MAX_FRAME_WIDTH {
        return (line.to_string(), column, width);
    }
    let width = width.min(MAX_FRAME_WIDTH / 2);
    let from = column.saturating_sub(MAX_FRAME_WIDTH / 4);
    let to = (column + width + MAX_FRAME_WIDTH / 4).min(chars.len());
    let mut shown = String::new();
    let mut caret_at = column - from;
    if from > 0 {
        shown.push('…');
        caret_at += 1;
    }
    shown.extend(chars.get(from..to).unwrap_or_default());
    if to < chars.len() {
        shown.push('…');
    }
    (shown, caret_at, width)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;

    #[test]
    fn a_long_line_is_shown_as_a_window_around_the_span() {
        let mut sources = Sources::new();
        let long = format!("x: {}bad{}\n", "[".repeat(500), "]".repeat(500));
        let id = sources.add(SourceFile::new("p.yaml", long));
        let d = Diagnostic::error("E001", "too deep").at(Span::new(id, 503, 506));
        let text = d.render(&sources);
        assert!(text.lines().all(|l| l.chars().count() < 140), "{text}");
        let lines: Vec<&str> = text.lines().collect();
        let code = lines[3];
        let carets = lines[4];
        let at = carets.find('^').unwrap();
        // The carets sit under `bad` in the window.
        let under: String = code
            .chars()
            .skip(carets[..at].chars().count())
            .take(3)
            .collect();
        assert_eq!(under, "bad", "{text}");
    }

    #[test]
    fn renders_a_code_frame_under_the_span() {
        let mut sources = Sources::new();
        let id = sources.add(SourceFile::new("p.yaml", "id: x\nsession: walk 2 minz\n"));
        let d = Diagnostic::error("E010", "expected a unit")
            .at(Span::new(id, 22, 26))
            .with_help("write 2min");
        insta::assert_snapshot!(d.render(&sources), @r"
        error[E010]: expected a unit
         --> p.yaml:2:17
          |
        2 | session: walk 2 minz
          |                 ^^^^
          = help: write 2min
        ");
    }
}
