//! A table that goes down on cue, so tests can show that an outage is reported as one (a 500
//! with its cause logged), never disguised as "not found" or "conflict".

use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;

use crate::{Condition, Item, Key, Page, Query, Stored, StoredPage, Table, TableError, WriteOp};

/// Wraps a [`Table`]; once [`FailingTable::fail_after`] is called, the given number of further
/// calls succeed and every call after them fails with [`TableError::Backend`].
pub struct FailingTable<T> {
    inner: T,
    /// Calls still allowed; `usize::MAX` while healthy.
    allowed: AtomicUsize,
}

impl<T> FailingTable<T> {
    pub fn new(inner: T) -> Self {
        FailingTable {
            inner,
            allowed: AtomicUsize::new(usize::MAX),
        }
    }

    /// Let `calls` more calls through, then fail every one.
    pub fn fail_after(&self, calls: usize) {
        self.allowed.store(calls, Ordering::SeqCst);
    }

    /// Healthy again.
    pub fn recover(&self) {
        self.allowed.store(usize::MAX, Ordering::SeqCst);
    }

    fn check(&self) -> Result<(), TableError> {
        let allowed = self
            .allowed
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| match left {
                usize::MAX => Some(usize::MAX),
                0 => None,
                n => Some(n - 1),
            });
        match allowed {
            Ok(_) => Ok(()),
            Err(_) => Err(TableError::backend(
                "the table is unavailable (injected outage)",
            )),
        }
    }
}

#[async_trait]
impl<T: Table> Table for FailingTable<T> {
    async fn get(&self, key: &Key) -> Result<Option<Item>, TableError> {
        self.check()?;
        self.inner.get(key).await
    }

    async fn put(&self, item: Item, condition: Condition) -> Result<(), TableError> {
        self.check()?;
        self.inner.put(item, condition).await
    }

    async fn delete(&self, key: &Key, condition: Condition) -> Result<(), TableError> {
        self.check()?;
        self.inner.delete(key, condition).await
    }

    async fn query(&self, query: &Query) -> Result<Page, TableError> {
        self.check()?;
        self.inner.query(query).await
    }

    async fn transact_write(&self, ops: Vec<WriteOp>) -> Result<(), TableError> {
        self.check()?;
        self.inner.transact_write(ops).await
    }

    async fn get_stored(&self, key: &Key) -> Result<Option<Stored>, TableError> {
        self.check()?;
        self.inner.get_stored(key).await
    }

    async fn query_stored(&self, query: &Query) -> Result<StoredPage, TableError> {
        self.check()?;
        self.inner.query_stored(query).await
    }
}
