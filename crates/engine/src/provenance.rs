//! What made a plan: the protocol's exact bytes, the patient's content and the engine's
//! version, as SHA-256 digests a clinic can pin and check with public tools.
//!
//! - **Protocol**: SHA-256 over the bytes of the protocol file followed by the bytes of
//!   each module it loads, in the order its `modules:` list names them, with nothing in
//!   between: `cat protocols/morra.yaml protocols/morra.rhai | sha256sum`. Any byte
//!   counts, a comment's included.
//! - **Patient**: SHA-256 over the canonical JSON of the parsed patient (see
//!   [`canonical_patient`]): keys sorted, no spaces, numbers as the engine reads them.
//!   So a YAML file, a JSON line and a Python dict with the same content give the same
//!   digest, whatever their layout, comments or key order.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value as Json;
use sha2::{Digest, Sha256};

use crate::model::{Answer, Entry, EntryKind, Patient, Value};
use rehab_rules::PAIN_TIMES;

/// The plan's `provenance`.
#[derive(Debug, Clone, Serialize)]
pub struct Provenance {
    pub protocol: ProtocolProvenance,
    pub patient: PatientProvenance,
    pub engine: EngineProvenance,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProtocolProvenance {
    pub id: String,
    pub version: String,
    pub sha256: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct PatientProvenance {
    pub sha256: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct EngineProvenance {
    pub version: String,
}

/// The engine's version, as its package gives it.
pub const ENGINE_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Lowercase hexadecimal SHA-256 of the texts, one after the other.
pub fn sha256_of<'a>(texts: impl IntoIterator<Item = &'a str>) -> String {
    let mut hasher = Sha256::new();
    for text in texts {
        hasher.update(text.as_bytes());
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The patient as canonical JSON: an object with `inputs` (by id), `journal` (the
/// entries in date order) and `name` when there is one; every object's keys sorted.
/// A journal entry has its `date`, its `note` when there is one, and:
/// a check-in's `session` and `pain` (the times reported) and `fields`; an assessment's
/// `assessment` and `result`; an event's `event`. Numbers a patient file writes as
/// `84` or `84.0` are the same number (`84.0`), and pain scores are integers.
pub fn canonical_patient(patient: &Patient) -> String {
    let mut top = BTreeMap::new();
    if let Some(name) = patient.name() {
        top.insert("name", Json::from(name));
    }
    let inputs: BTreeMap<&str, Json> = patient
        .inputs()
        .iter()
        .map(|(id, v)| (id.as_str(), value_json(v)))
        .collect();
    top.insert("inputs", sorted(inputs));
    top.insert(
        "journal",
        Json::Array(patient.journal().iter().map(entry_json).collect()),
    );
    sorted(top).to_string()
}

/// The digest of [`canonical_patient`].
pub fn patient_sha256(patient: &Patient) -> String {
    sha256_of([canonical_patient(patient).as_str()])
}

/// An object whose keys are in sorted order (the map keeps insertion order).
fn sorted<K: AsRef<str> + Ord>(entries: BTreeMap<K, Json>) -> Json {
    Json::Object(
        entries
            .into_iter()
            .map(|(k, v)| (k.as_ref().to_string(), v))
            .collect(),
    )
}

fn value_json(v: &Value) -> Json {
    match v {
        Value::Text(t) => Json::from(t.as_str()),
        Value::Date(d) => Json::from(d.to_string()),
        Value::Number(n) => Json::from(*n),
        Value::Bool(b) => Json::from(*b),
        Value::List(items) => Json::Array(items.iter().map(value_json).collect()),
        Value::Map(entries) => sorted(
            entries
                .iter()
                .map(|(k, v)| (k.as_str(), value_json(v)))
                .collect::<BTreeMap<_, _>>(),
        ),
    }
}

fn answers_json(answers: &[(String, Answer)]) -> Json {
    sorted(
        answers
            .iter()
            .map(|(k, a)| {
                let v = match a {
                    Answer::Yes(b) => Json::from(*b),
                    Answer::Number(n) => Json::from(*n),
                };
                (k.as_str(), v)
            })
            .collect::<BTreeMap<_, _>>(),
    )
}

fn entry_json(e: &Entry) -> Json {
    let mut m = BTreeMap::new();
    m.insert("date", Json::from(e.date.to_string()));
    if let Some(note) = &e.note {
        m.insert("note", Json::from(note.as_str()));
    }
    match &e.kind {
        EntryKind::CheckIn {
            session,
            pain,
            fields,
        } => {
            if let Some(s) = session {
                m.insert("session", Json::from(s.as_str()));
            }
            let pain: BTreeMap<&str, Json> = PAIN_TIMES
                .iter()
                .zip(pain)
                .filter_map(|(t, p)| p.map(|p| (*t, Json::from(p))))
                .collect();
            if !pain.is_empty() {
                m.insert("pain", sorted(pain));
            }
            if !fields.is_empty() {
                m.insert("fields", answers_json(fields));
            }
        }
        EntryKind::Assessment { id, answers, .. } => {
            m.insert("assessment", Json::from(id.as_str()));
            m.insert("result", answers_json(answers));
        }
        EntryKind::Event { id } => {
            m.insert("event", Json::from(id.as_str()));
        }
    }
    sorted(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_is_sha256_of_the_texts_in_order() {
        // The SHA-256 of "abc", a published test vector.
        assert_eq!(
            sha256_of(["a", "bc"]),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_ne!(sha256_of(["bc", "a"]), sha256_of(["a", "bc"]));
    }
}
