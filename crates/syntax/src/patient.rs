//! The patient file as written: inputs and a journal, with spans.
//!
//! The journal vocabulary is shared by every protocol, so one patient file can be run
//! under several protocols; which inputs, assessments and events exist is checked
//! against a protocol later, by the engine.

use crate::protocol::S;
use schemars::JsonSchema;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PatientDoc {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub inputs: Option<S<SpannedMap<S<Scalar>>>>,
    #[serde(default)]
    pub journal: Vec<S<JournalEntry>>,
}

/// A scalar as YAML typed it; the protocol's declaration says what it must be.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Scalar {
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
}

impl std::fmt::Display for Scalar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Scalar::Bool(b) => write!(f, "{b}"),
            Scalar::Int(i) => write!(f, "{i}"),
            Scalar::Float(x) => write!(f, "{x}"),
            Scalar::Text(s) => write!(f, "{s}"),
        }
    }
}

/// One journal line: a check-in, an assessment, or an event.
///
/// Besides the keys below, a check-in may report the journal fields its protocol
/// declares (`journal_fields`), as keys of their own: `swelling: true`. Which keys those
/// are is the protocol's to say, so the file format accepts any further key with a plain
/// value here and the engine checks it against the protocol.
#[derive(Debug, Clone, JsonSchema)]
#[schemars(extend("additionalProperties" = {
    "description": "A journal field the protocol declares: true/false, or a number.",
    "type": ["boolean", "number"]
}))]
pub struct JournalEntry {
    pub date: S<String>,
    #[serde(default)]
    pub session: Option<S<SessionStatus>>,
    #[serde(default)]
    pub pain: Option<Pain>,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub assessment: Option<S<String>>,
    #[serde(default)]
    pub result: Option<SpannedMap<S<Scalar>>>,
    #[serde(default)]
    pub event: Option<S<String>>,
    /// Every further key, in file order: the protocol's journal fields, or mistakes.
    #[schemars(skip)]
    pub fields: Vec<(S<String>, S<FieldValue>)>,
}

/// The value of a further journal key: a scalar, or something that cannot be a journal
/// field's value (a list or a mapping), kept only to be reported.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum FieldValue {
    Scalar(Scalar),
    Structured(serde::de::IgnoredAny),
}

impl JournalEntry {
    /// The keys every journal entry knows; a protocol's journal field may not reuse one.
    pub const KEYS: &'static [&'static str] = &[
        "date",
        "session",
        "pain",
        "note",
        "assessment",
        "result",
        "event",
    ];
}

impl<'de> Deserialize<'de> for JournalEntry {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = JournalEntry;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a journal entry (a mapping with a `date`)")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Self::Value, A::Error> {
                use serde::de::Error;
                let mut date = None;
                let (mut session, mut pain, mut note) = (None, None, None);
                let (mut assessment, mut result, mut event) = (None, None, None);
                let mut fields = Vec::new();
                while let Some(key) = map.next_key::<S<String>>()? {
                    match key.value.as_str() {
                        "date" => date = Some(map.next_value()?),
                        "session" => session = map.next_value()?,
                        "pain" => pain = map.next_value()?,
                        "note" => note = map.next_value()?,
                        "assessment" => assessment = map.next_value()?,
                        "result" => result = map.next_value()?,
                        "event" => event = map.next_value()?,
                        _ => fields.push((key, map.next_value()?)),
                    }
                }
                Ok(JournalEntry {
                    date: date.ok_or_else(|| A::Error::missing_field("date"))?,
                    session,
                    pain,
                    note,
                    assessment,
                    result,
                    event,
                    fields,
                })
            }
        }
        d.deserialize_map(Visit)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SessionStatus {
    Done,
    Partial,
    Skipped,
}

impl SessionStatus {
    /// The word a patient file uses.
    pub fn as_str(self) -> &'static str {
        match self {
            SessionStatus::Done => "done",
            SessionStatus::Partial => "partial",
            SessionStatus::Skipped => "skipped",
        }
    }
}

/// Pain on a 0-10 numeric rating scale, at the four times the check-in asks about.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Pain {
    #[serde(default)]
    pub before: Option<S<i64>>,
    #[serde(default)]
    pub during: Option<S<i64>>,
    #[serde(default)]
    pub after: Option<S<i64>>,
    #[serde(default)]
    pub next_day: Option<S<i64>>,
}

/// A mapping whose keys keep their places and their order in the file.
#[derive(Debug, Clone)]
pub struct SpannedMap<V>(pub Vec<(S<String>, V)>);

impl<V> Default for SpannedMap<V> {
    fn default() -> Self {
        SpannedMap(Vec::new())
    }
}

impl<V> SpannedMap<V> {
    pub fn get(&self, key: &str) -> Option<&V> {
        self.0.iter().find(|(k, _)| k.value == key).map(|(_, v)| v)
    }
}

impl<V: JsonSchema> JsonSchema for SpannedMap<V> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        format!("Map_of_{}", V::schema_name()).into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "object",
            "additionalProperties": generator.subschema_for::<V>(),
        })
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for SpannedMap<V> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit<V>(std::marker::PhantomData<V>);
        impl<'de, V: Deserialize<'de>> serde::de::Visitor<'de> for Visit<V> {
            type Value = SpannedMap<V>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a mapping")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::new();
                while let Some(key) = map.next_key::<S<String>>()? {
                    entries.push((key, map.next_value()?));
                }
                Ok(SpannedMap(entries))
            }
        }
        d.deserialize_map(Visit(std::marker::PhantomData))
    }
}
