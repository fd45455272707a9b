//! How long a phase lasts: its length basis read for the patient.

use super::*;

impl Runner<'_, '_> {
    pub(super) fn computed_length(
        &self,
        id: ScriptId,
        phase: &Phase,
        date: Date,
    ) -> Result<(Amount, String), Diagnostic> {
        let vars = Vars::new()
            .with("inputs", self.inputs.clone())
            .with("today", date.to_string())
            .with("phase", phase.id.as_str());
        let value = self.scripts.eval_value(id, &vars)?;
        let text = match value {
            rehab_rules::Value::Int(n) if n >= 1 => format!("{n}d"),
            rehab_rules::Value::Str(s) => s,
            other => {
                return Err(self.scripts.value_error(
                    id,
                    format!("the duration of phase `{}` must be a number of days (1 or more) or a period such as \"6-8wk\", but the script gave {other:?}", phase.id),
                ));
            }
        };
        match Amount::parse(&text) {
            Ok(a) if a.to_days().is_some() => Ok((a, format!("computed by the phase's script: {a}"))),
            _ => Err(self.scripts.value_error(
                id,
                format!("the duration of phase `{}` must be a period of days or weeks, but the script gave `{text}`", phase.id),
            )),
        }
    }
}

/// How long a phase lasts from a given first day.
pub(super) struct Length {
    /// Scheduled days (0 when an anchored phase has already ended).
    pub(super) days: i64,
    /// The fewest days, from the low end of the range.
    pub(super) min_days: i64,
    pub(super) explanation: String,
}

/// The number of days `phase` lasts when it begins on `start`, and why. `computed` is
/// the value of a `compute` duration, evaluated by the caller.
pub(super) fn phase_length(
    protocol: &Protocol,
    phase: &Phase,
    patient: &Patient,
    start: Date,
    computed: Option<(Amount, String)>,
) -> Result<Length, Diagnostic> {
    let (amount, what) = match &phase.length.basis {
        LengthBasis::Levels(n) => {
            let days = i64::from(*n) * 7;
            let after = phase.advance.as_ref().map_or(1, |a| a.sessions);
            return Ok(Length {
                days,
                min_days: days,
                explanation: format!(
                    "{n} levels, each moved up from after {after} session{} done without a rule holding it back",
                    if after == 1 { "" } else { "s" }
                ),
            });
        }
        LengthBasis::Weeks(n) => {
            let days = i64::from(*n) * 7;
            return Ok(Length {
                days,
                min_days: days,
                explanation: format!("{n} weeks of sessions"),
            });
        }
        LengthBasis::Computed(_) => match computed {
            Some(c) => c,
            None => {
                return Err(Diagnostic::error(
                    codes::SCRIPT_RUNTIME,
                    format!("the duration of phase `{}` was not computed", phase.id),
                ));
            }
        },
        LengthBasis::Period(a) => (*a, format!("the phase lasts {a}")),
        LengthBasis::Table(t) => table_length(protocol, *t, patient)?,
    };
    let days = scheduled_days(&amount, protocol.range_policy);
    let min_days = i64::try_from(amount.to_days().map_or(0, |(lo, _)| lo)).unwrap_or(0);
    let at = match (amount.range, protocol.range_policy) {
        (Range::Exact(_), _) => String::new(),
        (_, RangePolicy::Upper) | (Range::UpTo(_), _) => ", scheduled at the upper end".into(),
        (_, RangePolicy::Lower) => ", scheduled at the lower end".into(),
    };
    let Some(input) = &phase.length.since else {
        return Ok(Length {
            days,
            min_days,
            explanation: format!("{what}{at}: {}", days_words(days)),
        });
    };
    let from = date_input(patient, input)?;
    let end = add_days(from, days - 1)?;
    let length = i64::from((end - start).get_days()) + 1;
    let min_end = add_days(from, min_days - 1)?;
    let min_length = i64::from((min_end - start).get_days()) + 1;
    let why = format!("{what}{at}, counted from {input} ({from}): ends {end}");
    if length <= 0 {
        return Ok(Length {
            days: 0,
            min_days: 0,
            explanation: format!("{why}, before the phase would begin"),
        });
    }
    Ok(Length {
        days: length,
        min_days: min_length.max(1),
        explanation: why,
    })
}

/// The period table `t` gives for the patient's input, and where it comes from in words.
fn table_length(
    protocol: &Protocol,
    t: usize,
    patient: &Patient,
) -> Result<(Amount, String), Diagnostic> {
    let Some(table) = protocol.tables.get(t) else {
        return Err(Diagnostic::error(
            codes::UNDEFINED,
            "internal: missing table",
        ));
    };
    let key = match patient.input(&table.by) {
        Some(Value::Text(k)) => k.clone(),
        _ => {
            return Err(Diagnostic::error(
                codes::MISSING_INPUT,
                format!("table `{}` needs input `{}`", table.id, table.by),
            ));
        }
    };
    let Some(row) = table.row(&key) else {
        return Err(Diagnostic::error(
            codes::TABLE_ROW,
            format!("table `{}` has no row for `{key}`", table.id),
        ));
    };
    Ok((
        row.value,
        format!("{} for {key}: {}", lower_first(&table.label), row.value),
    ))
}

/// Days an amount of time lasts, at the end of its range the policy picks.
pub(super) fn scheduled_days(amount: &Amount, policy: RangePolicy) -> i64 {
    let (lo, hi) = amount.to_days().unwrap_or((0, 0));
    let days = match (amount.range, policy) {
        (Range::UpTo(_), _) | (_, RangePolicy::Upper) => hi,
        (_, RangePolicy::Lower) => lo,
    };
    i64::try_from(days).unwrap_or(i64::MAX)
}

/// `label` with its first letter lowercased, to continue a sentence; names inside it
/// keep their capitals.
pub(super) fn lower_first(label: &str) -> String {
    let mut chars = label.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

pub(super) fn days_words(days: i64) -> String {
    if days % 7 == 0 {
        let w = days / 7;
        format!("{w} week{}", if w == 1 { "" } else { "s" })
    } else {
        format!("{days} day{}", if days == 1 { "" } else { "s" })
    }
}

pub(super) fn date_input(patient: &Patient, id: &str) -> Result<Date, Diagnostic> {
    match patient.input(id) {
        Some(Value::Date(d)) => Ok(*d),
        _ => Err(Diagnostic::error(
            codes::MISSING_INPUT,
            format!(
                "the plan starts on input `{id}`, which the patient file does not give as a date"
            ),
        )),
    }
}
