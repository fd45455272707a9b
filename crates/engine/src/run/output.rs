//! The plan put together: phase plans, weekly summaries and the finished plan.

use super::*;
use crate::provenance::{
    ENGINE_VERSION, EngineProvenance, PatientProvenance, ProtocolProvenance, Provenance,
    patient_sha256,
};

impl Runner<'_, '_> {
    pub(super) fn finish(mut self) -> Result<Plan, Diagnostic> {
        let Some(outcome) = self.outcome.take() else {
            return Err(Diagnostic::error(
                codes::PHASE,
                "internal: the run did not end",
            ));
        };
        let last = outcome.date;
        let applied = self
            .journal
            .iter()
            .filter(|e| e.date >= self.start && e.date <= last)
            .count();
        let protocol = self.protocol;
        let patient = self.patient;
        let mut notes: Vec<NoteOut> = protocol
            .notes
            .iter()
            .filter(|n| n.applies_to(patient))
            .map(note_out)
            .collect();
        notes.extend(self.skipped);
        self.scripts.take_seen();
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
            start: self.start,
            as_of: self.config.as_of,
            journal: JournalInfo {
                entries: patient.journal.len(),
                applied,
                followed_until: self
                    .followed_until
                    .filter(|d| *d <= last)
                    .or_else(|| self.followed_until.map(|_| last)),
            },
            requires: protocol
                .requires
                .iter()
                .map(|r| requirement_out(protocol, r))
                .collect(),
            phases: self.phases,
            weeks: summaries(protocol, &self.days),
            days: self.days,
            notes,
            outcome,
            provenance: Provenance {
                protocol: ProtocolProvenance {
                    id: protocol.id.clone(),
                    version: protocol.version.clone(),
                    sha256: protocol.sha256.clone(),
                },
                patient: PatientProvenance {
                    sha256: patient_sha256(patient),
                },
                engine: EngineProvenance {
                    version: ENGINE_VERSION.to_string(),
                },
            },
        })
    }
}

pub(super) fn scheduling_explanation(policy: RangePolicy) -> String {
    let end = match policy {
        RangePolicy::Upper => "at their upper end (the conservative choice)",
        RangePolicy::Lower => "at their lower end (\"up to\" periods at their stated limit)",
    };
    format!(
        "Phase lengths given as ranges are scheduled {end}. Ranges inside a day's dose are \
         prescribed as written: the patient stays within them, and weekly running minutes \
         are shown from the low to the high end."
    )
}

/// Weekly summaries: one per week of the plan, a repeated week counted apart.
pub(super) fn summaries(protocol: &Protocol, days: &[Day]) -> Vec<WeekSummary> {
    days.chunk_by(|a, b| a.seq == b.seq)
        .filter_map(|week| {
            let first = week.first()?;
            let last = week.last()?;
            let levels: Vec<u32> = week.iter().filter_map(|d| d.level).collect();
            let mut summary = WeekSummary {
                phase: first.phase.clone(),
                week: first.week,
                levels: match (levels.iter().min(), levels.iter().max()) {
                    (Some(&first), Some(&last)) => Some(LevelSpan { first, last }),
                    _ => None,
                },
                start: first.date,
                end: last.date,
                run_minutes: None,
                run_distance: None,
                timed_runs_left_out: 0,
                sessions: 0,
                cross_days: 0,
                strength_days: 0,
                off_days: 0,
                notes: week_notes(protocol, week),
            };
            let (mut lo, mut hi) = (0u64, 0u64);
            let mut timed = true;
            let mut timed_runs = 0u32;
            let mut dist: Option<(u64, u64, DistanceUnit)> = None;
            for day in week {
                for p in &day.session.parts {
                    match p.kind {
                        PartKind::Session => summary.sessions += 1,
                        PartKind::Cross => summary.cross_days += 1,
                        PartKind::Strength => summary.strength_days += 1,
                        PartKind::Off => summary.off_days += 1,
                    }
                    timed &= p.running_time_known();
                    timed_runs += u32::from(p.runs() && p.running_time_known());
                    if let Some((l, h)) = p.running_ms {
                        lo = lo.saturating_add(l);
                        hi = hi.saturating_add(h);
                    }
                    if let Some((l, h, unit)) = p.running_mm {
                        let d = dist.get_or_insert((0u64, 0u64, unit));
                        d.0 = d.0.saturating_add(l);
                        d.1 = d.1.saturating_add(h);
                    }
                }
            }
            // One running session of unknown time makes the week's minutes unknown: a
            // sum of the timed sessions alone would read as the week's total.
            summary.run_minutes = timed.then(|| MinuteRange {
                min: minutes(lo),
                max: minutes(hi),
            });
            if summary.run_minutes.is_none() {
                summary.timed_runs_left_out = timed_runs;
            }
            summary.run_distance = dist.map(|(lo, hi, unit)| DistanceRange {
                min: unit.from_mm(lo),
                max: unit.from_mm(hi),
                unit,
            });
            Some(summary)
        })
        .collect()
}

/// The `note` and `interpretation` of the `weeks` or `levels` entries that list a week's
/// days, each entry once, in the order the week reached them.
pub(super) fn week_notes(protocol: &Protocol, week: &[Day]) -> Vec<WeekNote> {
    let text = |s: &Option<String>| {
        s.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let mut entries: Vec<&WeekPlan> = Vec::new();
    let mut notes = Vec::new();
    for day in week {
        let Some(phase) = protocol.phases.iter().find(|p| p.id == day.phase) else {
            continue;
        };
        // A level-by-level phase keys its entries by level, any other by week. A week
        // past the last listed one continues that entry's doses, not its notes.
        let key = day.level.unwrap_or(day.week);
        let Some(entry) = week_plan(&phase.weeks, key).filter(|e| e.weeks.contains(key)) else {
            continue;
        };
        if entries.iter().any(|e| std::ptr::eq(*e, entry)) {
            continue;
        }
        entries.push(entry);
        let (note, interpretation) = (text(&entry.note), text(&entry.interpretation));
        if note.is_some() || interpretation.is_some() {
            notes.push(WeekNote {
                levels: day.level.map(|_| LevelSpan {
                    first: entry.weeks.first,
                    last: entry.weeks.last,
                }),
                note,
                interpretation,
            });
        }
    }
    notes
}

/// Milliseconds to minutes, to one decimal place.
pub(super) fn minutes(ms: u64) -> f64 {
    (ms as f64 / 6_000.0).round() / 10.0
}

pub(super) fn note_out(n: &Note) -> NoteOut {
    NoteOut {
        text: n.text.clone(),
        source: n.source.clone(),
        interpretation: n.interpretation.clone(),
    }
}

/// The plan of one visit to a phase, which ended on `last`.
pub(super) fn phase_plan(
    protocol: &Protocol,
    patient: &Patient,
    visit: Visit,
    last: Date,
) -> PhasePlan {
    let phase = &protocol.phases[visit.phase];
    // A stay that waited for the phase's requirements began with the wait; one that
    // never got further (a rule referred or moved the patient) is all wait.
    let (start, waited, explanation) = match &visit.progress {
        Progress::Awaiting(a) => {
            let days = i64::from((last - visit.start).get_days()) + 1;
            let waited = Waited {
                start: visit.start,
                end: last,
                days: u32::try_from(days).unwrap_or(u32::MAX),
                missing: a.missing.clone(),
            };
            let why = format!("not begun: {}", waited_words(&waited));
            (
                visit.start,
                Some(waited),
                why.trim_end_matches('.').to_string(),
            )
        }
        _ => (
            visit.waited.as_ref().map_or(visit.start, |w| w.start),
            visit.waited,
            visit.explanation,
        ),
    };
    let length = i64::from((last - start).get_days()) + 1;
    let notes = |list: &[Note]| -> Vec<NoteOut> {
        list.iter()
            .filter(|n| n.applies_to(patient))
            .map(note_out)
            .collect()
    };
    let (interpretation, length_source) = readings(protocol, patient, phase);
    PhasePlan {
        id: phase.id.clone(),
        title: phase.title.clone(),
        start,
        end: last,
        days: u32::try_from(length).unwrap_or(u32::MAX),
        length: explanation,
        length_source,
        adjustments: visit.adjustments,
        waited,
        purpose: phase.purpose.clone(),
        source: phase.source.clone(),
        interpretation,
        allowed: notes(&phase.allowed),
        avoided: notes(&phase.avoided),
        strength: match phase.strength[..] {
            [one] => protocol.circuits.get(one).map(circuit_out),
            _ => None,
        },
        rotation: rotation_out(protocol, phase),
        withhold: withhold_out(protocol, phase),
        on_entry: phase
            .on_entry
            .iter()
            .filter_map(|&a| protocol.assessments.get(a))
            .map(|a| AssessmentOut {
                id: a.id.clone(),
                title: a.title.clone(),
                questions: a.questions.iter().map(|q| q.text.clone()).collect(),
                checklist: a.checklist.clone(),
                source: a.source.clone(),
            })
            .collect(),
        requires: phase
            .requires
            .iter()
            .map(|r| requirement_out(protocol, r))
            .collect(),
        gates: phase.gates.iter().map(|g| gate_out(protocol, g)).collect(),
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

/// The circuits a phase's strength days take in turn; empty for one circuit or none.
fn rotation_out(protocol: &Protocol, phase: &Phase) -> Vec<CircuitOut> {
    match phase.strength[..] {
        [_, _, ..] => phase
            .strength
            .iter()
            .filter_map(|&i| protocol.circuits.get(i))
            .map(circuit_out)
            .collect(),
        _ => Vec::new(),
    }
}

/// The circuits a phase leaves out while one of its gates fails.
fn withhold_out(protocol: &Protocol, phase: &Phase) -> Vec<WithholdOut> {
    phase
        .withhold
        .iter()
        .map(|w| WithholdOut {
            circuit: protocol
                .circuits
                .get(w.circuit)
                .map_or_else(String::new, |c| c.id.clone()),
            while_failing: phase
                .gates
                .get(w.gate)
                .map_or_else(String::new, |g| g.id.clone()),
            source: w.source.clone(),
            interpretation: w.interpretation.clone(),
        })
        .collect()
}

/// How the protocol reads its sources for a phase, and the source of its length.
fn readings(protocol: &Protocol, patient: &Patient, phase: &Phase) -> (Option<String>, String) {
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
    // The patient's row may cite a source of its own, which comes first.
    let row_source = table.and_then(|t| match patient.input(&t.by) {
        Some(Value::Text(key)) => t.row(key).and_then(|r| r.source.clone()),
        _ => None,
    });
    let length_source = row_source
        .or_else(|| phase.length.source.clone())
        .or_else(|| table.map(|t| t.source.clone()))
        .unwrap_or_else(|| phase.source.clone());
    (interpretation, length_source)
}

fn circuit_out(c: &Circuit) -> CircuitOut {
    CircuitOut {
        id: c.id.clone(),
        title: c.title.clone(),
        exercises: c.exercises.to_string(),
        source: c.source.clone(),
        interpretation: c.interpretation.clone(),
    }
}

fn gate_out(protocol: &Protocol, g: &Gate) -> GateOut {
    GateOut {
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
    }
}

pub(super) fn requirement_out(protocol: &Protocol, r: &Requirement) -> GateOut {
    GateOut {
        id: r.id.clone(),
        title: r.title.clone(),
        assessment: r
            .assessment
            .and_then(|a| protocol.assessments.get(a))
            .map(|a| a.id.clone()),
        event: r
            .event
            .and_then(|e| protocol.events.get(e))
            .map(|e| e.id.clone()),
        source: r.source.clone(),
    }
}

pub(super) fn day_kind_name(d: DayKind) -> String {
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
