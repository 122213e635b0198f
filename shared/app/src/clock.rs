//! The Clock port: use cases ask it for "now", so every rule that depends on the time of day
//! (streak days, expiry, review dates) is tested at any hour in any time zone.

use std::sync::Mutex;

use jiff::Timestamp;

/// Where use cases get the current time.
pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;

    /// Milliseconds since the Unix epoch (what stored records keep).
    fn now_ms(&self) -> u64 {
        u64::try_from(self.now().as_millisecond()).unwrap_or(0)
    }
}

/// The wall clock: production and the embedded default.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// A clock that stands still until told otherwise: tests.
#[derive(Debug)]
pub struct FixedClock(Mutex<Timestamp>);

impl FixedClock {
    pub fn at(now: Timestamp) -> FixedClock {
        FixedClock(Mutex::new(now))
    }

    /// Move the clock to `now`.
    pub fn set(&self, now: Timestamp) {
        if let Ok(mut current) = self.0.lock() {
            *current = now;
        }
    }

    /// Move the clock forward.
    pub fn advance(&self, by: std::time::Duration) {
        if let Ok(mut current) = self.0.lock()
            && let Ok(later) =
                current.checked_add(jiff::SignedDuration::try_from(by).unwrap_or_default())
        {
            *current = later;
        }
    }
}

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        self.0
            .lock()
            .map(|now| *now)
            .unwrap_or(Timestamp::UNIX_EPOCH)
    }
}
