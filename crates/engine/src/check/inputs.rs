//! The inputs a patient gives, and the tables they select rows of.

use rehab_syntax::protocol::InputKind;

/// The name of an input type as authors write it in `type:`.
pub(super) fn kind_word(kind: InputKind) -> &'static str {
    match kind {
        InputKind::Choice => "choice",
        InputKind::Date => "date",
        InputKind::Number => "number",
        InputKind::Text => "text",
        InputKind::Bool => "bool",
    }
}
