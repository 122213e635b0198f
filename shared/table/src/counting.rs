//! Round-trip counting, so tests can assert the access-pattern budget exactly.

use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;

use crate::{Condition, Item, Key, Page, Query, Table, TableError, WriteOp};

/// Wraps a [`Table`] and counts every call that reaches the store (each is one round trip).
pub struct CountingTable<T> {
    inner: T,
    calls: AtomicUsize,
}

impl<T> CountingTable<T> {
    pub fn new(inner: T) -> Self {
        CountingTable {
            inner,
            calls: AtomicUsize::new(0),
        }
    }

    /// Calls since creation or the last [`CountingTable::take`].
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    /// Return the count and start again from zero.
    pub fn take(&self) -> usize {
        self.calls.swap(0, Ordering::SeqCst)
    }

    fn count(&self) {
        self.calls.fetch_add(1, Ordering::SeqCst);
    }
}

#[async_trait]
impl<T: Table> Table for CountingTable<T> {
    async fn get(&self, key: &Key) -> Result<Option<Item>, TableError> {
        self.count();
        self.inner.get(key).await
    }

    async fn put(&self, item: Item, condition: Condition) -> Result<(), TableError> {
        self.count();
        self.inner.put(item, condition).await
    }

    async fn delete(&self, key: &Key, condition: Condition) -> Result<(), TableError> {
        self.count();
        self.inner.delete(key, condition).await
    }

    async fn query(&self, query: &Query) -> Result<Page, TableError> {
        self.count();
        self.inner.query(query).await
    }

    async fn transact_write(&self, ops: Vec<WriteOp>) -> Result<(), TableError> {
        self.count();
        self.inner.transact_write(ops).await
    }
}

#[async_trait]
impl<T: Table + ?Sized> Table for std::sync::Arc<T> {
    async fn get(&self, key: &Key) -> Result<Option<Item>, TableError> {
        (**self).get(key).await
    }
    async fn put(&self, item: Item, condition: Condition) -> Result<(), TableError> {
        (**self).put(item, condition).await
    }
    async fn delete(&self, key: &Key, condition: Condition) -> Result<(), TableError> {
        (**self).delete(key, condition).await
    }
    async fn query(&self, query: &Query) -> Result<Page, TableError> {
        (**self).query(query).await
    }
    async fn transact_write(&self, ops: Vec<WriteOp>) -> Result<(), TableError> {
        (**self).transact_write(ops).await
    }
}
