//! [`S`]: a value with the place it was written, and the same JSON Schema as the value.

use std::borrow::Cow;
use std::marker::PhantomData;

use serde::de::{self, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_saphyr::Spanned;

use crate::from_tree::PLACED;
use crate::source::Place;

/// A value with the place it was written.
///
/// A thin copy of serde-saphyr's [`Spanned`], which it deserializes through, so that the
/// schema generator can describe it as the bare value it stands for (the place is not
/// part of the file's format).
#[derive(Debug, Clone, PartialEq)]
pub struct S<T> {
    pub value: T,
    /// Where the value is used (for an alias, the alias).
    pub referenced: Place,
    /// Where the value is written (for an alias, its anchor).
    pub defined: Place,
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for S<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // The tree's own reader ([`crate::from_tree`]) answers this name with the value
        // and its places; every other deserializer hands itself back to
        // `visit_newtype_struct`, where serde-saphyr's `Spanned` is read as before.
        d.deserialize_newtype_struct(PLACED, SVisitor(PhantomData))
    }
}

struct SVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for SVisitor<T> {
    type Value = S<T>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a value with its place")
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<S<T>, D::Error> {
        let Spanned {
            value,
            referenced,
            defined,
        } = Spanned::<T>::deserialize(d)?;
        Ok(S {
            value,
            referenced: Place::from(&referenced),
            defined: Place::from(&defined),
        })
    }

    /// From the tree's reader: the value, then `referenced` and `defined` as start and
    /// end offsets.
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<S<T>, A::Error> {
        let missing = || de::Error::custom("a value with its place");
        let value = seq.next_element::<T>()?.ok_or_else(missing)?;
        let mut offsets = [0usize; 4];
        for offset in &mut offsets {
            *offset = seq.next_element::<usize>()?.ok_or_else(missing)?;
        }
        let [r_start, r_end, d_start, d_end] = offsets;
        Ok(S {
            value,
            referenced: Place {
                start: r_start,
                end: r_end,
            },
            defined: Place {
                start: d_start,
                end: d_end,
            },
        })
    }
}

impl<T: schemars::JsonSchema> schemars::JsonSchema for S<T> {
    fn inline_schema() -> bool {
        T::inline_schema()
    }

    fn schema_name() -> Cow<'static, str> {
        T::schema_name()
    }

    fn schema_id() -> Cow<'static, str> {
        T::schema_id()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        T::json_schema(generator)
    }
}
