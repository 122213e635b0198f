//! Byte encodings of base-table and index keys, and the half-open ranges queries scan.
//!
//! Every key part is followed by `\0`. Because key parts never contain `\0` or `\x01`, the
//! entries whose sort key equals `s` are exactly those in `[P\0 s\0, P\0 s\x01)`, and byte order
//! of the encodings is DynamoDB's order of the sort keys.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use tutorbridge_table::definition::GlobalIndex;
use tutorbridge_table::{Cursor, Key, SortKeyCondition, TableError, Value};

fn push_part(out: &mut Vec<u8>, part: &str) {
    out.extend_from_slice(part.as_bytes());
    out.push(0);
}

fn push_key(out: &mut Vec<u8>, key: &Key) {
    push_part(out, &key.pk);
    push_part(out, &key.sk);
}

/// `PK\0SK\0`
pub fn base_key(key: &Key) -> Vec<u8> {
    let mut out = Vec::with_capacity(key.pk.len() + key.sk.len() + 2);
    push_key(&mut out, key);
    out
}

/// `GSIPK\0GSISK\0PK\0SK\0` when the item carries both index keys as strings, else `None`
/// (GSIs are sparse). `attribute` looks up the item's attributes by name.
pub fn index_entry<'v>(
    index: &GlobalIndex,
    attribute: impl Fn(&str) -> Option<&'v Value>,
    key: &Key,
) -> Result<Option<Vec<u8>>, TableError> {
    fn part<'a>(name: &str, value: Option<&'a Value>) -> Result<Option<&'a str>, TableError> {
        match value {
            None => Ok(None),
            Some(Value::S(value)) => {
                tutorbridge_table::validate_key_part(name, value)?;
                Ok(Some(value))
            }
            Some(_) => Err(TableError::Invalid(format!(
                "index key {name} must be a string"
            ))),
        }
    }
    let (Some(partition), Some(sort)) = (
        part(index.partition_key, attribute(index.partition_key))?,
        part(index.sort_key, attribute(index.sort_key))?,
    ) else {
        return Ok(None);
    };
    let mut out =
        Vec::with_capacity(partition.len() + sort.len() + key.pk.len() + key.sk.len() + 4);
    push_part(&mut out, partition);
    push_part(&mut out, sort);
    push_key(&mut out, key);
    Ok(Some(out))
}

/// The half-open byte range `[low, high)` holding the entries of `partition` that satisfy `sort`.
pub fn query_bounds(partition: &str, sort: Option<&SortKeyCondition>) -> (Vec<u8>, Vec<u8>) {
    let mut prefix = Vec::with_capacity(partition.len() + 1);
    push_part(&mut prefix, partition);
    let start = prefix.clone();
    let mut end = partition.as_bytes().to_vec();
    end.push(1);
    let equal_low = |s: &str| {
        let mut out = prefix.clone();
        push_part(&mut out, s);
        out
    };
    let equal_high = |s: &str| {
        let mut out = prefix.clone();
        out.extend_from_slice(s.as_bytes());
        out.push(1);
        out
    };
    match sort {
        None => (start, end),
        Some(SortKeyCondition::Equals(s)) => (equal_low(s), equal_high(s)),
        Some(SortKeyCondition::BeginsWith(s)) => {
            let mut low = prefix.clone();
            low.extend_from_slice(s.as_bytes());
            let mut high = low.clone();
            high.push(0xFF); // never part of UTF-8 text
            (low, high)
        }
        Some(SortKeyCondition::Between(a, b)) => (equal_low(a), equal_high(b)),
        Some(SortKeyCondition::LessThan(s)) => (start, equal_low(s)),
        Some(SortKeyCondition::LessOrEqual(s)) => (start, equal_high(s)),
        Some(SortKeyCondition::GreaterThan(s)) => (equal_high(s), end),
        Some(SortKeyCondition::GreaterOrEqual(s)) => (equal_low(s), end),
    }
}

pub fn encode_cursor(last: &[u8]) -> Cursor {
    Cursor(URL_SAFE_NO_PAD.encode(last))
}

/// The key bytes a cursor names, refused unless they belong to `partition` (a cursor comes back
/// from a client, so it is checked like any input).
pub fn decode_cursor(cursor: &Cursor, partition: &str) -> Result<Vec<u8>, TableError> {
    let last = URL_SAFE_NO_PAD
        .decode(cursor.0.as_bytes())
        .map_err(|_| TableError::BadCursor)?;
    let mut prefix = Vec::with_capacity(partition.len() + 1);
    push_part(&mut prefix, partition);
    if last.len() > prefix.len() && last.starts_with(&prefix) {
        Ok(last)
    } else {
        Err(TableError::BadCursor)
    }
}
