//! How an item is stored: a small header, then the item (binary: see `codec`).
//!
//! The header holds what the writer needs of the item already stored under a key — its expiry
//! (conditions treat an expired item as absent), its version (`VersionEquals`) and its index
//! entries (removed when it is replaced) — so conditional writes and replacements never decode
//! the item itself. Decoding items was most of the writer thread's CPU (docs/measurements.md).
//!
//! Layout (integers little-endian): the format (`2`), expiry (`0`, or `1` and an f64 of epoch
//! seconds), version (`0`, or `1` and a u64), one entry per global index (`0`, or `1`, a u32
//! length and the entry), then the item. Older rows are still read, and rewritten in this format
//! when next written: format `1` (the same header, then DynamoDB JSON) and, from before headers,
//! the bare JSON object (they begin with `{`).

use std::borrow::Cow;

use tutorbridge_table::definition::{GLOBAL_INDEXES, TTL_ATTRIBUTE};
use tutorbridge_table::{Item, ItemExt, Key, Stored, TableError, is_past, ttl_seconds};

use crate::keys::index_entry;

/// The header, then DynamoDB JSON (read, no longer written).
const HEADER_JSON: u8 = 1;
/// The header, then the binary item.
const HEADER_BINARY: u8 = 2;
pub(crate) const INDEXES: usize = GLOBAL_INDEXES.len();

/// What the header says of a stored item.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Meta<'a> {
    /// The TTL as epoch seconds, when the item has a numeric one.
    pub expires_at: Option<f64>,
    pub version: Option<u64>,
    /// The item's entry in each global index, if it is in it.
    pub index_entries: [Option<Cow<'a, [u8]>>; INDEXES],
}

impl Meta<'_> {
    /// The same header, owning its index entries.
    pub fn into_owned(self) -> Meta<'static> {
        Meta {
            expires_at: self.expires_at,
            version: self.version,
            index_entries: self
                .index_entries
                .map(|entry| entry.map(|entry| Cow::Owned(entry.into_owned()))),
        }
    }

    /// The same TTL rule as [`ItemExt::is_expired`].
    pub fn is_expired(&self, now: u64) -> bool {
        self.expires_at.is_some_and(|at| is_past(at, now))
    }
}

fn expires_at(item: &Item) -> Option<f64> {
    ttl_seconds(item.get(TTL_ATTRIBUTE))
}

/// The header of a row (see the module): the item's compact form goes after it.
pub(crate) fn header(
    expires_at: Option<f64>,
    version: Option<u64>,
    index_entries: &[Option<Vec<u8>>],
) -> Result<Vec<u8>, TableError> {
    let mut out = Vec::with_capacity(256);
    out.push(HEADER_BINARY);
    match expires_at {
        Some(at) => {
            out.push(1);
            out.extend_from_slice(&at.to_le_bytes());
        }
        None => out.push(0),
    }
    match version {
        Some(version) => {
            out.push(1);
            out.extend_from_slice(&version.to_le_bytes());
        }
        None => out.push(0),
    }
    for position in 0..INDEXES {
        match index_entries.get(position).and_then(Option::as_ref) {
            Some(entry) => {
                let length = u32::try_from(entry.len())
                    .map_err(|_| TableError::Invalid("an index key is too long".into()))?;
                out.push(1);
                out.extend_from_slice(&length.to_le_bytes());
                out.extend_from_slice(entry);
            }
            None => out.push(0),
        }
    }
    Ok(out)
}

/// The item in stored bytes.
pub(crate) fn decode(bytes: &[u8]) -> Result<Item, TableError> {
    let json = match bytes.first() {
        Some(b'{') => bytes,
        Some(&HEADER_BINARY) => {
            return tutorbridge_table::compact::decode(Reader(bytes).header()?.1);
        }
        _ => Reader(bytes).header()?.1,
    };
    serde_json::from_slice(json).map_err(TableError::backend)
}

/// The item in stored bytes as an attribute map, or `None` once it has expired by `now`.
pub(crate) fn live_item(bytes: &[u8], now: u64) -> Result<Option<Item>, TableError> {
    let item = decode(bytes)?;
    Ok((!item.is_expired(now)).then_some(item))
}

/// The item in stored bytes as records decode from it fastest (a binary row's item as it is,
/// an older row's as an attribute map), or `None` once it has expired by `now`.
pub(crate) fn stored(bytes: &[u8], now: u64) -> Result<Option<Stored>, TableError> {
    if bytes.first() == Some(&HEADER_BINARY) {
        let (meta, item) = Reader(bytes).header()?;
        return Ok((!meta.is_expired(now)).then(|| Stored::Compact(item.to_vec())));
    }
    Ok(live_item(bytes, now)?.map(Stored::Item))
}

/// The header of stored bytes (of the item stored under `key`); a row without one is decoded.
pub(crate) fn meta<'a>(bytes: &'a [u8], key: &Key) -> Result<Meta<'a>, TableError> {
    if bytes.first() == Some(&b'{') {
        let item = decode(bytes)?;
        let mut index_entries: [Option<Cow<'a, [u8]>>; INDEXES] = Default::default();
        for (slot, index) in index_entries.iter_mut().zip(GLOBAL_INDEXES.iter()) {
            *slot = index_entry(index, |name| item.get(name), key)?.map(Cow::Owned);
        }
        return Ok(Meta {
            expires_at: expires_at(&item),
            version: item.version(),
            index_entries,
        });
    }
    Ok(Reader(bytes).header()?.0)
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], TableError> {
        if self.0.len() < n {
            return Err(TableError::backend("a stored row is truncated"));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn flag(&mut self) -> Result<bool, TableError> {
        match self.take(1)? {
            [0] => Ok(false),
            [1] => Ok(true),
            _ => Err(TableError::backend("a stored row has a malformed header")),
        }
    }

    fn eight(&mut self) -> Result<[u8; 8], TableError> {
        let mut out = [0; 8];
        out.copy_from_slice(self.take(8)?);
        Ok(out)
    }

    fn header(mut self) -> Result<(Meta<'a>, &'a [u8]), TableError> {
        if !matches!(self.take(1)?, [HEADER_JSON | HEADER_BINARY]) {
            return Err(TableError::backend("a stored row has an unknown format"));
        }
        let expires_at = match self.flag()? {
            true => Some(f64::from_le_bytes(self.eight()?)),
            false => None,
        };
        let version = match self.flag()? {
            true => Some(u64::from_le_bytes(self.eight()?)),
            false => None,
        };
        let mut index_entries: [Option<Cow<'a, [u8]>>; INDEXES] = Default::default();
        for slot in &mut index_entries {
            if self.flag()? {
                let mut length = [0; 4];
                length.copy_from_slice(self.take(4)?);
                let length = u32::from_le_bytes(length) as usize;
                *slot = Some(Cow::Borrowed(self.take(length)?));
            }
        }
        Ok((
            Meta {
                expires_at,
                version,
                index_entries,
            },
            self.0,
        ))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use tutorbridge_table::Value;
    use tutorbridge_table::definition::{GSI1, VERSION_ATTRIBUTE};

    use super::*;

    fn item(pairs: &[(&str, Value)]) -> Item {
        let mut map: HashMap<String, Value> = HashMap::from([
            ("PK".to_string(), Value::S("USER#a".into())),
            ("SK".to_string(), Value::S("RATING#maths".into())),
        ]);
        for (name, value) in pairs {
            map.insert((*name).to_string(), value.clone());
        }
        map.into()
    }

    fn entries(item: &Item) -> Vec<Option<Vec<u8>>> {
        let key = item.key().expect("key");
        GLOBAL_INDEXES
            .iter()
            .map(|index| index_entry(index, |name| item.get(name), &key).expect("entry"))
            .collect()
    }

    /// The row of `item`, whose index entries are `index_entries`.
    fn encode(item: &Item, index_entries: &[Option<Vec<u8>>]) -> Result<Vec<u8>, TableError> {
        let mut out = header(expires_at(item), item.version(), index_entries)?;
        tutorbridge_table::compact::encode(item, &mut out);
        Ok(out)
    }

    #[test]
    fn the_header_tells_expiry_version_and_index_entries_without_decoding_the_item() {
        let stored = item(&[
            (TTL_ATTRIBUTE, Value::N("1800000000.5".into())),
            (VERSION_ATTRIBUTE, Value::N("7".into())),
            (GSI1.partition_key, Value::S("BANK#maths".into())),
            (GSI1.sort_key, Value::S("D#0500#item-1".into())),
            ("note", Value::S("{ not the start }".into())),
        ]);
        let bytes = encode(&stored, &entries(&stored)).expect("encode");
        let key = stored.key().expect("key");
        let meta = meta(&bytes, &key).expect("meta");
        assert_eq!(meta.expires_at, Some(1_800_000_000.5));
        assert_eq!(meta.version, Some(7));
        let expected: Vec<Option<Vec<u8>>> = entries(&stored);
        let found: Vec<Option<Vec<u8>>> = meta
            .index_entries
            .iter()
            .map(|entry| entry.as_ref().map(|e| e.to_vec()))
            .collect();
        assert_eq!(found, expected);
        assert!(found[0].is_some() && found[1].is_none());
        assert!(meta.is_expired(1_800_000_001) && !meta.is_expired(1_800_000_000));
        assert_eq!(decode(&bytes).expect("decode"), stored);
    }

    #[test]
    fn a_row_written_before_the_header_existed_reads_the_same() {
        let stored = item(&[
            (VERSION_ATTRIBUTE, Value::N("3".into())),
            (
                TTL_ATTRIBUTE,
                Value::S("not a number: never expires".into()),
            ),
            (GSI1.partition_key, Value::S("BANK#maths".into())),
            (GSI1.sort_key, Value::S("D#0500#item-1".into())),
        ]);
        let legacy = serde_json::to_vec(&stored).expect("json");
        let key = stored.key().expect("key");
        assert_eq!(decode(&legacy).expect("decode"), stored);
        let old = meta(&legacy, &key).expect("meta");
        let new_bytes = encode(&stored, &entries(&stored)).expect("encode");
        assert_eq!(old, meta(&new_bytes, &key).expect("meta"));
        assert_eq!(old.version, Some(3));
        assert!(!old.is_expired(u64::MAX));
    }

    #[test]
    fn a_row_with_a_header_and_json_reads_the_same() {
        let stored = item(&[
            (VERSION_ATTRIBUTE, Value::N("4".into())),
            (
                "list",
                Value::L(vec![Value::N("1".into()), Value::Bool(true)]),
            ),
        ]);
        let key = stored.key().expect("key");
        let binary = encode(&stored, &entries(&stored)).expect("encode");
        // The same header in format 1, then the JSON.
        let header_length = binary.len() - {
            let mut body = Vec::new();
            tutorbridge_table::compact::encode(&stored, &mut body);
            body.len()
        };
        let mut json_row = vec![HEADER_JSON];
        json_row.extend_from_slice(&binary[1..header_length]);
        json_row.extend_from_slice(&serde_json::to_vec(&stored).expect("json"));
        assert_eq!(decode(&json_row).expect("decode"), stored);
        assert_eq!(
            meta(&json_row, &key).expect("meta"),
            meta(&binary, &key).expect("meta")
        );
    }

    #[test]
    fn a_damaged_row_is_an_error_not_a_panic() {
        let stored = item(&[(VERSION_ATTRIBUTE, Value::N("3".into()))]);
        let bytes = encode(&stored, &entries(&stored)).expect("encode");
        let key = stored.key().expect("key");
        for cut in 0..bytes.len() {
            let _ = meta(&bytes[..cut], &key);
            let _ = decode(&bytes[..cut]);
        }
        assert!(meta(&[9, 0, 0], &key).is_err());
        assert!(decode(&[]).is_err());
    }
}
