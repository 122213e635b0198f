//! The Ids port: new ids and random seeds come from here, so tests name every record they will
//! find and replay every random choice.

use std::sync::atomic::{AtomicU64, Ordering};

use ulid::Ulid;

/// Where use cases get new ids and randomness.
pub trait Ids: Send + Sync {
    /// A new time-ordered id.
    fn ulid(&self) -> Ulid;

    /// A random 64-bit seed (item generation, jitter).
    fn seed(&self) -> u64;

    /// A new id in lower case (key-friendly).
    fn lower(&self) -> String {
        self.ulid().to_string().to_lowercase()
    }
}

/// ULIDs from the wall clock and the thread's random generator: production.
#[derive(Debug, Clone, Copy, Default)]
pub struct UlidIds;

impl Ids for UlidIds {
    fn ulid(&self) -> Ulid {
        Ulid::new()
    }

    fn seed(&self) -> u64 {
        Ulid::new().random() as u64
    }
}

/// Ids 1, 2, 3… (as ULIDs, still ordered) and seeds from a fixed sequence: tests.
#[derive(Debug, Default)]
pub struct SequentialIds(AtomicU64);

impl SequentialIds {
    pub fn new() -> SequentialIds {
        SequentialIds::default()
    }
}

impl Ids for SequentialIds {
    fn ulid(&self) -> Ulid {
        let n = self.0.fetch_add(1, Ordering::Relaxed) + 1;
        Ulid::from_parts(n, u128::from(n))
    }

    fn seed(&self) -> u64 {
        // splitmix64 of the counter: well spread, fully determined by the call order.
        let mut z =
            (self.0.fetch_add(1, Ordering::Relaxed) + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequential_ids_are_ordered_and_repeatable() {
        let (a, b) = (SequentialIds::new(), SequentialIds::new());
        let first = a.ulid();
        assert!(a.ulid() > first);
        assert_eq!(b.ulid(), first);
        assert_eq!(SequentialIds::new().seed(), SequentialIds::new().seed());
    }
}
