//! Per-user budgets on AI-backed routes: at most `per_minute` requests in a UTC minute and
//! `per_day` in a UTC day. The counter (one item per user and day) is read in the route's first
//! round trip (with its other reads) and written in its transaction (versioned), so a budget
//! costs one read and no extra round trip;
//! over budget is a 429 with `Retry-After`, and nothing is written.

use serde::{Deserialize, Serialize};
use tutorbridge_domain::UserId;
use tutorbridge_table::{Key, WriteOp};

use crate::keys::{self, entity};
use crate::records::{Record, read, versioned};
use crate::{AppError, Store};

/// The budgets (`TUTORBRIDGE_AI_PER_MINUTE`, `TUTORBRIDGE_AI_PER_DAY`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuotaSettings {
    pub per_minute: u32,
    pub per_day: u32,
}

impl Default for QuotaSettings {
    fn default() -> Self {
        QuotaSettings {
            per_minute: 20,
            per_day: 300,
        }
    }
}

/// A user's counter for one UTC day, with the current minute's count inside it (one item, so
/// a budget costs one read).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Counter {
    user: UserId,
    /// `YYYYMMDD` (UTC).
    day: String,
    count: u32,
    /// `YYYYMMDDHHMM` (UTC) of the minute `minute_count` counts.
    minute: String,
    minute_count: u32,
    /// Seconds since the epoch when the day is over.
    day_ends_at: u64,
    version: u64,
}

impl Record for Counter {
    const ENTITY: &'static str = entity::QUOTA;

    fn key(&self) -> Key {
        keys::quota(&self.user, &self.day)
    }

    fn expires_at(&self) -> Option<u64> {
        // Kept a day past its end, then the table removes it.
        Some(self.day_ends_at + 86_400)
    }
}

/// A user's usage in the current minute and day (one read).
#[derive(Debug, Clone)]
pub struct Usage {
    settings: QuotaSettings,
    now: u64,
    minute: String,
    counter: Counter,
}

/// Read `user`'s counter for the day containing `now` (one read).
///
/// # Errors
/// The table's.
pub async fn usage(
    store: &Store,
    user: &UserId,
    now: jiff::Timestamp,
    settings: QuotaSettings,
) -> Result<Usage, AppError> {
    let seconds = now.as_second().max(0) as u64;
    let utc = now.to_zoned(jiff::tz::TimeZone::UTC);
    let minute = utc.strftime("%Y%m%d%H%M").to_string();
    let day = utc.strftime("%Y%m%d").to_string();
    let blank = Counter {
        user: user.clone(),
        day: day.clone(),
        count: 0,
        minute: minute.clone(),
        minute_count: 0,
        day_ends_at: seconds - seconds % 86_400 + 86_400,
        version: 0,
    };
    let counter = read::<Counter>(store, &blank.key()).await?.unwrap_or(blank);
    Ok(Usage {
        settings,
        now: seconds,
        minute,
        counter,
    })
}

impl Usage {
    /// This minute's count so far (a counter from an earlier minute counts 0).
    fn this_minute(&self) -> u32 {
        if self.counter.minute == self.minute {
            self.counter.minute_count
        } else {
            0
        }
    }

    /// `RateLimited` (with the seconds until the exhausted window ends) when a budget is spent.
    ///
    /// # Errors
    /// As said.
    pub fn check(&self) -> Result<(), AppError> {
        let minute_ends = self.now - self.now % 60 + 60;
        for (count, limit, ends, what) in [
            (
                self.this_minute(),
                self.settings.per_minute,
                minute_ends,
                "a minute",
            ),
            (
                self.counter.count,
                self.settings.per_day,
                self.counter.day_ends_at,
                "a day",
            ),
        ] {
            if count >= limit {
                return Err(AppError::RateLimited {
                    detail: format!("at most {limit} AI-backed requests {what}; try again later"),
                    retry_after: ends.saturating_sub(self.now).max(1),
                });
            }
        }
        Ok(())
    }

    /// The write that counts this request (versioned: a concurrent request of the same user
    /// makes one of the transactions fail, never both count as one).
    ///
    /// # Errors
    /// When the counter cannot be encoded.
    pub fn charge(&self) -> Result<Vec<WriteOp>, AppError> {
        let mut next = self.counter.clone();
        next.minute_count = self.this_minute() + 1;
        next.minute = self.minute.clone();
        next.count += 1;
        next.version += 1;
        Ok(vec![next.put(versioned(self.counter.version))?])
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[tokio::test]
    async fn budgets_count_per_minute_and_per_day_and_say_when_to_come_back() {
        let store: Store = Arc::new(tutorbridge_embedded_table::EmbeddedTable::temporary());
        let user = UserId::parse("stu-1").unwrap();
        let settings = QuotaSettings {
            per_minute: 2,
            per_day: 3,
        };
        let at = |t: &str| t.parse::<jiff::Timestamp>().unwrap();
        for _ in 0..2 {
            let used = usage(&store, &user, at("2099-01-01T10:00:10Z"), settings)
                .await
                .unwrap();
            used.check().unwrap();
            store.transact_write(used.charge().unwrap()).await.unwrap();
        }
        let over = usage(&store, &user, at("2099-01-01T10:00:50Z"), settings)
            .await
            .unwrap();
        assert!(matches!(
            over.check(),
            Err(AppError::RateLimited {
                retry_after: 10,
                ..
            })
        ));
        let next_minute = usage(&store, &user, at("2099-01-01T10:01:00Z"), settings)
            .await
            .unwrap();
        next_minute.check().unwrap();
        store
            .transact_write(next_minute.charge().unwrap())
            .await
            .unwrap();
        let day_spent = usage(&store, &user, at("2099-01-01T10:02:00Z"), settings)
            .await
            .unwrap();
        assert!(matches!(
            day_spent.check(),
            Err(AppError::RateLimited { retry_after, .. }) if retry_after == 14 * 3600 - 120
        ));
        // A stale read cannot count twice.
        assert!(
            store
                .transact_write(used_twice(&next_minute))
                .await
                .is_err()
        );
    }

    fn used_twice(usage: &Usage) -> Vec<WriteOp> {
        usage.charge().unwrap()
    }
}
