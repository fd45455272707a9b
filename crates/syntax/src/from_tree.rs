//! The typed load from the tree the structural check has just walked, so that a file's
//! YAML text is scanned once, not twice.
//!
//! It must give exactly what serde-saphyr's typed load of the same text gives. The tree
//! was read by serde-saphyr itself (its own typing of scalars, its own places), so
//! replaying it gives the same values, with three exceptions that this reader refuses
//! rather than guesses at: tags (the tree holds them resolved), the words YAML 1.1 reads
//! as booleans (the tree holds them as text, as editors do), and numbers written in any
//! but the plainest decimal form. Aliases are fine: the tree holds them expanded, with
//! the places serde-saphyr gives them, and the typed load expands them the same way. On a refusal, or on any
//! error at all, the caller reads the text again with serde-saphyr, which also words
//! the error exactly as before. `tests::the_tree_gives_what_the_text_gives` holds the
//! two loads to the same result for every YAML file in the repository.

use std::fmt;

use serde::de::{
    self, DeserializeOwned, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor,
};

use crate::spanned::S;
use crate::structure::{Kind, Node};

/// The newtype name [`S`] asks deserializers for: this reader answers with the value
/// and its places as a sequence; every other deserializer hands back itself, and `S`
/// reads serde-saphyr's own `Spanned` from it.
pub(crate) const PLACED: &str = "__rehab_syntax_placed";

/// The typed value of `tree` (read from `text`), or `None` where only the text can say.
pub(crate) fn from_tree<T: DeserializeOwned>(tree: &Node, text: &str) -> Option<T> {
    // The tree holds a tagged value as its tag resolved it; the text keeps the tag.
    if may_hold_tags(text) {
        return None;
    }
    T::deserialize(NodeDe { node: tree, text }).ok()
}

/// Why the tree did not give the value: the caller reads the text instead.
#[derive(Debug)]
pub(crate) struct Refused;

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("read from the text instead")
    }
}

impl std::error::Error for Refused {}

impl de::Error for Refused {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Refused
    }
}

/// The words serde-saphyr reads as booleans in YAML 1.1 style when no type is asked for.
fn boolean_word(s: &str) -> bool {
    matches!(
        s,
        "y" | "Y"
            | "yes"
            | "Yes"
            | "YES"
            | "n"
            | "N"
            | "no"
            | "No"
            | "NO"
            | "true"
            | "True"
            | "TRUE"
            | "false"
            | "False"
            | "FALSE"
            | "on"
            | "On"
            | "ON"
            | "off"
            | "Off"
            | "OFF"
    )
}

/// `0`, `42`, `-7`: an integer as plainly as it can be written.
fn plain_integer(raw: &str) -> bool {
    let digits = raw.strip_prefix('-').unwrap_or(raw);
    !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'))
}

/// `0.5`, `-12.25`: a number with a fractional part, written plainly.
fn plain_decimal(raw: &str) -> bool {
    match raw.split_once('.') {
        Some((whole, fraction)) => {
            plain_integer(whole)
                && !fraction.is_empty()
                && fraction.bytes().all(|b| b.is_ascii_digit())
        }
        None => false,
    }
}

/// Whether `text` may hold a YAML tag (`!name`, `!!str`): a `!` where a node can begin
/// (at the start of a line, after `: `, `- `, `? `, a flow indicator or an anchor). A `!`
/// inside text, such as a script's `&& !done`, is not one; one taken for a tag by
/// mistake only sends the file to the slower read.
fn may_hold_tags(text: &str) -> bool {
    text.match_indices('!').any(|(at, _)| {
        let before = text.get(..at).unwrap_or("");
        let trimmed = before.trim_end_matches([' ', '\t']);
        let spaced = trimmed.len() < before.len();
        let token = trimmed.rsplit([' ', '\t', '\n', '\r']).next().unwrap_or("");
        match trimmed.chars().last() {
            None | Some('\n' | '\r' | '[' | '{' | ',') => true,
            Some(':' | '-' | '?') => spaced,
            // An anchor (`&name`), not a script's `&&`.
            Some(_) => {
                spaced
                    && token.strip_prefix('&').is_some_and(|name| {
                        name.starts_with(|c: char| c.is_alphanumeric() || c == '_')
                    })
            }
        }
    })
}

#[derive(Clone, Copy)]
struct NodeDe<'a> {
    node: &'a Node,
    text: &'a str,
}

impl<'a> NodeDe<'a> {
    fn raw(&self) -> &'a str {
        let place = self.node.defined;
        self.text.get(place.start..place.end).unwrap_or("")
    }
}

impl<'de> de::Deserializer<'de> for NodeDe<'_> {
    type Error = Refused;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Refused> {
        match &self.node.value {
            Kind::Null => visitor.visit_unit(),
            Kind::Bool(b) if matches!(self.raw(), "true" | "false") => visitor.visit_bool(*b),
            Kind::Int(i) if plain_integer(self.raw()) => match u64::try_from(*i) {
                Ok(u) => visitor.visit_u64(u),
                Err(_) => visitor.visit_i64(*i),
            },
            Kind::Float(x) if x.is_finite() && plain_decimal(self.raw()) => visitor.visit_f64(*x),
            Kind::Str(s) if !boolean_word(s) || self.raw().starts_with(['"', '\'']) => {
                visitor.visit_str(s)
            }
            Kind::Seq(items) => visitor.visit_seq(SeqDe {
                items: items.iter(),
                text: self.text,
            }),
            Kind::Map(entries) => visitor.visit_map(MapDe {
                entries: entries.iter(),
                value: None,
                text: self.text,
            }),
            _ => Err(Refused),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Refused> {
        match self.node.value {
            Kind::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Refused> {
        if name == PLACED {
            visitor.visit_seq(PlacedDe::new(self, self.node))
        } else if name.starts_with("__") {
            // serde-saphyr's own wrappers: only the text can answer those.
            Err(Refused)
        } else {
            visitor.visit_newtype_struct(self)
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Refused> {
        match &self.node.value {
            Kind::Str(s) if !boolean_word(s) => {
                visitor.visit_enum(IntoDeserializer::<Refused>::into_deserializer(s.as_str()))
            }
            _ => Err(Refused),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Refused> {
        visitor.visit_unit()
    }

    /// Text asked for as text: a plain `off` is the text `off` to both readers.
    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Refused> {
        match &self.node.value {
            Kind::Str(s) => visitor.visit_str(s),
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Refused> {
        self.deserialize_str(visitor)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct identifier
    }
}

/// A node's value, then its places (`referenced`, then `defined`, each start and end).
struct PlacedDe<D> {
    value: Option<D>,
    places: [usize; 4],
    step: usize,
}

impl<D> PlacedDe<D> {
    fn new<T>(value: D, node: &S<T>) -> Self {
        let (r, d) = (node.referenced, node.defined);
        PlacedDe {
            value: Some(value),
            places: [r.start, r.end, d.start, d.end],
            step: 0,
        }
    }
}

impl<'de, D: de::Deserializer<'de, Error = Refused>> SeqAccess<'de> for PlacedDe<D> {
    type Error = Refused;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Refused> {
        if let Some(value) = self.value.take() {
            return seed.deserialize(value).map(Some);
        }
        let Some(&number) = self.places.get(self.step) else {
            return Ok(None);
        };
        self.step += 1;
        seed.deserialize(IntoDeserializer::<Refused>::into_deserializer(
            number as u64,
        ))
        .map(Some)
    }
}

struct SeqDe<'a> {
    items: std::slice::Iter<'a, Node>,
    text: &'a str,
}

impl<'de> SeqAccess<'de> for SeqDe<'_> {
    type Error = Refused;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Refused> {
        match self.items.next() {
            Some(node) => seed
                .deserialize(NodeDe {
                    node,
                    text: self.text,
                })
                .map(Some),
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

struct MapDe<'a> {
    entries: std::slice::Iter<'a, (S<String>, Node)>,
    value: Option<&'a Node>,
    text: &'a str,
}

impl<'de> MapAccess<'de> for MapDe<'_> {
    type Error = Refused;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Refused> {
        match self.entries.next() {
            Some((key, value)) => {
                self.value = Some(value);
                seed.deserialize(KeyDe { key }).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Refused> {
        match self.value.take() {
            Some(node) => seed.deserialize(NodeDe {
                node,
                text: self.text,
            }),
            None => Err(Refused),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

/// A mapping's key, as text.
#[derive(Clone, Copy)]
struct KeyDe<'a> {
    key: &'a S<String>,
}

impl<'de> de::Deserializer<'de> for KeyDe<'_> {
    type Error = Refused;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Refused> {
        visitor.visit_str(&self.key.value)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Refused> {
        if name == PLACED {
            visitor.visit_seq(PlacedDe::new(self, self.key))
        } else {
            Err(Refused)
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct seq tuple tuple_struct map struct enum
        identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use serde::de::DeserializeOwned;

    use super::from_tree;
    use crate::patient::PatientDoc;
    use crate::protocol::ProtocolDoc;
    use crate::scenario::ScenarioDoc;
    use crate::schema::{self, SchemaKind};
    use crate::source::{SourceFile, Sources};
    use crate::{load, structure};

    /// Reads `text` as a `T` both ways. Whenever the tree gives a value, the text must
    /// give the same one; returns whether the tree gave one.
    fn agree<T: DeserializeOwned + std::fmt::Debug>(kind: SchemaKind, text: &str) -> bool {
        let mut sources = Sources::default();
        let file = sources.add(SourceFile::new("f.yaml".to_string(), text.to_string()));
        let Ok(tree) = load::read_tree(&sources, file) else {
            return false;
        };
        if !structure::validate(file, text, schema::cached(kind), &tree).is_empty() {
            return false;
        }
        let from_text = serde_saphyr::from_str::<T>(text);
        match from_tree::<T>(&tree, text) {
            Some(value) => {
                let Ok(expected) = from_text else {
                    panic!("the tree gave a value where the text gives an error:\n{text}");
                };
                assert_eq!(format!("{value:?}"), format!("{expected:?}"), "{text}");
                true
            }
            None => false,
        }
    }

    fn agree_any(text: &str) -> bool {
        let a = agree::<ProtocolDoc>(SchemaKind::Protocol, text);
        let b = agree::<PatientDoc>(SchemaKind::Patient, text);
        let c = agree::<ScenarioDoc>(SchemaKind::Scenario, text);
        a || b || c
    }

    fn yaml_files(dir: &Path, found: &mut Vec<std::path::PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                yaml_files(&path, found);
            } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                found.push(path);
            }
        }
    }

    #[test]
    fn the_tree_gives_what_the_text_gives() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut files = Vec::new();
        for dir in ["protocols", "tests", "examples", "fuzz/corpus"] {
            yaml_files(&root.join(dir), &mut files);
        }
        assert!(files.len() > 100, "found {} YAML files", files.len());
        let mut given = 0;
        for path in &files {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            if agree_any(&text) {
                given += 1;
            }
        }
        // Most files are read from their trees (the rest use tags or forms of YAML 1.1).
        assert!(
            given * 2 > files.len(),
            "the tree gave {given} of {} files",
            files.len()
        );
        // Every shipped protocol is read from its tree.
        let mut shipped = Vec::new();
        yaml_files(&root.join("protocols"), &mut shipped);
        shipped.retain(|p| p.parent() == Some(root.join("protocols").as_path()));
        assert!(!shipped.is_empty());
        for path in shipped {
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            assert!(agree_any(&text), "{} is read from its tree", path.display());
        }
    }

    #[test]
    fn where_the_tree_cannot_tell_the_text_is_read() {
        let patient = |value: &str| format!("inputs:\n  x: {value}\njournal: []\n");
        // Plain values the tree gives as they are.
        for value in [
            "3",
            "-3",
            "0",
            "2.5",
            "true",
            "text",
            "2026-01-05",
            "\"yes\"",
            "&a 5",
        ] {
            assert!(
                agree::<PatientDoc>(SchemaKind::Patient, &patient(value)),
                "{value}"
            );
        }
        // Forms only the text can settle: refused, and never a different value.
        for value in [
            "yes",
            "off",
            "0x10",
            "010",
            "1e3",
            "1_000",
            ".inf",
            "!!str 5",
            "!!int 5",
            "\n    !!str 5",
            "&a !!str 5",
            "[!!str 5]",
        ] {
            assert!(
                !agree::<PatientDoc>(SchemaKind::Patient, &patient(value)),
                "{value}"
            );
        }
        // An alias is read from the tree, with the places the text gives it.
        let alias = "inputs:\n  x: &a 3\n  y: *a\njournal: []\n";
        assert!(agree::<PatientDoc>(SchemaKind::Patient, alias));
    }
}

#[cfg(test)]
mod tag_tests {
    use super::may_hold_tags;

    #[test]
    fn tags_are_told_from_exclamation_marks_in_text() {
        for tagged in [
            "x: !!str 5",
            "x:\n  !!str 5",
            "- !t a",
            "[!t a]",
            "{a: 1, b: !t 2}",
            "x: &a !t 5",
            "!t\nx: 1",
        ] {
            assert!(may_hold_tags(tagged), "{tagged}");
        }
        for plain in [
            "when: a && !b(c)",
            "note: Stop!",
            "x: \"!quoted\"",
            "x: a!b",
        ] {
            assert!(!may_hold_tags(plain), "{plain}");
        }
    }
}
