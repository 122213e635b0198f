//! The single-table storage port.
//!
//! Everything TutorBridge stores lives in one table of attribute maps keyed by `PK`/`SK`, with two
//! overloaded global secondary indexes and a TTL attribute (see [`definition`]). Use cases talk to
//! storage only through [`Table`]; typed repositories turn records into [`Item`]s with
//! `serde_dynamo` and back, or (in builds that link the embedded table) straight into and out of
//! the [`compact`] bytes it stores ([`put_record`], [`Stored`]). Two backends implement the trait
//! — DynamoDB and the embedded redb store — and both must pass the same [`contract`] suite, so
//! what a test proves on one holds on the other.
//!
//! Failures carry meaning, not strings: a failed condition or a cancelled transaction is a
//! [`TableError::Conflict`] naming which operations failed, so callers can retry or answer 409.

pub mod compact;
mod counting;
pub mod definition;
mod failing;
mod item;
mod query;

#[cfg(feature = "contract")]
pub mod contract;

pub use counting::CountingTable;
pub use failing::FailingTable;
pub use item::{
    Item, ItemExt, Key, Value, expires_at_is_past, is_past, key_of, now_epoch_seconds, ttl_seconds,
    unsigned_of, validate_key_part,
};
pub use query::{Cursor, Index, Page, Query, SortKeyCondition};

use async_trait::async_trait;

/// Most operations one transaction may hold (enforced on every backend; DynamoDB allows more, our access patterns need far fewer).
pub const MAX_TRANSACTION_ITEMS: usize = 25;

/// What must hold for a write to go ahead. Checked atomically with the write.
///
/// Items whose TTL attribute lies in the past count as absent, on every backend, so an expired
/// lock can be taken again even before DynamoDB's background sweeper has removed it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Condition {
    /// Write unconditionally.
    #[default]
    None,
    /// The item must not exist yet (create-only; idempotency keys, locks).
    NotExists,
    /// The item must exist.
    Exists,
    /// The item must exist with a numeric `version` attribute equal to this value (optimistic lock).
    VersionEquals(u64),
}

/// One operation of an all-or-nothing [`Table::transact_write`].
#[derive(Debug, Clone, PartialEq)]
pub enum WriteOp {
    /// Put (create or replace) an item if the condition holds.
    Put { item: Item, condition: Condition },
    /// [`WriteOp::Put`] of the item whose [`compact`] form is `item` ([`put_record`] makes these
    /// in builds that link the embedded table, which stores that form as it is).
    PutCompact { item: Vec<u8>, condition: Condition },
    /// Delete an item if the condition holds.
    Delete { key: Key, condition: Condition },
    /// Write nothing, but fail the transaction unless the condition holds.
    Check { key: Key, condition: Condition },
}

impl WriteOp {
    /// The primary key this operation touches.
    pub fn key(&self) -> Result<Key, TableError> {
        match self {
            WriteOp::Put { item, .. } => item.key(),
            WriteOp::PutCompact { item, .. } => compact_key(item),
            WriteOp::Delete { key, .. } | WriteOp::Check { key, .. } => Ok(key.clone()),
        }
    }
}

/// The primary key of an item in compact form (the same rule as [`ItemExt::key`]).
fn compact_key(item: &[u8]) -> Result<Key, TableError> {
    let [pk, sk] = compact::attributes(item, [definition::PARTITION_KEY, definition::SORT_KEY])?;
    key_of(pk.as_ref(), sk.as_ref())
}

/// A put of [`record_item`]`(record, attributes)` (attributes: keys, index keys, TTL). In
/// builds that link the embedded table
/// (`records-from-bytes`) it is written straight to compact bytes ([`WriteOp::PutCompact`]),
/// without the attribute map, unless the record holds what that writer refuses.
///
/// # Errors
/// `Backend` when `record` does not make an item (it is not a map or struct).
pub fn put_record<T: serde::Serialize + ?Sized>(
    record: &T,
    attributes: Vec<(&str, Value)>,
    condition: Condition,
) -> Result<WriteOp, TableError> {
    #[cfg(feature = "records-from-bytes")]
    if let Ok(item) = compact::to_vec(record, &attributes) {
        return Ok(WriteOp::PutCompact { item, condition });
    }
    Ok(WriteOp::Put {
        item: record_item(record, attributes)?,
        condition,
    })
}

/// The item holding `record`'s fields and `attributes`, where an attribute replaces a field of
/// the same name: `serde_dynamo::to_item` of `record` with `attributes` inserted.
///
/// # Errors
/// `Backend` when `record` does not make an item (it is not a map or struct).
pub fn record_item<T: serde::Serialize + ?Sized>(
    record: &T,
    attributes: Vec<(&str, Value)>,
) -> Result<Item, TableError> {
    let mut item: Item = serde_dynamo::to_item(record).map_err(TableError::backend)?;
    for (name, value) in attributes {
        item.insert(name.to_string(), value);
    }
    Ok(item)
}

/// Why a conditional write did not happen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// Positions (0-based) of the operations whose condition failed. For a single `put` or
    /// `delete` this is `[0]`. Empty when the store reported a conflicting concurrent
    /// transaction without naming an operation.
    pub failed: Vec<usize>,
}

/// Errors every backend reports the same way.
#[derive(Debug, thiserror::Error)]
pub enum TableError {
    /// A condition did not hold; nothing was written.
    #[error("conditional write failed for operation(s) {:?}", .0.failed)]
    Conflict(Conflict),
    /// The request itself is malformed (missing keys, too many operations, the same item twice
    /// in one transaction, a key with forbidden characters). A bug in the caller, not bad luck.
    #[error("invalid table request: {0}")]
    Invalid(String),
    /// A continuation cursor this table did not issue for this query (the caller passed it on
    /// from outside: a 400, not a 500).
    #[error("the continuation cursor is not one this query issued")]
    BadCursor,
    /// The backend failed (I/O, network, throttling that outlived retries, a corrupt record).
    #[error("table backend failed: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl TableError {
    /// Wrap any backend error.
    pub fn backend(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        TableError::Backend(error.into())
    }

    /// True when a condition or transaction conflict stopped the write.
    pub fn is_conflict(&self) -> bool {
        matches!(self, TableError::Conflict(_))
    }
}

/// An item as a backend hands it over to be turned into a record: an attribute map (DynamoDB),
/// or bytes in the [`compact`] form that records deserialize from without a map in between (the
/// embedded table's rows).
#[derive(Debug, Clone, PartialEq)]
pub enum Stored {
    Item(Item),
    Compact(Vec<u8>),
}

impl Stored {
    /// The record (or a typed projection of it) this item holds, as `serde_dynamo::from_item`
    /// reads it; top-level attributes named in `skip` are passed over. Compact bytes are read
    /// straight into the record with the `records-from-bytes` feature (the embedded table turns
    /// it on), else through the attribute map they encode.
    ///
    /// # Errors
    /// `Backend` when the item does not hold a `T` (or its bytes are damaged).
    pub fn record<T: serde::de::DeserializeOwned>(self, skip: &[&str]) -> Result<T, TableError> {
        match self {
            Stored::Item(mut item) => {
                for attribute in skip {
                    item.remove(*attribute);
                }
                serde_dynamo::from_item(item).map_err(TableError::backend)
            }
            #[cfg(feature = "records-from-bytes")]
            Stored::Compact(bytes) => compact::from_slice(&bytes, skip),
            #[cfg(not(feature = "records-from-bytes"))]
            Stored::Compact(bytes) => Stored::Item(compact::decode(&bytes)?).record(skip),
        }
    }
}

/// A page of [`Stored`] items and the cursor of the next ([`Table::query_stored`]).
#[derive(Debug, Default)]
pub struct StoredPage {
    pub items: Vec<Stored>,
    pub next: Option<Cursor>,
}

/// The storage port: single-table item operations with typed conditions.
///
/// Every method is one round trip to the store; [`CountingTable`] counts them.
#[async_trait]
pub trait Table: Send + Sync {
    /// Read one item by primary key, strongly consistent. Expired items are `None`.
    ///
    /// # Errors
    /// `Invalid` for a malformed key; `Backend` when the store fails.
    async fn get(&self, key: &Key) -> Result<Option<Item>, TableError>;

    /// Create or replace an item (it must carry `PK` and `SK` strings).
    ///
    /// # Errors
    /// `Conflict { failed: [0] }` if the condition does not hold (nothing written).
    async fn put(&self, item: Item, condition: Condition) -> Result<(), TableError>;

    /// Delete an item; deleting a missing item with `Condition::None` succeeds.
    ///
    /// # Errors
    /// `Conflict { failed: [0] }` if the condition does not hold.
    async fn delete(&self, key: &Key, condition: Condition) -> Result<(), TableError>;

    /// Items of one partition of the base table or a GSI, in sort-key order.
    ///
    /// # Errors
    /// `Invalid` for a cursor that does not belong to this backend; `Backend` otherwise.
    async fn query(&self, query: &Query) -> Result<Page, TableError>;

    /// Apply all operations or none, at most [`MAX_TRANSACTION_ITEMS`], each on a distinct item.
    ///
    /// # Errors
    /// `Conflict` naming every operation whose condition failed; nothing is written.
    async fn transact_write(&self, ops: Vec<WriteOp>) -> Result<(), TableError>;

    /// [`Table::get`], the item in whatever form the backend decodes records from fastest.
    ///
    /// # Errors
    /// As [`Table::get`].
    async fn get_stored(&self, key: &Key) -> Result<Option<Stored>, TableError> {
        Ok(self.get(key).await?.map(Stored::Item))
    }

    /// [`Table::query`], the items in whatever form the backend decodes records from fastest.
    ///
    /// # Errors
    /// As [`Table::query`].
    async fn query_stored(&self, query: &Query) -> Result<StoredPage, TableError> {
        let page = self.query(query).await?;
        Ok(StoredPage {
            items: page.items.into_iter().map(Stored::Item).collect(),
            next: page.next,
        })
    }
}

/// Checks shared by every backend before a transaction reaches the store.
pub fn validate_transaction(ops: &[WriteOp]) -> Result<(), TableError> {
    if ops.is_empty() || ops.len() > MAX_TRANSACTION_ITEMS {
        return Err(TableError::Invalid(format!(
            "a transaction holds 1 to {MAX_TRANSACTION_ITEMS} operations, got {}",
            ops.len()
        )));
    }
    let mut seen = std::collections::HashSet::with_capacity(ops.len());
    for op in ops {
        let key = op.key()?;
        key.validate()?;
        if seen.contains(&key) {
            return Err(TableError::Invalid(format!(
                "item {}/{} appears twice in one transaction",
                key.pk, key.sk
            )));
        }
        seen.insert(key);
    }
    Ok(())
}
