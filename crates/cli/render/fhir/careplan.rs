//! A patient's plan as a FHIR R4 `Bundle` (type `collection`) of a `CarePlan`, the
//! pain scores the journal reported as `Observation`s, and a `Provenance` naming the
//! protocol's and the patient's digests (`engine run --format fhir`).

use rehab_engine::plan::{Day, OutcomeStatus, PartKind, Plan, Status};

use super::types::{
    Activity, ActivityDetail, Annotation, CarePlan, CodeableConcept, Coding, Identifier,
    Observation, Period, Provenance, ProvenanceAgent, ProvenanceEntity, Reference, Resource,
};
use super::{
    EXERCISE_THERAPY, SHA256, activity_url, bundle, fhir_id, full_url, plan_url, string, to_json,
    versioned,
};
use crate::render::{assessments, is_adaptive, part_label};

/// LOINC 72514-3, "Pain severity - 0-10 verbal numeric rating [Score] - Reported": the
/// journal's pain scores are the patient's own 0-10 ratings.
const PAIN_SCORE: Coding = Coding {
    system: "http://loinc.org",
    code: "72514-3",
    display: Some("Pain severity - 0-10 verbal numeric rating [Score] - Reported"),
};

/// The observation category of what a patient reports about themselves.
const SURVEY: Coding = Coding {
    system: "http://terminology.hl7.org/CodeSystem/observation-category",
    code: "survey",
    display: Some("Survey"),
};

/// The provenance agent that put the plan together.
const ASSEMBLER: Coding = Coding {
    system: "http://terminology.hl7.org/CodeSystem/provenance-participant-type",
    code: "assembler",
    display: Some("Assembler"),
};

pub fn careplan(plan: &Plan) -> Result<String, String> {
    let protocol = &plan.protocol;
    let patient_digest = &plan.provenance.patient.sha256;
    let who = &patient_digest[..patient_digest.len().min(16)];
    let id = fhir_id(&["careplan", &protocol.id, who]);
    let careplan_url = full_url("CarePlan", &id);
    let subject = Reference {
        display: Some(plan.patient.name.as_deref().map_or_else(
            || "Unnamed patient (the patient file gives no name)".to_string(),
            string,
        )),
        ..Reference::default()
    };

    let mut note = vec![Annotation {
        author_string: None,
        time: None,
        text: string(&plan.disclaimer),
    }];
    note.extend(plan.days.iter().flat_map(decisions));

    let care = CarePlan {
        resource_type: "CarePlan",
        id: id.clone(),
        instantiates_canonical: vec![versioned(&plan_url(&protocol.id), &protocol.version)],
        status: careplan_status(plan),
        intent: "plan",
        title: string(&protocol.title),
        subject: subject.clone(),
        period: Period {
            start: plan.start.to_string(),
            end: plan.outcome.date.to_string(),
        },
        activity: plan.days.iter().filter_map(|d| activity(plan, d)).collect(),
        note,
    };

    let mut resources = vec![("CarePlan", id.clone(), Resource::CarePlan(Box::new(care)))];
    let mut targets = vec![careplan_url.clone()];
    for day in &plan.days {
        for obs in pain(day, who, &careplan_url, &subject) {
            targets.push(full_url("Observation", &obs.id));
            resources.push((
                "Observation",
                obs.id.clone(),
                Resource::Observation(Box::new(obs)),
            ));
        }
    }
    let provenance = provenance(plan, fhir_id(&["provenance", &protocol.id, who]), targets);
    resources.push((
        "Provenance",
        provenance.id.clone(),
        Resource::Provenance(Box::new(provenance)),
    ));
    to_json(&bundle(fhir_id(&["bundle", &protocol.id, who]), resources))
}

/// The plan's status: `on-hold` when the plan referred the patient (the plan stops and
/// the clinician decides what follows), `completed` when the plan is over on the day
/// it is read (`--as-of`) or the journal reaches its last day, `active` otherwise.
fn careplan_status(plan: &Plan) -> &'static str {
    match plan.outcome.status {
        OutcomeStatus::Referred => "on-hold",
        OutcomeStatus::InProgress => "active",
        OutcomeStatus::Completed
            if plan.as_of.is_some()
                || plan
                    .journal
                    .followed_until
                    .is_some_and(|d| d >= plan.outcome.date) =>
        {
            "completed"
        }
        OutcomeStatus::Completed => "active",
    }
}

/// A day's status as an activity's: done is `completed`, partly done `stopped`, skipped
/// `cancelled`, projected `scheduled`.
fn activity_status(status: Status) -> &'static str {
    match status {
        Status::Done => "completed",
        Status::Partial => "stopped",
        Status::Skipped => "cancelled",
        Status::Planned => "scheduled",
        Status::Off => "not-started",
        Status::Waiting => "on-hold",
    }
}

/// The part kind's word in the `ActivityDefinition` URLs.
pub(crate) fn kind_word(kind: PartKind) -> &'static str {
    match kind {
        PartKind::Session => "session",
        PartKind::Cross => "cross",
        PartKind::Strength => "strength",
        PartKind::Off => "off",
    }
}

/// The day's activity, when it has something to do: sessions, cross-training, strength
/// work or an assessment.
fn activity(plan: &Plan, day: &Day) -> Option<Activity> {
    let parts: Vec<_> = day
        .session
        .parts
        .iter()
        .filter(|p| p.kind != PartKind::Off)
        .collect();
    let tests = assessments(plan, day);
    if parts.is_empty() && tests.is_empty() {
        return None;
    }
    let mut items: Vec<String> = parts
        .iter()
        .map(|p| format!("{}: {}", part_label(p), p.plain))
        .collect();
    items.extend(tests.iter().map(|t| format!("Assessment: {t}")));
    let phase = plan.phases.iter().find(|p| p.id == day.phase);
    let phase_title = phase.map_or(day.phase.as_str(), |p| p.title.as_str());
    let mut labels: Vec<&str> = parts.iter().map(|p| part_label(p)).collect();
    if !tests.is_empty() {
        labels.push("Assessment");
    }
    labels.dedup();
    let mut kinds: Vec<PartKind> = parts.iter().map(|p| p.kind).collect();
    kinds.dedup();
    let week = if day.week > 0 {
        format!(", week {}", day.week)
    } else {
        String::new()
    };
    Some(Activity {
        progress: report(day).into_iter().collect(),
        detail: ActivityDetail {
            kind: "ServiceRequest",
            instantiates_canonical: kinds
                .iter()
                .map(|k| {
                    versioned(
                        &activity_url(&plan.protocol.id, &day.phase, kind_word(*k)),
                        &plan.protocol.version,
                    )
                })
                .collect(),
            code: CodeableConcept {
                coding: if parts.is_empty() {
                    Vec::new()
                } else {
                    vec![EXERCISE_THERAPY]
                },
                text: Some(labels.join(", ")),
            },
            status: activity_status(day.status),
            status_reason: None,
            scheduled_period: Period {
                start: day.date.to_string(),
                end: day.date.to_string(),
            },
            description: string(&format!("{phase_title}{week}. {}", items.join("; "))),
        },
    })
}

/// What the patient reported for the day, as the activity's progress note.
fn report(day: &Day) -> Option<Annotation> {
    let r = day.report.as_ref()?;
    let mut said = Vec::new();
    if let Some(s) = r.session {
        said.push(format!("session {}", crate::render::status_word(s)));
    }
    for (time, score) in &r.pain {
        said.push(format!("pain {} {score}/10", time.replace('_', " ")));
    }
    for (id, answer) in &r.fields {
        said.push(format!("{} {answer}", id.replace('_', " ")));
    }
    let mut text = format!("Reported: {}.", said.join(", "));
    if let Some(n) = &r.note {
        text.push_str(&format!(" Note: {n}"));
    }
    Some(Annotation {
        author_string: Some("Patient (journal)".to_string()),
        time: Some(day.date.to_string()),
        text: string(&text),
    })
}

/// The decisions that changed the day's plan, as notes with the rule, its verdict and
/// reason, and the date.
fn decisions(day: &Day) -> Vec<Annotation> {
    day.decisions
        .iter()
        .filter(|d| is_adaptive(d))
        .map(|d| {
            let mut text = format!("{} ({}): {}", d.by, d.action, d.reason);
            if let Some(by) = &d.overridden_by {
                text.push_str(&format!(" Overridden by {by}."));
            }
            Annotation {
                author_string: Some(string(&format!("rule {}", d.by))),
                time: Some(day.date.to_string()),
                text: string(&text),
            }
        })
        .collect()
}

/// The day's pain scores as observations: the day felt (the morning after, for
/// `next_day`), the patient's 0-10 rating.
fn pain(day: &Day, who: &str, careplan: &str, subject: &Reference) -> Vec<Observation> {
    let Some(r) = &day.report else {
        return Vec::new();
    };
    r.pain
        .iter()
        .map(|(time, score)| {
            let felt = if *time == "next_day" {
                day.date.tomorrow().unwrap_or(day.date)
            } else {
                day.date
            };
            let when = match *time {
                "before" => "before the session",
                "during" => "during the session",
                "after" => "after the session",
                _ => "the morning after the session",
            };
            Observation {
                resource_type: "Observation",
                id: fhir_id(&["pain", &day.date.strftime("%Y%m%d").to_string(), time, who]),
                based_on: vec![Reference {
                    reference: Some(careplan.to_string()),
                    ..Reference::default()
                }],
                status: "final",
                category: vec![CodeableConcept {
                    coding: vec![SURVEY],
                    text: None,
                }],
                code: CodeableConcept {
                    coding: vec![PAIN_SCORE],
                    text: Some(format!("Pain {when} of {}, 0-10", day.date)),
                },
                subject: subject.clone(),
                effective_date_time: felt.to_string(),
                value_integer: *score,
            }
        })
        .collect()
}

/// What made the plan: the engine, from the protocol and the patient file, named by
/// their SHA-256. `recorded` is the day the plan is read on, or its first day (never
/// the clock).
fn provenance(plan: &Plan, id: String, targets: Vec<String>) -> Provenance {
    let p = &plan.provenance;
    let on = plan.as_of.unwrap_or(plan.start);
    let sha = |value: &str| Identifier {
        system: SHA256,
        value: value.to_string(),
    };
    Provenance {
        resource_type: "Provenance",
        id,
        target: targets
            .into_iter()
            .map(|t| Reference {
                reference: Some(t),
                ..Reference::default()
            })
            .collect(),
        recorded: format!("{on}T00:00:00Z"),
        agent: vec![ProvenanceAgent {
            kind: CodeableConcept {
                coding: vec![ASSEMBLER],
                text: None,
            },
            who: Reference {
                display: Some(format!("rehab engine {}", p.engine.version)),
                ..Reference::default()
            },
        }],
        entity: vec![
            ProvenanceEntity {
                role: "source",
                what: Reference {
                    reference: None,
                    identifier: Some(sha(&p.protocol.sha256)),
                    display: Some(string(&format!(
                        "Protocol {} v{} ({}): SHA-256 of its file and modules",
                        p.protocol.id,
                        p.protocol.version,
                        versioned(&plan_url(&p.protocol.id), &p.protocol.version)
                    ))),
                },
            },
            ProvenanceEntity {
                role: "source",
                what: Reference {
                    reference: None,
                    identifier: Some(sha(&p.patient.sha256)),
                    display: Some("Patient file: SHA-256 of its canonical JSON".to_string()),
                },
            },
        ],
    }
}
