//! Text from files made safe to show on a terminal or in Markdown: control characters
//! and invisible direction marks are escaped, so a name or a note can neither drive the
//! terminal (colours, bells, cursor moves) nor forge a line of the output.
//!
//! Escaping belongs to each medium's renderer, once, where the text is written out; JSON
//! and YAML escape for themselves and keep the data as it is.

use std::borrow::Cow;

/// Whether `c` must not reach a terminal as it is: every control character (C0, DEL and
/// C1, line breaks and tabs included), the line and paragraph separators, and the
/// invisible marks that reorder or hide text (bidirectional overrides and isolates,
/// zero-width characters, the byte-order mark).
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'
                | '\u{200B}'..='\u{200F}'
                | '\u{2028}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
                | '\u{FEFF}'
        )
}

/// `text` with each unsafe character written as a visible escape: `\n`, `\r`, `\t`, and
/// `\u{1b}` for the others. Text without any is returned as it is.
pub fn visible(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_unsafe(c) => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// `text` with each unsafe character replaced by one visible character (a tab by a
/// space, the others by `�`), so that columns stay where they were: for code frames,
/// whose carets must stay under the text they point at.
pub fn one_for_one(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| match c {
                '\t' => ' ',
                c if is_unsafe(c) => '\u{FFFD}',
                c => c,
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_untouched() {
        assert!(matches!(visible("walk 2min, run 1min"), Cow::Borrowed(_)));
        assert_eq!(visible("Zoë – ü"), "Zoë – ü");
    }

    #[test]
    fn controls_and_direction_marks_are_escaped() {
        assert_eq!(
            visible("a\u{1b}[31mb\u{7}\0\r\nPlan: x\u{202e}"),
            "a\\u{1b}[31mb\\u{7}\\u{0}\\r\\nPlan: x\\u{202e}"
        );
        assert_eq!(
            visible("\u{85}\u{2028}\u{feff}"),
            "\\u{85}\\u{2028}\\u{feff}"
        );
    }

    #[test]
    fn one_for_one_keeps_columns() {
        let shown = one_for_one("a\tb\u{1b}c\u{202e}");
        assert_eq!(shown, "a b\u{FFFD}c\u{FFFD}");
        assert_eq!(shown.chars().count(), 6);
    }
}
