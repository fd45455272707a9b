//! Checking a patient file against one protocol's declared inputs.

use rehab_syntax::patient::{PatientDoc, Scalar};
use rehab_syntax::protocol::InputKind;
use rehab_syntax::{Diagnostic, FileId, Sources, Span, codes};

use crate::check::Ctx;
use crate::model::{Patient, Protocol, Value};
use crate::suggest::did_you_mean;

/// Checks `doc` against `protocol`'s inputs. Errors name the protocol that needs the
/// input, since one patient file may serve several protocols.
pub fn check_patient(
    sources: &Sources,
    file: FileId,
    protocol: &Protocol,
    doc: &PatientDoc,
) -> (Option<Patient>, Vec<Diagnostic>) {
    let mut ctx = Ctx::new(sources, file);
    let path = sources
        .get(file)
        .map(|f| f.path.clone())
        .unwrap_or_default();
    let whole = Span::new(file, 0, 0);
    let inputs_at = doc
        .inputs
        .as_ref()
        .map_or(whole, |m| ctx.span(&m.referenced));
    let entries: &[_] = doc.inputs.as_ref().map_or(&[], |m| &m.value.0);
    let mut values = Vec::new();
    for decl in &protocol.inputs {
        let Some((_, given)) = entries.iter().find(|(k, _)| k.value == decl.id) else {
            ctx.push(
                Diagnostic::error(
                    codes::MISSING_INPUT,
                    format!(
                        "missing input `{}` ({}), which protocol `{}` needs",
                        decl.id, decl.label, protocol.id
                    ),
                )
                .at(inputs_at)
                .in_file(&path)
                .with_help(example_value(decl.kind, &decl.choices, &decl.id)),
            );
            continue;
        };
        let at = ctx.span(&given.referenced);
        let value = match (decl.kind, &given.value) {
            (InputKind::Choice, Scalar::Text(s)) if decl.choices.iter().any(|(v, _)| v == s) => {
                Some(Value::Text(s.clone()))
            }
            (InputKind::Choice, other) => {
                let names: Vec<String> = decl.choices.iter().map(|(v, _)| v.clone()).collect();
                let shown = other.to_string();
                let help = match did_you_mean(&shown, &names) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("protocol `{}` allows: {}", protocol.id, names.join(", ")),
                };
                ctx.push(
                    Diagnostic::error(
                        codes::INPUT_VALUE,
                        format!("`{shown}` is not a choice of input `{}`", decl.id),
                    )
                    .at(at)
                    .with_help(help),
                );
                None
            }
            (InputKind::Date, Scalar::Text(s)) => match s.parse::<jiff::civil::Date>() {
                Ok(d) => Some(Value::Date(d)),
                Err(_) => {
                    ctx.push(
                        Diagnostic::error(
                            codes::INPUT_VALUE,
                            format!("input `{}` must be a calendar date, found `{s}`", decl.id),
                        )
                        .at(at)
                        .with_help("write the date as YYYY-MM-DD, such as 2026-09-01"),
                    );
                    None
                }
            },
            (InputKind::Number, Scalar::Int(i)) => Some(Value::Number(*i as f64)),
            (InputKind::Number, Scalar::Float(x)) if x.is_finite() => Some(Value::Number(*x)),
            (InputKind::Bool, Scalar::Bool(b)) => Some(Value::Bool(*b)),
            (InputKind::Text, s) => Some(Value::Text(s.to_string())),
            (kind, other) => {
                ctx.push(
                    Diagnostic::error(
                        codes::INPUT_VALUE,
                        format!(
                            "input `{}` must be {}, found `{other}`",
                            decl.id,
                            kind_name(kind)
                        ),
                    )
                    .at(at),
                );
                None
            }
        };
        if let Some(v) = value {
            values.push((decl.id.clone(), v));
        }
    }
    for (key, _) in entries {
        if !protocol.inputs.iter().any(|d| d.id == key.value) {
            ctx.push(
                Diagnostic::warning(
                    codes::UNDECLARED_INPUT,
                    format!(
                        "input `{}` is not used by protocol `{}`",
                        key.value, protocol.id
                    ),
                )
                .at(ctx.span(&key.referenced)),
            );
        }
    }
    if let Some(first) = doc.journal.first() {
        ctx.push(
            Diagnostic::warning(
                codes::JOURNAL_IGNORED,
                format!(
                    "the journal's {} entries are not applied: this plan is the nominal schedule",
                    doc.journal.len()
                ),
            )
            .at(ctx.span(&first.referenced)),
        );
    }
    let ok = !ctx.has_errors();
    let patient = Patient {
        name: doc.name.clone(),
        inputs: values,
        journal_entries: doc.journal.len(),
    };
    (ok.then_some(patient), ctx.diagnostics)
}

fn kind_name(kind: InputKind) -> &'static str {
    match kind {
        InputKind::Choice => "one of the listed choices",
        InputKind::Date => "a calendar date (YYYY-MM-DD)",
        InputKind::Number => "a number",
        InputKind::Text => "text",
        InputKind::Bool => "true or false",
    }
}

fn example_value(kind: InputKind, choices: &[(String, String)], id: &str) -> String {
    match kind {
        InputKind::Choice => format!(
            "add `{id}: ` with one of: {}",
            choices
                .iter()
                .map(|(v, _)| v.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        InputKind::Date => format!("add `{id}: 2026-09-01` under `inputs`"),
        _ => format!("add `{id}` under `inputs`"),
    }
}
