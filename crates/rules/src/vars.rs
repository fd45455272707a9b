//! The variables handed to a script and the plain values scripts give back.

use compact_str::CompactString;
use rhai::{Array, Dynamic, Map};

/// A value passed into or returned from a script.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Rhai's unit `()`, what a script without a final expression gives.
    Unit,
    /// A whole number.
    Int(i64),
    /// A floating-point number.
    Float(f64),
    /// `true` or `false`.
    Bool(bool),
    /// Text.
    Str(String),
    /// An array of values.
    List(Vec<Value>),
    /// An object map: properties are read as `name.property` in scripts.
    Map(Vars),
}

impl Value {
    pub(crate) fn to_dynamic(&self) -> Dynamic {
        match self {
            Value::Unit => Dynamic::UNIT,
            Value::Int(i) => Dynamic::from_int(*i),
            Value::Float(f) => Dynamic::from_float(*f),
            Value::Bool(b) => Dynamic::from_bool(*b),
            Value::Str(s) => Dynamic::from(s.clone()),
            Value::List(items) => {
                Dynamic::from_array(items.iter().map(Value::to_dynamic).collect::<Array>())
            }
            Value::Map(vars) => Dynamic::from_map(vars.to_map()),
        }
    }

    /// Converts a script result back; `Err` carries the Rhai type name of anything that
    /// has no plain equivalent (function pointers and the like).
    pub(crate) fn from_dynamic(value: Dynamic) -> Result<Value, String> {
        if value.is_unit() {
            return Ok(Value::Unit);
        }
        if let Ok(i) = value.as_int() {
            return Ok(Value::Int(i));
        }
        if let Ok(f) = value.as_float() {
            return Ok(Value::Float(f));
        }
        if let Ok(b) = value.as_bool() {
            return Ok(Value::Bool(b));
        }
        if let Ok(c) = value.as_char() {
            return Ok(Value::Str(c.to_string()));
        }
        if value.is_string() {
            return value.into_string().map(Value::Str).map_err(str::to_owned);
        }
        if value.is_array() {
            let type_name = value.type_name();
            let array = value
                .try_cast::<Array>()
                .ok_or_else(|| type_name.to_owned())?;
            return array
                .into_iter()
                .map(Value::from_dynamic)
                .collect::<Result<Vec<_>, _>>()
                .map(Value::List);
        }
        if value.is_map() {
            let type_name = value.type_name();
            let map = value
                .try_cast::<Map>()
                .ok_or_else(|| type_name.to_owned())?;
            let mut vars = Vars::new();
            for (name, item) in map {
                vars.set(name.as_str(), Value::from_dynamic(item)?);
            }
            return Ok(Value::Map(vars));
        }
        Err(value.type_name().to_owned())
    }
}

impl From<i64> for Value {
    fn from(value: i64) -> Self {
        Value::Int(value)
    }
}

impl From<i32> for Value {
    fn from(value: i32) -> Self {
        Value::Int(i64::from(value))
    }
}

impl From<u32> for Value {
    fn from(value: u32) -> Self {
        Value::Int(i64::from(value))
    }
}

impl From<f64> for Value {
    fn from(value: f64) -> Self {
        Value::Float(value)
    }
}

impl From<bool> for Value {
    fn from(value: bool) -> Self {
        Value::Bool(value)
    }
}

impl From<&str> for Value {
    fn from(value: &str) -> Self {
        Value::Str(value.to_owned())
    }
}

impl From<String> for Value {
    fn from(value: String) -> Self {
        Value::Str(value)
    }
}

impl From<Vars> for Value {
    fn from(value: Vars) -> Self {
        Value::Map(value)
    }
}

impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(value: Vec<T>) -> Self {
        Value::List(value.into_iter().map(Into::into).collect())
    }
}

/// Named values for one evaluation, in the order they were set; setting a name again
/// replaces its value.
///
/// A name of up to 24 bytes is stored inline, without an allocation of its own.
///
/// ```
/// use rehab_rules::Vars;
/// let vars = Vars::new()
///     .with("pain", Vars::new().with("during", 3).with("next_day", 0))
///     .with("week", 4);
/// assert_eq!(vars.len(), 2);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Vars {
    entries: Vec<(CompactString, Value)>,
}

impl Vars {
    /// No variables.
    pub fn new() -> Self {
        Self::default()
    }

    /// No variables, with room for `capacity` of them before the list grows.
    pub fn with_capacity(capacity: usize) -> Self {
        Vars {
            entries: Vec::with_capacity(capacity),
        }
    }

    /// Adds (or replaces) a variable, builder style.
    #[must_use]
    pub fn with(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.set(name, value);
        self
    }

    /// Adds (or replaces) a variable.
    pub fn set(&mut self, name: &str, value: impl Into<Value>) -> &mut Self {
        let value = value.into();
        match self.entries.iter_mut().find(|(n, _)| n == name) {
            Some(entry) => entry.1 = value,
            None => self.entries.push((name.into(), value)),
        }
        self
    }

    /// The value of a variable, if set.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.entries.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// The value of a variable, if set, to change in place.
    ///
    /// ```
    /// use rehab_rules::{Value, Vars};
    /// let mut vars = Vars::with_capacity(2).with("week", 1).with("phase", "walk");
    /// if let Some(Value::Int(week)) = vars.get_mut("week") {
    ///     *week += 1;
    /// }
    /// assert_eq!(vars.get("week"), Some(&Value::Int(2)));
    /// assert!(vars.get_mut("level").is_none());
    /// ```
    pub fn get_mut(&mut self, name: &str) -> Option<&mut Value> {
        self.entries
            .iter_mut()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }

    /// How many variables are set.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no variable is set.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The variables in the order they were first set.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.entries.iter().map(|(n, v)| (n.as_str(), v))
    }

    /// The variables in the order they were first set, with their values to change in
    /// place.
    ///
    /// ```
    /// use rehab_rules::{Value, Vars};
    /// let mut pain = Vars::new().with("during", 3).with("after", 5);
    /// for (_, score) in pain.iter_mut() {
    ///     *score = Value::Int(0);
    /// }
    /// let names: Vec<&str> = pain.iter().map(|(name, _)| name).collect();
    /// assert_eq!(names, ["during", "after"]);
    /// assert_eq!(pain.get("after"), Some(&Value::Int(0)));
    /// ```
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&str, &mut Value)> {
        self.entries.iter_mut().map(|(n, v)| (n.as_str(), v))
    }

    pub(crate) fn to_map(&self) -> Map {
        self.entries
            .iter()
            .map(|(name, value)| (name.as_str().into(), value.to_dynamic()))
            .collect()
    }
}
