//! The few FHIR R4 (4.0.1) data types and resources the engine writes, as plain serde
//! structs: only the elements it fills, each optional one skipped when empty, in the
//! order of the specification's element tables. Every string in them has been through
//! [`super::string`] (no control characters, not empty).

use serde::Serialize;

fn none<T>(v: &Option<T>) -> bool {
    v.is_none()
}

fn empty<T>(v: &[T]) -> bool {
    v.is_empty()
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Bundle {
    pub resource_type: &'static str,
    pub id: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub entry: Vec<Entry>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    pub full_url: String,
    pub resource: Resource,
}

/// A resource of a bundle; each writes its own `resourceType`.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Resource {
    CarePlan(Box<CarePlan>),
    Observation(Box<Observation>),
    Provenance(Box<Provenance>),
    PlanDefinition(Box<PlanDefinition>),
    ActivityDefinition(Box<ActivityDefinition>),
    Library(Box<Library>),
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Coding {
    pub system: &'static str,
    pub code: &'static str,
    #[serde(skip_serializing_if = "none")]
    pub display: Option<&'static str>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct CodeableConcept {
    #[serde(skip_serializing_if = "empty")]
    pub coding: Vec<Coding>,
    #[serde(skip_serializing_if = "none")]
    pub text: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Identifier {
    pub system: &'static str,
    pub value: String,
}

/// A reference: to a resource of the bundle (its `fullUrl`), or only a name
/// (`display`), or an identifier.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Reference {
    #[serde(skip_serializing_if = "none")]
    pub reference: Option<String>,
    #[serde(skip_serializing_if = "none")]
    pub identifier: Option<Identifier>,
    #[serde(skip_serializing_if = "none")]
    pub display: Option<String>,
}

/// Dates as `YYYY-MM-DD` (FHIR `dateTime` and `date` both allow it).
#[derive(Debug, Clone, Serialize)]
pub struct Period {
    pub start: String,
    pub end: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Annotation {
    #[serde(skip_serializing_if = "none")]
    pub author_string: Option<String>,
    #[serde(skip_serializing_if = "none")]
    pub time: Option<String>,
    pub text: String,
}

/// A UCUM quantity of time: a `Duration`, or an end of a `Range`.
#[derive(Debug, Clone, Serialize)]
pub struct Quantity {
    pub value: f64,
    pub unit: &'static str,
    pub system: &'static str,
    pub code: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct Range {
    pub low: Quantity,
    pub high: Quantity,
}

/// A `Timing` with only its `code`: a length in words.
#[derive(Debug, Clone, Serialize)]
pub struct Timing {
    pub code: CodeableConcept,
}

#[derive(Debug, Clone, Serialize)]
pub struct Expression {
    #[serde(skip_serializing_if = "none")]
    pub description: Option<String>,
    pub language: &'static str,
    pub expression: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Attachment {
    pub content_type: &'static str,
    pub data: String,
    pub title: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ContactDetail {
    pub name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct RelatedArtifact {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub label: String,
    pub citation: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CarePlan {
    pub resource_type: &'static str,
    pub id: String,
    pub instantiates_canonical: Vec<String>,
    pub status: &'static str,
    pub intent: &'static str,
    pub title: String,
    pub subject: Reference,
    pub period: Period,
    #[serde(skip_serializing_if = "empty")]
    pub activity: Vec<Activity>,
    pub note: Vec<Annotation>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Activity {
    #[serde(skip_serializing_if = "empty")]
    pub progress: Vec<Annotation>,
    pub detail: ActivityDetail,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ActivityDetail {
    pub kind: &'static str,
    #[serde(skip_serializing_if = "empty")]
    pub instantiates_canonical: Vec<String>,
    pub code: CodeableConcept,
    pub status: &'static str,
    #[serde(skip_serializing_if = "none")]
    pub status_reason: Option<CodeableConcept>,
    pub scheduled_period: Period,
    pub description: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Observation {
    pub resource_type: &'static str,
    pub id: String,
    pub based_on: Vec<Reference>,
    pub status: &'static str,
    pub category: Vec<CodeableConcept>,
    pub code: CodeableConcept,
    pub subject: Reference,
    pub effective_date_time: String,
    pub value_integer: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Provenance {
    #[serde(rename = "resourceType")]
    pub resource_type: &'static str,
    pub id: String,
    pub target: Vec<Reference>,
    pub recorded: String,
    pub agent: Vec<ProvenanceAgent>,
    pub entity: Vec<ProvenanceEntity>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProvenanceAgent {
    #[serde(rename = "type")]
    pub kind: CodeableConcept,
    pub who: Reference,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProvenanceEntity {
    pub role: &'static str,
    pub what: Reference,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanDefinition {
    pub resource_type: &'static str,
    pub id: String,
    pub url: String,
    pub identifier: Vec<Identifier>,
    pub version: String,
    pub name: String,
    pub title: String,
    #[serde(rename = "type")]
    pub kind: CodeableConcept,
    pub status: &'static str,
    #[serde(skip_serializing_if = "none")]
    pub description: Option<String>,
    pub usage: String,
    #[serde(skip_serializing_if = "empty")]
    pub author: Vec<ContactDetail>,
    #[serde(skip_serializing_if = "empty")]
    pub related_artifact: Vec<RelatedArtifact>,
    pub library: Vec<String>,
    pub action: Vec<Action>,
}

/// A `PlanDefinition.action`: a phase, a rule, or the sessions of a phase.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Action {
    /// The element id, which `relatedAction.actionId` points at.
    #[serde(skip_serializing_if = "none")]
    pub id: Option<String>,
    pub title: String,
    #[serde(skip_serializing_if = "none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "none")]
    pub text_equivalent: Option<String>,
    #[serde(skip_serializing_if = "empty")]
    pub condition: Vec<Condition>,
    #[serde(skip_serializing_if = "empty")]
    pub related_action: Vec<RelatedAction>,
    #[serde(skip_serializing_if = "none")]
    pub timing_duration: Option<Quantity>,
    #[serde(skip_serializing_if = "none")]
    pub timing_range: Option<Range>,
    #[serde(skip_serializing_if = "none")]
    pub timing_timing: Option<Timing>,
    #[serde(skip_serializing_if = "none")]
    pub definition_canonical: Option<String>,
    #[serde(skip_serializing_if = "empty")]
    pub action: Vec<Action>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Condition {
    pub kind: &'static str,
    pub expression: Expression,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RelatedAction {
    pub action_id: String,
    pub relationship: &'static str,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ActivityDefinition {
    pub resource_type: &'static str,
    pub id: String,
    pub url: String,
    pub version: String,
    pub name: String,
    pub title: String,
    pub status: &'static str,
    pub description: String,
    pub kind: &'static str,
    pub code: CodeableConcept,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Library {
    pub resource_type: &'static str,
    pub id: String,
    pub url: String,
    pub version: String,
    pub name: String,
    pub title: String,
    pub status: &'static str,
    #[serde(rename = "type")]
    pub kind: CodeableConcept,
    pub description: String,
    pub content: Vec<Attachment>,
}
