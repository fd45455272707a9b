//! Writing a value as compact JSON on one line, byte for byte what
//! `serde_json::to_writer` writes, but faster for what a plan holds: long runs of text.
//!
//! A plan is about 79 KB of JSON, mostly strings, and serde_json looks up every byte of
//! a string in its escape table. Here a string is scanned eight bytes at a time for the
//! bytes JSON must escape (`"`, `\` and control characters), and the runs between them
//! are copied whole. Numbers other than integers, byte strings and anything unusual go
//! through serde_json itself; whatever this writer cannot write (a map key that is not
//! a string, say), [`to_line`] leaves to serde_json whole, so the output never differs.

use std::fmt::{self, Display, Write as _};

use serde::ser::{self, Serialize};

/// Appends `value` to `out` as compact JSON, exactly as `serde_json::to_writer` would.
pub fn to_line<T: Serialize + ?Sized>(value: &T, out: &mut Vec<u8>) -> serde_json::Result<()> {
    let start = out.len();
    let mut writer = Line {
        out,
        scratch: String::new(),
        names: Box::new(
            [Name {
                at: 0,
                len: 0,
                text: [0; NAME_BYTES],
            }; NAMES],
        ),
    };
    if value.serialize(&mut writer).is_ok() {
        return Ok(());
    }
    out.truncate(start);
    serde_json::to_writer(out, value)
}

/// The writer: the output, a scratch string for values written with `Display`, and
/// the field names known to need no escape, written out.
struct Line<'a> {
    out: &'a mut Vec<u8>,
    scratch: String,
    names: Box<[Name; NAMES]>,
}

/// How many field names [`Line`] keeps written out (a power of two).
const NAMES: usize = 128;
/// The longest `"name":` kept.
const NAME_BYTES: usize = 32;

/// A field name at address `at`, `len` bytes long, as `"name":` in `text`.
#[derive(Clone, Copy)]
struct Name {
    at: usize,
    len: usize,
    text: [u8; NAME_BYTES],
}

/// Why [`Line`] gave up; [`to_line`] then asks serde_json.
#[derive(Debug)]
struct Unwritten(String);

impl Display for Unwritten {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Unwritten {}

impl ser::Error for Unwritten {
    fn custom<T: Display>(msg: T) -> Self {
        Unwritten(msg.to_string())
    }
}

type Done = Result<(), Unwritten>;

/// Eight copies of byte `b`.
const fn lanes(b: u8) -> u64 {
    u64::from_ne_bytes([b; 8])
}

/// Whether any of the eight bytes of `w` must be escaped in a JSON string: a control
/// character (below 0x20), `"` or `\`. Exact for the eight bytes together (not for
/// which of them), which is all it is used for.
fn any_escaped(w: u64) -> bool {
    const HIGH: u64 = lanes(0x80);
    let control = w.wrapping_sub(lanes(0x20)) & !w & HIGH;
    let q = w ^ lanes(b'"');
    let quote = q.wrapping_sub(lanes(1)) & !q & HIGH;
    let b = w ^ lanes(b'\\');
    let backslash = b.wrapping_sub(lanes(1)) & !b & HIGH;
    (control | quote | backslash) != 0
}

/// Which bytes JSON must escape in a string: control characters, `"` and `\\`.
const ESCAPED: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = true;
        b += 1;
    }
    table[b'"' as usize] = true;
    table[b'\\' as usize] = true;
    table
};

/// The escape of byte `b` in a JSON string, as serde_json writes it (nothing for a byte
/// that needs none).
fn escape(b: u8, out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    match b {
        b'"' => out.extend_from_slice(b"\\\""),
        b'\\' => out.extend_from_slice(b"\\\\"),
        0x08 => out.extend_from_slice(b"\\b"),
        0x09 => out.extend_from_slice(b"\\t"),
        0x0A => out.extend_from_slice(b"\\n"),
        0x0C => out.extend_from_slice(b"\\f"),
        0x0D => out.extend_from_slice(b"\\r"),
        0x00..=0x1F => out.extend_from_slice(&[
            b'\\',
            b'u',
            b'0',
            b'0',
            HEX[usize::from(b >> 4)],
            HEX[usize::from(b & 0xF)],
        ]),
        _ => {}
    }
}

/// `s` as a JSON string.
#[inline]
fn string(out: &mut Vec<u8>, s: &str) {
    let mut rest = s.as_bytes();
    out.reserve(rest.len() + 2);
    out.push(b'"');
    while let Some(at) = first_escaped(rest) {
        out.extend_from_slice(&rest[..at]);
        escape(rest[at], out);
        rest = &rest[at + 1..];
    }
    out.extend_from_slice(rest);
    out.push(b'"');
}

/// Where the first byte of `bytes` that JSON must escape is, if any.
fn first_escaped(bytes: &[u8]) -> Option<usize> {
    let mut at = 0;
    for chunk in bytes.chunks_exact(8) {
        let Ok(eight) = <[u8; 8]>::try_from(chunk) else {
            break;
        };
        if any_escaped(u64::from_ne_bytes(eight)) {
            break;
        }
        at += 8;
    }
    bytes[at..]
        .iter()
        .position(|&b| ESCAPED[usize::from(b)])
        .map(|p| at + p)
}

/// Whether `text` holds a byte JSON must escape.
fn needs_escape(text: &str) -> bool {
    text.bytes().any(|b| ESCAPED[usize::from(b)])
}

/// An unsigned integer in decimal.
fn unsigned(out: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at..]);
}

/// A signed integer in decimal.
fn signed(out: &mut Vec<u8>, n: i64) {
    if n < 0 {
        out.push(b'-');
    }
    unsigned(out, n.unsigned_abs());
}

impl Line<'_> {
    /// `value` written by serde_json (floats, 128-bit integers, byte strings).
    fn by_serde_json<T: Serialize + ?Sized>(&mut self, value: &T) -> Done {
        serde_json::to_writer(&mut *self.out, value).map_err(|e| Unwritten(e.to_string()))
    }

    /// A struct's field name and its colon: `"name":`. Field names are the program's
    /// own and need no escape, but each is checked all the same, once: the names
    /// checked are kept, written out, in a small table by where they are.
    #[inline]
    fn field_name(&mut self, key: &'static str) {
        let at = key.as_ptr() as usize;
        let spread = (at ^ key.len()).wrapping_mul(0x9e37_79b9_7f4a_7c15_u64 as usize);
        let slot = &mut self.names[spread >> (usize::BITS - NAMES.trailing_zeros())];
        if slot.at != at || slot.len != key.len() {
            if key.len() + 3 > NAME_BYTES || needs_escape(key) {
                string(self.out, key);
                self.out.push(b':');
                return;
            }
            let mut text = [0u8; NAME_BYTES];
            text[0] = b'"';
            text[1..=key.len()].copy_from_slice(key.as_bytes());
            text[key.len() + 1] = b'"';
            text[key.len() + 2] = b':';
            *slot = Name {
                at,
                len: key.len(),
                text,
            };
        }
        // A whole entry is copied (a copy of fixed size, inlined) and the tail cut off.
        let end = self.out.len() + slot.len + 3;
        self.out.extend_from_slice(&slot.text);
        self.out.truncate(end);
    }

    /// `value` written with `Display`, as a JSON string.
    fn display<T: Display + ?Sized>(&mut self, value: &T) -> Done {
        self.scratch.clear();
        write!(self.scratch, "{value}").map_err(|e| Unwritten(e.to_string()))?;
        string(self.out, &self.scratch);
        Ok(())
    }
}

/// A sequence or map being written: whether an element has been written yet.
struct Compound<'w, 'a> {
    line: &'w mut Line<'a>,
    first: bool,
    /// Closing brackets still to write: `}` or `]}` for a variant, else nothing extra.
    close: &'static [u8],
}

impl<'w, 'a> Compound<'w, 'a> {
    fn open(line: &'w mut Line<'a>, open: &[u8], close: &'static [u8]) -> Self {
        line.out.extend_from_slice(open);
        Compound {
            line,
            first: true,
            close,
        }
    }

    #[inline]
    fn comma(&mut self) {
        if !self.first {
            self.line.out.push(b',');
        }
        self.first = false;
    }

    #[inline]
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Done {
        self.comma();
        value.serialize(&mut *self.line)
    }

    #[inline]
    fn field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Done {
        self.comma();
        self.line.field_name(key);
        value.serialize(&mut *self.line)
    }

    #[inline]
    fn close(self) -> Done {
        self.line.out.extend_from_slice(self.close);
        Ok(())
    }
}

impl<'w, 'a> ser::Serializer for &'w mut Line<'a> {
    type Ok = ();
    type Error = Unwritten;
    type SerializeSeq = Compound<'w, 'a>;
    type SerializeTuple = Compound<'w, 'a>;
    type SerializeTupleStruct = Compound<'w, 'a>;
    type SerializeTupleVariant = Compound<'w, 'a>;
    type SerializeMap = Compound<'w, 'a>;
    type SerializeStruct = Compound<'w, 'a>;
    type SerializeStructVariant = Compound<'w, 'a>;

    fn serialize_bool(self, v: bool) -> Done {
        self.out
            .extend_from_slice(if v { b"true" } else { b"false" });
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Done {
        signed(self.out, v.into());
        Ok(())
    }
    fn serialize_i16(self, v: i16) -> Done {
        signed(self.out, v.into());
        Ok(())
    }
    fn serialize_i32(self, v: i32) -> Done {
        signed(self.out, v.into());
        Ok(())
    }
    fn serialize_i64(self, v: i64) -> Done {
        signed(self.out, v);
        Ok(())
    }
    fn serialize_i128(self, v: i128) -> Done {
        self.by_serde_json(&v)
    }
    fn serialize_u8(self, v: u8) -> Done {
        unsigned(self.out, v.into());
        Ok(())
    }
    fn serialize_u16(self, v: u16) -> Done {
        unsigned(self.out, v.into());
        Ok(())
    }
    fn serialize_u32(self, v: u32) -> Done {
        unsigned(self.out, v.into());
        Ok(())
    }
    fn serialize_u64(self, v: u64) -> Done {
        unsigned(self.out, v);
        Ok(())
    }
    fn serialize_u128(self, v: u128) -> Done {
        self.by_serde_json(&v)
    }
    fn serialize_f32(self, v: f32) -> Done {
        self.by_serde_json(&v)
    }
    fn serialize_f64(self, v: f64) -> Done {
        self.by_serde_json(&v)
    }
    fn serialize_char(self, v: char) -> Done {
        string(self.out, v.encode_utf8(&mut [0; 4]));
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Done {
        string(self.out, v);
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Done {
        self.by_serde_json(v)
    }
    fn serialize_none(self) -> Done {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Done {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Done {
        self.out.extend_from_slice(b"null");
        Ok(())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Done {
        self.serialize_unit()
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Done {
        string(self.out, variant);
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Done {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Done {
        self.out.push(b'{');
        string(self.out, variant);
        self.out.push(b':');
        value.serialize(&mut *self)?;
        self.out.push(b'}');
        Ok(())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, Unwritten> {
        Ok(Compound::open(self, b"[", b"]"))
    }
    fn serialize_tuple(self, len: usize) -> Result<Self::SerializeTuple, Unwritten> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleStruct, Unwritten> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, Unwritten> {
        self.out.push(b'{');
        string(self.out, variant);
        Ok(Compound::open(self, b":[", b"]}"))
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, Unwritten> {
        Ok(Compound::open(self, b"{", b"}"))
    }
    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStruct, Unwritten> {
        Ok(Compound::open(self, b"{", b"}"))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, Unwritten> {
        self.out.push(b'{');
        string(self.out, variant);
        Ok(Compound::open(self, b":{", b"}}"))
    }
    fn collect_str<T: Display + ?Sized>(self, value: &T) -> Done {
        self.display(value)
    }
}

impl ser::SerializeSeq for Compound<'_, '_> {
    type Ok = ();
    type Error = Unwritten;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Done {
        self.element(value)
    }
    fn end(self) -> Done {
        self.close()
    }
}

impl ser::SerializeTuple for Compound<'_, '_> {
    type Ok = ();
    type Error = Unwritten;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Done {
        self.element(value)
    }
    fn end(self) -> Done {
        self.close()
    }
}

impl ser::SerializeTupleStruct for Compound<'_, '_> {
    type Ok = ();
    type Error = Unwritten;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Done {
        self.element(value)
    }
    fn end(self) -> Done {
        self.close()
    }
}

impl ser::SerializeTupleVariant for Compound<'_, '_> {
    type Ok = ();
    type Error = Unwritten;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Done {
        self.element(value)
    }
    fn end(self) -> Done {
        self.close()
    }
}

impl ser::SerializeMap for Compound<'_, '_> {
    type Ok = ();
    type Error = Unwritten;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Done {
        self.comma();
        key.serialize(Key(&mut *self.line))?;
        self.line.out.push(b':');
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Done {
        value.serialize(&mut *self.line)
    }
    fn end(self) -> Done {
        self.close()
    }
}

impl ser::SerializeStruct for Compound<'_, '_> {
    type Ok = ();
    type Error = Unwritten;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Done {
        self.field(key, value)
    }
    fn end(self) -> Done {
        self.close()
    }
}

impl ser::SerializeStructVariant for Compound<'_, '_> {
    type Ok = ();
    type Error = Unwritten;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Done {
        self.field(key, value)
    }
    fn end(self) -> Done {
        self.close()
    }
}

/// A map key: text, written as a JSON string. Any other key gives up (serde_json then
/// writes the whole value, with its own rules for keys).
struct Key<'w, 'a>(&'w mut Line<'a>);

fn not_text() -> Unwritten {
    Unwritten("a map key that is not text".to_string())
}

impl ser::Serializer for Key<'_, '_> {
    type Ok = ();
    type Error = Unwritten;
    type SerializeSeq = ser::Impossible<(), Unwritten>;
    type SerializeTuple = ser::Impossible<(), Unwritten>;
    type SerializeTupleStruct = ser::Impossible<(), Unwritten>;
    type SerializeTupleVariant = ser::Impossible<(), Unwritten>;
    type SerializeMap = ser::Impossible<(), Unwritten>;
    type SerializeStruct = ser::Impossible<(), Unwritten>;
    type SerializeStructVariant = ser::Impossible<(), Unwritten>;

    fn serialize_str(self, v: &str) -> Done {
        string(self.0.out, v);
        Ok(())
    }
    fn serialize_char(self, v: char) -> Done {
        string(self.0.out, v.encode_utf8(&mut [0; 4]));
        Ok(())
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Done {
        string(self.0.out, variant);
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Done {
        value.serialize(self)
    }
    fn collect_str<T: Display + ?Sized>(self, value: &T) -> Done {
        self.0.display(value)
    }
    fn serialize_bool(self, _v: bool) -> Done {
        Err(not_text())
    }
    fn serialize_i8(self, _v: i8) -> Done {
        Err(not_text())
    }
    fn serialize_i16(self, _v: i16) -> Done {
        Err(not_text())
    }
    fn serialize_i32(self, _v: i32) -> Done {
        Err(not_text())
    }
    fn serialize_i64(self, _v: i64) -> Done {
        Err(not_text())
    }
    fn serialize_u8(self, _v: u8) -> Done {
        Err(not_text())
    }
    fn serialize_u16(self, _v: u16) -> Done {
        Err(not_text())
    }
    fn serialize_u32(self, _v: u32) -> Done {
        Err(not_text())
    }
    fn serialize_u64(self, _v: u64) -> Done {
        Err(not_text())
    }
    fn serialize_f32(self, _v: f32) -> Done {
        Err(not_text())
    }
    fn serialize_f64(self, _v: f64) -> Done {
        Err(not_text())
    }
    fn serialize_bytes(self, _v: &[u8]) -> Done {
        Err(not_text())
    }
    fn serialize_none(self) -> Done {
        Err(not_text())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _value: &T) -> Done {
        Err(not_text())
    }
    fn serialize_unit(self) -> Done {
        Err(not_text())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Done {
        Err(not_text())
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Done {
        Err(not_text())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, Unwritten> {
        Err(not_text())
    }
    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, Unwritten> {
        Err(not_text())
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct, Unwritten> {
        Err(not_text())
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, Unwritten> {
        Err(not_text())
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, Unwritten> {
        Err(not_text())
    }
    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStruct, Unwritten> {
        Err(not_text())
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, Unwritten> {
        Err(not_text())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;
    use serde_json::json;
    use std::collections::BTreeMap;

    fn same<T: Serialize + ?Sized>(value: &T) {
        let mut ours = b"prefix".to_vec();
        to_line(value, &mut ours).unwrap();
        let theirs = serde_json::to_vec(value).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&ours[6..]),
            String::from_utf8_lossy(&theirs)
        );
    }

    #[test]
    fn strings_escape_as_serde_json_escapes_them() {
        let mut every = String::new();
        for c in (0u8..0x80).map(char::from) {
            every.push(c);
            every.push_str("abcdefgh");
        }
        for s in [
            "",
            "plain text longer than eight bytes",
            "\"",
            "\\",
            "a\"b\\c\nd\te\u{1}f\u{1f}g\u{7f}h",
            "é café — “quoted” 𝄞 and more text after it",
            "12345678\"12345678\\1234567\n",
            every.as_str(),
        ] {
            same(s);
        }
    }

    #[test]
    fn every_shape_is_written_as_serde_json_writes_it() {
        #[derive(Serialize)]
        enum E {
            Unit,
            New(u8),
            Tuple(i32, String),
            Struct { a: Option<f64>, b: Vec<u8> },
        }
        #[derive(Serialize)]
        struct S<'a> {
            b: bool,
            i: i64,
            u: u64,
            small: i8,
            f: f64,
            nan: f64,
            c: char,
            none: Option<u8>,
            unit: (),
            t: (u8, &'a str),
            e: Vec<E>,
            m: BTreeMap<String, i32>,
            empty: Vec<u8>,
            #[serde(skip_serializing_if = "Option::is_none")]
            skipped: Option<u8>,
            date: jiff::civil::Date,
        }
        same(&S {
            b: true,
            i: i64::MIN,
            u: u64::MAX,
            small: -7,
            f: 0.1 + 0.2,
            nan: f64::NAN,
            c: '\n',
            none: None,
            unit: (),
            t: (0, "x"),
            e: vec![
                E::Unit,
                E::New(3),
                E::Tuple(-1, "y".into()),
                E::Struct {
                    a: Some(1e21),
                    b: vec![1, 2],
                },
            ],
            m: [("k\"".to_string(), 1), ("a".to_string(), 0)].into(),
            empty: vec![],
            skipped: None,
            date: jiff::civil::date(2026, 9, 1),
        });
        same(&json!({"a": [1, 2.5, null, true, {"b": "c"}], "z": {}}));
        // A key that is not text is left to serde_json whole.
        same(&BTreeMap::from([(1, "one"), (2, "two")]));
        same(&BTreeMap::from([(true, 1)]));
    }
}
