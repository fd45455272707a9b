//! `engine compare`: two protocols' plans for one patient, side by side, and optionally
//! their outcomes over a simulated population.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use jiff::civil::Date;
use std::sync::Arc;

use rehab_engine::RunConfig;
use rehab_engine::load::LoadedProtocol;
use rehab_engine::plan::{DistanceRange, OutcomeStatus, PartKind, Plan, WeekSummary};
use rehab_engine::simulate::{Model, Summary};
use rehab_syntax::escape::visible;
use rehab_syntax::{Diagnostic, codes};
use serde_json::{Value, json};

use crate::args::{Align, CompareArgs, ReportFormat};
use crate::load::Session;
use crate::simulate::population;
use rehab_engine::simulate::Population;

/// What the comparison shows of one plan.
struct Side {
    protocol: Arc<LoadedProtocol>,
    plan: Plan,
    simulation: Option<Summary>,
}

pub fn compare(a: &CompareArgs) -> (Option<String>, Session, bool) {
    let mut s = Session::default();
    let first = s.protocol(&a.first);
    let second = s.protocol(&a.second);
    let (Some((first, first_file, example)), Some((second, _, _))) = (first, second) else {
        return (None, s, false);
    };
    let Some((doc, file)) = s.patient_or_example(
        a.patient.as_deref(),
        (&first, &a.first, first_file),
        example,
        "give a patient whose inputs satisfy both protocols: --patient FILE",
    ) else {
        return (None, s, false);
    };
    // The same patient must satisfy both: each protocol says which inputs it lacks.
    let mut patients = [&first, &second].map(|protocol| {
        let (patient, found) = s.check_patient(protocol, &doc, file);
        // A patient shared between two protocols gives inputs each one ignores on
        // purpose: those warnings are not shown.
        let found = found
            .into_iter()
            .filter(|d| d.code != codes::UNDECLARED_INPUT);
        s.diagnostics.extend(found);
        patient
    });
    let [patient_a, patient_b] = [patients[0].take(), patients[1].take()];
    let (Some(patient_a), Some(patient_b)) = (patient_a, patient_b) else {
        return (None, s, false);
    };
    let mut sides = Vec::new();
    for (path, protocol, patient) in [(&a.first, first, patient_a), (&a.second, second, patient_b)]
    {
        let plan = match rehab_engine::run(&protocol, &patient, &RunConfig::default()) {
            Ok(p) => p,
            Err(d) => {
                s.diagnostics.push(d.in_file(path.display().to_string()));
                return (None, s, false);
            }
        };
        let simulation = match a.simulate {
            Some(0) => {
                s.diagnostics.push(Diagnostic::error(
                    codes::BAD_OPTION,
                    "--simulate needs at least one patient",
                ));
                return (None, s, false);
            }
            Some(n) => {
                let base = patient.without_journal();
                let run = Population {
                    patients: n,
                    seed: a.seed,
                    threads: None,
                };
                match population(&protocol, &base, &Model::default(), run) {
                    Ok(summary) if summary.first_error.is_some() => {
                        s.diagnostics.extend(summary.first_error);
                        return (None, s, false);
                    }
                    Ok(summary) => Some(summary),
                    Err(e) => {
                        s.diagnostics.push(Diagnostic::error(codes::BAD_OPTION, e));
                        return (None, s, false);
                    }
                }
            }
            None => None,
        };
        sides.push(Side {
            protocol,
            plan,
            simulation,
        });
    }
    let [x, y] = &sides[..] else {
        return (None, s, false);
    };
    let out = match a.format {
        ReportFormat::Text => text(x, y, a),
        ReportFormat::Json => {
            let mut t = serde_json::to_string_pretty(&json(x, y, a)).unwrap_or_default();
            t.push('\n');
            t
        }
    };
    (Some(out), s, true)
}

/// The first day that prescribes running.
fn first_running_day(plan: &Plan) -> Option<Date> {
    plan.days.iter().find(|d| d.session.runs()).map(|d| d.date)
}

/// Total running distance over the plan, low and high, in the unit of its first week
/// with a distance; `None` when no dose gives one, and when some week's running is
/// known neither by time nor by distance (`walk 0.1mi, jog 0.1mi; repeat 20min`) or
/// weeks give distances in different units, so no partial sum reads as the total.
fn running_distance(plan: &Plan) -> Option<DistanceRange> {
    let unit = plan.weeks.iter().find_map(|w| w.run_distance)?.unit;
    let unknown = plan
        .weeks
        .iter()
        .any(|w| w.run_minutes.is_none() && w.run_distance.is_none());
    let mixed = plan
        .weeks
        .iter()
        .filter_map(|w| w.run_distance)
        .any(|d| d.unit != unit);
    if unknown || mixed {
        return None;
    }
    let (min, max) = plan
        .weeks
        .iter()
        .filter_map(|w| w.run_distance.filter(|d| d.unit == unit))
        .fold((0.0, 0.0), |(lo, hi), d| (lo + d.min, hi + d.max));
    let round = |x: f64| (x * 100.0).round() / 100.0;
    Some(DistanceRange {
        min: round(min),
        max: round(max),
        unit,
    })
}

/// Minutes when known, and the distance when the doses give one: `20 min`,
/// `2 mi (minutes not known)`. Minutes are unknown as soon as some running is given by
/// distance; they are never a partial sum.
/// `timed_left_out` says that timed running, whose minutes are not added either, is
/// left out of the distance.
fn running_words(
    minutes_range: Option<(f64, f64)>,
    distance: Option<DistanceRange>,
    timed_left_out: bool,
) -> String {
    match (minutes_range, distance) {
        (Some(m), None) => minutes(m),
        (Some(m), Some(d)) => format!("{}, {}", minutes(m), crate::render::distance(d)),
        (None, Some(d)) if timed_left_out => format!(
            "{} and timed running (minutes not known)",
            crate::render::distance(d)
        ),
        (None, Some(d)) => format!("{} (minutes not known)", crate::render::distance(d)),
        (None, None) => "time and distance not known".to_string(),
    }
}

fn sessions(plan: &Plan) -> usize {
    plan.days
        .iter()
        .filter(|d| d.session.has(PartKind::Session))
        .count()
}

/// The plan's running in all: its minutes, or its distance when some are unknown.
fn plan_running_words(plan: &Plan) -> String {
    let timed_left_out = plan
        .weeks
        .iter()
        .any(|w| w.timed_runs_left_out > 0 || w.run_minutes.is_some_and(|m| m.max > 0.0));
    running_words(
        running_minutes(plan),
        running_distance(plan),
        timed_left_out,
    )
}

/// Total running minutes over the plan, low and high; `None` when a week's are unknown.
fn running_minutes(plan: &Plan) -> Option<(f64, f64)> {
    plan.weeks.iter().try_fold((0.0, 0.0), |(lo, hi), w| {
        let m = w.run_minutes?;
        Some((lo + m.min, hi + m.max))
    })
}

/// The rules that fired on each day, as (date, rule) pairs.
fn rule_decisions(side: &Side) -> BTreeSet<(Date, String)> {
    side.plan
        .days
        .iter()
        .flat_map(|d| {
            d.decisions.iter().filter_map(move |x| {
                let rule = x.by.rule_id()?;
                Some((d.date, format!("{rule} ({})", x.action)))
            })
        })
        .collect()
}

fn outcome_words(plan: &Plan) -> String {
    let status = match plan.outcome.status {
        OutcomeStatus::Completed => "completed",
        OutcomeStatus::InProgress => "in progress, to complete",
        OutcomeStatus::Referred => "referred",
    };
    format!("{status} {}", plan.outcome.date)
}

fn minutes(m: (f64, f64)) -> String {
    if m.0 == m.1 {
        format!("{} min", m.0)
    } else {
        format!("{}-{} min", m.0, m.1)
    }
}

fn text(x: &Side, y: &Side, a: &CompareArgs) -> String {
    let mut out = String::new();
    let name = |s: &Side| {
        format!(
            "{} ({})",
            visible(s.protocol.id()),
            visible(s.protocol.version())
        )
    };
    let patient = &x.plan.patient;
    let inputs: Vec<String> = patient
        .inputs
        .iter()
        .map(|(k, v)| format!("{} {}", visible(k), visible(&v.to_string())))
        .collect();
    let _ = writeln!(
        out,
        "Comparing {} and {} for {} ({})",
        visible(x.protocol.title()),
        visible(y.protocol.title()),
        visible(patient.name.as_deref().unwrap_or("the patient")),
        inputs.join(", ")
    );
    let row = |out: &mut String, label: &str, l: String, r: String| {
        let _ = writeln!(out, "  {label:<22} {l:<38} {r}");
    };
    row(&mut out, "", name(x), name(y));
    let days = |p: &Plan| format!("{} to {} ({} days)", p.start, p.outcome.date, p.days.len());
    row(&mut out, "plan", days(&x.plan), days(&y.plan));
    row(
        &mut out,
        "outcome",
        outcome_words(&x.plan),
        outcome_words(&y.plan),
    );
    let first = |p: &Plan| first_running_day(p).map_or("none".to_string(), |d| d.to_string());
    row(
        &mut out,
        "first running day",
        first(&x.plan),
        first(&y.plan),
    );
    row(
        &mut out,
        "sessions",
        sessions(&x.plan).to_string(),
        sessions(&y.plan).to_string(),
    );
    row(
        &mut out,
        "running in all",
        plan_running_words(&x.plan),
        plan_running_words(&y.plan),
    );

    let _ = writeln!(out, "\nPhases");
    for side in [x, y] {
        let _ = writeln!(out, "  {}:", side.protocol.id());
        for p in &side.plan.phases {
            let _ = writeln!(
                out,
                "    {:<24} {} to {} {:>4} days",
                p.id, p.start, p.end, p.days
            );
        }
    }

    let (title, label) = match a.align {
        Align::Date => ("calendar weeks, from the earlier start", "from"),
        Align::Start => ("weeks since each plan's start", "days"),
    };
    let _ = writeln!(
        out,
        "\nWeekly running, minutes or distance ({title}; each plan's own phase and week)"
    );
    let cell = |weeks: &[&WeekSummary]| {
        weeks
            .iter()
            .map(|w| {
                format!(
                    "{} ({} week {})",
                    running_words(
                        w.run_minutes.map(|m| (m.min, m.max)),
                        w.run_distance,
                        w.timed_runs_left_out > 0
                    ),
                    w.phase,
                    w.week
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    let rows = aligned(&x.plan, &y.plan, a.align);
    let width = rows
        .iter()
        .map(|r| cell(&r.first).chars().count())
        .chain([x.protocol.id().chars().count()])
        .max()
        .unwrap_or(0)
        + 2;
    let _ = writeln!(
        out,
        "  {:<12} {:<width$}{}",
        label,
        visible(x.protocol.id()),
        visible(y.protocol.id())
    );
    for row in &rows {
        let line = format!(
            "  {:<12} {:<width$}{}",
            row.label,
            cell(&row.first),
            cell(&row.second)
        );
        let _ = writeln!(out, "{}", line.trim_end());
    }

    let dx = rule_decisions(x);
    let dy = rule_decisions(y);
    let _ = writeln!(
        out,
        "\nDecisions that differ (rules that fired in one plan only)"
    );
    let only = |out: &mut String,
                side: &Side,
                mine: &BTreeSet<(Date, String)>,
                theirs: &BTreeSet<(Date, String)>| {
        let diff: Vec<String> = mine
            .difference(theirs)
            .map(|(d, r)| format!("{d} {r}"))
            .collect();
        let shown = if diff.is_empty() {
            "none".to_string()
        } else {
            diff.join("; ")
        };
        let _ = writeln!(out, "  only under {}: {shown}", side.protocol.id());
    };
    only(&mut out, x, &dx, &dy);
    only(&mut out, y, &dy, &dx);

    if let (Some(sx), Some(sy)) = (&x.simulation, &y.simulation) {
        let _ = writeln!(
            out,
            "\nSimulated outcomes ({} patients with these inputs each, seed {}, default model; see docs/simulation.md)",
            sx.patients, a.seed
        );
        let share =
            |s: &Summary, n: u64| format!("{:.1}%", n as f64 * 100.0 / s.patients.max(1) as f64);
        let p = |s: &Summary, q: u32| s.percentile(q).map_or("-".to_string(), |d| d.to_string());
        row(&mut out, "", name(x), name(y));
        row(
            &mut out,
            "completed",
            share(sx, sx.completed),
            share(sy, sy.completed),
        );
        row(
            &mut out,
            "referred",
            share(sx, sx.referred),
            share(sy, sy.referred),
        );
        for q in [10, 50, 90] {
            row(
                &mut out,
                &format!("days to completion p{q}"),
                p(sx, q),
                p(sy, q),
            );
        }
    }
    let _ = writeln!(
        out,
        "\nDisclaimers:\n  {}: {}\n  {}: {}",
        visible(x.protocol.id()),
        visible(x.protocol.disclaimer()),
        visible(y.protocol.id()),
        visible(y.protocol.disclaimer())
    );
    out
}

/// One row of the weekly table: the plan weeks of each plan that begin in it.
struct Row<'p> {
    label: String,
    from: Option<Date>,
    first: Vec<&'p WeekSummary>,
    second: Vec<&'p WeekSummary>,
}

/// The weeks of both plans in rows of seven days: from the earlier plan's first day (by
/// date), or from each plan's own first day (by start). A plan week belongs to the row
/// its first day falls in; rows where neither plan has a week beginning are kept, so
/// the calendar reads evenly.
fn aligned<'p>(x: &'p Plan, y: &'p Plan, align: Align) -> Vec<Row<'p>> {
    let common = x.start.min(y.start);
    let base = |p: &Plan| match align {
        Align::Date => common,
        Align::Start => p.start,
    };
    let row_of = |p: &Plan, w: &WeekSummary| -> usize {
        let days = (w.start - base(p)).get_days().max(0);
        usize::try_from(days / 7).unwrap_or(0)
    };
    let count = [x, y]
        .iter()
        .flat_map(|p| p.weeks.iter().map(move |w| row_of(p, w) + 1))
        .max()
        .unwrap_or(0);
    (0..count)
        .map(|r| {
            let from = match align {
                Align::Date => common
                    .checked_add(jiff::Span::new().days(7 * r as i64))
                    .ok(),
                Align::Start => None,
            };
            let label = match from {
                Some(date) => date.to_string(),
                None => format!("{}-{}", 7 * r + 1, 7 * r + 7),
            };
            let weeks = |p: &'p Plan| p.weeks.iter().filter(|w| row_of(p, w) == r).collect();
            Row {
                label,
                from,
                first: weeks(x),
                second: weeks(y),
            }
        })
        .collect()
}

fn side_json(side: &Side) -> Value {
    let plan = &side.plan;
    let total = running_minutes(plan).map(|(lo, hi)| json!({ "min": lo, "max": hi }));
    let mut v = json!({
        "protocol": { "id": side.protocol.id(), "version": side.protocol.version(), "title": side.protocol.title() },
        "disclaimer": side.protocol.disclaimer(),
        "start": plan.start.to_string(),
        "outcome": { "status": match plan.outcome.status {
            OutcomeStatus::Completed => "completed",
            OutcomeStatus::InProgress => "in_progress",
            OutcomeStatus::Referred => "referred",
        }, "date": plan.outcome.date.to_string() },
        "days": plan.days.len(),
        "first_running_day": first_running_day(plan).map(|d| d.to_string()),
        "sessions": sessions(plan),
        "running_minutes": total,
        "running_distance": running_distance(plan),
        "phases": plan.phases.iter().map(|p| json!({
            "id": p.id, "start": p.start.to_string(), "end": p.end.to_string(), "days": p.days,
        })).collect::<Vec<_>>(),
        "weekly_running_minutes": plan.weeks.iter().map(|w| json!({
            "phase": w.phase, "week": w.week, "start": w.start.to_string(),
            "min": w.run_minutes.map(|m| m.min), "max": w.run_minutes.map(|m| m.max),
            "distance": w.run_distance,
        })).collect::<Vec<_>>(),
    });
    if let (Some(s), Value::Object(map)) = (&side.simulation, &mut v) {
        map.insert(
            "simulation".into(),
            json!({
                "patients": s.patients,
                "completed": s.completed,
                "referred": s.referred,
                "in_progress": s.in_progress,
                "completion_days": {
                    "p10": s.percentile(10), "p50": s.percentile(50), "p90": s.percentile(90),
                },
            }),
        );
    }
    v
}

fn json(x: &Side, y: &Side, a: &CompareArgs) -> Value {
    let dx = rule_decisions(x);
    let dy = rule_decisions(y);
    let only = |mine: &BTreeSet<(Date, String)>, theirs: &BTreeSet<(Date, String)>| {
        mine.difference(theirs)
            .map(|(d, r)| json!({ "date": d.to_string(), "decision": r }))
            .collect::<Vec<_>>()
    };
    json!({
        "patient": x.plan.patient,
        "seed": a.simulate.map(|_| a.seed),
        "first": side_json(x),
        "second": side_json(y),
        "align": match a.align {
            Align::Date => "date",
            Align::Start => "start",
        },
        "aligned_weeks": aligned(&x.plan, &y.plan, a.align)
            .iter()
            .map(|r| {
                let weeks = |ws: &[&WeekSummary]| {
                    ws.iter()
                        .map(|w| json!({ "phase": w.phase, "week": w.week, "start": w.start.to_string() }))
                        .collect::<Vec<_>>()
                };
                json!({
                    "days": r.label,
                    "from": r.from.map(|d| d.to_string()),
                    "first": weeks(&r.first),
                    "second": weeks(&r.second),
                })
            })
            .collect::<Vec<_>>(),
        "decisions_only_in_first": only(&dx, &dy),
        "decisions_only_in_second": only(&dy, &dx),
    })
}
