//! Running a checked protocol for a patient: the nominal day-by-day plan.
//!
//! The run is deterministic: it reads no clock and no randomness. Its only dates are
//! the patient's inputs and the `start`/`as_of` overrides in [`RunConfig`].

use jiff::civil::Date;
use rehab_dose::{Amount, Dose, Range};
use rehab_syntax::protocol::RangePolicy;
use rehab_syntax::{Diagnostic, codes};

use crate::check::{rule_for_week, week_plan};
use crate::model::*;
use crate::plan::*;

/// The longest plan the engine will lay out, in days (about five years).
pub const MAX_PLAN_DAYS: i64 = 5 * 366;

/// What a run may override; everything else comes from the protocol and patient.
#[derive(Debug, Clone, Copy, Default)]
pub struct RunConfig {
    /// The first day of the plan, instead of the protocol's `starts_on` input.
    pub start: Option<Date>,
    /// The day the plan is read on; it decides whether the outcome is reached.
    pub as_of: Option<Date>,
}

pub fn run(protocol: &Protocol, patient: &Patient, config: &RunConfig) -> Result<Plan, Diagnostic> {
    let start = match config.start {
        Some(d) => d,
        None => date_input(patient, &protocol.starts_on)?,
    };
    let mut phases = Vec::new();
    let mut days = Vec::new();
    let mut weeks = Vec::new();
    let mut skipped = Vec::new();
    let mut cursor = start;
    for phase in &protocol.phases {
        let (length, explanation) = phase_length(protocol, phase, patient, cursor)?;
        if length <= 0 {
            skipped.push(NoteOut {
                text: format!("Phase \"{}\" is skipped: {explanation}.", phase.title),
                source: phase.source.clone(),
                interpretation: None,
            });
            continue;
        }
        let end = add_days(cursor, length - 1)?;
        if (end - start).get_days() as i64 > MAX_PLAN_DAYS {
            return Err(Diagnostic::error(
                codes::PHASE,
                format!(
                    "the plan would last more than {MAX_PLAN_DAYS} days; check the phase lengths of `{}`",
                    protocol.id
                ),
            ));
        }
        let first_day = days.len();
        for i in 0..length {
            let date = add_days(cursor, i)?;
            days.push(plan_day(protocol, phase, date, i));
        }
        if let Some(first) = days.get_mut(first_day) {
            first
                .decisions
                .extend(entry_decisions(protocol, phase, patient, &explanation, end));
        }
        if let Some(last) = days.last_mut() {
            last.decisions.extend(gate_decisions(protocol, phase));
        }
        weeks.extend(summaries(&phase.id, &days[first_day..]));
        phases.push(phase_plan(
            protocol,
            phase,
            patient,
            cursor,
            end,
            length,
            explanation,
        ));
        cursor = add_days(end, 1)?;
    }
    let Some(last) = days.last_mut() else {
        return Err(Diagnostic::error(
            codes::PHASE,
            format!(
                "protocol `{}` has no day to schedule for this patient: every phase is empty",
                protocol.id
            ),
        ));
    };
    let finished = last.date;
    last.decisions.push(Decision {
        rule: "complete".into(),
        action: "complete".into(),
        reason: format!(
            "The last phase ends; the protocol \"{}\" is complete.",
            protocol.title
        ),
        values: Vec::new(),
        source: None,
    });
    let status = match config.as_of {
        Some(as_of) if as_of < finished => OutcomeStatus::InProgress,
        _ => OutcomeStatus::Completed,
    };
    let mut notes: Vec<NoteOut> = protocol
        .notes
        .iter()
        .filter(|n| n.applies_to(patient))
        .map(note_out)
        .collect();
    notes.extend(skipped);
    Ok(Plan {
        protocol: ProtocolInfo {
            id: protocol.id.clone(),
            version: protocol.version.clone(),
            title: protocol.title.clone(),
            authors: protocol.authors.clone(),
            sources: protocol.sources.clone(),
        },
        disclaimer: protocol.disclaimer.clone(),
        patient: PatientInfo {
            name: patient.name.clone(),
            inputs: patient.inputs.clone(),
        },
        scheduling: SchedulingInfo {
            ranges: protocol.range_policy,
            explanation: scheduling_explanation(protocol.range_policy),
        },
        start,
        as_of: config.as_of,
        phases,
        weeks,
        days,
        notes,
        outcome: Outcome {
            status,
            date: finished,
        },
    })
}

fn scheduling_explanation(policy: RangePolicy) -> String {
    let end = match policy {
        RangePolicy::Upper => "at their upper end (the conservative choice for healing)",
        RangePolicy::Lower => "at their lower end (\"up to\" periods at their stated limit)",
    };
    format!(
        "Phase lengths given as ranges are scheduled {end}. Ranges inside a day's dose are \
         prescribed as written: the patient stays within them, and weekly running minutes \
         are shown from the low to the high end."
    )
}

fn date_input(patient: &Patient, id: &str) -> Result<Date, Diagnostic> {
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

fn add_days(date: Date, days: i64) -> Result<Date, Diagnostic> {
    date.checked_add(jiff::Span::new().days(days)).map_err(|_| {
        Diagnostic::error(
            codes::BAD_VALUE,
            format!("a plan starting {date} runs past the last supported date"),
        )
    })
}

/// The number of days `phase` lasts when it begins on `start`, and why.
fn phase_length(
    protocol: &Protocol,
    phase: &Phase,
    patient: &Patient,
    start: Date,
) -> Result<(i64, String), Diagnostic> {
    let (amount, what) = match &phase.length.basis {
        LengthBasis::Weeks(n) => {
            return Ok((i64::from(*n) * 7, format!("{n} weeks of sessions")));
        }
        LengthBasis::Period(a) => (*a, format!("the phase lasts {a}")),
        LengthBasis::Table(t) => {
            let Some(table) = protocol.tables.get(*t) else {
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
            (
                row.value,
                format!("{} for {key}: {}", lower_first(&table.label), row.value),
            )
        }
    };
    let days = scheduled_days(&amount, protocol.range_policy);
    let at = match (amount.range, protocol.range_policy) {
        (Range::Exact(_), _) => String::new(),
        (_, RangePolicy::Upper) | (Range::UpTo(_), _) => ", scheduled at the upper end".into(),
        (_, RangePolicy::Lower) => ", scheduled at the lower end".into(),
    };
    match &phase.length.since {
        None => Ok((days, format!("{what}{at}: {}", days_words(days)))),
        Some(input) => {
            let from = date_input(patient, input)?;
            let end = add_days(from, days - 1)?;
            let length = (end - start).get_days() as i64 + 1;
            let why = format!("{what}{at}, counted from {input} ({from}): ends {end}");
            if length <= 0 {
                Ok((0, format!("{why}, before the phase would begin")))
            } else {
                Ok((length, why))
            }
        }
    }
}

/// Days an amount of time lasts, at the end of its range the policy picks.
fn scheduled_days(amount: &Amount, policy: RangePolicy) -> i64 {
    let (lo, hi) = amount.to_days().unwrap_or((0, 0));
    let days = match (amount.range, policy) {
        (Range::UpTo(_), _) | (_, RangePolicy::Upper) => hi,
        (_, RangePolicy::Lower) => lo,
    };
    i64::try_from(days).unwrap_or(i64::MAX)
}

/// `label` with its first letter lowercased, to continue a sentence; names inside it
/// keep their capitals.
fn lower_first(label: &str) -> String {
    let mut chars = label.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn days_words(days: i64) -> String {
    if days % 7 == 0 {
        let w = days / 7;
        format!("{w} week{}", if w == 1 { "" } else { "s" })
    } else {
        format!("{days} day{}", if days == 1 { "" } else { "s" })
    }
}

fn plan_day(protocol: &Protocol, phase: &Phase, date: Date, index: i64) -> Day {
    let week = u32::try_from(index / 7 + 1).unwrap_or(u32::MAX);
    let slot = usize::try_from(index % 7).unwrap_or(0);
    let kind = rule_for_week(&phase.pattern, week)
        .and_then(|r| r.days.get(slot).copied())
        .unwrap_or_default();
    let plan = week_plan(&phase.weeks, week);
    let mut parts = Vec::new();
    if kind.session
        && let Some(d) = plan.and_then(|p| p.session.as_ref())
    {
        parts.push(part(PartKind::Session, d, None));
    }
    if kind.cross
        && let Some(d) = plan.and_then(|p| p.cross.as_ref()).or(phase.cross.as_ref())
    {
        parts.push(part(PartKind::Cross, d, None));
    }
    if kind.strength
        && let Some(c) = phase.strength.and_then(|i| protocol.circuits.get(i))
    {
        parts.push(part(PartKind::Strength, &c.exercises, Some(c.id.clone())));
    }
    let status = if parts.is_empty() {
        parts.push(part(PartKind::Off, &Dose::Off, None));
        Status::Off
    } else {
        Status::Planned
    };
    let text = parts
        .iter()
        .map(|p| p.text.as_str())
        .collect::<Vec<_>>()
        .join(" + ");
    Day {
        date,
        phase: phase.id.clone(),
        week,
        day: u32::try_from(slot + 1).unwrap_or(1),
        session: SessionOut { text, parts },
        status,
        decisions: Vec::new(),
    }
}

fn part(kind: PartKind, dose: &Dose, circuit: Option<String>) -> Part {
    Part {
        kind,
        text: dose.to_string(),
        circuit,
        running_ms: dose.time_in(|a| a.is_running()),
    }
}

fn entry_decisions(
    protocol: &Protocol,
    phase: &Phase,
    patient: &Patient,
    explanation: &str,
    end: Date,
) -> Vec<Decision> {
    let mut values = Vec::new();
    if let LengthBasis::Table(t) = phase.length.basis
        && let Some(table) = protocol.tables.get(t)
        && let Some(v) = patient.input(&table.by)
    {
        values.push((table.by.clone(), v.clone()));
    }
    if let Some(input) = &phase.length.since
        && let Some(v) = patient.input(input)
    {
        values.push((input.clone(), v.clone()));
    }
    let mut decisions = vec![Decision {
        rule: format!("phase:{}", phase.id),
        action: "enter".into(),
        reason: format!("Start \"{}\" until {end}: {explanation}.", phase.title),
        values,
        source: Some(
            phase
                .length
                .source
                .clone()
                .unwrap_or_else(|| phase.source.clone()),
        ),
    }];
    for &a in &phase.on_entry {
        if let Some(a) = protocol.assessments.get(a) {
            decisions.push(Decision {
                rule: format!("assess:{}", a.id),
                action: "assess".into(),
                reason: format!("{} when the phase begins.", a.title),
                values: Vec::new(),
                source: Some(a.source.clone()),
            });
        }
    }
    decisions
}

fn gate_decisions(protocol: &Protocol, phase: &Phase) -> Vec<Decision> {
    phase
        .gates
        .iter()
        .map(|g| {
            let what = g
                .assessment
                .and_then(|a| protocol.assessments.get(a))
                .map(|a| format!(" ({})", a.title))
                .unwrap_or_default();
            Decision {
                rule: format!("gate:{}", g.id),
                action: "assume-passed".into(),
                reason: format!(
                    "Nominal plan: the gate \"{}\"{what} is assumed to pass on the phase's last day.",
                    g.title
                ),
                values: Vec::new(),
                source: Some(g.source.clone()),
            }
        })
        .collect()
}

/// Weekly summaries of one phase's days.
fn summaries(phase: &str, days: &[Day]) -> Vec<WeekSummary> {
    days.chunk_by(|a, b| a.week == b.week)
        .filter_map(|week| {
            let first = week.first()?;
            let last = week.last()?;
            let mut summary = WeekSummary {
                phase: phase.to_string(),
                week: first.week,
                start: first.date,
                end: last.date,
                run_minutes: MinuteRange { min: 0.0, max: 0.0 },
                sessions: 0,
                cross_days: 0,
                strength_days: 0,
                off_days: 0,
            };
            let (mut lo, mut hi) = (0u64, 0u64);
            for day in week {
                for p in &day.session.parts {
                    match p.kind {
                        PartKind::Session => summary.sessions += 1,
                        PartKind::Cross => summary.cross_days += 1,
                        PartKind::Strength => summary.strength_days += 1,
                        PartKind::Off => summary.off_days += 1,
                    }
                    if let Some((l, h)) = p.running_ms {
                        lo = lo.saturating_add(l);
                        hi = hi.saturating_add(h);
                    }
                }
            }
            summary.run_minutes = MinuteRange {
                min: minutes(lo),
                max: minutes(hi),
            };
            Some(summary)
        })
        .collect()
}

/// Milliseconds to minutes, to one decimal place.
fn minutes(ms: u64) -> f64 {
    (ms as f64 / 6_000.0).round() / 10.0
}

fn note_out(n: &Note) -> NoteOut {
    NoteOut {
        text: n.text.clone(),
        source: n.source.clone(),
        interpretation: n.interpretation.clone(),
    }
}

fn phase_plan(
    protocol: &Protocol,
    phase: &Phase,
    patient: &Patient,
    start: Date,
    end: Date,
    length: i64,
    explanation: String,
) -> PhasePlan {
    let notes = |list: &[Note]| -> Vec<NoteOut> {
        list.iter()
            .filter(|n| n.applies_to(patient))
            .map(note_out)
            .collect()
    };
    // The phase's own reading of its source, then how its length was read, then the
    // table's, when the length comes from one.
    let table = match phase.length.basis {
        LengthBasis::Table(t) => protocol.tables.get(t),
        _ => None,
    };
    let readings: Vec<&str> = [
        phase.interpretation.as_deref(),
        phase.length.interpretation.as_deref(),
        table.and_then(|t| t.interpretation.as_deref()),
    ]
    .into_iter()
    .flatten()
    .map(str::trim)
    .collect();
    let interpretation = (!readings.is_empty()).then(|| readings.join(" "));
    let length_source = phase
        .length
        .source
        .clone()
        .or_else(|| table.map(|t| t.source.clone()))
        .unwrap_or_else(|| phase.source.clone());
    PhasePlan {
        id: phase.id.clone(),
        title: phase.title.clone(),
        start,
        end,
        days: u32::try_from(length).unwrap_or(u32::MAX),
        length: explanation,
        length_source,
        purpose: phase.purpose.clone(),
        source: phase.source.clone(),
        interpretation,
        allowed: notes(&phase.allowed),
        avoided: notes(&phase.avoided),
        strength: phase
            .strength
            .and_then(|i| protocol.circuits.get(i))
            .map(|c| CircuitOut {
                id: c.id.clone(),
                title: c.title.clone(),
                exercises: c.exercises.to_string(),
                source: c.source.clone(),
                interpretation: c.interpretation.clone(),
            }),
        on_entry: phase
            .on_entry
            .iter()
            .filter_map(|&a| protocol.assessments.get(a))
            .map(|a| AssessmentOut {
                id: a.id.clone(),
                title: a.title.clone(),
                questions: a.questions.iter().map(|(_, q)| q.clone()).collect(),
                checklist: a.checklist.clone(),
                source: a.source.clone(),
            })
            .collect(),
        gates: phase
            .gates
            .iter()
            .map(|g| GateOut {
                id: g.id.clone(),
                title: g.title.clone(),
                assessment: g
                    .assessment
                    .and_then(|a| protocol.assessments.get(a))
                    .map(|a| a.id.clone()),
                event: g
                    .event
                    .and_then(|e| protocol.events.get(e))
                    .map(|e| e.id.clone()),
                source: g.source.clone(),
            })
            .collect(),
        patterns: phase
            .pattern
            .iter()
            .map(|r| PatternOut {
                weeks: r.weeks.map_or("all".to_string(), |w| w.to_string()),
                days: r.days.iter().map(|d| day_kind_name(*d)).collect(),
                source: r.source.clone(),
                interpretation: r.interpretation.clone(),
            })
            .collect(),
        notes: notes(&phase.notes),
    }
}

fn day_kind_name(d: DayKind) -> String {
    let mut parts = Vec::new();
    if d.session {
        parts.push("session");
    }
    if d.cross {
        parts.push("cross");
    }
    if d.strength {
        parts.push("strength");
    }
    if parts.is_empty() {
        parts.push("off");
    }
    parts.join("+")
}
