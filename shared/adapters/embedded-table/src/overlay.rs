//! Groups that are durable in the log but not yet written into redb, as readers see them.
//!
//! A group's changes are not applied to redb one group at a time. The writer works out what
//! each group changes (rows by base key, index entries by entry key, a deletion as `None`)
//! against this overlay over redb's committed state, logs it, and adds it here (after its log
//! record is synced, before its callers are answered). Every [`MAX_PENDING`] groups,
//! [`MAX_BYTES`] of rows, after [`FLUSH_AFTER`] without a write, or at a checkpoint, it writes
//! what is here into redb in one transaction (committed in memory), in key order and each key
//! once with its latest value: a learner's rating changed by twenty completions is stored once,
//! and an index entry made and removed in between never reaches redb. One redb commit per group
//! was a quarter of the writer's CPU under load, and storing each group's rows in redb as it
//! came most of the rest (docs/measurements.md).
//!
//! Every logged group waits here, whatever its size. Earlier builds wrote a group of 3 or more
//! requests into redb at once; once the writer thread let the handlers run first (the batch
//! scheduling policy, so groups grew from ~3 to ~8 requests at 8 students), sending those
//! through the overlay too made 8 students ~25 % faster (docs/measurements.md).
//!
//! Readers look here first, then in redb's last committed snapshot. The writer empties this
//! right after the commit that takes its groups; in between, a row is here and in redb with the
//! same value, so a reader that looks here first sees every acknowledged write once, with its
//! latest value, whichever snapshot it took.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::time::Duration;

use tutorbridge_table::Index;

use crate::row;

/// Groups held here before the writer writes them into redb.
pub(crate) const MAX_PENDING: usize = 64;
/// Bytes of rows held here (overwritten ones included) before the writer writes them into redb.
pub(crate) const MAX_BYTES: usize = 512 * 1024;
/// A writer with nothing to do for this long writes what is here into redb.
pub(crate) const FLUSH_AFTER: Duration = Duration::from_millis(2);

/// One table's pending entries: key to value, `None` once deleted.
type Entries = BTreeMap<Vec<u8>, Option<Vec<u8>>>;

/// Changes not yet in redb's committed state (see the module's documentation).
#[derive(Default)]
pub(crate) struct Overlay {
    items: Entries,
    indexes: [Entries; row::INDEXES],
    bytes: usize,
}

impl Overlay {
    pub fn put_item(&mut self, base: Vec<u8>, row: Vec<u8>) {
        self.bytes += base.len() + row.len();
        self.items.insert(base, Some(row));
    }

    pub fn delete_item(&mut self, base: Vec<u8>) {
        self.bytes += base.len();
        self.items.insert(base, None);
    }

    pub fn put_entry(&mut self, index: usize, entry: Vec<u8>, base: Vec<u8>) {
        self.bytes += entry.len() + base.len();
        self.indexes[index].insert(entry, Some(base));
    }

    pub fn delete_entry(&mut self, index: usize, entry: Vec<u8>) {
        self.bytes += entry.len();
        self.indexes[index].insert(entry, None);
    }

    /// Take in a later group's changes (they win over what is here); returns about how many
    /// bytes the pending changes now hold (overwritten ones still count).
    pub fn absorb(&mut self, later: Overlay) -> usize {
        if self.bytes == 0 {
            // Nothing here (every change counts bytes): take the group's maps as they are.
            *self = later;
            return self.bytes;
        }
        self.bytes += later.bytes;
        self.items.extend(later.items);
        for (mine, theirs) in self.indexes.iter_mut().zip(later.indexes) {
            mine.extend(theirs);
        }
        self.bytes
    }

    /// The pending row under `base`: `Some(None)` when it was deleted, `None` when the
    /// committed state decides.
    pub fn item(&self, base: &[u8]) -> Option<Option<&[u8]>> {
        self.items.get(base).map(Option::as_deref)
    }

    /// The pending entries of the table `index` scans with keys in `low..high`, in key order.
    pub fn range<'o>(
        &'o self,
        index: Index,
        low: &[u8],
        high: &[u8],
    ) -> impl DoubleEndedIterator<Item = (&'o [u8], Option<&'o [u8]>)> + 'o {
        self.table(index)
            .range::<[u8], _>((Bound::Included(low), Bound::Excluded(high)))
            .map(|(key, value)| (key.as_slice(), value.as_deref()))
    }

    /// Every pending entry of the table `index` scans, in key order.
    pub fn entries(&self, index: Index) -> impl Iterator<Item = (&[u8], Option<&[u8]>)> {
        self.table(index)
            .iter()
            .map(|(key, value)| (key.as_slice(), value.as_deref()))
    }

    fn table(&self, index: Index) -> &Entries {
        match index {
            Index::Base => &self.items,
            Index::Gsi1 => &self.indexes[0],
            Index::Gsi2 => &self.indexes[1],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_changes_win_and_deletions_are_kept() {
        let mut overlay = Overlay::default();
        overlay.put_item(b"a".to_vec(), b"1".to_vec());
        overlay.put_entry(0, b"e1".to_vec(), b"a".to_vec());
        let mut later = Overlay::default();
        later.delete_item(b"a".to_vec());
        later.put_item(b"b".to_vec(), b"2".to_vec());
        later.delete_entry(0, b"e1".to_vec());
        assert!(overlay.absorb(later) > 0, "bytes held");
        assert_eq!(overlay.item(b"a"), Some(None), "deleted");
        assert_eq!(overlay.item(b"b"), Some(Some(&b"2"[..])));
        assert_eq!(overlay.item(b"c"), None, "not pending");
        let entries: Vec<_> = overlay.range(Index::Gsi1, b"e", b"f").collect();
        assert_eq!(entries, vec![(&b"e1"[..], None)]);
        let items: Vec<_> = overlay.range(Index::Base, b"a", b"z").rev().collect();
        assert_eq!(items, vec![(&b"b"[..], Some(&b"2"[..])), (&b"a"[..], None)]);
    }
}
