//! Round-trip counting, so tests can assert the access-pattern budget exactly.

use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;

use crate::{Condition, Item, Key, Page, Query, Stored, StoredPage, Table, TableError, WriteOp};

/// Wraps a [`Table`] and counts every call that reaches the store (each is one round trip).
pub struct CountingTable<T> {
    inner: T,
    calls: AtomicUsize,
    in_flight: AtomicUsize,
    rounds: AtomicUsize,
}

impl<T> CountingTable<T> {
    pub fn new(inner: T) -> Self {
        CountingTable {
            inner,
            calls: AtomicUsize::new(0),
            in_flight: AtomicUsize::new(0),
            rounds: AtomicUsize::new(0),
        }
    }

    /// Calls since creation or the last [`CountingTable::take`].
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    /// Return the count and start again from zero (also resets [`CountingTable::take_rounds`]).
    pub fn take(&self) -> usize {
        self.rounds.store(0, Ordering::SeqCst);
        self.calls.swap(0, Ordering::SeqCst)
    }

    /// Sequential round trips since the last take: calls issued while others are still in
    /// flight (a parallel read) count once together.
    pub fn take_rounds(&self) -> usize {
        self.calls.store(0, Ordering::SeqCst);
        self.rounds.swap(0, Ordering::SeqCst)
    }

    fn count(&self) -> InFlight<'_> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if self.in_flight.fetch_add(1, Ordering::SeqCst) == 0 {
            self.rounds.fetch_add(1, Ordering::SeqCst);
        }
        InFlight(&self.in_flight)
    }
}

/// Returns `Pending` once (waking itself), so that calls issued together — several futures
/// polled in the same pass, as by `join!` — all register as in flight before any proceeds. This
/// makes [`CountingTable::take_rounds`] independent of how fast the backend answers.
struct YieldOnce(bool);

impl std::future::Future for YieldOnce {
    type Output = ();
    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        if self.0 {
            std::task::Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        }
    }
}

/// Marks a call in flight until dropped.
struct InFlight<'a>(&'a AtomicUsize);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

#[async_trait]
impl<T: Table> Table for CountingTable<T> {
    async fn get(&self, key: &Key) -> Result<Option<Item>, TableError> {
        let _call = self.count();
        YieldOnce(false).await;
        self.inner.get(key).await
    }

    async fn put(&self, item: Item, condition: Condition) -> Result<(), TableError> {
        let _call = self.count();
        YieldOnce(false).await;
        self.inner.put(item, condition).await
    }

    async fn delete(&self, key: &Key, condition: Condition) -> Result<(), TableError> {
        let _call = self.count();
        YieldOnce(false).await;
        self.inner.delete(key, condition).await
    }

    async fn query(&self, query: &Query) -> Result<Page, TableError> {
        let _call = self.count();
        YieldOnce(false).await;
        self.inner.query(query).await
    }

    async fn transact_write(&self, ops: Vec<WriteOp>) -> Result<(), TableError> {
        let _call = self.count();
        YieldOnce(false).await;
        self.inner.transact_write(ops).await
    }

    async fn get_stored(&self, key: &Key) -> Result<Option<Stored>, TableError> {
        let _call = self.count();
        YieldOnce(false).await;
        self.inner.get_stored(key).await
    }

    async fn query_stored(&self, query: &Query) -> Result<StoredPage, TableError> {
        let _call = self.count();
        YieldOnce(false).await;
        self.inner.query_stored(query).await
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
    async fn get_stored(&self, key: &Key) -> Result<Option<Stored>, TableError> {
        (**self).get_stored(key).await
    }
    async fn query_stored(&self, query: &Query) -> Result<StoredPage, TableError> {
        (**self).query_stored(query).await
    }
}
