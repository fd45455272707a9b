//! The structural check: a file's YAML tree against the JSON Schema of its format,
//! reporting every misplaced, missing or mistyped field at once.
//!
//! The typed loader (serde) stops at the first problem. Authors fix files faster when
//! they see them all, so before the typed load the file is read into a plain tree of
//! nodes with places, and that tree is walked against the same schema editors use
//! ([`crate::schema`]). Only a file with no structural problem goes on to the typed load.
//!
//! The walker understands the subset of JSON Schema that the generator emits: `$ref`
//! into `definitions`, `type`, `enum`, `properties`, `required`, `additionalProperties`,
//! `items`, `anyOf`/`oneOf` and `minimum`/`maximum`. A keyword it does not know is left
//! to the typed load, which still reports it, with its place.

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::source::{FileId, Span};
use crate::spanned::S;
use crate::suggest::did_you_mean;

/// A YAML node with its place.
pub type Node = S<Kind>;

/// What a YAML node holds, typed the way YAML's core schema reads plain scalars.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(S<String>, Node)>),
}

impl Kind {
    /// How a message names this kind of value; `raw` is the text as written.
    fn describe(&self, raw: &str) -> String {
        match self {
            Kind::Null => "nothing (null)".to_string(),
            Kind::Bool(b) => format!("`{b}` (true/false)"),
            Kind::Int(i) if raw.is_empty() => format!("the number {i}"),
            Kind::Float(x) if raw.is_empty() => format!("the number {x}"),
            Kind::Int(_) | Kind::Float(_) => format!("the number {raw}"),
            Kind::Str(s) => format!("the text `{}`", shorten(s)),
            Kind::Seq(_) => "a list".to_string(),
            Kind::Map(_) => "a mapping of fields".to_string(),
        }
    }

    /// Whether the value has JSON Schema type `ty`. As in JSON Schema, a number with no
    /// fractional part (`1e30`) is an integer.
    fn has_type(&self, ty: &str) -> bool {
        if let ("integer", Kind::Float(x)) = (ty, self) {
            return x.fract() == 0.0;
        }
        matches!(
            (ty, self),
            ("null", Kind::Null)
                | ("boolean", Kind::Bool(_))
                | ("integer", Kind::Int(_))
                | ("number", Kind::Int(_) | Kind::Float(_))
                | ("string", Kind::Str(_))
                | ("array", Kind::Seq(_))
                | ("object", Kind::Map(_))
        )
    }
}

fn shorten(s: &str) -> String {
    let mut chars = s.chars();
    let head: String = chars.by_ref().take(40).collect();
    let head = head.lines().next().unwrap_or("").to_string();
    if chars.next().is_some() || head.len() < s.len() {
        format!("{head}…")
    } else {
        head
    }
}

impl<'de> Deserialize<'de> for Kind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(KindVisitor)
    }
}

struct KindVisitor;

impl<'de> Visitor<'de> for KindVisitor {
    type Value = Kind;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Kind, E> {
        Ok(Kind::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Kind, E> {
        Ok(Kind::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Kind, D::Error> {
        d.deserialize_any(KindVisitor)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Kind, E> {
        Ok(Kind::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Kind, E> {
        Ok(Kind::Int(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Kind, E> {
        Ok(i64::try_from(v).map_or(Kind::Float(v as f64), Kind::Int))
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Kind, E> {
        Ok(i64::try_from(v).map_or(Kind::Float(v as f64), Kind::Int))
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Kind, E> {
        Ok(i64::try_from(v).map_or(Kind::Float(v as f64), Kind::Int))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Kind, E> {
        Ok(Kind::Float(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Kind, E> {
        Ok(Kind::Str(v.to_string()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Kind, E> {
        Ok(Kind::Str(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Kind, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Node>()? {
            items.push(item);
        }
        Ok(Kind::Seq(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Kind, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<S<String>>()? {
            let value = map.next_value::<Node>()?;
            entries.push((key, value));
        }
        Ok(Kind::Map(entries))
    }
}

/// Reads scalars the way YAML 1.2's core schema does, as editors do: the YAML parser
/// takes `off`, `no` or `yes` for booleans (YAML 1.1), but only `true` and `false` are,
/// so any other boolean becomes the text it was written as.
pub fn core_schema(node: &mut Node, text: &str) {
    match &mut node.value {
        Kind::Bool(_) => {
            // Where the value is written: for an alias (`*yes`), at its anchor.
            let place = node.defined;
            let raw = text.get(place.start..place.end).unwrap_or("");
            if !matches!(raw, "true" | "True" | "TRUE" | "false" | "False" | "FALSE") {
                node.value = Kind::Str(raw.to_string());
            }
        }
        Kind::Seq(items) => items.iter_mut().for_each(|i| core_schema(i, text)),
        Kind::Map(entries) => entries.iter_mut().for_each(|(_, v)| core_schema(v, text)),
        _ => {}
    }
}

/// The tree as JSON, for validators that take JSON.
pub fn to_json(node: &Node) -> Value {
    match &node.value {
        Kind::Null => Value::Null,
        Kind::Bool(b) => Value::Bool(*b),
        Kind::Int(i) => Value::from(*i),
        Kind::Float(x) => serde_json::Number::from_f64(*x).map_or(Value::Null, Value::Number),
        Kind::Str(s) => Value::String(s.clone()),
        Kind::Seq(items) => Value::Array(items.iter().map(to_json).collect()),
        Kind::Map(entries) => Value::Object(
            entries
                .iter()
                .map(|(k, v)| (k.value.clone(), to_json(v)))
                .collect(),
        ),
    }
}

/// Walks `node` against `schema` (a root schema with `definitions`) and returns every
/// structural problem, in file order.
pub fn validate(file: FileId, text: &str, schema: &Value, node: &Node) -> Vec<Diagnostic> {
    let mut walker = Walker {
        file,
        text,
        root: schema,
        found: Vec::new(),
    };
    walker.node(schema, node, &mut Vec::new());
    walker
        .found
        .sort_by_key(|d| d.span.map(|s| (s.start, s.end)));
    walker.found
}

/// One step of the path from the root to a node, for messages: `phases[2].weeks[0]`.
#[derive(Debug, Clone)]
enum Step {
    Field(String),
    Index(usize),
}

fn path_text(path: &[Step]) -> String {
    let mut out = String::new();
    for step in path {
        match step {
            Step::Field(f) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(f);
            }
            Step::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

fn in_path(path: &[Step]) -> String {
    if path.is_empty() {
        "at the top level".to_string()
    } else {
        format!("in `{}`", path_text(path))
    }
}

struct Walker<'a> {
    file: FileId,
    text: &'a str,
    root: &'a Value,
    found: Vec<Diagnostic>,
}

impl<'a> Walker<'a> {
    fn span(&self, node: &S<impl Sized>) -> Span {
        Span::from_place(self.file, &node.referenced)
    }

    fn describe(&self, node: &Node) -> String {
        // The value as written, at its anchor when the node is an alias.
        let span = Span::from_place(self.file, &node.defined);
        let raw = match node.value {
            Kind::Int(_) | Kind::Float(_) => self.text.get(span.start..span.end).unwrap_or(""),
            _ => "",
        };
        node.value.describe(raw.trim())
    }

    /// Follows `$ref`s to the schema that says something.
    fn resolve(&self, mut schema: &'a Value) -> &'a Value {
        for _ in 0..32 {
            let Some(reference) = schema.get("$ref").and_then(Value::as_str) else {
                return schema;
            };
            let Some(name) = reference.strip_prefix("#/definitions/") else {
                return schema;
            };
            match self.root.get("definitions").and_then(|d| d.get(name)) {
                Some(target) => schema = target,
                None => return schema,
            }
        }
        schema
    }

    /// Whether `node` fits `schema`, without reporting anything.
    fn fits(&self, schema: &'a Value, node: &Node) -> bool {
        let mut probe = Walker {
            file: self.file,
            text: self.text,
            root: self.root,
            found: Vec::new(),
        };
        probe.node(schema, node, &mut Vec::new());
        probe.found.is_empty()
    }

    fn node(&mut self, schema: &'a Value, node: &Node, path: &mut Vec<Step>) {
        let schema = self.resolve(schema);
        let Some(schema) = schema.as_object() else {
            return; // `true`: anything goes
        };
        if let Some(branches) = schema
            .get("anyOf")
            .or_else(|| schema.get("oneOf"))
            .and_then(Value::as_array)
        {
            self.alternatives(branches, node, path);
        }
        if let Some(ty) = schema.get("type") {
            let types: Vec<&str> = match ty {
                Value::String(t) => vec![t.as_str()],
                Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
                _ => Vec::new(),
            };
            if !types.is_empty() && !types.iter().any(|t| node.value.has_type(t)) {
                self.wrong_type(&types, node, path);
                return;
            }
        }
        if let Some(allowed) = schema.get("enum").and_then(Value::as_array) {
            self.one_of_values(allowed, node, path);
        }
        if let Some(constant) = schema.get("const") {
            self.one_of_values(std::slice::from_ref(constant), node, path);
        }
        match &node.value {
            Kind::Map(entries) => self.mapping(schema, node, entries, path),
            Kind::Seq(items) => {
                if let Some(item_schema) = schema.get("items") {
                    for (i, item) in items.iter().enumerate() {
                        path.push(Step::Index(i));
                        self.node(item_schema, item, path);
                        path.pop();
                    }
                }
            }
            Kind::Int(_) | Kind::Float(_) => self.range(schema, node, path),
            _ => {}
        }
    }

    fn alternatives(&mut self, branches: &'a [Value], node: &Node, path: &mut Vec<Step>) {
        if branches.iter().any(|b| self.fits(b, node)) {
            return;
        }
        // An enumeration whose values carry their own descriptions is written as one
        // `const` per value: report it as one list of allowed values.
        let constants: Option<Vec<Value>> = branches
            .iter()
            .map(|b| {
                let b = self.resolve(b);
                b.get("const")
                    .cloned()
                    .map(|c| vec![c])
                    .or_else(|| b.get("enum").and_then(Value::as_array).cloned())
            })
            .collect::<Option<Vec<Vec<Value>>>>()
            .map(|v| v.into_iter().flatten().collect());
        if let Some(allowed) = constants {
            self.one_of_values(&allowed, node, path);
            return;
        }
        // Report against the branches of the node's own type, when there is just one:
        // an optional mapping that is present is checked as that mapping.
        let of_type: Vec<&Value> = branches
            .iter()
            .filter(|b| {
                let b = self.resolve(b);
                let types: Vec<&str> = match b.get("type") {
                    Some(Value::String(t)) => vec![t.as_str()],
                    Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
                    _ => return true,
                };
                types.iter().any(|t| node.value.has_type(t))
            })
            .collect();
        if let [only] = of_type.as_slice() {
            self.node(only, node, path);
            return;
        }
        let mut names: Vec<&str> = branches
            .iter()
            .filter_map(|b| self.resolve(b).get("type").and_then(Value::as_str))
            .collect();
        names.dedup();
        self.wrong_type(&names, node, path);
    }

    fn wrong_type(&mut self, types: &[&str], node: &Node, path: &[Step]) {
        let wanted: Vec<&str> = types
            .iter()
            .filter(|t| **t != "null")
            .map(|t| match *t {
                "boolean" => "true or false",
                "integer" => "a whole number",
                "number" => "a number",
                "string" => "text",
                "array" => "a list",
                "object" => "a mapping of fields",
                other => other,
            })
            .collect();
        let wanted = if wanted.is_empty() {
            "nothing".to_string()
        } else {
            wanted.join(" or ")
        };
        let mut d = Diagnostic::error(
            codes::BAD_VALUE,
            format!(
                "expected {wanted} {}, found {}",
                in_path(path),
                self.describe(node)
            ),
        )
        .at(self.span(node));
        let numbers_allowed = types.iter().any(|t| matches!(*t, "integer" | "number"));
        if types.contains(&"string")
            && !numbers_allowed
            && matches!(node.value, Kind::Int(_) | Kind::Float(_))
        {
            d = d.with_help("put the value in quotes to keep it as text");
        } else if types.contains(&"array") && !matches!(node.value, Kind::Seq(_)) {
            d = d.with_help("write a list: one `- item` per line, or `[a, b]`");
        }
        self.found.push(d);
    }

    fn one_of_values(&mut self, allowed: &[Value], node: &Node, path: &[Step]) {
        let matches = allowed.iter().any(|a| match (&node.value, a) {
            (Kind::Str(s), Value::String(a)) => s == a,
            (Kind::Bool(b), Value::Bool(a)) => b == a,
            (Kind::Int(i), Value::Number(a)) => a.as_i64() == Some(*i),
            (Kind::Null, Value::Null) => true,
            _ => false,
        });
        if matches {
            return;
        }
        let names: Vec<String> = allowed
            .iter()
            .filter_map(|a| a.as_str().map(str::to_string))
            .collect();
        let list = names
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut d = Diagnostic::error(
            codes::BAD_VALUE,
            format!(
                "{} is not a value allowed {}; expected one of {list}",
                self.describe(node),
                in_path(path)
            ),
        )
        .at(self.span(node));
        if let Kind::Str(s) = &node.value
            && let Some(close) = did_you_mean(s, &names)
        {
            d = d.with_help(format!("did you mean `{close}`?"));
        }
        self.found.push(d);
    }

    fn range(&mut self, schema: &serde_json::Map<String, Value>, node: &Node, path: &[Step]) {
        let x = match node.value {
            Kind::Int(i) => i as f64,
            Kind::Float(x) => x,
            _ => return,
        };
        // The generator gives integer types their Rust width as a format: the bounds of
        // that width apply as well as any stated ones.
        let (format_min, format_max) = match schema.get("format").and_then(Value::as_str) {
            Some("int64") => (Some(i64::MIN as f64), Some(i64::MAX as f64)),
            Some("int32") => (Some(f64::from(i32::MIN)), Some(f64::from(i32::MAX))),
            Some("uint32") => (Some(0.0), Some(f64::from(u32::MAX))),
            Some("uint64") => (Some(0.0), Some(u64::MAX as f64)),
            _ => (None, None),
        };
        let min = schema.get("minimum").and_then(Value::as_f64).or(format_min);
        let max = schema.get("maximum").and_then(Value::as_f64).or(format_max);
        // Bounds people wrote are quoted; a type's own width is too wide to be worth it.
        let bound = |b: f64| {
            if b.abs() < 1e12 {
                format!(" {b}")
            } else {
                " the engine can hold".to_string()
            }
        };
        let problem = match (min, max) {
            (Some(lo), _) if x < lo => Some(format!("less than the minimum{}", bound(lo))),
            (_, Some(hi)) if x > hi => Some(format!("more than the maximum{}", bound(hi))),
            _ => None,
        };
        if let Some(problem) = problem {
            self.found.push(
                Diagnostic::error(
                    codes::BAD_VALUE,
                    format!("{} {} is {problem}", self.describe(node), in_path(path)),
                )
                .at(self.span(node)),
            );
        }
    }

    fn mapping(
        &mut self,
        schema: &'a serde_json::Map<String, Value>,
        node: &Node,
        entries: &[(S<String>, Node)],
        path: &mut Vec<Step>,
    ) {
        let properties = schema.get("properties").and_then(Value::as_object);
        let additional = schema.get("additionalProperties");
        let known: Vec<String> = properties
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default();
        let mut missing: Vec<String> = schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .filter(|r| !entries.iter().any(|(k, _)| k.value == *r))
            .map(str::to_string)
            .collect();
        for (key, value) in entries {
            if self.cut_by_a_comma(key, value, entries, path) {
                continue;
            }
            path.push(Step::Field(key.value.clone()));
            match properties.and_then(|p| p.get(&key.value)) {
                Some(property) => self.node(property, value, path),
                None => match additional {
                    Some(Value::Bool(false)) => {
                        path.pop();
                        // A misspelt required field is one mistake, not two: report
                        // the spelling, not the absence.
                        let meant = did_you_mean(&key.value, &missing).map(str::to_string);
                        if let Some(meant) = &meant {
                            missing.retain(|m| m != meant);
                        }
                        self.unknown_field(key, meant.as_deref(), &known, path);
                        continue;
                    }
                    Some(extra @ Value::Object(_)) => {
                        let before = self.found.len();
                        self.node(extra, value, path);
                        // A further key whose value does not fit, spelt like a known
                        // one, is a misspelling (`sesion: done`), not a bad value.
                        if self.found.len() > before && did_you_mean(&key.value, &known).is_some() {
                            self.found.truncate(before);
                            path.pop();
                            self.unknown_field(key, None, &known, path);
                            continue;
                        }
                    }
                    _ => {}
                },
            }
            path.pop();
        }
        if !missing.is_empty() {
            // Point at the mapping's first key: a whole mapping spans many lines.
            let at = entries
                .first()
                .map_or_else(|| self.span(node), |(k, _)| self.span(k));
            let fields = missing
                .iter()
                .map(|m| format!("`{m}`"))
                .collect::<Vec<_>>()
                .join(", ");
            let noun = if missing.len() == 1 {
                "field"
            } else {
                "fields"
            };
            self.found.push(
                Diagnostic::error(
                    codes::MISSING_FIELD,
                    format!("missing {noun} {fields} {}", in_path(path)),
                )
                .at(at)
                .with_help(format!("add {fields} to this mapping")),
            );
        }
    }

    /// A key with spaces and no value, after a text value in `{ }`, is almost always
    /// the rest of that text: in a flow mapping a comma ends a value, so
    /// `note: felt ok, just worse` makes a key `just worse`. Says so, and how to quote,
    /// instead of reporting a key that nobody wrote.
    fn cut_by_a_comma(
        &mut self,
        key: &S<String>,
        value: &Node,
        entries: &[(S<String>, Node)],
        path: &[Step],
    ) -> bool {
        if !matches!(value.value, Kind::Null) || !key.value.trim().contains(' ') {
            return false;
        }
        let before = entries
            .iter()
            .take_while(|(k, _)| k.value != key.value)
            .last()
            .filter(|(_, v)| matches!(v.value, Kind::Str(_)));
        let Some((text_key, text)) = before else {
            return false;
        };
        let Kind::Str(start) = &text.value else {
            return false;
        };
        self.found.push(
            Diagnostic::error(
                codes::BAD_VALUE,
                format!(
                    "`{}` looks like the rest of `{}` {}, cut off by a comma: inside `{{ }}` a comma ends a value",
                    key.value,
                    text_key.value,
                    in_path(path)
                ),
            )
            .at(self.span(key))
            .with_help(format!(
                "put the whole text in quotes: `{}: \"{start}, {}\"`",
                text_key.value, key.value
            )),
        );
        true
    }

    fn unknown_field(
        &mut self,
        key: &S<String>,
        meant: Option<&str>,
        known: &[String],
        path: &[Step],
    ) {
        let mut d = Diagnostic::error(
            codes::UNKNOWN_FIELD,
            format!("unknown field `{}` {}", key.value, in_path(path)),
        )
        .at(self.span(key));
        d = match meant.or_else(|| did_you_mean(&key.value, known)) {
            Some(close) => d.with_help(format!("did you mean `{close}`?")),
            None if !known.is_empty() => d.with_help(format!(
                "the fields here are {}",
                known
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            None => d,
        };
        self.found.push(d);
    }
}
