//! The bank's candidates per subject, kept in the process for a moment.
//!
//! Every assign ranks the candidates of every difficulty band of a subject (up to
//! 5 × [`BAND_CANDIDATES`](super::BAND_CANDIDATES) items). Reading and decoding them on every
//! request was most of an assign's CPU (docs/measurements.md, "HTTP load"), yet the bank
//! changes rarely: new items, reviews and imports. So one read of the bands serves every assign
//! in the subject for [`KEPT_FOR_MS`]. A bank write made through the same [`crate::Ports`] is
//! seen at once: an item assign wrote or generated joins the kept candidates, and a review
//! decision drops them.
//!
//! What may be stale, for at most [`KEPT_FOR_MS`]: an item's difficulty (completions move it
//! without dropping the candidates; the assignment is then ranked on a difficulty a moment old,
//! while the rating update always reads the item afresh) and bank writes made elsewhere
//! (another Lambda container, an import through the admin CLI). Time is the ports' clock, so
//! tests decide when kept candidates expire.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tutorbridge_domain::bank::BankItem;
use tutorbridge_domain::practice::SubjectSlug;

use super::store;
use crate::clock::Clock;
use crate::{AppError, Store};

/// How long candidates read from the table are used before they are read again.
pub const KEPT_FOR_MS: u64 = 1000;
/// Subjects kept at most (a request naming an unknown subject keeps nothing).
const MAX_SUBJECTS: usize = 256;

/// The candidates of one subject, shared with the assigns ranking them.
pub(crate) type Candidates = Arc<Vec<Arc<BankItem>>>;

struct Kept {
    items: Candidates,
    /// How many were read (items joining later are kept up to as many again).
    read: usize,
    read_at_ms: u64,
    /// [`BankCandidates::writes`] when the read started.
    writes: u64,
}

/// Candidates per subject (shared by the clones of one [`crate::Ports`]).
#[derive(Default)]
pub struct BankCandidates {
    kept: Mutex<HashMap<SubjectSlug, Kept>>,
    /// Bank writes made through these ports.
    writes: AtomicU64,
}

impl std::fmt::Debug for BankCandidates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BankCandidates").finish_non_exhaustive()
    }
}

impl BankCandidates {
    /// Something in the bank changed: candidates kept before now are read again.
    pub(crate) fn changed(&self) {
        self.writes.fetch_add(1, Ordering::AcqRel);
    }

    /// The candidates of every difficulty band of `subject`: kept ones while they are fresh,
    /// else one parallel read of the bands (one round trip).
    pub(crate) async fn of(
        &self,
        store: &Store,
        clock: &dyn Clock,
        subject: &SubjectSlug,
    ) -> Result<Candidates, AppError> {
        let now = clock.now_ms();
        // Read before the table, so a write during the read drops what it returns.
        let writes = self.writes.load(Ordering::Acquire);
        if let Some(items) = self.fresh(subject, now, writes) {
            return Ok(items);
        }
        let items: Candidates = Arc::new(
            store::bank_bands(store, subject)
                .await?
                .into_iter()
                .map(|record| Arc::new(record.item))
                .collect(),
        );
        if !items.is_empty() {
            let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
            if kept.len() >= MAX_SUBJECTS && !kept.contains_key(subject) {
                kept.clear();
            }
            kept.insert(
                subject.clone(),
                Kept {
                    items: Arc::clone(&items),
                    read: items.len(),
                    read_at_ms: now,
                    writes,
                },
            );
        }
        Ok(items)
    }

    /// `item` was just written to `subject`'s bank through these ports: it joins the kept
    /// candidates (no read), unless as many have joined as were read (then they are read again).
    pub(crate) fn added(&self, subject: &SubjectSlug, item: &BankItem) {
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        // Under the lock, so a read that started before the write cannot keep its older result
        // as fresh.
        let before = self.writes.fetch_add(1, Ordering::AcqRel);
        let Some(entry) = kept.get_mut(subject) else {
            return;
        };
        if entry.writes != before || entry.items.len() >= 2 * entry.read.max(1) {
            kept.remove(subject);
            return;
        }
        let mut items = Vec::with_capacity(entry.items.len() + 1);
        items.extend(entry.items.iter().cloned());
        items.push(Arc::new(item.clone()));
        entry.items = Arc::new(items);
        entry.writes = before + 1;
    }

    fn fresh(&self, subject: &SubjectSlug, now: u64, writes: u64) -> Option<Candidates> {
        let kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = kept.get(subject)?;
        let age = now.checked_sub(entry.read_at_ms)?;
        (entry.writes == writes && age < KEPT_FOR_MS).then(|| Arc::clone(&entry.items))
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tutorbridge_embedded_table::EmbeddedTable;

    use super::*;
    use crate::clock::FixedClock;
    use crate::practice::import_bank;
    use crate::seed::demo_bank;

    /// An empty table, four maths items of the demo bank to import, and candidates to keep.
    struct Fixture {
        store: Store,
        clock: FixedClock,
        maths: SubjectSlug,
        items: Vec<BankItem>,
        kept: BankCandidates,
    }

    impl Fixture {
        fn new() -> Fixture {
            let items: Vec<BankItem> = demo_bank()
                .expect("demo bank")
                .into_iter()
                .filter(|item| item.subject == "Mathematics")
                .take(4)
                .collect();
            assert_eq!(items.len(), 4, "the demo bank has maths items");
            Fixture {
                store: Arc::new(EmbeddedTable::temporary()),
                clock: FixedClock::at(jiff::Timestamp::from_second(1_800_000_000).expect("time")),
                maths: SubjectSlug::parse("Mathematics").expect("slug"),
                items,
                kept: BankCandidates::default(),
            }
        }

        /// Write the first `count` items to the bank directly (as another process would).
        async fn import(&self, count: usize) {
            import_bank(&self.store, &self.items[..count])
                .await
                .expect("import");
        }

        async fn candidates(&self) -> Candidates {
            self.kept
                .of(&self.store, &self.clock, &self.maths)
                .await
                .expect("candidates")
        }
    }

    #[tokio::test]
    async fn candidates_are_kept_until_they_expire_or_the_bank_changes_through_the_ports() {
        let bank = Fixture::new();
        bank.import(1).await;
        assert_eq!(bank.candidates().await.len(), 1);

        // Written elsewhere (another process, the admin CLI): unseen while the candidates are fresh…
        bank.import(2).await;
        assert_eq!(bank.candidates().await.len(), 1);
        bank.clock.advance(Duration::from_millis(KEPT_FOR_MS - 1));
        assert_eq!(bank.candidates().await.len(), 1);
        // …and read again once they are KEPT_FOR_MS old.
        bank.clock.advance(Duration::from_millis(1));
        assert_eq!(bank.candidates().await.len(), 2);

        // A bank write through the same ports is seen at once.
        bank.import(3).await;
        bank.kept.changed();
        assert_eq!(bank.candidates().await.len(), 3);

        // A clock that went back never serves what was kept "in the future".
        bank.import(4).await;
        bank.clock
            .set(jiff::Timestamp::from_second(1_700_000_000).expect("time"));
        assert_eq!(bank.candidates().await.len(), 4);
    }

    #[tokio::test]
    async fn an_item_written_through_the_ports_joins_the_kept_candidates_without_a_read() {
        let bank = Fixture::new();
        bank.import(1).await;
        assert_eq!(bank.candidates().await.len(), 1);

        // (Not in the table: what `of` returns next can only come from what is kept.)
        bank.kept.added(&bank.maths, &bank.items[1]);
        let candidates = bank.candidates().await;
        let ids: Vec<&str> = candidates.iter().map(|item| item.id.as_str()).collect();
        assert_eq!(ids, [bank.items[0].id.as_str(), bank.items[1].id.as_str()]);

        // Items join up to as many again as were read; one more and the bank is read again.
        bank.kept.added(&bank.maths, &bank.items[2]);
        assert_eq!(bank.candidates().await.len(), 1);
    }

    #[tokio::test]
    async fn an_empty_or_unknown_subject_is_not_kept() {
        let bank = Fixture::new();
        assert!(bank.candidates().await.is_empty());
        bank.import(1).await;
        assert_eq!(bank.candidates().await.len(), 1);
    }
}
