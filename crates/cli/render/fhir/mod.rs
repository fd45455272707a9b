//! FHIR R4 (4.0.1) JSON: a patient's plan as a `CarePlan` bundle (`engine run --format
//! fhir`) and a protocol as a `PlanDefinition` bundle (`engine export --format fhir`).
//! The mapping is documented in `docs/fhir.md`.
//!
//! The resources are small hand-written serde structs (`types.rs`), not a FHIR crate:
//! see "Why the FHIR types are hand-written" in `docs/ARCHITECTURE.md`. Output is
//! deterministic: ids come from the protocol's id, the patient's digest and dates, and
//! no clock or random number is read.

mod careplan;
mod definition;
mod types;

pub use careplan::careplan;
pub use definition::plan_definition;

use types::{Bundle, Coding, Entry, Resource};

/// Where the engine's canonical URLs and identifier systems begin. A URN of the engine's
/// own: protocols are not published at an address, and a URN never resolves to someone
/// else's server by accident.
pub const BASE: &str = "urn:rehab-engine";

/// The identifier system of the engine's SHA-256 digests (lowercase hexadecimal): the
/// protocol's and the patient's, as `docs/provenance.md` defines them.
pub(crate) const SHA256: &str = "urn:rehab-engine:sha256";

/// SNOMED CT 229065009 |Exercise therapy (regime/therapy)|: every session, cross-training
/// and strength day.
pub(crate) const EXERCISE_THERAPY: Coding = Coding {
    system: "http://snomed.info/sct",
    code: "229065009",
    display: Some("Exercise therapy"),
};

/// The canonical URL of a protocol's `PlanDefinition`.
pub(crate) fn plan_url(protocol: &str) -> String {
    format!("{BASE}:protocol:{}", slug(protocol))
}

/// The canonical URL of the `ActivityDefinition` of one kind of activity in a phase.
pub(crate) fn activity_url(protocol: &str, phase: &str, kind: &str) -> String {
    format!("{}:activity:{}:{kind}", plan_url(protocol), slug(phase))
}

/// A canonical reference to a version: `url|version`.
pub(crate) fn versioned(url: &str, version: &str) -> String {
    format!("{url}|{}", slug(version))
}

/// Text from a file as a FHIR `string`: control characters (other than line breaks and
/// tabs) and invisible direction marks dropped, carriage returns dropped, and the ends
/// trimmed. FHIR strings may not be empty, so an empty text becomes `-`.
pub(crate) fn string(text: &str) -> String {
    let kept: String = text
        .chars()
        .filter(|&c| c == '\n' || c == '\t' || !rehab_syntax::escape::is_unsafe(c))
        .collect();
    let kept = kept.trim();
    if kept.is_empty() {
        "-".to_string()
    } else {
        kept.to_string()
    }
}

/// Text made of ASCII letters, digits, `-` and `.` only (the characters of a FHIR `id`),
/// anything else a `-`: a URL or id part from a name in a file.
pub(crate) fn slug(text: &str) -> String {
    let s: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if s.is_empty() { "-".to_string() } else { s }
}

/// A FHIR `id` (at most 64 of `[A-Za-z0-9.-]`) from parts: joined with `-`, and when too
/// long, cut and ended with a digest of the whole, so ids stay distinct.
pub(crate) fn fhir_id(parts: &[&str]) -> String {
    let whole = parts.iter().map(|p| slug(p)).collect::<Vec<_>>().join("-");
    if whole.len() <= 64 {
        return whole;
    }
    let digest = rehab_engine::provenance::sha256_of([whole.as_str()]);
    format!("{}-{}", &whole[..47], &digest[..16])
}

/// A computer name (`[A-Z][A-Za-z0-9_]*`, as FHIR's `cnl-0` asks of `name`) from an id:
/// `walk-jog` becomes `WalkJog`.
pub(crate) fn computer_name(id: &str) -> String {
    let mut name = String::new();
    for word in id.split(|c: char| !c.is_ascii_alphanumeric()) {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            name.push(first.to_ascii_uppercase());
            name.extend(chars);
        }
    }
    if !name.starts_with(|c: char| c.is_ascii_uppercase()) {
        name.insert(0, 'P');
    }
    name
}

/// The `fullUrl` of a resource in a bundle: a `urn:uuid:` made from the SHA-256 of its
/// type and id (the digest's first 128 bits, marked as an RFC 9562 version 8 UUID), so
/// the same resource has the same URL in every run.
pub(crate) fn full_url(resource_type: &str, id: &str) -> String {
    let digest = rehab_engine::provenance::sha256_of(["rehab-engine/", resource_type, "/", id]);
    let hex: Vec<char> = digest.chars().take(32).collect();
    let mut u: String = hex.iter().collect();
    // Version 8 in the 13th digit, the variant bits 10 in the 17th.
    u.replace_range(12..13, "8");
    let variant = u32::from_str_radix(&u[16..17], 16).unwrap_or(0);
    let variant = char::from_digit(8 | (variant & 3), 16).unwrap_or('8');
    u.replace_range(16..17, &variant.to_string());
    format!(
        "urn:uuid:{}-{}-{}-{}-{}",
        &u[0..8],
        &u[8..12],
        &u[12..16],
        &u[16..20],
        &u[20..32]
    )
}

/// A bundle of type `collection` holding `resources` (type and id for the `fullUrl`).
pub(crate) fn bundle(id: String, resources: Vec<(&str, String, Resource)>) -> Bundle {
    Bundle {
        resource_type: "Bundle",
        id,
        kind: "collection",
        entry: resources
            .into_iter()
            .map(|(kind, id, resource)| Entry {
                full_url: full_url(kind, &id),
                resource,
            })
            .collect(),
    }
}

pub(crate) fn to_json(bundle: &Bundle) -> Result<String, String> {
    serde_json::to_string_pretty(bundle)
        .map(|s| s + "\n")
        .map_err(|e| format!("cannot write the FHIR bundle: {e}"))
}

/// Standard base64 with padding (RFC 4648), for `Attachment.data`.
pub(crate) fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> shift) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_pads_like_rfc_4648() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn ids_are_fhir_ids_and_urls_are_uuids() {
        assert_eq!(fhir_id(&["plan", "demo v1"]), "plan-demo-v1");
        let long = fhir_id(&[&"x".repeat(80)]);
        assert_eq!(long.len(), 64);
        let u = full_url("CarePlan", "a");
        assert_eq!(u.len(), "urn:uuid:".len() + 36);
        assert_eq!(&u[9 + 14..9 + 15], "8");
        assert!(matches!(&u[9 + 19..9 + 20], "8" | "9" | "a" | "b"));
        assert_eq!(computer_name("first-steps"), "FirstSteps");
        assert_eq!(computer_name("5k"), "P5k");
        assert_eq!(string(" a\u{1b}b\r\n "), "ab");
        assert_eq!(string("\u{7}"), "-");
    }
}
