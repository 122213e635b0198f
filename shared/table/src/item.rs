//! Items, keys and the few attribute accessors the backends and repositories share.

use crate::TableError;
use crate::definition::{PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE, VERSION_ATTRIBUTE};

/// An item: a map of attribute names to DynamoDB-typed values (`serde_dynamo`'s model, so typed
/// records convert with `serde_dynamo::to_item` / `from_item` and the DynamoDB SDK's own types
/// convert losslessly).
pub type Item = serde_dynamo::Item;
/// One DynamoDB-typed attribute value.
pub type Value = serde_dynamo::AttributeValue;

/// The primary key of an item.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub pk: String,
    pub sk: String,
}

impl Key {
    pub fn new(pk: impl Into<String>, sk: impl Into<String>) -> Self {
        Key {
            pk: pk.into(),
            sk: sk.into(),
        }
    }

    /// Keys are non-empty strings without the control characters `\0` and `\x01`, which the
    /// embedded backend uses as separators. DynamoDB itself only forbids empty keys; we forbid
    /// the same set everywhere so both backends accept exactly the same items.
    pub fn validate(&self) -> Result<(), TableError> {
        validate_key_part(PARTITION_KEY, &self.pk)?;
        validate_key_part(SORT_KEY, &self.sk)
    }
}

/// Check one key attribute (also used for index keys and sort-key conditions).
pub fn validate_key_part(name: &str, value: &str) -> Result<(), TableError> {
    if value.is_empty() {
        return Err(TableError::Invalid(format!("{name} must not be empty")));
    }
    if value.contains(['\0', '\u{1}']) {
        return Err(TableError::Invalid(format!(
            "{name} must not contain the control characters \\0 or \\x01"
        )));
    }
    Ok(())
}

/// Convenience accessors over [`Item`].
pub trait ItemExt {
    /// A string attribute, if present and of type S.
    fn string(&self, name: &str) -> Option<&str>;
    /// A number attribute parsed as u64, if present and of type N.
    fn unsigned(&self, name: &str) -> Option<u64>;
    /// The primary key, or `Invalid` if `PK`/`SK` are missing or not strings.
    fn key(&self) -> Result<Key, TableError>;
    /// The optimistic-lock `version`, if the item has one.
    fn version(&self) -> Option<u64> {
        self.unsigned(VERSION_ATTRIBUTE)
    }
    /// True when the item's TTL lies at or before `now` (epoch seconds).
    fn is_expired(&self, now: u64) -> bool;
}

impl ItemExt for Item {
    fn string(&self, name: &str) -> Option<&str> {
        match self.get(name) {
            Some(Value::S(s)) => Some(s),
            _ => None,
        }
    }

    fn unsigned(&self, name: &str) -> Option<u64> {
        unsigned_of(self.get(name))
    }

    fn key(&self) -> Result<Key, TableError> {
        key_of(self.get(PARTITION_KEY), self.get(SORT_KEY))
    }

    fn is_expired(&self, now: u64) -> bool {
        expires_at_is_past(self.get(TTL_ATTRIBUTE), now)
    }
}

/// The primary key of an item whose `PK` and `SK` attributes are `pk` and `sk` (the rule of
/// [`ItemExt::key`], for items read attribute by attribute).
///
/// # Errors
/// `Invalid` unless both are strings.
pub fn key_of(pk: Option<&Value>, sk: Option<&Value>) -> Result<Key, TableError> {
    match (pk, sk) {
        (Some(Value::S(pk)), Some(Value::S(sk))) => Ok(Key::new(pk, sk)),
        _ => Err(TableError::Invalid(format!(
            "an item needs string attributes {PARTITION_KEY} and {SORT_KEY}"
        ))),
    }
}

/// A number attribute's value parsed as u64 (the rule of [`ItemExt::unsigned`]).
pub fn unsigned_of(value: Option<&Value>) -> Option<u64> {
    match value {
        Some(Value::N(n)) => n.parse().ok(),
        _ => None,
    }
}

/// TTL semantics shared by both backends: a numeric epoch-seconds value at or before `now`.
/// Anything else (absent, not a number) never expires, as in DynamoDB.
pub fn expires_at_is_past(ttl: Option<&Value>, now: u64) -> bool {
    ttl_seconds(ttl).is_some_and(|at| is_past(at, now))
}

/// The TTL attribute's value as epoch seconds, when it is a number (else the item never
/// expires).
pub fn ttl_seconds(ttl: Option<&Value>) -> Option<f64> {
    match ttl {
        Some(Value::N(n)) => n.parse::<f64>().ok(),
        _ => None,
    }
}

/// Whether an item whose TTL is `at` (epoch seconds) has expired at `now`.
pub fn is_past(at: f64, now: u64) -> bool {
    at <= now as f64
}

/// Seconds since the Unix epoch, the unit of the TTL attribute.
pub fn now_epoch_seconds() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
