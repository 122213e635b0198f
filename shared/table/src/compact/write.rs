//! Records written straight to compact bytes: the bytes [`super::encode`] makes of the item
//! `serde_dynamo::to_item` makes of a record, without the attribute map in between (building and
//! dropping it was over a quarter of the allocations of a practised item: docs/measurements.md).
//!
//! Each value is written as `serde_dynamo`'s serializer would make it: numbers as their decimal
//! strings (`to_string`), `None` and units as null, unit variants as strings, newtype, tuple and
//! struct variants as a map of the variant's name to its contents, bytes as a binary, sequences
//! and tuples as lists. A map's or list's count goes before its entries, so it is written when
//! the entries are done (one byte reserved, widened for 128 entries or more). What `serde_dynamo`
//! rejects, and its set types (named newtypes), are refused here: the caller falls back to it.

use std::fmt::{Display, Write as _};

use serde::Serialize;
use serde::ser::{self, Impossible};

use super::{B, BOOL_FALSE, BOOL_TRUE, L, M, N, NULL, S, bytes, length};
use crate::Value;

/// Why a record was not written in compact form.
#[derive(Debug)]
pub struct Unwritable(String);

impl Display for Unwritable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "a record cannot be written as compact bytes: {}", self.0)
    }
}

impl std::error::Error for Unwritable {}

impl ser::Error for Unwritable {
    fn custom<T: Display>(message: T) -> Self {
        Unwritable(message.to_string())
    }
}

/// The compact form of the item holding `record`'s fields and `attributes`, where an attribute
/// replaces a field of the same name (as inserting it into `serde_dynamo::to_item`'s map would).
///
/// # Errors
/// When `record` is not a map or struct, or holds what this writer does not (see the module).
pub fn to_vec<T: Serialize + ?Sized>(
    record: &T,
    attributes: &[(&str, Value)],
) -> Result<Vec<u8>, Unwritable> {
    let mut out = Vec::with_capacity(256);
    record.serialize(Writer {
        out: &mut out,
        top: Some(attributes),
    })?;
    if out.first() != Some(&M) {
        return Err(Unwritable("a record must be a map or a struct".into()));
    }
    out.remove(0);
    Ok(out)
}

/// Writes one value. `top` is set for the record itself: its map takes the extra attributes.
struct Writer<'a> {
    out: &'a mut Vec<u8>,
    top: Option<&'a [(&'a str, Value)]>,
}

/// Reserve the byte of a count (or length) written later by [`finish`].
fn reserve(out: &mut Vec<u8>) -> usize {
    out.push(0);
    out.len() - 1
}

/// Write `count` where [`reserve`] kept a byte, widening it when the count needs more.
fn finish(out: &mut Vec<u8>, at: usize, count: usize) {
    match u8::try_from(count) {
        Ok(small) if small < 0x80 => out[at] = small,
        _ => {
            let mut wide = Vec::with_capacity(4);
            length(&mut wide, count);
            out.splice(at..=at, wide);
        }
    }
}

/// A number, as its decimal string (what `to_string` makes of it).
fn number(out: &mut Vec<u8>, value: impl Display) {
    out.push(N);
    text(out, value);
}

/// `value`'s display, length first.
fn text(out: &mut Vec<u8>, value: impl Display) {
    let at = reserve(out);
    let _ = write!(Appender(out), "{value}");
    let written = out.len() - at - 1;
    finish(out, at, written);
}

struct Appender<'a>(&'a mut Vec<u8>);

impl std::fmt::Write for Appender<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

fn unsupported(what: &str) -> Unwritable {
    Unwritable(format!("{what} is not supported"))
}

/// A map or list being written: its entries are counted, and the count goes where it was
/// reserved once they are done.
struct Entries<'a> {
    out: &'a mut Vec<u8>,
    at: usize,
    count: usize,
    /// Where the count of the enclosing `{variant: …}` map of an enum variant goes.
    variant: Option<usize>,
}

impl<'a> Entries<'a> {
    fn open(out: &'a mut Vec<u8>, tag: u8, variant: Option<usize>) -> Self {
        out.push(tag);
        let at = reserve(out);
        Entries {
            out,
            at,
            count: 0,
            variant,
        }
    }

    /// Write a value (of a list, or after its name in a map) and count the entry.
    fn value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unwritable> {
        value.serialize(Writer {
            out: self.out,
            top: None,
        })?;
        self.count += 1;
        Ok(())
    }

    fn close(self) -> Result<(), Unwritable> {
        finish(self.out, self.at, self.count);
        if let Some(at) = self.variant {
            finish(self.out, at, 1);
        }
        Ok(())
    }
}

/// A map or struct being written; at the top the attributes are added (first) and the fields
/// they replace left out.
struct MapWriter<'a> {
    entries: Entries<'a>,
    top: Option<&'a [(&'a str, Value)]>,
    /// Where the entry whose key was just written began, if an attribute replaces it.
    replaced: Option<usize>,
}

impl<'a> MapWriter<'a> {
    /// At the top, the attributes go first: the key is then read without passing over the
    /// fields ([`super::attributes`] stops once it has found every name it looks for).
    fn new(
        out: &'a mut Vec<u8>,
        top: Option<&'a [(&'a str, Value)]>,
        variant: Option<usize>,
    ) -> Self {
        let mut entries = Entries::open(out, M, variant);
        for (name, value) in top.unwrap_or_default() {
            bytes(entries.out, name.as_bytes());
            super::encode_value(value, entries.out);
            entries.count += 1;
        }
        MapWriter {
            entries,
            top,
            replaced: None,
        }
    }

    fn is_replaced(&self, name: &[u8]) -> bool {
        self.top
            .is_some_and(|extra| extra.iter().any(|(n, _)| n.as_bytes() == name))
    }

    fn field<T: Serialize + ?Sized>(&mut self, name: &str, value: &T) -> Result<(), Unwritable> {
        if self.is_replaced(name.as_bytes()) {
            return Ok(());
        }
        bytes(self.entries.out, name.as_bytes());
        self.entries.value(value)
    }
}

impl ser::SerializeMap for MapWriter<'_> {
    type Ok = ();
    type Error = Unwritable;

    fn serialize_key<K: Serialize + ?Sized>(&mut self, key: &K) -> Result<(), Unwritable> {
        let start = self.entries.out.len();
        key.serialize(KeyWriter(self.entries.out))?;
        // The key was written as a length (bytes with the high bit set, then one without) and
        // its bytes.
        let written = &self.entries.out[start..];
        let prefix = written.iter().take_while(|b| *b & 0x80 != 0).count() + 1;
        self.replaced = self
            .is_replaced(written.get(prefix..).unwrap_or_default())
            .then_some(start);
        Ok(())
    }

    fn serialize_value<V: Serialize + ?Sized>(&mut self, value: &V) -> Result<(), Unwritable> {
        self.entries.value(value)?;
        if let Some(start) = self.replaced.take() {
            self.entries.out.truncate(start);
            self.entries.count -= 1;
        }
        Ok(())
    }

    fn end(self) -> Result<(), Unwritable> {
        self.entries.close()
    }
}

macro_rules! fields_impl {
    ($trait:ident) => {
        impl ser::$trait for MapWriter<'_> {
            type Ok = ();
            type Error = Unwritable;

            fn serialize_field<V: Serialize + ?Sized>(
                &mut self,
                name: &'static str,
                value: &V,
            ) -> Result<(), Unwritable> {
                self.field(name, value)
            }

            fn end(self) -> Result<(), Unwritable> {
                self.entries.close()
            }
        }
    };
}

fields_impl!(SerializeStruct);
fields_impl!(SerializeStructVariant);

/// Lists (sequences, tuples, tuple variants) are written as counted entries.
macro_rules! list_impl {
    ($trait:ident, $method:ident) => {
        impl ser::$trait for Entries<'_> {
            type Ok = ();
            type Error = Unwritable;

            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unwritable> {
                self.value(value)
            }

            fn end(self) -> Result<(), Unwritable> {
                self.close()
            }
        }
    };
}

list_impl!(SerializeSeq, serialize_element);
list_impl!(SerializeTuple, serialize_element);
list_impl!(SerializeTupleStruct, serialize_field);
list_impl!(SerializeTupleVariant, serialize_field);

/// Opens the one-entry map `{variant: …}` of an enum variant with contents; returns where its
/// count goes.
fn open_variant(out: &mut Vec<u8>, variant: &str) -> usize {
    out.push(M);
    let at = reserve(out);
    bytes(out, variant.as_bytes());
    at
}

/// `serialize_<type>` methods that hand each value to `self.$via`, by its display.
macro_rules! by_display {
    ($via:ident: $($method:ident($ty:ty)),* $(,)?) => {
        $(
            fn $method(self, v: $ty) -> Result<(), Unwritable> {
                self.$via(v)
            }
        )*
    };
}

impl Writer<'_> {
    fn number(self, v: impl Display) -> Result<(), Unwritable> {
        number(self.out, v);
        Ok(())
    }
}

impl<'a> ser::Serializer for Writer<'a> {
    type Ok = ();
    type Error = Unwritable;
    type SerializeSeq = Entries<'a>;
    type SerializeTuple = Entries<'a>;
    type SerializeTupleStruct = Entries<'a>;
    type SerializeTupleVariant = Entries<'a>;
    type SerializeMap = MapWriter<'a>;
    type SerializeStruct = MapWriter<'a>;
    type SerializeStructVariant = MapWriter<'a>;

    by_display!(number:
        serialize_i8(i8), serialize_i16(i16), serialize_i32(i32), serialize_i64(i64),
        serialize_u8(u8), serialize_u16(u16), serialize_u32(u32), serialize_u64(u64),
        serialize_f32(f32), serialize_f64(f64),
    );

    fn serialize_bool(self, v: bool) -> Result<(), Unwritable> {
        self.out.push(if v { BOOL_TRUE } else { BOOL_FALSE });
        Ok(())
    }
    fn serialize_char(self, v: char) -> Result<(), Unwritable> {
        self.out.push(S);
        text(self.out, v);
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<(), Unwritable> {
        self.out.push(S);
        bytes(self.out, v.as_bytes());
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Unwritable> {
        self.out.push(B);
        bytes(self.out, v);
        Ok(())
    }
    fn serialize_none(self) -> Result<(), Unwritable> {
        self.out.push(NULL);
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Unwritable> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Unwritable> {
        self.out.push(NULL);
        Ok(())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Unwritable> {
        self.out.push(NULL);
        Ok(())
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), Unwritable> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<(), Unwritable> {
        // serde_dynamo's string, number and binary sets are newtypes it recognises by name.
        if name.starts_with('\u{037E}') {
            return Err(unsupported("a set"));
        }
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Unwritable> {
        if self.top.is_some() {
            return Err(unsupported("an enum as a record"));
        }
        let at = open_variant(self.out, variant);
        value.serialize(Writer {
            out: self.out,
            top: None,
        })?;
        finish(self.out, at, 1);
        Ok(())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Entries<'a>, Unwritable> {
        Ok(Entries::open(self.out, L, None))
    }
    fn serialize_tuple(self, _len: usize) -> Result<Entries<'a>, Unwritable> {
        Ok(Entries::open(self.out, L, None))
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Entries<'a>, Unwritable> {
        Ok(Entries::open(self.out, L, None))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Entries<'a>, Unwritable> {
        if self.top.is_some() {
            return Err(unsupported("an enum as a record"));
        }
        let at = open_variant(self.out, variant);
        Ok(Entries::open(self.out, L, Some(at)))
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<MapWriter<'a>, Unwritable> {
        Ok(MapWriter::new(self.out, self.top, None))
    }
    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<MapWriter<'a>, Unwritable> {
        Ok(MapWriter::new(self.out, self.top, None))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<MapWriter<'a>, Unwritable> {
        if self.top.is_some() {
            return Err(unsupported("an enum as a record"));
        }
        let at = open_variant(self.out, variant);
        Ok(MapWriter::new(self.out, None, Some(at)))
    }
}

/// Writes a map key (a length and bytes): strings and unit variants, and integers, booleans and
/// characters as their text, as `serde_dynamo` turns them into attribute names.
struct KeyWriter<'a>(&'a mut Vec<u8>);

impl KeyWriter<'_> {
    fn text(self, value: impl Display) -> Result<(), Unwritable> {
        text(self.0, value);
        Ok(())
    }
}

fn not_a_string() -> Unwritable {
    Unwritable("a map key must be a string".into())
}

impl ser::Serializer for KeyWriter<'_> {
    type Ok = ();
    type Error = Unwritable;
    type SerializeSeq = Impossible<(), Unwritable>;
    type SerializeTuple = Impossible<(), Unwritable>;
    type SerializeTupleStruct = Impossible<(), Unwritable>;
    type SerializeTupleVariant = Impossible<(), Unwritable>;
    type SerializeMap = Impossible<(), Unwritable>;
    type SerializeStruct = Impossible<(), Unwritable>;
    type SerializeStructVariant = Impossible<(), Unwritable>;

    by_display!(text:
        serialize_bool(bool), serialize_char(char),
        serialize_i8(i8), serialize_i16(i16), serialize_i32(i32), serialize_i64(i64),
        serialize_i128(i128), serialize_u8(u8), serialize_u16(u16), serialize_u32(u32),
        serialize_u64(u64), serialize_u128(u128),
    );

    fn serialize_f32(self, _v: f32) -> Result<(), Unwritable> {
        Err(not_a_string())
    }
    fn serialize_f64(self, _v: f64) -> Result<(), Unwritable> {
        Err(not_a_string())
    }
    fn serialize_str(self, v: &str) -> Result<(), Unwritable> {
        bytes(self.0, v.as_bytes());
        Ok(())
    }
    fn serialize_bytes(self, _v: &[u8]) -> Result<(), Unwritable> {
        Err(not_a_string())
    }
    fn serialize_none(self) -> Result<(), Unwritable> {
        Err(not_a_string())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _value: &T) -> Result<(), Unwritable> {
        Err(not_a_string())
    }
    fn serialize_unit(self) -> Result<(), Unwritable> {
        Err(not_a_string())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Unwritable> {
        Err(not_a_string())
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), Unwritable> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), Unwritable> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<(), Unwritable> {
        Err(not_a_string())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, Unwritable> {
        Err(not_a_string())
    }
    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, Unwritable> {
        Err(not_a_string())
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct, Unwritable> {
        Err(not_a_string())
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, Unwritable> {
        Err(not_a_string())
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, Unwritable> {
        Err(not_a_string())
    }
    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStruct, Unwritable> {
        Err(not_a_string())
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, Unwritable> {
        Err(not_a_string())
    }
}

#[cfg(test)]
mod tests {
    //! The writer against serde_dynamo on a record of every shape: `compact`'s own tests
    //! (`records_are_written_to_compact_bytes_as_serde_dynamo_makes_the_map`). Here: what only the
    //! writer does (counts and lengths past one byte, bytes, replaced fields, refusals).

    use std::collections::{BTreeMap, HashMap};

    use serde::{Deserialize, Serialize, Serializer};

    use super::*;
    use crate::Item;
    use crate::compact::{attributes, decode, from_slice};

    fn as_bytes<S: Serializer>(value: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(value)
    }

    fn from_bytes<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
        struct Bytes;
        impl serde::de::Visitor<'_> for Bytes {
            type Value = Vec<u8>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("bytes")
            }
            fn visit_bytes<E>(self, bytes: &[u8]) -> Result<Vec<u8>, E> {
                Ok(bytes.to_vec())
            }
        }
        deserializer.deserialize_bytes(Bytes)
    }

    /// Counts and lengths that take more than one byte, and the values only a writer meets.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    struct Wide {
        long_list: Vec<u32>,
        long_text: String,
        wide_map: BTreeMap<String, bool>,
        huge: f64,
        tiny: f64,
        unit: (),
        #[serde(skip_serializing_if = "Option::is_none")]
        left_out: Option<String>,
        #[serde(serialize_with = "as_bytes", deserialize_with = "from_bytes")]
        packed: Vec<u8>,
    }

    fn wide() -> Wide {
        Wide {
            long_list: (0..300).collect(),
            long_text: "z".repeat(70_000),
            wide_map: (0..200).map(|i| (format!("k{i}"), i % 2 == 0)).collect(),
            huge: 1e300,
            tiny: -2e-10,
            unit: (),
            left_out: None,
            packed: vec![0, 1, 255],
        }
    }

    fn attributes_of() -> Vec<(&'static str, Value)> {
        vec![
            ("PK", Value::S("USER#a".into())),
            ("SK", Value::S("THING#1".into())),
            ("expires_at", Value::N("1700000000".into())),
        ]
    }

    /// What the compact writer must match: `serde_dynamo::to_item`, then the attributes inserted.
    fn through_serde_dynamo<T: Serialize>(record: &T, extra: &[(&str, Value)]) -> Item {
        let mut item: Item = serde_dynamo::to_item(record).expect("serde_dynamo takes it");
        for (name, value) in extra {
            item.insert((*name).to_string(), value.clone());
        }
        item
    }

    #[test]
    fn long_counts_and_lengths_bytes_and_units_are_written_as_serde_dynamo_makes_them() {
        let record = wide();
        let extra = attributes_of();
        let bytes = to_vec(&record, &extra).expect("written");
        assert_eq!(
            decode(&bytes).expect("decodes"),
            through_serde_dynamo(&record, &extra)
        );
        let back: Wide = from_slice(&bytes, &["PK", "SK", "expires_at"]).expect("reads");
        assert_eq!(back, record);
    }

    #[test]
    fn an_attribute_replaces_the_field_of_the_same_name() {
        #[derive(Serialize)]
        struct Clashing {
            #[serde(rename = "PK")]
            pk: String,
            expires_at: u64,
            kept: bool,
        }
        #[derive(Serialize)]
        struct Outer {
            #[serde(flatten)]
            inner: HashMap<String, String>,
        }
        let record = Clashing {
            pk: "wrong".into(),
            expires_at: 1,
            kept: true,
        };
        let extra = attributes_of();
        let bytes = to_vec(&record, &extra).expect("written");
        let item = decode(&bytes).expect("decodes");
        assert_eq!(item, through_serde_dynamo(&record, &extra));
        assert_eq!(item.get("PK"), Some(&Value::S("USER#a".into())));
        assert_eq!(item.len(), 4, "each name once: {item:?}");
        // Map entries (a flattened map) are replaced too.
        let record = Outer {
            inner: HashMap::from([
                ("SK".to_string(), "wrong".to_string()),
                ("other".to_string(), "kept".to_string()),
            ]),
        };
        let bytes = to_vec(&record, &extra).expect("written");
        let item = decode(&bytes).expect("decodes");
        assert_eq!(item, through_serde_dynamo(&record, &extra));
        assert_eq!(item.len(), 4, "each name once: {item:?}");
    }

    #[test]
    fn what_is_not_an_item_is_refused() {
        assert!(to_vec("a string", &attributes_of()).is_err());
        #[derive(Serialize)]
        enum Shape {
            Circle(f64),
        }
        assert!(to_vec(&Shape::Circle(1.0), &attributes_of()).is_err());
        assert!(to_vec(&vec![1, 2], &[]).is_err());
        #[derive(Serialize)]
        struct FloatKeys {
            map: Vec<(f64, i32)>,
            #[serde(serialize_with = "float_key")]
            bad: (),
        }
        fn float_key<S: Serializer>(_: &(), serializer: S) -> Result<S::Ok, S::Error> {
            use serde::ser::SerializeMap;
            let mut map = serializer.serialize_map(Some(1))?;
            map.serialize_entry(&1.5f64, &1)?;
            map.end()
        }
        let record = FloatKeys {
            map: vec![(1.5, 1)],
            bad: (),
        };
        assert!(to_vec(&record, &[]).is_err());
        assert!(serde_dynamo::to_item::<_, Item>(&record).is_err());
        // serde_dynamo's sets are left to it.
        #[derive(Serialize)]
        struct WithSet {
            tags: serde_dynamo::string_set::StringSet<Vec<String>>,
        }
        let record = WithSet {
            tags: serde_dynamo::string_set::StringSet(vec!["a".into()]),
        };
        assert!(to_vec(&record, &[]).is_err());
    }

    #[test]
    fn an_empty_record_takes_only_its_attributes() {
        #[derive(Serialize)]
        struct Empty {}
        let extra = attributes_of();
        let bytes = to_vec(&Empty {}, &extra).expect("written");
        assert_eq!(
            decode(&bytes).expect("decodes"),
            through_serde_dynamo(&Empty {}, &extra)
        );
    }

    #[test]
    fn named_attributes_are_found_at_the_top_only() {
        let bytes = to_vec(&wide(), &attributes_of()).expect("written");
        let [pk, name, missing] = attributes(&bytes, ["PK", "k1", "missing"]).expect("reads");
        assert_eq!(pk, Some(Value::S("USER#a".into())));
        assert_eq!(name, None, "a nested attribute is not a top-level one");
        assert_eq!(missing, None);
        // The attributes come first, so the key is read without the fields; a name that is
        // not there takes reading everything, damage included.
        let cut = &bytes[..bytes.len() - 1];
        let [pk] = attributes(cut, ["PK"]).expect("found before the damage");
        assert_eq!(pk, Some(Value::S("USER#a".into())));
        assert!(attributes(cut, ["PK", "missing"]).is_err());
    }
}
