//! The embedded [`Table`] backend: one redb file, durable on every commit.
//!
//! Why redb: a pure-Rust, maintained, ACID embedded store with MVCC readers, a single writer and
//! ordered byte keys — exactly what single-table semantics need (ordered sort keys, range scans,
//! atomic multi-item writes) without a C toolchain or a server.
//!
//! Layout: the `items` table maps `PK\0SK\0` to the item (DynamoDB JSON). Each GSI is a table
//! mapping `GSIPK\0GSISK\0PK\0SK\0` to the base key, maintained in the same write transaction as
//! the item, so an index never disagrees with the items. Keys may not contain `\0` or `\x01`
//! (checked by the port), which makes every range below a simple byte range.

mod keys;

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use tutorbridge_table::definition::GLOBAL_INDEXES;
use tutorbridge_table::{
    Condition, Conflict, Index, Item, ItemExt, Key, Page, Query, Table, TableError, WriteOp,
    now_epoch_seconds, validate_transaction,
};

use keys::{base_key, decode_cursor, encode_cursor, index_entry, query_bounds};

const ITEMS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("items");
const GSI_TABLES: [TableDefinition<&[u8], &[u8]>; 2] =
    [TableDefinition::new("gsi1"), TableDefinition::new("gsi2")];
/// The page cache an embedded table keeps by default: enough for the hot items of a small
/// deployment; the file is the truth, so a smaller cache only costs reads from the OS cache.
pub const DEFAULT_CACHE_BYTES: usize = 32 * 1024 * 1024;

/// Page size when a query gives no limit (DynamoDB stops at 1 MB instead).
const DEFAULT_PAGE: usize = 1000;

/// A durable single-table store in one file.
#[derive(Clone)]
pub struct EmbeddedTable {
    db: Arc<Database>,
}

impl EmbeddedTable {
    /// Open (or create) the table file at `path`, creating its inner tables on first use, with
    /// a page cache of [`DEFAULT_CACHE_BYTES`].
    pub fn open(path: impl AsRef<Path>) -> Result<Self, TableError> {
        Self::open_with_cache(path, DEFAULT_CACHE_BYTES)
    }

    /// [`EmbeddedTable::open`] with a page cache of `cache_bytes` (redb's own default is 1 GiB,
    /// which a long run fills: memory the process then keeps).
    pub fn open_with_cache(path: impl AsRef<Path>, cache_bytes: usize) -> Result<Self, TableError> {
        let db = redb::Builder::new()
            .set_cache_size(cache_bytes)
            .create(path)
            .map_err(TableError::backend)?;
        let txn = db.begin_write().map_err(TableError::backend)?;
        {
            txn.open_table(ITEMS).map_err(TableError::backend)?;
            for definition in GSI_TABLES {
                txn.open_table(definition).map_err(TableError::backend)?;
            }
        }
        txn.commit().map_err(TableError::backend)?;
        Ok(EmbeddedTable { db: Arc::new(db) })
    }

    /// A fresh table in a temporary folder that lives as long as the process (tests and
    /// benchmarks; the OS cleans the temporary directory).
    ///
    /// # Panics
    /// When no temporary folder can be created.
    #[cfg(feature = "testing")]
    pub fn temporary() -> Self {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let table = EmbeddedTable::open(dir.path().join("table.redb")).expect("a table in it");
        std::mem::forget(dir);
        table
    }

    async fn blocking<T, F>(&self, work: F) -> Result<T, TableError>
    where
        T: Send + 'static,
        F: FnOnce(&Database) -> Result<T, TableError> + Send + 'static,
    {
        let db = Arc::clone(&self.db);
        tokio::task::spawn_blocking(move || work(&db))
            .await
            .map_err(TableError::backend)?
    }
}

fn encode_item(item: &Item) -> Result<Vec<u8>, TableError> {
    serde_json::to_vec(item).map_err(TableError::backend)
}

fn decode_item(bytes: &[u8]) -> Result<Item, TableError> {
    serde_json::from_slice(bytes).map_err(TableError::backend)
}

fn holds(condition: &Condition, current: Option<&Item>, now: u64) -> bool {
    let live = current.filter(|item| !item.is_expired(now));
    match condition {
        Condition::None => true,
        Condition::NotExists => live.is_none(),
        Condition::Exists => live.is_some(),
        Condition::VersionEquals(expected) => live.and_then(ItemExt::version) == Some(*expected),
    }
}

/// The tables of one write transaction, with item-level operations that keep GSIs in step.
struct Writer<'txn> {
    items: redb::Table<'txn, &'static [u8], &'static [u8]>,
    indexes: Vec<redb::Table<'txn, &'static [u8], &'static [u8]>>,
}

impl<'txn> Writer<'txn> {
    fn open(txn: &'txn redb::WriteTransaction) -> Result<Self, TableError> {
        let items = txn.open_table(ITEMS).map_err(TableError::backend)?;
        let indexes = GSI_TABLES
            .iter()
            .map(|definition| txn.open_table(*definition).map_err(TableError::backend))
            .collect::<Result<_, _>>()?;
        Ok(Writer { items, indexes })
    }

    fn current(&self, key: &Key) -> Result<Option<Item>, TableError> {
        match self
            .items
            .get(base_key(key).as_slice())
            .map_err(TableError::backend)?
        {
            Some(bytes) => decode_item(bytes.value()).map(Some),
            None => Ok(None),
        }
    }

    fn remove(&mut self, key: &Key) -> Result<(), TableError> {
        if let Some(old) = self.current(key)? {
            for (position, index) in GLOBAL_INDEXES.iter().enumerate() {
                if let Some(entry) = index_entry(index, &old, key)? {
                    self.indexes[position]
                        .remove(entry.as_slice())
                        .map_err(TableError::backend)?;
                }
            }
            self.items
                .remove(base_key(key).as_slice())
                .map_err(TableError::backend)?;
        }
        Ok(())
    }

    fn put(&mut self, item: &Item) -> Result<(), TableError> {
        let key = item.key()?;
        self.remove(&key)?;
        let base = base_key(&key);
        for (position, index) in GLOBAL_INDEXES.iter().enumerate() {
            if let Some(entry) = index_entry(index, item, &key)? {
                self.indexes[position]
                    .insert(entry.as_slice(), base.as_slice())
                    .map_err(TableError::backend)?;
            }
        }
        self.items
            .insert(base.as_slice(), encode_item(item)?.as_slice())
            .map_err(TableError::backend)?;
        Ok(())
    }
}

/// Run `ops` in one write transaction: check every condition, then apply all or nothing.
fn write(db: &Database, ops: &[WriteOp]) -> Result<(), TableError> {
    let now = now_epoch_seconds();
    let txn = db.begin_write().map_err(TableError::backend)?;
    {
        let mut writer = Writer::open(&txn)?;
        let mut failed = Vec::new();
        for (position, op) in ops.iter().enumerate() {
            let condition = match op {
                WriteOp::Put { condition, .. }
                | WriteOp::Delete { condition, .. }
                | WriteOp::Check { condition, .. } => condition,
            };
            if !holds(condition, writer.current(&op.key()?)?.as_ref(), now) {
                failed.push(position);
            }
        }
        if !failed.is_empty() {
            // Dropping an uncommitted redb transaction rolls it back.
            return Err(TableError::Conflict(Conflict { failed }));
        }
        for op in ops {
            match op {
                WriteOp::Put { item, .. } => writer.put(item)?,
                WriteOp::Delete { key, .. } => writer.remove(key)?,
                WriteOp::Check { .. } => {}
            }
        }
    }
    txn.commit().map_err(TableError::backend)
}

fn read_query(db: &Database, query: &Query) -> Result<Page, TableError> {
    let now = now_epoch_seconds();
    let txn = db.begin_read().map_err(TableError::backend)?;
    let items = txn.open_table(ITEMS).map_err(TableError::backend)?;
    let scanned = match query.index {
        Index::Base => txn.open_table(ITEMS),
        Index::Gsi1 => txn.open_table(GSI_TABLES[0]),
        Index::Gsi2 => txn.open_table(GSI_TABLES[1]),
    }
    .map_err(TableError::backend)?;

    let (mut low, mut high) = query_bounds(&query.partition, query.sort.as_ref());
    if let Some(cursor) = &query.cursor {
        let last = decode_cursor(cursor, &query.partition)?;
        if query.descending {
            high = high.min(last);
        } else {
            let mut after = last;
            after.push(0);
            low = low.max(after);
        }
    }
    if low >= high {
        return Ok(Page::default());
    }
    let limit = query.limit.map_or(DEFAULT_PAGE, |l| l as usize);
    let range = scanned
        .range(low.as_slice()..high.as_slice())
        .map_err(TableError::backend)?;
    let mut entries: Box<dyn Iterator<Item = _>> = if query.descending {
        Box::new(range.rev())
    } else {
        Box::new(range)
    };

    let mut page = Page::default();
    let mut last_key: Option<Vec<u8>> = None;
    for entry in entries.by_ref() {
        let (entry_key, entry_value) = entry.map_err(TableError::backend)?;
        let item = match query.index {
            Index::Base => decode_item(entry_value.value())?,
            Index::Gsi1 | Index::Gsi2 => {
                let stored = items
                    .get(entry_value.value())
                    .map_err(TableError::backend)?;
                match stored {
                    Some(bytes) => decode_item(bytes.value())?,
                    None => continue,
                }
            }
        };
        if !item.is_expired(now) {
            page.items.push(item);
        }
        if page.items.len() == limit {
            last_key = Some(entry_key.value().to_vec());
            break;
        }
    }
    if let Some(last) = last_key
        && entries.next().is_some()
    {
        page.next = Some(encode_cursor(&last));
    }
    Ok(page)
}

#[async_trait]
impl Table for EmbeddedTable {
    async fn get(&self, key: &Key) -> Result<Option<Item>, TableError> {
        key.validate()?;
        let base = base_key(key);
        self.blocking(move |db| {
            let txn = db.begin_read().map_err(TableError::backend)?;
            let items = txn.open_table(ITEMS).map_err(TableError::backend)?;
            let found = items.get(base.as_slice()).map_err(TableError::backend)?;
            match found {
                Some(bytes) => {
                    let item = decode_item(bytes.value())?;
                    Ok((!item.is_expired(now_epoch_seconds())).then_some(item))
                }
                None => Ok(None),
            }
        })
        .await
    }

    async fn put(&self, item: Item, condition: Condition) -> Result<(), TableError> {
        item.key()?.validate()?;
        self.blocking(move |db| write(db, &[WriteOp::Put { item, condition }]))
            .await
    }

    async fn delete(&self, key: &Key, condition: Condition) -> Result<(), TableError> {
        key.validate()?;
        let key = key.clone();
        self.blocking(move |db| write(db, &[WriteOp::Delete { key, condition }]))
            .await
    }

    async fn query(&self, query: &Query) -> Result<Page, TableError> {
        query.validate()?;
        let query = query.clone();
        self.blocking(move |db| read_query(db, &query)).await
    }

    async fn transact_write(&self, ops: Vec<WriteOp>) -> Result<(), TableError> {
        validate_transaction(&ops)?;
        self.blocking(move |db| write(db, &ops)).await
    }
}

#[cfg(test)]
mod embedded_contract {
    use super::*;

    async fn fresh_table() -> EmbeddedTable {
        EmbeddedTable::temporary()
    }

    tutorbridge_table::table_contract_tests!(fresh_table());

    #[tokio::test]
    async fn items_survive_reopening_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("table.redb");
        let key = Key::new("USER#1", "PROFILE");
        {
            let table = EmbeddedTable::open(&path).expect("open");
            let item: Item = std::collections::HashMap::from([
                (
                    "PK".to_string(),
                    tutorbridge_table::Value::S(key.pk.clone()),
                ),
                (
                    "SK".to_string(),
                    tutorbridge_table::Value::S(key.sk.clone()),
                ),
            ])
            .into();
            table.put(item, Condition::NotExists).await.expect("put");
        }
        let reopened = EmbeddedTable::open(&path).expect("reopen");
        assert!(reopened.get(&key).await.expect("get").is_some());
    }
}
