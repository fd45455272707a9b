//! Names that compiled scripts write as literals: the ids they pass to the host API,
//! and the journal fields they read, each checked against the declarations.

use super::Ctx;
use super::names::Names;
use rehab_rules::{HOST_FUNCTIONS, Named};

use crate::model::Scripts;

/// Names that scripts pass to the host API as literals must be declared: a typo in
/// `fired("pain-hold", 14)` is found now, not when the script first runs. So must the
/// journal fields a condition reads as `fields.<id>`.
pub(super) fn check_literals(ctx: &mut Ctx, names: &Names, scripts: &Scripts) {
    for (function, name, at) in scripts.literal_arguments() {
        // What each host function's first argument names is declared once, with the
        // function, in the host API.
        let named = HOST_FUNCTIONS
            .iter()
            .find(|f| f.name == function)
            .map_or(Named::Nothing, |f| f.names);
        match named {
            Named::Rule => names.rules.resolve_at(ctx, &name, at),
            Named::Table => names.tables.resolve_at(ctx, &name, at),
            Named::Assessment => names.assessments.resolve_at(ctx, &name, at),
            // `days_since` counts from an event or from an assessment.
            Named::EventOrAssessment if names.events.index(&name).is_none() => {
                names.assessments.resolve_at(ctx, &name, at)
            }
            Named::JournalField => names.fields.resolve_at(ctx, &name, at),
            Named::EventOrAssessment | Named::Nothing => None,
        };
    }
    for (name, at) in scripts.properties_read("fields") {
        names.fields.resolve_at(ctx, &name, at);
    }
}
