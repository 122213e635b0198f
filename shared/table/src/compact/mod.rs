//! A compact binary form of a DynamoDB attribute map (the embedded table stores items in it).
//!
//! Each value is a tag byte and its contents; strings, numbers (kept as DynamoDB's decimal
//! strings) and binaries are a length (LEB128) and bytes; maps and lists a count and their
//! entries. Decoding it is a walk over the bytes, with none of JSON's escapes, quoting or
//! `{"S": …}` wrappers (JSON parsing was a fifth of the gateway's CPU under load).
//!
//! [`from_slice`] deserializes a record straight from these bytes, as `serde_dynamo` would from
//! the attribute map they encode, without building the map (its names, values and hash table
//! were a tenth of the gateway's CPU under load: docs/measurements.md); [`to_vec`] writes a
//! record to them the same way.

mod write;
pub use write::{Unwritable, to_vec};

use std::collections::HashMap;

use serde::de::{self, DeserializeOwned, IntoDeserializer, Visitor};

use crate::{Item, TableError, Value};

const S: u8 = 1;
const N: u8 = 2;
const B: u8 = 3;
const BOOL_FALSE: u8 = 4;
const BOOL_TRUE: u8 = 5;
const NULL: u8 = 6;
const M: u8 = 7;
const L: u8 = 8;
const SS: u8 = 9;
const NS: u8 = 10;
const BS: u8 = 11;

/// Deepest nesting decoded (DynamoDB allows 32 levels).
const MAX_DEPTH: usize = 64;

/// Append `item`'s compact form to `out`.
pub fn encode(item: &Item, out: &mut Vec<u8>) {
    let map: &HashMap<String, Value> = item.as_ref();
    encode_map(map, out);
}

fn length(out: &mut Vec<u8>, mut n: usize) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn bytes(out: &mut Vec<u8>, value: &[u8]) {
    length(out, value.len());
    out.extend_from_slice(value);
}

fn encode_map(map: &HashMap<String, Value>, out: &mut Vec<u8>) {
    length(out, map.len());
    for (name, value) in map {
        bytes(out, name.as_bytes());
        encode_value(value, out);
    }
}

fn encode_value(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::S(s) => {
            out.push(S);
            bytes(out, s.as_bytes());
        }
        Value::N(n) => {
            out.push(N);
            bytes(out, n.as_bytes());
        }
        Value::B(b) => {
            out.push(B);
            bytes(out, b);
        }
        Value::Bool(false) => out.push(BOOL_FALSE),
        Value::Bool(true) => out.push(BOOL_TRUE),
        Value::Null(_) => out.push(NULL),
        Value::M(map) => {
            out.push(M);
            encode_map(map, out);
        }
        Value::L(list) => {
            out.push(L);
            length(out, list.len());
            for value in list {
                encode_value(value, out);
            }
        }
        Value::Ss(set) | Value::Ns(set) => {
            out.push(if matches!(value, Value::Ss(_)) {
                SS
            } else {
                NS
            });
            length(out, set.len());
            for s in set {
                bytes(out, s.as_bytes());
            }
        }
        Value::Bs(set) => {
            out.push(BS);
            length(out, set.len());
            for b in set {
                bytes(out, b);
            }
        }
    }
}

/// The attribute map of compact bytes.
///
/// # Errors
/// `Backend` for damaged bytes.
pub fn decode(input: &[u8]) -> Result<Item, TableError> {
    let mut reader = Reader(input);
    let mut item = Item::from(HashMap::<String, Value>::new());
    reader.map_into(item.inner_mut(), 0)?;
    if !reader.0.is_empty() {
        return Err(damaged());
    }
    Ok(item)
}

/// The top-level attributes of compact bytes named in `names` (distinct), each `None` when
/// absent. Reading stops once every one is found (a map holds each name once), so attributes
/// written first ([`to_vec`] writes the key first) are found without passing over the rest.
///
/// # Errors
/// `Backend` for damaged bytes (in the part read).
pub fn attributes<const K: usize>(
    input: &[u8],
    names: [&str; K],
) -> Result<[Option<Value>; K], TableError> {
    let mut found = [const { None }; K];
    let mut missing = K;
    let mut reader = Reader(input);
    for _ in 0..reader.length()? {
        if missing == 0 {
            break;
        }
        let name = reader.bytes()?;
        match names.iter().position(|n| n.as_bytes() == name) {
            Some(position) => {
                if found[position].is_none() {
                    missing -= 1;
                }
                found[position] = Some(reader.value(1)?);
            }
            None => reader.skip_value(1).map_err(|_| damaged())?,
        }
    }
    Ok(found)
}

fn damaged() -> TableError {
    TableError::backend("a stored item is damaged")
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Result<u8, TableError> {
        let (&first, rest) = self.0.split_first().ok_or_else(damaged)?;
        self.0 = rest;
        Ok(first)
    }

    fn length(&mut self) -> Result<usize, TableError> {
        let mut n: usize = 0;
        for shift in (0..64).step_by(7) {
            let byte = self.byte()?;
            n |= usize::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                // No length can exceed what is left to read.
                return if n <= self.0.len() {
                    Ok(n)
                } else {
                    Err(damaged())
                };
            }
        }
        Err(damaged())
    }

    fn bytes(&mut self) -> Result<&'a [u8], TableError> {
        let n = self.length()?;
        let (head, rest) = self.0.split_at_checked(n).ok_or_else(damaged)?;
        self.0 = rest;
        Ok(head)
    }

    fn string(&mut self) -> Result<String, TableError> {
        std::str::from_utf8(self.bytes()?)
            .map(str::to_string)
            .map_err(|_| damaged())
    }

    fn map_into(
        &mut self,
        map: &mut HashMap<String, Value>,
        depth: usize,
    ) -> Result<(), TableError> {
        let count = self.length()?;
        map.reserve(count);
        for _ in 0..count {
            let name = self.string()?;
            let value = self.value(depth + 1)?;
            map.insert(name, value);
        }
        Ok(())
    }

    fn value(&mut self, depth: usize) -> Result<Value, TableError> {
        if depth > MAX_DEPTH {
            return Err(damaged());
        }
        let tag = self.byte()?;
        Ok(match tag {
            S => Value::S(self.string()?),
            N => Value::N(self.string()?),
            B => Value::B(self.bytes()?.to_vec()),
            BOOL_FALSE => Value::Bool(false),
            BOOL_TRUE => Value::Bool(true),
            NULL => Value::Null(true),
            M => {
                let mut map = HashMap::new();
                self.map_into(&mut map, depth)?;
                Value::M(map)
            }
            L => {
                let count = self.length()?;
                let mut list = Vec::with_capacity(count);
                for _ in 0..count {
                    list.push(self.value(depth + 1)?);
                }
                Value::L(list)
            }
            SS | NS => {
                let count = self.length()?;
                let mut set = Vec::with_capacity(count);
                for _ in 0..count {
                    set.push(self.string()?);
                }
                if tag == SS {
                    Value::Ss(set)
                } else {
                    Value::Ns(set)
                }
            }
            BS => {
                let count = self.length()?;
                let mut set = Vec::with_capacity(count);
                for _ in 0..count {
                    set.push(self.bytes()?.to_vec());
                }
                Value::Bs(set)
            }
            _ => return Err(damaged()),
        })
    }
}

/// Deserialize a record from compact bytes, as `serde_dynamo::from_item` would from the
/// attribute map they encode; top-level attributes named in `skip` are passed over (keys,
/// index entries: what the record does not hold).
///
/// # Errors
/// `Backend` for damaged bytes, or bytes that do not hold a `T`.
pub fn from_slice<T: DeserializeOwned>(input: &[u8], skip: &[&str]) -> Result<T, TableError> {
    let mut reader = Reader(input);
    let top = ValueDe {
        r: &mut reader,
        tag: M,
        depth: 0,
        skip,
    };
    let value = T::deserialize(top).map_err(TableError::backend)?;
    if !reader.0.is_empty() {
        return Err(damaged());
    }
    Ok(value)
}

/// Why compact bytes did not deserialize.
#[derive(Debug)]
pub struct DecodeError(String);

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "a stored item does not decode: {}", self.0)
    }
}

impl std::error::Error for DecodeError {}

impl de::Error for DecodeError {
    fn custom<T: std::fmt::Display>(message: T) -> Self {
        DecodeError(message.to_string())
    }
}

fn broken<T>(read: Result<T, TableError>) -> Result<T, DecodeError> {
    read.map_err(|_| DecodeError("the bytes are damaged".into()))
}

fn expected(what: &str, tag: u8) -> DecodeError {
    DecodeError(format!("expected {what}, found a value tagged {tag}"))
}

impl<'de> Reader<'de> {
    fn str(&mut self) -> Result<&'de str, DecodeError> {
        std::str::from_utf8(broken(self.bytes())?)
            .map_err(|_| DecodeError("a string is not UTF-8".into()))
    }

    /// Pass over the contents of a value whose tag was read.
    fn skip(&mut self, tag: u8, depth: usize) -> Result<(), DecodeError> {
        if depth > MAX_DEPTH {
            return Err(DecodeError("nested too deep".into()));
        }
        match tag {
            S | N | B => {
                broken(self.bytes())?;
            }
            BOOL_FALSE | BOOL_TRUE | NULL => {}
            M => {
                for _ in 0..broken(self.length())? {
                    self.skip_attribute(depth + 1)?;
                }
            }
            L => {
                for _ in 0..broken(self.length())? {
                    self.skip_value(depth + 1)?;
                }
            }
            SS | NS | BS => {
                for _ in 0..broken(self.length())? {
                    broken(self.bytes())?;
                }
            }
            _ => return Err(DecodeError(format!("unknown tag {tag}"))),
        }
        Ok(())
    }

    /// Pass over a value: its tag, then its contents.
    fn skip_value(&mut self, depth: usize) -> Result<(), DecodeError> {
        let tag = broken(self.byte())?;
        self.skip(tag, depth)
    }

    /// Pass over a map's attribute: its name, then its value.
    fn skip_attribute(&mut self, depth: usize) -> Result<(), DecodeError> {
        broken(self.bytes())?;
        self.skip_value(depth)
    }
}

/// One value whose tag has been read; its contents are next.
struct ValueDe<'a, 'de> {
    r: &'a mut Reader<'de>,
    tag: u8,
    depth: usize,
    /// Top-level attributes to pass over (empty below the top).
    skip: &'a [&'a str],
}

impl<'a, 'de> ValueDe<'a, 'de> {
    fn next(r: &'a mut Reader<'de>, depth: usize) -> Result<Self, DecodeError> {
        if depth > MAX_DEPTH {
            return Err(DecodeError("nested too deep".into()));
        }
        let tag = broken(r.byte())?;
        Ok(ValueDe {
            r,
            tag,
            depth,
            skip: &[],
        })
    }

    fn number<T>(self) -> Result<T, DecodeError>
    where
        T: std::str::FromStr,
        T::Err: std::fmt::Display,
    {
        if self.tag != N {
            return Err(expected("a number", self.tag));
        }
        NumberDe(self.r.str()?).number()
    }

    fn string(self) -> Result<&'de str, DecodeError> {
        match self.tag {
            S => self.r.str(),
            tag => Err(expected("a string", tag)),
        }
    }
}

/// The typed number methods of a deserializer whose `number()` parses the type asked for:
/// `numbers!(integers)`, or `numbers!(integers and floats)`.
macro_rules! numbers {
    (integers) => {
        numbers!(@
            deserialize_i8 => visit_i8,
            deserialize_i16 => visit_i16,
            deserialize_i32 => visit_i32,
            deserialize_i64 => visit_i64,
            deserialize_u8 => visit_u8,
            deserialize_u16 => visit_u16,
            deserialize_u32 => visit_u32,
            deserialize_u64 => visit_u64
        );
    };
    (integers and floats) => {
        numbers!(integers);
        numbers!(@ deserialize_f32 => visit_f32, deserialize_f64 => visit_f64);
    };
    (@ $($method:ident => $visit:ident),*) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
                visitor.$visit(self.number()?)
            }
        )*
    };
}

impl<'de> de::Deserializer<'de> for ValueDe<'_, 'de> {
    type Error = DecodeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        match self.tag {
            S => visitor.visit_borrowed_str(self.r.str()?),
            N => NumberDe(self.r.str()?).deserialize_any(visitor),
            B => visitor.visit_borrowed_bytes(broken(self.r.bytes())?),
            BOOL_FALSE | BOOL_TRUE => visitor.visit_bool(self.tag == BOOL_TRUE),
            NULL => visitor.visit_unit(),
            M => self.deserialize_map(visitor),
            L | SS | NS | BS => self.deserialize_seq(visitor),
            tag => Err(DecodeError(format!("unknown tag {tag}"))),
        }
    }

    numbers!(integers and floats);

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        match self.tag {
            BOOL_FALSE | BOOL_TRUE => visitor.visit_bool(self.tag == BOOL_TRUE),
            tag => Err(expected("a boolean", tag)),
        }
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        let text = self.string()?;
        let mut chars = text.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => visitor.visit_char(c),
            _ => Err(DecodeError(format!(
                "expected one character, found {text:?}"
            ))),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        visitor.visit_borrowed_str(self.string()?)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        visitor.visit_borrowed_str(self.string()?)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        visitor.visit_borrowed_str(self.string()?)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        match self.tag {
            B => visitor.visit_borrowed_bytes(broken(self.r.bytes())?),
            tag => Err(expected("a binary", tag)),
        }
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        match self.tag {
            NULL => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        match self.tag {
            NULL => visitor.visit_unit(),
            tag => Err(expected("null", tag)),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        let kind = match self.tag {
            L | SS | NS | BS => self.tag,
            tag => return Err(expected("a list or set", tag)),
        };
        let left = broken(self.r.length())?;
        let mut seq = SeqDe {
            r: self.r,
            kind,
            left,
            depth: self.depth,
        };
        let value = visitor.visit_seq(&mut seq)?;
        seq.skip_rest()?;
        Ok(value)
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        if self.tag != M {
            return Err(expected("a map", self.tag));
        }
        let left = broken(self.r.length())?;
        let mut map = MapDe {
            r: self.r,
            left,
            depth: self.depth,
            skip: self.skip,
        };
        let value = visitor.visit_map(&mut map)?;
        map.skip_rest()?;
        Ok(value)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        match self.tag {
            L => self.deserialize_seq(visitor),
            _ => self.deserialize_map(visitor),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        match self.tag {
            S => visitor.visit_enum(self.r.str()?.into_deserializer()),
            M => {
                if broken(self.r.length())? != 1 {
                    return Err(DecodeError("an enum map holds one variant".into()));
                }
                let variant = self.r.str()?;
                visitor.visit_enum(EnumDe {
                    r: self.r,
                    variant,
                    depth: self.depth,
                })
            }
            tag => Err(expected("an enum", tag)),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        self.r.skip(self.tag, self.depth)?;
        visitor.visit_unit()
    }
}

/// The elements of a list or set.
struct SeqDe<'a, 'de> {
    r: &'a mut Reader<'de>,
    kind: u8,
    left: usize,
    depth: usize,
}

impl SeqDe<'_, '_> {
    fn skip_rest(&mut self) -> Result<(), DecodeError> {
        while self.left > 0 {
            self.left -= 1;
            match self.kind {
                L => self.r.skip_value(self.depth + 1)?,
                _ => {
                    broken(self.r.bytes())?;
                }
            }
        }
        Ok(())
    }
}

impl<'de> de::SeqAccess<'de> for SeqDe<'_, 'de> {
    type Error = DecodeError;

    fn next_element_seed<T: de::DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DecodeError> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        let value = match self.kind {
            L => seed.deserialize(ValueDe::next(self.r, self.depth + 1)?)?,
            SS => seed.deserialize(self.r.str()?.into_deserializer())?,
            NS => seed.deserialize(NumberDe(self.r.str()?))?,
            _ => seed.deserialize(de::value::BorrowedBytesDeserializer::new(broken(
                self.r.bytes(),
            )?))?,
        };
        Ok(Some(value))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.left)
    }
}

/// The attributes of a map.
struct MapDe<'a, 'de> {
    r: &'a mut Reader<'de>,
    left: usize,
    depth: usize,
    skip: &'a [&'a str],
}

impl MapDe<'_, '_> {
    fn skip_rest(&mut self) -> Result<(), DecodeError> {
        while self.left > 0 {
            self.left -= 1;
            self.r.skip_attribute(self.depth + 1)?;
        }
        Ok(())
    }
}

impl<'de> de::MapAccess<'de> for MapDe<'_, 'de> {
    type Error = DecodeError;

    fn next_key_seed<K: de::DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DecodeError> {
        while self.left > 0 {
            self.left -= 1;
            let name = self.r.str()?;
            if self.skip.contains(&name) {
                self.r.skip_value(self.depth + 1)?;
                continue;
            }
            return seed.deserialize(KeyDe(name)).map(Some);
        }
        Ok(None)
    }

    fn next_value_seed<V: de::DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, DecodeError> {
        seed.deserialize(ValueDe::next(self.r, self.depth + 1)?)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.left)
    }
}

/// An enum written as a map of its one variant to the variant's contents.
struct EnumDe<'a, 'de> {
    r: &'a mut Reader<'de>,
    variant: &'de str,
    depth: usize,
}

impl<'a, 'de> de::EnumAccess<'de> for EnumDe<'a, 'de> {
    type Error = DecodeError;
    type Variant = ValueDe<'a, 'de>;

    fn variant_seed<V: de::DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, Self::Variant), DecodeError> {
        let variant = seed.deserialize(self.variant.into_deserializer())?;
        Ok((variant, ValueDe::next(self.r, self.depth + 1)?))
    }
}

impl<'de> de::VariantAccess<'de> for ValueDe<'_, 'de> {
    type Error = DecodeError;

    fn unit_variant(self) -> Result<(), DecodeError> {
        // As serde_dynamo: whatever the variant maps to is ignored.
        self.r.skip(self.tag, self.depth)
    }

    fn newtype_variant_seed<T: de::DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<T::Value, DecodeError> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        de::Deserializer::deserialize_seq(self, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        de::Deserializer::deserialize_map(self, visitor)
    }
}

/// A map's attribute name (as serde_dynamo: a string, or an integer or unit variant spelled as
/// one).
struct KeyDe<'de>(&'de str);

impl<'de> de::Deserializer<'de> for KeyDe<'de> {
    type Error = DecodeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        visitor.visit_borrowed_str(self.0)
    }

    numbers!(integers);

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        visitor.visit_enum(self.0.into_deserializer())
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        bool i128 u128 f32 f64 char str string bytes byte_buf option unit unit_struct seq tuple
        tuple_struct map struct identifier ignored_any
    }
}

impl KeyDe<'_> {
    fn number<T>(self) -> Result<T, DecodeError>
    where
        T: std::str::FromStr,
        T::Err: std::fmt::Display,
    {
        NumberDe(self.0).number()
    }
}

/// A number's decimal text.
struct NumberDe<'de>(&'de str);

impl NumberDe<'_> {
    fn number<T>(self) -> Result<T, DecodeError>
    where
        T: std::str::FromStr,
        T::Err: std::fmt::Display,
    {
        self.0
            .parse()
            .map_err(|error| DecodeError(format!("the number {:?}: {error}", self.0)))
    }
}

impl<'de> de::Deserializer<'de> for NumberDe<'de> {
    type Error = DecodeError;

    /// As serde_dynamo: an i64 if it is one, else a u64, else an f64.
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        if let Ok(n) = self.0.parse::<i64>() {
            visitor.visit_i64(n)
        } else if let Ok(n) = self.0.parse::<u64>() {
            visitor.visit_u64(n)
        } else {
            visitor.visit_f64(self.number()?)
        }
    }

    numbers!(integers and floats);

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        bool i128 u128 char str string bytes byte_buf option unit unit_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every_kind() -> Item {
        let nested = HashMap::from([
            (
                "deep".to_string(),
                Value::L(vec![Value::M(HashMap::new()), Value::Null(true)]),
            ),
            (
                "é ✓".to_string(),
                Value::S("naïve \"quoted\" \\ line\nbreak".into()),
            ),
        ]);
        Item::from(HashMap::from([
            ("PK".to_string(), Value::S("USER#a".into())),
            ("SK".to_string(), Value::S(String::new())),
            ("n".to_string(), Value::N("-12.5e3".into())),
            ("b".to_string(), Value::B(vec![0, 255, 1])),
            ("yes".to_string(), Value::Bool(true)),
            ("no".to_string(), Value::Bool(false)),
            ("null".to_string(), Value::Null(true)),
            ("m".to_string(), Value::M(nested)),
            ("ss".to_string(), Value::Ss(vec!["x".into(), "y".into()])),
            ("ns".to_string(), Value::Ns(vec!["1".into(), "2.5".into()])),
            ("bs".to_string(), Value::Bs(vec![vec![], vec![7; 300]])),
            ("long".to_string(), Value::S("z".repeat(70_000))),
        ]))
    }

    #[test]
    fn every_kind_of_value_round_trips() {
        let item = every_kind();
        let mut bytes = Vec::new();
        encode(&item, &mut bytes);
        assert_eq!(decode(&bytes).expect("decode"), item);
        // Smaller than the DynamoDB JSON it replaces.
        assert!(bytes.len() < serde_json::to_vec(&item).expect("json").len());
    }

    mod records {
        use std::collections::{BTreeMap, HashMap};

        use serde::{Deserialize, Serialize};

        use super::super::*;

        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        enum Unit {
            One,
            Two,
        }

        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        enum Shape {
            Dot,
            Circle(f64),
            Rect { w: u32, h: u32 },
            Pair(i8, String),
        }

        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(tag = "kind", rename_all = "snake_case")]
        enum Tagged {
            A { x: i64 },
            B { y: String, z: Option<u8> },
        }

        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(untagged)]
        enum Loose {
            N(u64),
            S(String),
            L(Vec<Loose>),
        }

        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        struct Inner {
            name: String,
            score: f32,
        }

        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        struct Newtype(String);

        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        struct Extra {
            extra_a: u32,
        }

        /// A record with a field of every shape the records use, and some they might.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        struct Everything {
            text: String,
            empty: String,
            small: u8,
            big: u64,
            negative: i64,
            ratio: f64,
            whole_float: f64,
            yes: bool,
            maybe: Option<String>,
            nothing: Option<u32>,
            #[serde(default)]
            absent: Option<String>,
            #[serde(default)]
            absent_list: Vec<u32>,
            letter: char,
            list: Vec<Inner>,
            tuple: (u32, String),
            unit: Unit,
            shapes: Vec<Shape>,
            tagged: Vec<Tagged>,
            loose: Vec<Loose>,
            map: BTreeMap<String, u32>,
            int_keys: BTreeMap<u32, String>,
            enum_keys: BTreeMap<Unit, u32>,
            json: serde_json::Value,
            newtype: Newtype,
            #[serde(flatten)]
            extra: Extra,
        }

        fn everything() -> Everything {
            Everything {
                text: "naïve \"quoted\" ✓".into(),
                empty: String::new(),
                small: 7,
                big: u64::MAX,
                negative: -42,
                ratio: 0.1 + 0.2,
                whole_float: 3.0,
                yes: true,
                maybe: Some("here".into()),
                nothing: None,
                absent: None,
                absent_list: Vec::new(),
                letter: 'é',
                list: vec![
                    Inner {
                        name: "a".into(),
                        score: 1.5,
                    },
                    Inner {
                        name: "b".into(),
                        score: -0.25,
                    },
                ],
                tuple: (3, "three".into()),
                unit: Unit::Two,
                shapes: vec![
                    Shape::Dot,
                    Shape::Circle(2.5),
                    Shape::Rect { w: 3, h: 4 },
                    Shape::Pair(-1, "p".into()),
                ],
                tagged: vec![
                    Tagged::A { x: -9 },
                    Tagged::B {
                        y: "why".into(),
                        z: Some(1),
                    },
                ],
                loose: vec![
                    Loose::N(5),
                    Loose::S("five".into()),
                    Loose::L(vec![Loose::N(1)]),
                ],
                map: BTreeMap::from([("x".into(), 1), ("y".into(), 2)]),
                int_keys: BTreeMap::from([(1, "one".into()), (20, "twenty".into())]),
                enum_keys: BTreeMap::from([(Unit::One, 1)]),
                json: serde_json::json!({"a": [1, -2, 2.5, "s", null, true], "b": {"c": {}}}),
                newtype: Newtype("new".into()),
                extra: Extra { extra_a: 11 },
            }
        }

        /// The item serde_dynamo writes for `value`, with the attributes every stored item has.
        fn stored<T: Serialize>(value: &T) -> Item {
            let mut item: Item = serde_dynamo::to_item(value).expect("to item");
            item.insert("PK".into(), Value::S("USER#a".into()));
            item.insert("SK".into(), Value::S("THING".into()));
            item
        }

        fn compact(item: &Item) -> Vec<u8> {
            let mut bytes = Vec::new();
            encode(item, &mut bytes);
            bytes
        }

        fn by_serde_dynamo<T: DeserializeOwned>(mut item: Item) -> T {
            item.remove("PK");
            item.remove("SK");
            serde_dynamo::from_item(item).expect("serde_dynamo")
        }

        #[test]
        fn records_are_written_to_compact_bytes_as_serde_dynamo_makes_the_map() {
            let value = everything();
            let keys = [
                ("PK", Value::S("USER#a".into())),
                ("SK", Value::S("THING".into())),
            ];
            let bytes = to_vec(&value, &keys).expect("written");
            assert_eq!(decode(&bytes).expect("decodes"), stored(&value));
            let back: Everything = from_slice(&bytes, &["PK", "SK"]).expect("reads");
            assert_eq!(back, value);
        }

        #[test]
        fn records_read_from_compact_bytes_as_serde_dynamo_reads_them_from_the_map() {
            let value = everything();
            let item = stored(&value);
            let direct: Everything = from_slice(&compact(&item), &["PK", "SK"]).expect("direct");
            assert_eq!(direct, value);
            assert_eq!(direct, by_serde_dynamo::<Everything>(item.clone()));
            // As the app reads a record from either backend.
            let from_map: Everything = crate::Stored::Item(item.clone())
                .record(&["PK", "SK"])
                .expect("map");
            assert_eq!(from_map, value);
        }

        #[test]
        fn a_projection_reads_its_fields_and_passes_over_the_rest() {
            #[derive(Debug, PartialEq, Deserialize)]
            struct Projection {
                unit: Unit,
                tuple: (u32, String),
                letter: char,
            }
            let item = stored(&everything());
            let direct: Projection = from_slice(&compact(&item), &[]).expect("projection");
            assert_eq!(direct, by_serde_dynamo::<Projection>(item));
            assert_eq!(direct.unit, Unit::Two);
        }

        #[test]
        fn sets_read_as_lists() {
            #[derive(Debug, PartialEq, Deserialize)]
            struct Sets {
                ss: Vec<String>,
                ns: Vec<f64>,
                any: serde_json::Value,
            }
            let item = Item::from(HashMap::from([
                ("ss".to_string(), Value::Ss(vec!["a".into(), "b".into()])),
                ("ns".to_string(), Value::Ns(vec!["1".into(), "2.5".into()])),
                ("any".to_string(), Value::Ns(vec!["-3".into(), "4".into()])),
            ]));
            let direct: Sets = from_slice(&compact(&item), &[]).expect("sets");
            assert_eq!(direct, by_serde_dynamo::<Sets>(item));
            assert_eq!(direct.any, serde_json::json!([-3, 4]));
        }

        #[test]
        fn a_mismatch_or_damage_is_an_error_never_a_panic() {
            #[derive(Debug, Deserialize)]
            #[allow(dead_code)]
            struct Wrong {
                text: u32,
            }
            let bytes = compact(&stored(&everything()));
            assert!(from_slice::<Wrong>(&bytes, &[]).is_err());
            for cut in 0..bytes.len() {
                assert!(
                    from_slice::<Everything>(&bytes[..cut], &["PK", "SK"]).is_err(),
                    "a cut at {cut} is noticed"
                );
            }
            let mut trailing = bytes.clone();
            trailing.push(0);
            assert!(from_slice::<Everything>(&trailing, &["PK", "SK"]).is_err());
            let mut deep = vec![1, 1, b'a'];
            for _ in 0..100 {
                deep.extend_from_slice(&[L, 1]);
            }
            deep.push(NULL);
            assert!(from_slice::<serde_json::Value>(&deep, &[]).is_err());
        }
    }

    #[test]
    fn damaged_bytes_are_an_error_never_a_panic_or_a_huge_allocation() {
        let mut bytes = Vec::new();
        encode(&every_kind(), &mut bytes);
        for cut in 0..bytes.len() {
            assert!(decode(&bytes[..cut]).is_err(), "a cut at {cut} is noticed");
        }
        let mut trailing = bytes.clone();
        trailing.push(0);
        assert!(decode(&trailing).is_err());
        // A count far beyond the input, an unknown tag, invalid UTF-8, nesting without end.
        assert!(decode(&[0xff, 0xff, 0xff, 0xff, 0x0f]).is_err());
        assert!(decode(&[1, 1, b'a', 99]).is_err());
        assert!(decode(&[1, 1, b'a', S, 1, 0xff]).is_err());
        let mut deep = vec![1, 1, b'a'];
        for _ in 0..100 {
            deep.extend_from_slice(&[L, 1]);
        }
        deep.push(NULL);
        assert!(decode(&deep).is_err());
    }
}
