//! The embedded [`Table`] backend: one redb file and its write-ahead log; every acknowledged
//! write is durable.
//!
//! Why redb: a pure-Rust, maintained, ACID embedded store with MVCC readers, a single writer and
//! ordered byte keys — exactly what single-table semantics need (ordered sort keys, range scans,
//! atomic multi-item writes) without a C toolchain or a server.
//!
//! Layout: the `items` table maps `PK\0SK\0` to the item (a compact binary form, `codec`, behind
//! a small header with its expiry, version and index entries: `row`). Each GSI is a table
//! mapping `GSIPK\0GSISK\0PK\0SK\0` to the base key, written in the same transactions as the
//! items, so an index never disagrees with the items. Keys may not contain `\0` or `\x01`
//! (checked by the port), which makes every range below a simple byte range.
//!
//! Durability: a group of writes is durable once its record in the write-ahead log (`log`) is
//! synced; the redb file catches up at checkpoints, and a crash in between is repaired on the
//! next open by applying the log's records again. Groups are written into redb (committed in
//! memory) a few dozen at a time; until then readers find them in the `overlay`.

mod keys;
mod log;
mod overlay;
mod row;

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard, mpsc};

use async_trait::async_trait;
use redb::{Database, Durability, ReadableDatabase, ReadableTable, TableDefinition};
use tokio::sync::oneshot;
use tutorbridge_table::definition::{
    GLOBAL_INDEXES, PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE, VERSION_ATTRIBUTE,
};
use tutorbridge_table::{
    Condition, Conflict, Cursor, Index, Item, ItemExt, Key, Page, Query, Stored, StoredPage, Table,
    TableError, Value, WriteOp, compact, key_of, now_epoch_seconds, ttl_seconds, unsigned_of,
    validate_transaction,
};

use keys::{base_key, decode_cursor, encode_cursor, index_entry, query_bounds};
use log::{Change, Log, Record};
use overlay::Overlay;

/// A table of byte keys and byte values.
type Bytes = TableDefinition<'static, &'static [u8], &'static [u8]>;
const ITEMS: Bytes = TableDefinition::new("items");
const GSI_TABLES: [Bytes; 2] = [TableDefinition::new("gsi1"), TableDefinition::new("gsi2")];
/// Every index, each with its own table.
const INDEXES: [Index; 3] = [Index::Base, Index::Gsi1, Index::Gsi2];

/// The table a query of `index` scans.
fn table_of(index: Index) -> Bytes {
    match index {
        Index::Base => ITEMS,
        Index::Gsi1 => GSI_TABLES[0],
        Index::Gsi2 => GSI_TABLES[1],
    }
}

/// Bookkeeping: under [`LOGGED`], the sequence number of the last logged group the table holds
/// durably (written by each checkpoint, not by every group);
/// under [`ID`], the table's random id (made once, with the file), which ties its log to it.
const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
const LOGGED: &str = "log";
const ID: &str = "id";
/// The page cache an embedded table keeps by default: the hot items of a small deployment. The
/// file is the truth, so a page not kept is a read from the OS cache (microseconds). Under the
/// HTTP load benchmark 8 MiB was no slower than 32 MiB and held ~40 MB less resident
/// (docs/measurements.md); the nudge job's 100,000-student run wants more
/// ([`EmbeddedTable::open_with_cache`]).
pub const DEFAULT_CACHE_BYTES: usize = 8 * 1024 * 1024;

/// Page size when a query gives no limit (DynamoDB stops at 1 MB instead).
const DEFAULT_PAGE: usize = 1000;

/// Most write requests one group commit takes (a bound on how long the first waits).
const MAX_GROUP: usize = 256;

/// A durable single-table store in one file.
///
/// Reads run on the caller's thread: a redb read transaction is a snapshot taken without a
/// lock, and a point read or one page of a query costs microseconds, far less than handing it
/// to another thread. Writes are encoded on the caller's thread, then go to one writer thread,
/// which **group-commits**: it takes every
/// write request waiting (up to [`MAX_GROUP`]), applies each in order — each with its own
/// conditions, so one request's conflict fails that request alone — and makes them durable
/// with one synced record in the write-ahead log (one fsync of a few pages). What the group
/// changed then goes into the overlay that reads merge with redb's committed snapshot, and
/// the overlay goes into redb in one transaction (committed in memory) every 64 groups, 512 KiB
/// of rows, or 2 ms without a write. Every caller is answered only after that sync, and
/// readers see a write only once it is durable. Under concurrency, many writes share one
/// fsync: the writer thread runs under Linux's batch scheduling policy, so that it takes the
/// core when the handlers wait rather than at their first write. Every 16 MiB of log a
/// checkpoint (one durable redb commit) writes the table's pages.
#[derive(Clone)]
pub struct EmbeddedTable {
    inner: Arc<Inner>,
}

struct Inner {
    db: Arc<Database>,
    /// Durable groups the writer has not yet committed to redb (shared with it).
    overlay: Arc<RwLock<Overlay>>,
    writes: Option<mpsc::Sender<WriteRequest>>,
    writer: Option<std::thread::JoinHandle<()>>,
    /// The folder of an [`EmbeddedTable::temporary`] table: removed when this drops, after
    /// the writer has stopped and the database has closed (fields drop after `drop`, in order).
    #[cfg(feature = "testing")]
    folder: Option<tempfile::TempDir>,
}

impl Drop for Inner {
    /// Close the queue and wait for the writer to finish what it holds, so the file is closed
    /// (and can be opened again) once the last handle is gone.
    fn drop(&mut self) {
        self.writes.take();
        if let Some(writer) = self.writer.take() {
            let _ = writer.join();
        }
    }
}

/// One caller's write: its operations, and where to answer once they are durable (or refused).
struct WriteRequest {
    batch: Batch,
    done: oneshot::Sender<Result<(), TableError>>,
}

/// A request's operations with the items they put already encoded. Encoding happens on the
/// caller's thread, so the writer thread — which every write waits for — only checks
/// conditions and stores bytes.
struct Batch {
    ops: Vec<WriteOp>,
    /// Per operation, the encoded item of a put; or why an item cannot be stored (reported
    /// after the conditions, as the operations' own order of checks).
    prepared: Result<Vec<Option<Prepared>>, TableError>,
}

impl Batch {
    fn new(ops: Vec<WriteOp>) -> Batch {
        let prepared = ops
            .iter()
            .map(|op| match op {
                WriteOp::Put { item, .. } => Prepared::put(item).map(Some),
                WriteOp::PutCompact { item, .. } => Prepared::put_compact(item).map(Some),
                WriteOp::Delete { .. } | WriteOp::Check { .. } => Ok(None),
            })
            .collect();
        Batch { ops, prepared }
    }
}

impl EmbeddedTable {
    /// Open (or create) the table file at `path`, creating its inner tables on first use, with
    /// a page cache of [`DEFAULT_CACHE_BYTES`].
    pub fn open(path: impl AsRef<Path>) -> Result<Self, TableError> {
        Self::open_with_cache(path, DEFAULT_CACHE_BYTES)
    }

    /// [`EmbeddedTable::open`] with a page cache of `cache_bytes` (redb's own default is 1 GiB,
    /// which a long run fills: memory the process then keeps).
    /// Groups the log holds beyond the file's last checkpoint (after a crash) are applied
    /// again before this returns.
    pub fn open_with_cache(path: impl AsRef<Path>, cache_bytes: usize) -> Result<Self, TableError> {
        let writer = Writer::open(path.as_ref(), cache_bytes)?;
        let db = Arc::clone(&writer.db);
        let overlay = Arc::clone(&writer.overlay);
        let (writes, queue) = mpsc::channel();
        let writer = std::thread::Builder::new()
            .name("table-writer".into())
            .spawn(move || {
                schedule_as_batch();
                write_loop(writer, &queue)
            })
            .map_err(TableError::backend)?;
        Ok(EmbeddedTable {
            inner: Arc::new(Inner {
                db,
                overlay,
                writes: Some(writes),
                writer: Some(writer),
                #[cfg(feature = "testing")]
                folder: None,
            }),
        })
    }

    /// A fresh table in a temporary folder (tests and benchmarks), removed with everything in
    /// it when the table's last handle is dropped.
    ///
    /// # Panics
    /// When no temporary folder can be created.
    #[cfg(feature = "testing")]
    pub fn temporary() -> Self {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let mut table = EmbeddedTable::open(dir.path().join("table.redb")).expect("a table in it");
        Arc::get_mut(&mut table.inner)
            .expect("a table just opened has one handle")
            .folder = Some(dir);
        table
    }

    /// Queue `ops` for the writer and wait until they are durable (or refused).
    async fn write(&self, ops: Vec<WriteOp>) -> Result<(), TableError> {
        let (done, answer) = oneshot::channel();
        let gone = || TableError::backend("the table's writer has stopped");
        self.inner
            .writes
            .as_ref()
            .ok_or_else(gone)?
            .send(WriteRequest {
                batch: Batch::new(ops),
                done,
            })
            .map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }
}

/// Puts the calling thread (the writer) under Linux's batch scheduling policy (`SCHED_BATCH`, at
/// the same weight as every other thread): when a request wakes it, it does not preempt the
/// thread that is running but takes the core when that thread waits (or at the end of its
/// time slice). A handler's request arrives while the handlers' thread still has requests to
/// serve, so the writer starts its group once they have all handed over their writes, and
/// one sync takes them all, instead of preempting the handlers at the first request. Where a
/// core is free, it runs at once as before. On the gateway's one pinned core under the HTTP
/// load, with every group through the overlay: +32 % items/s at 8 students, +13 % at 256, log
/// syncs per item 0.71 -> 0.26 (docs/measurements.md). Best effort: if the policy cannot be
/// set, the writer runs as before.
fn schedule_as_batch() {
    #[cfg(target_os = "linux")]
    {
        let param = libc::sched_param { sched_priority: 0 };
        // SAFETY: pid 0 names the calling thread, `param` is a valid sched_param that lives
        // for the call, and SCHED_BATCH takes priority 0; the call only changes how the
        // kernel schedules this thread.
        let _ = unsafe { libc::sched_setscheduler(0, libc::SCHED_BATCH, &param) };
    }
}

/// The writer thread: until every handle is gone, take what is queued and commit it as one.
fn write_loop(mut writer: Writer, queue: &mpsc::Receiver<WriteRequest>) {
    loop {
        // Nothing to write out (or no way to: a broken writer only refuses): wait for work.
        let first = if writer.pending == 0 || writer.broken.is_some() {
            match queue.recv() {
                Ok(request) => request,
                Err(_) => break,
            }
        } else {
            match queue.recv_timeout(overlay::FLUSH_AFTER) {
                Ok(request) => request,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    writer.flush();
                    continue;
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
        };
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match queue.try_recv() {
                Ok(request) => group.push(request),
                Err(_) => break,
            }
        }
        let outcomes = writer.commit(group.iter_mut().map(|request| &mut request.batch));
        match outcomes {
            Ok(outcomes) => {
                for (request, outcome) in group.into_iter().zip(outcomes) {
                    // A caller that stopped waiting (its request was cancelled) still had its
                    // write made durable; there is no one left to tell.
                    let _ = request.done.send(outcome);
                }
            }
            Err(error) => {
                // Nothing of the group was committed: every caller learns it.
                let message = error.to_string();
                for request in group {
                    let _ = request.done.send(Err(TableError::backend(message.clone())));
                }
            }
        }
        // After the answers: a checkpoint delays the next group, not this one.
        if writer.log.wants_checkpoint() {
            writer.checkpoint();
        }
    }
}

/// The table file and its log, owned by the writer thread.
struct Writer {
    db: Arc<Database>,
    log: Log,
    /// Groups durable in the log whose changes are in the overlay and not yet in redb.
    pending: usize,
    /// What those groups changed: readers' view (and the writer's) until [`Writer::write_out`]
    /// puts it in redb (see [`overlay`]).
    overlay: Arc<RwLock<Overlay>>,
    /// redb's committed items as the writer reads them under the overlay; opened on first use
    /// after each commit.
    snapshot: Option<redb::ReadOnlyTable<&'static [u8], &'static [u8]>>,
    /// Why writes are refused: a log write or commit failed after the log may have taken a
    /// group, so the file and the log can no longer be kept in step by this process. Reads go
    /// on; reopening the table (restarting the process) recovers from the log.
    broken: Option<String>,
    /// Tests: leave the overlay as it is after a commit, to read in the moment between the two.
    #[cfg(test)]
    keep_overlay_after_commit: bool,
}

impl Writer {
    /// Open the file (creating its tables), then apply and checkpoint what its log holds
    /// beyond the last checkpoint.
    fn open(path: &Path, cache_bytes: usize) -> Result<Writer, TableError> {
        let db = redb::Builder::new()
            .set_cache_size(cache_bytes)
            .create(path)
            .map_err(TableError::backend)?;
        let txn = db.begin_write().map_err(TableError::backend)?;
        let (id, checkpointed) = {
            // Opening the tables creates them on first use.
            txn.open_table(ITEMS).map_err(TableError::backend)?;
            for definition in GSI_TABLES {
                txn.open_table(definition).map_err(TableError::backend)?;
            }
            let mut meta = txn.open_table(META).map_err(TableError::backend)?;
            let stored = |meta: &redb::Table<&str, u64>, name: &str| {
                let value = meta.get(name).map_err(TableError::backend)?;
                Ok::<_, TableError>(value.map(|value| value.value()))
            };
            let id = match stored(&meta, ID)? {
                Some(id) => id,
                None => {
                    let id = new_table_id();
                    meta.insert(ID, id).map_err(TableError::backend)?;
                    id
                }
            };
            (id, stored(&meta, LOGGED)?.unwrap_or(0))
        };
        txn.commit().map_err(TableError::backend)?;
        let (log, groups) = Log::open(&Log::path(path), id, checkpointed)?;
        let mut writer = Writer {
            db: Arc::new(db),
            log,
            pending: 0,
            overlay: Arc::default(),
            snapshot: None,
            // Until the log is applied: a recovery that fails must not checkpoint when the
            // writer drops (that would mark every logged group as held).
            broken: Some("the table is being recovered from its log".into()),
            #[cfg(test)]
            keep_overlay_after_commit: false,
        };
        // The groups after the checkpoint, applied again as they were logged, then written
        // into the file durably.
        for group in groups {
            let changes = {
                let mut stage = writer.stage()?;
                for change in group {
                    match change {
                        Change::Put { key, row } => stage.put(Prepared::stored(key, row)?)?,
                        Change::Delete { key } => stage.remove(&key)?,
                    }
                }
                stage.changes
            };
            if writer.hold(changes) {
                writer.write_out(None, false)?;
            }
        }
        writer.write_out(None, true)?;
        writer.broken = None;
        Ok(writer)
    }

    /// A new group's view of the table: the overlay, over redb's committed state.
    fn stage(&mut self) -> Result<Stage<'_>, TableError> {
        let snapshot = match self.snapshot.take() {
            Some(snapshot) => snapshot,
            None => {
                let txn = self.db.begin_read().map_err(TableError::backend)?;
                txn.open_table(ITEMS).map_err(TableError::backend)?
            }
        };
        let committed = self.snapshot.insert(snapshot);
        Ok(Stage {
            changes: Overlay::default(),
            pending: read(&self.overlay),
            committed,
            headers: HashMap::new(),
        })
    }

    /// Apply each group member's operations in order, log what they changed, and show it to
    /// readers through the overlay. Each member's conditions are checked against the state its
    /// predecessors left, and a member whose condition fails (or whose items cannot be stored)
    /// changes nothing: its outcome is the error. `Err` when the group as a whole failed, and
    /// then none of it is visible.
    fn commit<'a>(
        &mut self,
        group: impl ExactSizeIterator<Item = &'a mut Batch>,
    ) -> Result<Vec<Result<(), TableError>>, TableError> {
        if let Some(why) = &self.broken {
            return Err(TableError::backend(why.clone()));
        }
        let now = now_epoch_seconds();
        let mut record = Record::default();
        // Nothing is written anywhere until the group is logged: a failure here drops its
        // changes and leaves the table as it was.
        let (outcomes, changes) = {
            let mut stage = self.stage()?;
            let outcomes = group
                .map(|batch| apply(&mut stage, batch, now, &mut record))
                .collect::<Result<Vec<_>, _>>()?;
            (outcomes, stage.changes)
        };
        if record.is_empty() {
            // Nothing changed (every member failed, or only checked conditions).
            return Ok(outcomes);
        }
        if !self.log.takes(&record) {
            // Too large to log: the pending groups go to redb first, then this one is committed
            // durably by redb itself (a checkpoint). Two commits, so that no reader finds a
            // pending group's value for a key this one changed beside this one's other writes.
            if self.pending > 0 {
                self.write_out(None, false)
                    .map_err(|error| self.broken_by("commit logged groups", &error))?;
            }
            self.write_out(Some(&changes), true)
                .map_err(|error| self.broken_by("commit a group too large to log", &error))?;
            return Ok(outcomes);
        }
        if let Err(error) = self.log.append(&mut record) {
            // The record may be partly (or, if only the sync failed, wholly) on disk: refuse
            // further writes rather than log past it.
            return Err(self.broken_by("write the log", &error));
        }
        // Durable: readers may see it from now on.
        if self.hold(changes) {
            self.flush();
        }
        Ok(outcomes)
    }

    /// Add a logged group's changes to the overlay; whether the overlay is full (time to
    /// write it into redb).
    fn hold(&mut self, changes: Overlay) -> bool {
        self.pending += 1;
        let held = write(&self.overlay).absorb(changes);
        self.pending >= overlay::MAX_PENDING || held >= overlay::MAX_BYTES
    }

    /// Put the pending groups in redb (committed in memory: they are durable in the log).
    fn flush(&mut self) {
        if self.pending == 0 || self.broken.is_some() {
            return;
        }
        if let Err(error) = self.write_out(None, false) {
            // The overlay keeps the groups visible; the file must be rebuilt from the log.
            self.broken_by("commit logged groups", &error);
        }
    }

    /// Make everything logged durable in the file (one durable redb commit), so the log can
    /// start again from its beginning.
    fn checkpoint(&mut self) {
        if self.broken.is_some() {
            return;
        }
        if let Err(error) = self.write_out(None, true) {
            self.broken_by("checkpoint", &error);
        }
    }

    /// One redb transaction: the overlay's changes (and `extra`'s after them) stored in key
    /// order, each key once with its latest value; then the overlay emptied. A `checkpoint`
    /// also records every logged group as held and is a durable commit, after which the log
    /// starts again; otherwise the commit is in memory only (the log has the groups).
    fn write_out(&mut self, extra: Option<&Overlay>, checkpoint: bool) -> Result<(), TableError> {
        // A reader of the old state would keep its pages from being reused.
        self.snapshot = None;
        let mut txn = self.db.begin_write().map_err(TableError::backend)?;
        {
            let overlay = read(&self.overlay);
            for index in INDEXES {
                let mut table = txn
                    .open_table(table_of(index))
                    .map_err(TableError::backend)?;
                store(&mut table, overlay.entries(index))?;
                if let Some(extra) = extra {
                    store(&mut table, extra.entries(index))?;
                }
            }
            if checkpoint {
                let mut meta = txn.open_table(META).map_err(TableError::backend)?;
                meta.insert(LOGGED, self.log.last())
                    .map_err(TableError::backend)?;
            }
        }
        if !checkpoint {
            txn.set_durability(Durability::None)
                .map_err(TableError::backend)?;
        }
        txn.commit().map_err(TableError::backend)?;
        self.committed();
        if checkpoint {
            self.log.restart();
        }
        Ok(())
    }

    /// The pending groups are in redb's committed state: the overlay lets them go. Until it
    /// does, each of their rows is in both with the same value (the commit stored each key's
    /// latest value from the overlay), so a reader sees the same either way and never waits
    /// for the commit itself.
    fn committed(&mut self) {
        self.pending = 0;
        #[cfg(test)]
        if self.keep_overlay_after_commit {
            return;
        }
        let held = std::mem::take(&mut *write(&self.overlay));
        // Freed after the lock is released.
        drop(held);
    }

    fn broken_by(&mut self, what: &str, error: &dyn std::fmt::Display) -> TableError {
        let why = format!(
            "the table could not {what} ({error}); writes are refused until it is reopened"
        );
        self.broken = Some(why.clone());
        TableError::backend(why)
    }
}

/// Store `entries` in `table`: a value replaces the key's, `None` removes it.
fn store<'e>(
    table: &mut redb::Table<'_, &'static [u8], &'static [u8]>,
    entries: impl Iterator<Item = (&'e [u8], Option<&'e [u8]>)>,
) -> Result<(), TableError> {
    for (key, value) in entries {
        match value {
            Some(value) => table.insert(key, value).map(drop),
            None => table.remove(key).map(drop),
        }
        .map_err(TableError::backend)?;
    }
    Ok(())
}

/// The overlay for reading: a writer holding it only adds a group or commits one.
fn read(overlay: &RwLock<Overlay>) -> RwLockReadGuard<'_, Overlay> {
    overlay.read().unwrap_or_else(PoisonError::into_inner)
}

fn write(overlay: &RwLock<Overlay>) -> RwLockWriteGuard<'_, Overlay> {
    overlay.write().unwrap_or_else(PoisonError::into_inner)
}

/// A random id for a new table file (the standard library's per-process random hash keys,
/// mixed with the time and the process id).
fn new_table_id() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |since| since.as_nanos()),
    );
    hasher.write_u32(std::process::id());
    hasher.finish()
}

impl Drop for Writer {
    /// A clean close leaves nothing to replay.
    fn drop(&mut self) {
        self.checkpoint();
    }
}

fn holds(condition: &Condition, current: Option<&row::Meta<'_>>, now: u64) -> bool {
    let live = current.filter(|meta| !meta.is_expired(now));
    match condition {
        Condition::None => true,
        Condition::NotExists => live.is_none(),
        Condition::Exists => live.is_some(),
        Condition::VersionEquals(expected) => live.and_then(|meta| meta.version) == Some(*expected),
    }
}

/// A group as the writer applies it: its changes so far, over the overlay's pending groups,
/// over redb's committed items. Item-level operations keep the index entries in step.
struct Stage<'w> {
    changes: Overlay,
    pending: RwLockReadGuard<'w, Overlay>,
    committed: &'w redb::ReadOnlyTable<&'static [u8], &'static [u8]>,
    /// The headers of committed rows this group has read (redb's committed state does not
    /// change while a group is applied): a conditional put reads its row's header once for the
    /// condition and finds it here for the index entries, instead of reading redb again.
    headers: HashMap<Vec<u8>, Option<row::Meta<'static>>>,
}

impl Stage<'_> {
    /// The header of the row now under `base` (of the item under `key`), `None` when there is
    /// no row.
    fn header(&mut self, base: &[u8], key: &Key) -> Result<Option<row::Meta<'static>>, TableError> {
        if let Some(row) = self.changes.item(base).or_else(|| self.pending.item(base)) {
            return row
                .map(|bytes| Ok(row::meta(bytes, key)?.into_owned()))
                .transpose();
        }
        if let Some(header) = self.headers.get(base) {
            return Ok(header.clone());
        }
        let stored = self.committed.get(base).map_err(TableError::backend)?;
        let header = stored
            .map(|bytes| Ok::<_, TableError>(row::meta(bytes.value(), key)?.into_owned()))
            .transpose()?;
        self.headers.insert(base.to_vec(), header.clone());
        Ok(header)
    }

    /// Whether the item now under `key` satisfies `condition` (its header is enough).
    fn holds(&mut self, key: &Key, condition: &Condition, now: u64) -> Result<bool, TableError> {
        if matches!(condition, Condition::None) {
            return Ok(true);
        }
        let header = self.header(&base_key(key), key)?;
        Ok(holds(condition, header.as_ref(), now))
    }

    /// The index entries of the row now under `base`.
    fn index_entries(
        &mut self,
        base: &[u8],
        key: &Key,
    ) -> Result<[IndexEntry; row::INDEXES], TableError> {
        Ok(self
            .header(base, key)?
            .map_or_else(Default::default, |header| {
                header.index_entries.map(|entry| entry.map(Cow::into_owned))
            }))
    }

    fn remove(&mut self, key: &Key) -> Result<(), TableError> {
        let base = base_key(key);
        let entries = self.index_entries(&base, key)?;
        for (position, entry) in entries.into_iter().enumerate() {
            if let Some(entry) = entry {
                self.changes.delete_entry(position, entry);
            }
        }
        self.changes.delete_item(base);
        Ok(())
    }

    /// Store the row in place of any before it, and bring the indexes in step: an entry the
    /// old row had and the new one has too is left as it is (an update that keeps an item's
    /// index keys, the common case, touches no index at all).
    fn put(&mut self, put: Prepared) -> Result<(), TableError> {
        let old = self.index_entries(&put.base, &put.key)?;
        for (position, (old, new)) in old.into_iter().zip(put.index_entries).enumerate() {
            if old == new {
                continue;
            }
            if let Some(old) = old {
                self.changes.delete_entry(position, old);
            }
            if let Some(new) = new {
                self.changes.put_entry(position, new, put.base.clone());
            }
        }
        self.changes.put_item(put.base, put.bytes);
        Ok(())
    }
}

/// An item's entry in one global index, if it is in it.
type IndexEntry = Option<Vec<u8>>;

/// An item ready to store: its key, its bytes and its index entries, computed before the
/// transaction is touched (so an item that cannot be stored leaves no trace).
struct Prepared {
    key: Key,
    base: Vec<u8>,
    bytes: Vec<u8>,
    index_entries: Vec<IndexEntry>,
}

/// The attributes a row's key and header come from.
const ROW_ATTRIBUTES: [&str; 4 + 2 * GLOBAL_INDEXES.len()] = [
    PARTITION_KEY,
    SORT_KEY,
    TTL_ATTRIBUTE,
    VERSION_ATTRIBUTE,
    GLOBAL_INDEXES[0].partition_key,
    GLOBAL_INDEXES[0].sort_key,
    GLOBAL_INDEXES[1].partition_key,
    GLOBAL_INDEXES[1].sort_key,
];

impl Prepared {
    fn put(item: &Item) -> Result<Self, TableError> {
        Self::new(|name| item.get(name), |out| compact::encode(item, out))
    }

    /// [`Prepared::put`] of the item whose compact form is `item`: stored as it is, its key and
    /// header read from the few attributes that hold them.
    fn put_compact(item: &[u8]) -> Result<Self, TableError> {
        let found = compact::attributes(item, ROW_ATTRIBUTES)?;
        let attribute = |name: &str| {
            let at = ROW_ATTRIBUTES.iter().position(|n| *n == name)?;
            found[at].as_ref()
        };
        Self::new(attribute, |out| out.extend_from_slice(item))
    }

    /// The row of the item whose attributes by name are `attribute` (asked only for
    /// [`ROW_ATTRIBUTES`]), its compact form written by `body`.
    fn new<'v>(
        attribute: impl Fn(&str) -> Option<&'v Value>,
        body: impl FnOnce(&mut Vec<u8>),
    ) -> Result<Self, TableError> {
        let key = key_of(attribute(PARTITION_KEY), attribute(SORT_KEY))?;
        let index_entries: Vec<IndexEntry> = GLOBAL_INDEXES
            .iter()
            .map(|index| index_entry(index, &attribute, &key))
            .collect::<Result<_, _>>()?;
        let mut bytes = row::header(
            ttl_seconds(attribute(TTL_ATTRIBUTE)),
            unsigned_of(attribute(VERSION_ATTRIBUTE)),
            &index_entries,
        )?;
        body(&mut bytes);
        Ok(Prepared {
            base: base_key(&key),
            bytes,
            index_entries,
            key,
        })
    }

    /// A row as stored (from the log), its index entries read from its header.
    fn stored(key: Key, bytes: Vec<u8>) -> Result<Self, TableError> {
        let index_entries = row::meta(&bytes, &key)?
            .index_entries
            .iter()
            .map(|entry| entry.as_ref().map(|entry| entry.to_vec()))
            .collect();
        Ok(Prepared {
            base: base_key(&key),
            bytes,
            index_entries,
            key,
        })
    }
}

/// One request's operations: every condition checked first, then all applied. The inner result
/// is the request's own outcome; the outer one a storage failure that spoils the whole group
/// (its changes are then dropped).
fn apply(
    stage: &mut Stage<'_>,
    batch: &mut Batch,
    now: u64,
    record: &mut Record,
) -> Result<Result<(), TableError>, TableError> {
    let mut failed = Vec::new();
    for (position, op) in batch.ops.iter().enumerate() {
        let condition = match op {
            WriteOp::Put { condition, .. }
            | WriteOp::PutCompact { condition, .. }
            | WriteOp::Delete { condition, .. }
            | WriteOp::Check { condition, .. } => condition,
        };
        let key = match op.key() {
            Ok(key) => key,
            Err(error) => return Ok(Err(error)),
        };
        if !stage.holds(&key, condition, now)? {
            failed.push(position);
        }
    }
    if !failed.is_empty() {
        return Ok(Err(TableError::Conflict(Conflict { failed })));
    }
    // (Each batch is applied once: its encoded items are taken, not copied.)
    let prepared = match std::mem::replace(&mut batch.prepared, Ok(Vec::new())) {
        Ok(prepared) => prepared,
        Err(error) => return Ok(Err(error)),
    };
    for (op, prepared) in batch.ops.iter().zip(prepared) {
        match (op, prepared) {
            (WriteOp::Put { .. } | WriteOp::PutCompact { .. }, Some(put)) => {
                record.put(&put.key, &put.bytes);
                stage.put(put)?;
            }
            (WriteOp::Delete { key, .. }, _) => {
                stage.remove(key)?;
                record.delete(key);
            }
            _ => {}
        }
    }
    Ok(Ok(()))
}

/// One page of `query`, each row turned into a `T` by `visible` (`None`: expired, skipped):
/// the last committed snapshot's rows merged with the overlay's, which win.
fn read_query<T>(
    db: &Database,
    overlay: &RwLock<Overlay>,
    query: &Query,
    visible: impl Fn(&[u8], u64) -> Result<Option<T>, TableError>,
) -> Result<(Vec<T>, Option<Cursor>), TableError> {
    query.validate()?;
    let now = now_epoch_seconds();
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
        return Ok((Vec::new(), None));
    }
    let limit = query.limit.map_or(DEFAULT_PAGE, |l| l as usize);

    // Held until the page is read: the writer cannot empty the overlay meanwhile (it may commit
    // the overlay's groups to redb; their rows are then in both with the same values).
    let overlay = read(overlay);
    let txn = db.begin_read().map_err(TableError::backend)?;
    let items = txn.open_table(ITEMS).map_err(TableError::backend)?;
    let scanned = txn
        .open_table(table_of(query.index))
        .map_err(TableError::backend)?;
    let range = scanned
        .range(low.as_slice()..high.as_slice())
        .map_err(TableError::backend)?;
    let pending = overlay.range(query.index, &low, &high);
    let mut rows = if query.descending {
        Merged::new(Box::new(range.rev()), Box::new(pending.rev()), true)
    } else {
        Merged::new(Box::new(range), Box::new(pending), false)
    };

    let mut found = Vec::new();
    let mut last_key: Option<Vec<u8>> = None;
    while let Some(row) = rows.next()? {
        let item = match query.index {
            Index::Base => visible(row.value(), now)?,
            Index::Gsi1 | Index::Gsi2 => match overlay.item(row.value()) {
                Some(Some(bytes)) => visible(bytes, now)?,
                Some(None) => continue,
                None => {
                    let stored = items.get(row.value()).map_err(TableError::backend)?;
                    match stored {
                        Some(bytes) => visible(bytes.value(), now)?,
                        None => continue,
                    }
                }
            },
        };
        found.extend(item);
        if found.len() == limit {
            last_key = Some(row.key().to_vec());
            break;
        }
    }
    let next = match last_key {
        Some(last) if rows.next()?.is_some() => Some(encode_cursor(&last)),
        _ => None,
    };
    Ok((found, next))
}

/// A committed row (key and value) as redb's range yields it.
type StoredRow<'a> = (
    redb::AccessGuard<'a, &'static [u8]>,
    redb::AccessGuard<'a, &'static [u8]>,
);

/// A committed range in the scan's order.
type StoredRows<'a> = Box<dyn Iterator<Item = Result<StoredRow<'a>, redb::StorageError>> + 'a>;

/// The overlay's entries in a range, in the scan's order (`None`: deleted).
type PendingRows<'o> = Box<dyn Iterator<Item = (&'o [u8], Option<&'o [u8]>)> + 'o>;

/// One row of a merged range: committed, or pending in the overlay.
enum Row<'a, 'o> {
    Stored(StoredRow<'a>),
    Pending(&'o [u8], &'o [u8]),
}

impl Row<'_, '_> {
    fn key(&self) -> &[u8] {
        match self {
            Row::Stored((key, _)) => key.value(),
            Row::Pending(key, _) => key,
        }
    }

    fn value(&self) -> &[u8] {
        match self {
            Row::Stored((_, value)) => value.value(),
            Row::Pending(_, value) => value,
        }
    }
}

/// A committed range and the overlay's entries in the same range, both in the scan's order,
/// merged: a pending entry replaces the committed row with its key, and a pending deletion
/// hides it.
struct Merged<'a, 'o> {
    stored: StoredRows<'a>,
    pending: PendingRows<'o>,
    descending: bool,
    next_stored: Option<StoredRow<'a>>,
    next_pending: Option<(&'o [u8], Option<&'o [u8]>)>,
}

impl<'a, 'o> Merged<'a, 'o> {
    fn new(stored: StoredRows<'a>, pending: PendingRows<'o>, descending: bool) -> Self {
        Merged {
            stored,
            pending,
            descending,
            next_stored: None,
            next_pending: None,
        }
    }

    /// The next row in the scan's order that is not deleted.
    fn next(&mut self) -> Result<Option<Row<'a, 'o>>, TableError> {
        loop {
            if self.next_stored.is_none() {
                self.next_stored = self
                    .stored
                    .next()
                    .transpose()
                    .map_err(TableError::backend)?;
            }
            if self.next_pending.is_none() {
                self.next_pending = self.pending.next();
            }
            let order = match (&self.next_stored, &self.next_pending) {
                (None, None) => return Ok(None),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (Some((stored, _)), Some((pending, _))) => {
                    let order = stored.value().cmp(pending);
                    if self.descending {
                        order.reverse()
                    } else {
                        order
                    }
                }
            };
            if order == Ordering::Less {
                return Ok(self.next_stored.take().map(Row::Stored));
            }
            if order == Ordering::Equal {
                // Replaced or deleted by a pending group.
                self.next_stored = None;
            }
            if let Some((key, Some(value))) = self.next_pending.take() {
                return Ok(Some(Row::Pending(key, value)));
            }
        }
    }
}

/// The row under `key`, turned into a `T` by `visible` (`None`: expired): the overlay's, or
/// else the last committed snapshot's.
fn read_get<T>(
    db: &Database,
    overlay: &RwLock<Overlay>,
    key: &Key,
    visible: impl Fn(&[u8], u64) -> Result<Option<T>, TableError>,
) -> Result<Option<T>, TableError> {
    key.validate()?;
    let base = base_key(key);
    let overlay = read(overlay);
    match overlay.item(&base) {
        Some(Some(bytes)) => return visible(bytes, now_epoch_seconds()),
        Some(None) => return Ok(None),
        None => {}
    }
    let txn = db.begin_read().map_err(TableError::backend)?;
    drop(overlay);
    let items = txn.open_table(ITEMS).map_err(TableError::backend)?;
    let found = items.get(base.as_slice()).map_err(TableError::backend)?;
    match found {
        Some(bytes) => visible(bytes.value(), now_epoch_seconds()),
        None => Ok(None),
    }
}

#[async_trait]
impl Table for EmbeddedTable {
    async fn get(&self, key: &Key) -> Result<Option<Item>, TableError> {
        read_get(&self.inner.db, &self.inner.overlay, key, row::live_item)
    }

    async fn put(&self, item: Item, condition: Condition) -> Result<(), TableError> {
        item.key()?.validate()?;
        self.write(vec![WriteOp::Put { item, condition }]).await
    }

    async fn delete(&self, key: &Key, condition: Condition) -> Result<(), TableError> {
        key.validate()?;
        let key = key.clone();
        self.write(vec![WriteOp::Delete { key, condition }]).await
    }

    async fn query(&self, query: &Query) -> Result<Page, TableError> {
        let (items, next) = read_query(&self.inner.db, &self.inner.overlay, query, row::live_item)?;
        Ok(Page { items, next })
    }

    async fn transact_write(&self, ops: Vec<WriteOp>) -> Result<(), TableError> {
        validate_transaction(&ops)?;
        self.write(ops).await
    }

    /// The row's item bytes as they are: records deserialize from them directly.
    async fn get_stored(&self, key: &Key) -> Result<Option<Stored>, TableError> {
        read_get(&self.inner.db, &self.inner.overlay, key, row::stored)
    }

    async fn query_stored(&self, query: &Query) -> Result<StoredPage, TableError> {
        let (items, next) = read_query(&self.inner.db, &self.inner.overlay, query, row::stored)?;
        Ok(StoredPage { items, next })
    }
}

#[cfg(test)]
mod embedded_contract {
    use super::*;

    async fn fresh_table() -> EmbeddedTable {
        EmbeddedTable::temporary()
    }

    tutorbridge_table::table_contract_tests!(fresh_table());

    /// The writer thread runs under the batch scheduling policy (see `schedule_as_batch`).
    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn the_writer_thread_is_scheduled_as_a_batch_thread() {
        let table = EmbeddedTable::temporary();
        // Answered by the writer: it has named itself and set its policy by now.
        table
            .put(item("USER#u1", "PROFILE", "kept"), Condition::None)
            .await
            .expect("put");
        let writers: Vec<libc::c_int> = std::fs::read_dir("/proc/self/task")
            .expect("threads")
            .filter_map(|task| {
                let task = task.ok()?;
                let comm = std::fs::read_to_string(task.path().join("comm")).ok()?;
                (comm.trim() == "table-writer")
                    .then(|| task.file_name().to_str()?.parse().ok())
                    .flatten()
            })
            .collect();
        assert!(!writers.is_empty(), "the table's writer thread is running");
        for tid in writers {
            // SAFETY: sched_getscheduler only reads the policy of the thread `tid` names.
            let policy = unsafe { libc::sched_getscheduler(tid) };
            // Another test's table may have closed its writer in between (-1).
            assert!(
                policy == libc::SCHED_BATCH || policy == -1,
                "thread {tid}: policy {policy}"
            );
        }
        drop(table);
    }

    #[tokio::test]
    async fn a_temporary_table_takes_its_folder_with_it_when_the_last_handle_goes() {
        let table = EmbeddedTable::temporary();
        let folder = table
            .inner
            .folder
            .as_ref()
            .expect("a folder")
            .path()
            .to_path_buf();
        table
            .put(item("USER#u1", "PROFILE", "kept"), Condition::None)
            .await
            .expect("put");
        assert!(folder.join("table.redb").exists());
        let other = table.clone();
        drop(table);
        assert!(folder.exists(), "another handle still uses it");
        drop(other);
        assert!(!folder.exists(), "removed with the last handle");
    }

    fn item(pk: &str, sk: &str, note: &str) -> Item {
        std::collections::HashMap::from([
            ("PK".to_string(), tutorbridge_table::Value::S(pk.into())),
            ("SK".to_string(), tutorbridge_table::Value::S(sk.into())),
            ("note".to_string(), tutorbridge_table::Value::S(note.into())),
        ])
        .into()
    }

    #[tokio::test]
    async fn a_group_commit_answers_each_request_on_its_own() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("table.redb");
        let mut writer = Writer::open(&path, DEFAULT_CACHE_BYTES).expect("open");
        let put = |pk: &str, note: &str, condition: Condition| WriteOp::Put {
            item: item(pk, "A", note),
            condition,
        };
        let unkeyed: Item = std::collections::HashMap::from([(
            "PK".to_string(),
            tutorbridge_table::Value::S("X".into()),
        )])
        .into();
        let group: Vec<Vec<WriteOp>> = vec![
            vec![put("ONE", "first", Condition::NotExists)],
            // Sees the first request's write: its condition fails, and so does its whole
            // request (the second item is not written either).
            vec![
                put("ONE", "second", Condition::NotExists),
                put("TWO", "second", Condition::None),
            ],
            vec![put("THREE", "third", Condition::None)],
            // An item without a sort key is refused before anything is written.
            vec![
                put("FOUR", "fourth", Condition::None),
                WriteOp::Put {
                    item: unkeyed,
                    condition: Condition::None,
                },
            ],
        ];
        let mut group: Vec<Batch> = group.into_iter().map(Batch::new).collect();
        let outcomes = writer.commit(group.iter_mut()).expect("committed");
        assert!(outcomes[0].is_ok());
        assert!(matches!(&outcomes[1], Err(TableError::Conflict(c)) if c.failed == vec![0]));
        assert!(outcomes[2].is_ok());
        assert!(outcomes[3].is_err() && !outcomes[3].as_ref().unwrap_err().is_conflict());
        drop(writer);
        let table = EmbeddedTable::open(&path).expect("reopen");
        let note = |pk: &'static str| {
            let table = table.clone();
            async move {
                table
                    .get(&Key::new(pk, "A"))
                    .await
                    .expect("get")
                    .and_then(|item| item.get("note").cloned())
            }
        };
        assert_eq!(
            note("ONE").await,
            Some(tutorbridge_table::Value::S("first".into()))
        );
        assert_eq!(note("TWO").await, None, "a refused request writes nothing");
        assert!(note("THREE").await.is_some());
        assert_eq!(note("FOUR").await, None, "a refused request writes nothing");
    }

    /// The `note` of the item under `pk`/`sk` as readers see it (overlay, then redb).
    fn note_of(writer: &Writer, pk: &str, sk: &str) -> Option<tutorbridge_table::Value> {
        read_get(
            &writer.db,
            &writer.overlay,
            &Key::new(pk, sk),
            row::live_item,
        )
        .expect("get")
        .and_then(|item| item.get("note").cloned())
    }

    /// Reads merge the overlay (groups durable in the log, not yet committed to redb) with the
    /// committed snapshot: a pending update replaces the committed row, a pending delete hides
    /// it, a pending index move takes the item out of its old index partition and into the new
    /// one, and pages keep their order and cursors across both; the same again once committed.
    #[test]
    fn reads_see_pending_groups_over_committed_ones() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut writer =
            Writer::open(&dir.path().join("table.redb"), DEFAULT_CACHE_BYTES).expect("open");
        let indexed = |sk: &str, note: &str, gsi: &str| {
            let mut item = item("P", sk, note);
            item.insert("GSI1PK".into(), tutorbridge_table::Value::S(gsi.into()));
            item.insert("GSI1SK".into(), tutorbridge_table::Value::S(sk.into()));
            WriteOp::Put {
                item,
                condition: Condition::None,
            }
        };
        let commit = |writer: &mut Writer, ops: Vec<WriteOp>| {
            let mut batch = [Batch::new(ops)];
            let outcomes = writer.commit(batch.iter_mut()).expect("group");
            assert!(outcomes.iter().all(Result::is_ok), "{outcomes:?}");
        };
        let first = ["1", "2", "3", "4", "5", "6"]
            .map(|sk| indexed(sk, "old", "G#A"))
            .to_vec();
        commit(&mut writer, first);
        writer.flush();
        assert_eq!(writer.pending, 0, "committed to redb");
        commit(&mut writer, vec![indexed("2", "new", "G#A")]);
        commit(
            &mut writer,
            vec![WriteOp::Delete {
                key: Key::new("P", "3"),
                condition: Condition::Exists,
            }],
        );
        commit(&mut writer, vec![indexed("4", "moved", "G#B")]);
        commit(&mut writer, vec![indexed("7", "new", "G#A")]);
        assert_eq!(writer.pending, 4, "in the overlay only");

        let notes = |writer: &Writer, query: Query| {
            let mut all = Vec::new();
            let mut cursor = None;
            loop {
                let page = query.clone().limit(2).after(cursor);
                let (items, next) =
                    read_query(&writer.db, &writer.overlay, &page, row::live_item).expect("page");
                all.extend(items.into_iter().map(|item| {
                    let sk = item.get("SK").cloned();
                    let note = item.get("note").cloned();
                    match (sk, note) {
                        (
                            Some(tutorbridge_table::Value::S(sk)),
                            Some(tutorbridge_table::Value::S(note)),
                        ) => format!("{sk}:{note}"),
                        other => panic!("{other:?}"),
                    }
                }));
                match next {
                    Some(next) => cursor = Some(next),
                    None => return all,
                }
            }
        };
        let expected = ["1:old", "2:new", "4:moved", "5:old", "6:old", "7:new"];
        for round in ["pending", "committed"] {
            let base = Query::partition(Index::Base, "P");
            assert_eq!(notes(&writer, base.clone()), expected, "{round}");
            let mut reversed = expected.to_vec();
            reversed.reverse();
            assert_eq!(notes(&writer, base.descending()), reversed, "{round}");
            let gsi = notes(&writer, Query::partition(Index::Gsi1, "G#A"));
            assert_eq!(
                gsi,
                ["1:old", "2:new", "5:old", "6:old", "7:new"],
                "{round}"
            );
            let moved = notes(&writer, Query::partition(Index::Gsi1, "G#B"));
            assert_eq!(moved, ["4:moved"], "{round}");
            assert_eq!(note_of(&writer, "P", "3"), None, "{round}: deleted");
            assert_eq!(
                note_of(&writer, "P", "2"),
                Some(tutorbridge_table::Value::S("new".into())),
                "{round}"
            );
            writer.flush();
            assert_eq!(writer.pending, 0);
        }
        // A group of any size waits in the overlay, and a key changed by several pending
        // groups reaches redb once, with its latest value; an index entry made and removed
        // while pending never reaches it.
        commit(&mut writer, vec![indexed("8", "first", "G#C")]);
        commit(&mut writer, vec![indexed("8", "second", "G#D")]);
        let mut large: Vec<Batch> = (0..4)
            .map(|n| Batch::new(vec![indexed(&format!("9{n}"), "new", "G#A")]))
            .collect();
        let outcomes = writer.commit(large.iter_mut()).expect("group");
        assert!(outcomes.iter().all(Result::is_ok));
        assert_eq!(writer.pending, 3, "pending, large or not");
        writer.flush();
        let committed = notes(&writer, Query::partition(Index::Base, "P"));
        assert_eq!(committed.len(), expected.len() + 1 + 4);
        assert!(notes(&writer, Query::partition(Index::Gsi1, "G#C")).is_empty());
        assert_eq!(
            notes(&writer, Query::partition(Index::Gsi1, "G#D")),
            ["8:second"]
        );
        let snapshot = writer.db.begin_read().expect("read");
        let gsi = snapshot.open_table(GSI_TABLES[0]).expect("gsi1");
        let stale = gsi
            .range(b"G#C".as_slice()..b"G#D".as_slice())
            .expect("range")
            .count();
        assert_eq!(
            stale, 0,
            "the entry made and moved while pending is not in redb"
        );
        drop((gsi, snapshot));
        // With nothing pending before it, a large group waits in the overlay too.
        assert_eq!(writer.pending, 0);
        let mut large: Vec<Batch> = (0..MAX_GROUP)
            .map(|n| Batch::new(vec![indexed(&format!("L{n:03}"), "large", "G#E")]))
            .collect();
        let outcomes = writer.commit(large.iter_mut()).expect("group");
        assert!(outcomes.iter().all(Result::is_ok));
        assert_eq!(writer.pending, 1, "held in the overlay");
        assert!(
            read(&writer.overlay)
                .item(&base_key(&Key::new("P", "L000")))
                .is_some()
        );
        let pending = notes(&writer, Query::partition(Index::Gsi1, "G#E"));
        assert_eq!(pending.len(), MAX_GROUP);
    }

    /// Between a commit and the overlay emptied after it, a row is in both with the same
    /// value: the commit stores each key's latest value from the overlay, so a key changed by
    /// several pending groups (updated, deleted, written again) reads the same from either.
    #[test]
    fn between_a_commit_and_the_overlay_emptied_reads_see_the_latest_values() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut writer =
            Writer::open(&dir.path().join("table.redb"), DEFAULT_CACHE_BYTES).expect("open");
        writer.keep_overlay_after_commit = true;
        let put = |sk: &str, note: &str| {
            Batch::new(vec![WriteOp::Put {
                item: item("K", sk, note),
                condition: Condition::None,
            }])
        };
        let delete = |sk: &str| {
            Batch::new(vec![WriteOp::Delete {
                key: Key::new("K", sk),
                condition: Condition::Exists,
            }])
        };
        let groups = [
            vec![put("A", "first"), put("B", "first")],
            vec![put("A", "second")],
            vec![delete("B")],
            vec![put("A", "third"), delete("A"), put("A", "fourth")],
        ];
        for mut group in groups {
            let outcomes = writer.commit(group.iter_mut()).expect("group");
            assert!(outcomes.iter().all(Result::is_ok), "{outcomes:?}");
        }
        assert_eq!(writer.pending, 4, "pending in the overlay");
        writer.flush();
        assert_eq!(writer.pending, 0, "committed");
        for (place, overlay) in [("both", true), ("redb", false)] {
            if !overlay {
                std::mem::take(&mut *write(&writer.overlay));
            }
            assert_eq!(
                note_of(&writer, "K", "A"),
                Some(tutorbridge_table::Value::S("fourth".into())),
                "{place}"
            );
            assert_eq!(note_of(&writer, "K", "B"), None, "{place}");
        }
    }

    /// Read-your-writes while groups go into the overlay and commits take them out: each
    /// writer reads back every write as soon as it is acknowledged, by key and in a query of
    /// its partition, from threads running beside the writer's commits.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn every_acknowledged_write_is_read_back_at_once_while_commits_run() {
        let table = EmbeddedTable::temporary();
        let writers = (0..8).map(|writer| {
            let table = table.clone();
            tokio::spawn(async move {
                let partition = format!("RYW#{writer}");
                for round in 0..150u32 {
                    let sk = format!("R#{round:04}");
                    let put = table.put(item(&partition, &sk, "x"), Condition::NotExists);
                    put.await.expect("acknowledged");
                    let key = Key::new(partition.clone(), sk);
                    assert!(table.get(&key).await.expect("get").is_some(), "{key:?}");
                    let page = table
                        .query(&Query::partition(Index::Base, partition.clone()).descending())
                        .await
                        .expect("query");
                    assert_eq!(page.items.len(), round as usize + 1, "{partition}");
                    if round % 3 == 0 {
                        table
                            .delete(&key, Condition::Exists)
                            .await
                            .expect("deleted");
                        assert!(table.get(&key).await.expect("get").is_none());
                        let put = table.put(item(&key.pk, &key.sk, "y"), Condition::NotExists);
                        put.await.expect("written again");
                    }
                }
            })
        });
        for writer in writers {
            writer.await.expect("writer");
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_writers_share_commits_and_every_acknowledged_write_is_durable() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("table.redb");
        let table = EmbeddedTable::open(&path).expect("open");
        let writers = (0..64).map(|writer| {
            let table = table.clone();
            tokio::spawn(async move {
                let mut won = 0;
                for round in 0..20 {
                    let mine = table
                        .put(
                            item(&format!("W#{writer}"), &format!("R#{round}"), "x"),
                            Condition::NotExists,
                        )
                        .await;
                    assert!(mine.is_ok(), "{mine:?}");
                    // Every writer races for the same slot of this round: one wins.
                    if table
                        .put(
                            item("RACE", &format!("R#{round}"), &writer.to_string()),
                            Condition::NotExists,
                        )
                        .await
                        .is_ok()
                    {
                        won += 1;
                    }
                }
                won
            })
        });
        let mut wins = 0;
        for writer in writers {
            wins += writer.await.expect("writer");
        }
        assert_eq!(wins, 20, "exactly one winner per round");
        drop(table);
        let reopened = EmbeddedTable::open(&path).expect("reopen after the last handle");
        for writer in 0..64 {
            let page = reopened
                .query(&Query::partition(Index::Base, format!("W#{writer}")))
                .await
                .expect("query");
            assert_eq!(page.items.len(), 20);
        }
    }

    /// The table's files copied while it is open and idle: what a crash (the process killed)
    /// leaves on disk.
    fn crash_image(path: &Path) -> (tempfile::TempDir, std::path::PathBuf) {
        let image = tempfile::tempdir().expect("tempdir");
        let copy = image.path().join("table.redb");
        std::fs::copy(path, &copy).expect("copy the table file");
        std::fs::copy(Log::path(path), Log::path(&copy)).expect("copy the log");
        (image, copy)
    }

    /// Whether the table file alone (without its log) holds `key`.
    fn file_holds(path: &Path, key: &Key) -> bool {
        let db = Database::open(path).expect("the file opens");
        let txn = db.begin_read().expect("read");
        let items = txn.open_table(ITEMS).expect("items");
        items.get(base_key(key).as_slice()).expect("get").is_some()
    }

    /// A log that cannot be applied (a row it holds does not decode) fails the open and leaves
    /// the file as it was: opening again fails the same way, instead of finding the log's groups
    /// marked as held (and the ones after the bad row lost).
    #[test]
    fn a_failed_recovery_leaves_the_log_to_replay() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("table.redb");
        drop(Writer::open(&path, DEFAULT_CACHE_BYTES).expect("create"));
        let id = {
            let db = Database::open(&path).expect("the file opens");
            let txn = db.begin_read().expect("read");
            let meta = txn.open_table(META).expect("meta");
            meta.get(ID).expect("get").expect("an id").value()
        };
        let (mut log, groups) = Log::open(&Log::path(&path), id, 0).expect("log");
        assert!(groups.is_empty(), "a clean close leaves nothing to replay");
        let good = Prepared::put(&item("K", "A", "fine")).expect("row");
        let mut record = Record::default();
        record.put(&good.key, &good.bytes);
        log.append(&mut record).expect("logged");
        let mut bad = Record::default();
        bad.put(&Key::new("K", "B"), &[9, 9, 9]);
        log.append(&mut bad).expect("logged");
        drop(log);
        for attempt in 0..2 {
            assert!(
                Writer::open(&path, DEFAULT_CACHE_BYTES).is_err(),
                "open {attempt} fails on the bad row"
            );
        }
        assert!(
            !file_holds(&path, &Key::new("K", "A")),
            "nothing checkpointed"
        );
    }

    #[tokio::test]
    async fn after_a_crash_the_log_gives_back_every_acknowledged_write() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("table.redb");
        let table = EmbeddedTable::open(&path).expect("open");
        let key = |n: u32| Key::new(format!("C#{n}"), "A");
        for n in 0..10 {
            let put = table.put(item(&key(n).pk, "A", "x"), Condition::NotExists);
            put.await.expect("acknowledged");
        }
        table
            .delete(&key(0), Condition::Exists)
            .await
            .expect("deleted");
        let (_image, copy) = crash_image(&path);
        // The file is still at its last checkpoint: the writes are only in the log.
        assert!(!file_holds(&copy, &key(5)));
        let recovered = EmbeddedTable::open(&copy).expect("recovered");
        for n in 1..10 {
            assert!(
                recovered.get(&key(n)).await.expect("get").is_some(),
                "C#{n}"
            );
        }
        assert!(recovered.get(&key(0)).await.expect("get").is_none());
        // The indexes were rebuilt with the items: a query finds what a get finds.
        let page = recovered
            .query(&Query::partition(Index::Base, key(7).pk))
            .await
            .expect("query");
        assert_eq!(page.items.len(), 1);
        drop(table);
    }

    #[tokio::test]
    async fn a_checkpoint_writes_the_logged_groups_into_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("table.redb");
        let table = EmbeddedTable::open(&path).expect("open");
        let key = |n: u32| Key::new(format!("BIG#{n}"), "A");
        let note = "x".repeat(64 * 1024);
        // More than a checkpoint's worth of log, one group per put.
        let puts = log::CHECKPOINT_AT / (64 * 1024) + 2;
        for n in 0..puts as u32 {
            let put = table.put(item(&key(n).pk, "A", &note), Condition::None);
            put.await.expect("acknowledged");
        }
        let (_image, copy) = crash_image(&path);
        assert!(file_holds(&copy, &key(0)), "checkpointed into the file");
        let log_bytes = std::fs::metadata(Log::path(&path)).expect("log").len();
        assert!(
            log_bytes <= log::CHECKPOINT_AT + 2 * 64 * 1024,
            "{log_bytes}"
        );
        let recovered = EmbeddedTable::open(&copy).expect("recovered");
        for n in 0..puts as u32 {
            assert!(recovered.get(&key(n)).await.expect("get").is_some());
        }
        drop(table);
    }

    #[tokio::test]
    async fn a_new_table_file_ignores_the_log_of_a_deleted_one() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("table.redb");
        let key = Key::new("OLD#1", "A");
        {
            let table = EmbeddedTable::open(&path).expect("open");
            let put = table.put(item(&key.pk, "A", "x"), Condition::None);
            put.await.expect("acknowledged");
        }
        // Reset by deleting the table file alone: its log stays behind, full of old groups.
        std::fs::remove_file(&path).expect("deleted");
        assert!(Log::path(&path).exists());
        let fresh = EmbeddedTable::open(&path).expect("a new table");
        assert!(
            fresh.get(&key).await.expect("get").is_none(),
            "nothing comes back"
        );
    }

    #[tokio::test]
    async fn items_survive_reopening_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("table.redb");
        let key = Key::new("USER#1", "PROFILE");
        {
            let table = EmbeddedTable::open(&path).expect("open");
            let item = item(&key.pk, &key.sk, "x");
            table.put(item, Condition::NotExists).await.expect("put");
        }
        let reopened = EmbeddedTable::open(&path).expect("reopen");
        assert!(reopened.get(&key).await.expect("get").is_some());
    }
}
