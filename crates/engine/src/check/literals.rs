//! Names that compiled scripts write as literals: the ids they pass to the host API,
//! and the journal fields they read, each checked against the declarations.

use super::Ctx;
use super::names::Names;
use crate::model::Scripts;

/// Names that scripts pass to the host API as literals must be declared: a typo in
/// `fired("pain-hold", 14)` is found now, not when the script first runs. So must the
/// journal fields a condition reads as `fields.<id>`.
pub(super) fn check_literals(ctx: &mut Ctx, names: &Names, scripts: &Scripts) {
    for (function, name, at) in scripts.literal_arguments() {
        match function.as_str() {
            "fired" => {
                names.rules.resolve_at(ctx, &name, at);
            }
            "table" => {
                names.tables.resolve_at(ctx, &name, at);
            }
            "last_passed" | "last_result" => {
                names.assessments.resolve_at(ctx, &name, at);
            }
            // `days_since` counts from an event or from an assessment.
            "days_since" if names.events.index(&name).is_none() => {
                names.assessments.resolve_at(ctx, &name, at);
            }
            "max_field_in_week" => {
                names.fields.resolve_at(ctx, &name, at);
            }
            _ => {}
        }
    }
    for (name, at) in scripts.properties_read("fields") {
        names.fields.resolve_at(ctx, &name, at);
    }
}
