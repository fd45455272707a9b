//! [`S`]: a value with the place it was written, and the same JSON Schema as the value.

use std::borrow::Cow;

use serde::{Deserialize, Deserializer};
use serde_saphyr::Spanned;

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
