//! A compact JSON serializer for the records `analyze --format json` streams out, byte for byte
//! what `serde_json::to_writer` prints, but faster on strings.
//!
//! Why: in a profile of a 228 MB capture, serde_json's string escaping (a table look-up per byte)
//! was the largest single cost of the whole run. Here strings are scanned a word at a time (two
//! per step on long runs) for the three things JSON must escape (control bytes, `"` and `\`),
//! and clean runs are copied whole. Numbers go through serde_json's own formatter, so they print
//! exactly as before. A test compares the two serializers on every record of the bundled captures.

use serde::ser::{self, Serialize};
use serde_json::ser::{CompactFormatter, Formatter};

type Error = serde_json::Error;
type Result<T = ()> = core::result::Result<T, Error>;

/// Integers print through serde_json's formatter, exactly as serde_json prints them.
macro_rules! numbers {
    ($($method:ident => $write:ident: $t:ty),* $(,)?) => {$(
        fn $method(self, v: $t) -> Result {
            self.fmt(|f, w| f.$write(w, v))
        }
    )*};
}

/// Integer object keys are quoted, as serde_json does.
macro_rules! quoted_numbers {
    ($($method:ident: $t:ty),* $(,)?) => {$(
        fn $method(self, v: $t) -> Result {
            self.quoted(&v.to_string())
        }
    )*};
}

/// Appends the JSON of `value` to `out`.
pub fn to_vec_into<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) -> Result {
    value.serialize(&mut Ser { out })
}

/// `s` as a JSON string literal, quotes included, escaped as serde_json does.
pub fn write_str(out: &mut Vec<u8>, s: &str) {
    let b = s.as_bytes();
    out.reserve(b.len() + 2);
    out.push(b'"');
    let mut start = 0;
    let mut i = 0;
    // Sixteen bytes a step while nothing needs escaping (most header fields and message text),
    // then eight, then one.
    while i + 16 <= b.len() {
        let (lo, hi) = (escape_mask(word(b, i)), escape_mask(word(b, i + 8)));
        if lo | hi == 0 {
            i += 16;
            continue;
        }
        // The lowest flagged byte of a word is always a real match (borrows only run upwards).
        let j = if lo != 0 { i + (lo.trailing_zeros() / 8) as usize } else { i + 8 + (hi.trailing_zeros() / 8) as usize };
        out.extend_from_slice(&b[start..j]);
        escape(out, b[j]);
        start = j + 1;
        i = j + 1;
    }
    while i + 8 <= b.len() {
        let m = escape_mask(word(b, i));
        if m == 0 {
            i += 8;
            continue;
        }
        let j = i + (m.trailing_zeros() / 8) as usize;
        out.extend_from_slice(&b[start..j]);
        escape(out, b[j]);
        start = j + 1;
        i = j + 1;
    }
    if i < b.len() && b.len() >= 8 {
        // The last few bytes: the word ending with the string, without the bytes already seen.
        // Above a flagged byte the flags may be false, so each is checked.
        let base = b.len() - 8;
        let skip = 8 * (i - base) as u32;
        let mut m = escape_mask(word(b, base)) >> skip << skip;
        while m != 0 {
            let j = base + (m.trailing_zeros() / 8) as usize;
            if needs(b[j]) {
                out.extend_from_slice(&b[start..j]);
                escape(out, b[j]);
                start = j + 1;
            }
            m &= m - 1;
        }
        i = b.len();
    }
    while i < b.len() {
        if needs(b[i]) {
            out.extend_from_slice(&b[start..i]);
            escape(out, b[i]);
            start = i + 1;
        }
        i += 1;
    }
    out.extend_from_slice(&b[start..]);
    out.push(b'"');
}

/// True when some byte of `s` must be escaped in a JSON string. (A flagged word always holds a
/// real match: its lowest flag is never false.)
pub fn needs_escape(s: &str) -> bool {
    let b = s.as_bytes();
    let words = b.len() / 8;
    (0..words).any(|i| escape_mask(word(b, i * 8)) != 0) || b[words * 8..].iter().any(|&c| needs(c))
}

/// Eight bytes of `b` from `at` as a little-endian word.
#[inline]
fn word(b: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(w)
}

#[inline]
fn needs(c: u8) -> bool {
    c < 0x20 || c == b'"' || c == b'\\'
}

/// The high bit of each of the eight bytes that is below 0x20, `"` or `\`; bytes above the lowest
/// flagged one may be flagged falsely.
#[inline]
fn escape_mask(v: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero_byte = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let below_space = v.wrapping_sub(ONES * 0x20) & !v & HIGH;
    below_space | zero_byte(v ^ (ONES * u64::from(b'"'))) | zero_byte(v ^ (ONES * u64::from(b'\\')))
}

fn escape(out: &mut Vec<u8>, c: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    match c {
        b'"' => out.extend_from_slice(b"\\\""),
        b'\\' => out.extend_from_slice(b"\\\\"),
        0x08 => out.extend_from_slice(b"\\b"),
        0x09 => out.extend_from_slice(b"\\t"),
        0x0a => out.extend_from_slice(b"\\n"),
        0x0c => out.extend_from_slice(b"\\f"),
        0x0d => out.extend_from_slice(b"\\r"),
        _ => out.extend_from_slice(&[b'\\', b'u', b'0', b'0', HEX[(c >> 4) as usize], HEX[(c & 0xf) as usize]]),
    }
}

struct Ser<'a> {
    out: &'a mut Vec<u8>,
}

impl Ser<'_> {
    fn fmt(&mut self, f: impl FnOnce(&mut CompactFormatter, &mut Vec<u8>) -> std::io::Result<()>) -> Result {
        f(&mut CompactFormatter, self.out).map_err(Error::io)
    }
}

/// An array or object being written; `first` until its first element.
pub struct Compound<'s, 'a> {
    ser: &'s mut Ser<'a>,
    first: bool,
    /// Closing bytes: `]`, `}`, or `]}` / `}}` for enum variants.
    close: &'static [u8],
}

impl Compound<'_, '_> {
    fn comma(&mut self) {
        if !self.first {
            self.ser.out.push(b',');
        }
        self.first = false;
    }
    /// A struct field's name. These are the `&'static str`s of `#[derive(Serialize)]`: Rust
    /// identifiers or `rename`s in this crate, never in need of an escape, so they are copied as
    /// they are (the printer's hottest path: every field of every record).
    fn key(&mut self, key: &'static str) {
        debug_assert!(!key.bytes().any(needs), "field name {key:?} needs escaping");
        let out = &mut *self.ser.out;
        out.reserve(key.len() + 4);
        if !self.first {
            out.push(b',');
        }
        self.first = false;
        out.push(b'"');
        out.extend_from_slice(key.as_bytes());
        out.extend_from_slice(b"\":");
    }
    fn end(self) -> Result {
        self.ser.out.extend_from_slice(self.close);
        Ok(())
    }
}

impl<'s, 'a> ser::Serializer for &'s mut Ser<'a> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Compound<'s, 'a>;
    type SerializeTuple = Compound<'s, 'a>;
    type SerializeTupleStruct = Compound<'s, 'a>;
    type SerializeTupleVariant = Compound<'s, 'a>;
    type SerializeMap = Compound<'s, 'a>;
    type SerializeStruct = Compound<'s, 'a>;
    type SerializeStructVariant = Compound<'s, 'a>;

    fn serialize_bool(self, v: bool) -> Result {
        self.fmt(|f, w| f.write_bool(w, v))
    }
    numbers!(
        serialize_i8 => write_i8: i8, serialize_i16 => write_i16: i16, serialize_i32 => write_i32: i32,
        serialize_i64 => write_i64: i64, serialize_i128 => write_i128: i128, serialize_u8 => write_u8: u8,
        serialize_u16 => write_u16: u16, serialize_u32 => write_u32: u32, serialize_u64 => write_u64: u64,
        serialize_u128 => write_u128: u128,
    );
    fn serialize_f32(self, v: f32) -> Result {
        if v.is_finite() {
            self.fmt(|f, w| f.write_f32(w, v))
        } else {
            self.serialize_unit()
        }
    }
    fn serialize_f64(self, v: f64) -> Result {
        if v.is_finite() {
            self.fmt(|f, w| f.write_f64(w, v))
        } else {
            self.serialize_unit()
        }
    }
    fn serialize_char(self, v: char) -> Result {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> Result {
        write_str(self.out, v);
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result {
        let mut seq = ser::Serializer::serialize_seq(self, Some(v.len()))?;
        for b in v {
            ser::SerializeSeq::serialize_element(&mut seq, b)?;
        }
        ser::SerializeSeq::end(seq)
    }
    fn serialize_none(self) -> Result {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result {
        self.out.extend_from_slice(b"null");
        Ok(())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result {
        self.serialize_unit()
    }
    fn serialize_unit_variant(self, _name: &'static str, _index: u32, variant: &'static str) -> Result {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _name: &'static str, value: &T) -> Result {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result {
        self.out.push(b'{');
        write_str(self.out, variant);
        self.out.push(b':');
        value.serialize(&mut *self)?;
        self.out.push(b'}');
        Ok(())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq> {
        self.out.push(b'[');
        Ok(Compound { ser: self, first: true, close: b"]" })
    }
    fn serialize_tuple(self, len: usize) -> Result<Self::SerializeTuple> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<Self::SerializeTupleStruct> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        self.out.push(b'{');
        write_str(self.out, variant);
        self.out.extend_from_slice(b":[");
        Ok(Compound { ser: self, first: true, close: b"]}" })
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap> {
        self.out.push(b'{');
        Ok(Compound { ser: self, first: true, close: b"}" })
    }
    fn serialize_struct(self, _name: &'static str, len: usize) -> Result<Self::SerializeStruct> {
        self.serialize_map(Some(len))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant> {
        self.out.push(b'{');
        write_str(self.out, variant);
        self.out.extend_from_slice(b":{");
        Ok(Compound { ser: self, first: true, close: b"}}" })
    }
}

impl ser::SerializeSeq for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        self.comma();
        value.serialize(&mut *self.ser)
    }
    fn end(self) -> Result {
        Compound::end(self)
    }
}

/// Tuples of every kind are written as arrays, element by element.
macro_rules! like_seq {
    ($($trait:ident :: $method:ident),*) => {$(
        impl ser::$trait for Compound<'_, '_> {
            type Ok = ();
            type Error = Error;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
                ser::SerializeSeq::serialize_element(self, value)
            }
            fn end(self) -> Result {
                Compound::end(self)
            }
        }
    )*};
}

like_seq!(SerializeTuple::serialize_element, SerializeTupleStruct::serialize_field, SerializeTupleVariant::serialize_field);

impl ser::SerializeMap for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result {
        self.comma();
        key.serialize(KeySer { out: &mut *self.ser.out })?;
        self.ser.out.push(b':');
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        value.serialize(&mut *self.ser)
    }
    fn end(self) -> Result {
        Compound::end(self)
    }
}

impl ser::SerializeStruct for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result {
        self.key(key);
        value.serialize(&mut *self.ser)
    }
    fn end(self) -> Result {
        Compound::end(self)
    }
}

impl ser::SerializeStructVariant for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result {
        ser::SerializeStruct::serialize_field(self, key, value)
    }
    fn end(self) -> Result {
        Compound::end(self)
    }
}

/// Object keys: strings as they are, numbers, booleans and chars quoted (as serde_json does);
/// anything else is an error, as in serde_json.
struct KeySer<'a> {
    out: &'a mut Vec<u8>,
}

impl KeySer<'_> {
    fn quoted(self, s: &str) -> Result {
        write_str(self.out, s);
        Ok(())
    }
}

fn key_must_be_a_string() -> Error {
    ser::Error::custom("key must be a string")
}

impl ser::Serializer for KeySer<'_> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = ser::Impossible<(), Error>;
    type SerializeTuple = ser::Impossible<(), Error>;
    type SerializeTupleStruct = ser::Impossible<(), Error>;
    type SerializeTupleVariant = ser::Impossible<(), Error>;
    type SerializeMap = ser::Impossible<(), Error>;
    type SerializeStruct = ser::Impossible<(), Error>;
    type SerializeStructVariant = ser::Impossible<(), Error>;

    fn serialize_bool(self, v: bool) -> Result {
        self.quoted(if v { "true" } else { "false" })
    }
    quoted_numbers!(
        serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
        serialize_u8: u8, serialize_u16: u16, serialize_u32: u32, serialize_u64: u64,
    );
    fn serialize_f32(self, _v: f32) -> Result {
        Err(key_must_be_a_string())
    }
    fn serialize_f64(self, _v: f64) -> Result {
        Err(key_must_be_a_string())
    }
    fn serialize_char(self, v: char) -> Result {
        self.quoted(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> Result {
        self.quoted(v)
    }
    fn serialize_bytes(self, _v: &[u8]) -> Result {
        Err(key_must_be_a_string())
    }
    fn serialize_none(self) -> Result {
        Err(key_must_be_a_string())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _value: &T) -> Result {
        Err(key_must_be_a_string())
    }
    fn serialize_unit(self) -> Result {
        Err(key_must_be_a_string())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result {
        Err(key_must_be_a_string())
    }
    fn serialize_unit_variant(self, _name: &'static str, _index: u32, variant: &'static str) -> Result {
        self.quoted(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _name: &'static str, value: &T) -> Result {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(self, _n: &'static str, _i: u32, _v: &'static str, _value: &T) -> Result {
        Err(key_must_be_a_string())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq> {
        Err(key_must_be_a_string())
    }
    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple> {
        Err(key_must_be_a_string())
    }
    fn serialize_tuple_struct(self, _n: &'static str, _len: usize) -> Result<Self::SerializeTupleStruct> {
        Err(key_must_be_a_string())
    }
    fn serialize_tuple_variant(self, _n: &'static str, _i: u32, _v: &'static str, _len: usize) -> Result<Self::SerializeTupleVariant> {
        Err(key_must_be_a_string())
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap> {
        Err(key_must_be_a_string())
    }
    fn serialize_struct(self, _n: &'static str, _len: usize) -> Result<Self::SerializeStruct> {
        Err(key_must_be_a_string())
    }
    fn serialize_struct_variant(self, _n: &'static str, _i: u32, _v: &'static str, _len: usize) -> Result<Self::SerializeStructVariant> {
        Err(key_must_be_a_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde::Serialize;
    use std::collections::BTreeMap;

    fn same<T: Serialize>(v: &T) {
        let mut mine = Vec::new();
        to_vec_into(&mut mine, v).unwrap();
        assert_eq!(String::from_utf8(mine).unwrap(), serde_json::to_string(v).unwrap());
    }

    #[test]
    fn escapes_like_serde_json() {
        for s in ["", "plain", "a\"b", "back\\slash", "tab\there", "\u{0}\u{1}\u{1f}\u{7f}", "ünïcødé 中文", "12345678\"", "1234567\n"]
        {
            same(&s);
        }
        let all: String = (0u8..128).map(char::from).collect();
        same(&all);
    }

    #[test]
    fn escapes_at_every_place_of_a_word_like_serde_json() {
        for len in 0..40 {
            for at in 0..len {
                for c in ['"', '\\', '\n', '\u{1}', '\u{1f}', 'é'] {
                    let mut s: Vec<char> = "abcdefghij".chars().cycle().take(len).collect();
                    s[at] = c;
                    same(&s.iter().collect::<String>());
                    s[len - 1 - at] = '"';
                    same(&s.iter().collect::<String>());
                }
            }
        }
    }

    #[derive(Serialize)]
    enum E {
        Unit,
        New(u8),
        Tup(u8, String),
        Rec { a: Option<f64>, b: Vec<u16> },
    }

    #[derive(Serialize)]
    struct S<'a> {
        n: i64,
        f: f64,
        nan: f64,
        text: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        skipped: Option<u8>,
        pair: (u32, bool),
        es: Vec<E>,
        map: BTreeMap<u16, &'a str>,
        bytes: &'a [u8],
        #[serde(flatten)]
        more: BTreeMap<String, i8>,
    }

    #[test]
    fn every_shape_matches_serde_json() {
        let s = S {
            n: -42,
            f: 1700000000.000021,
            nan: f64::NAN,
            text: "x\ty",
            skipped: None,
            pair: (7, true),
            es: vec![E::Unit, E::New(3), E::Tup(1, "t".into()), E::Rec { a: Some(0.1), b: vec![1, 2] }, E::Rec { a: None, b: vec![] }],
            map: [(443, "https"), (80, "http")].into_iter().collect(),
            bytes: &[0, 255],
            more: [("flat".to_string(), -1)].into_iter().collect(),
        };
        same(&s);
    }

    proptest! {
        #[test]
        fn any_string_escapes_like_serde_json(s in "\\PC*|[\\x00-\\x7f]{0,40}") {
            same(&s);
        }

        #[test]
        fn mostly_plain_strings_escape_like_serde_json(s in "[a-z ]{0,40}([\"\\\\\\x00-\\x1f\\x7f][a-z ]{0,20}){0,4}") {
            same(&s);
        }
    }
}
