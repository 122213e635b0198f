//! Per-user budgets on AI-backed routes: at most `per_minute` requests in a UTC minute and
//! `per_day` in a UTC day. The counters are read in the route's first round trip (with its other
//! reads) and written in its transaction (versioned), so a budget costs no extra round trip;
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

/// One window's counter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Counter {
    user: UserId,
    /// `MIN` or `DAY`.
    window: String,
    /// `YYYYMMDDHHMM` or `YYYYMMDD` (UTC).
    start: String,
    count: u32,
    /// Seconds since the epoch when the window is over.
    ends_at: u64,
    version: u64,
}

impl Record for Counter {
    const ENTITY: &'static str = entity::QUOTA;

    fn key(&self) -> Key {
        keys::quota(&self.user, &self.window, &self.start)
    }

    fn expires_at(&self) -> Option<u64> {
        // Kept a window past its end, then the table removes it.
        Some(self.ends_at + (self.ends_at - self.window_start_seconds()))
    }
}

impl Counter {
    fn window_start_seconds(&self) -> u64 {
        match self.window.as_str() {
            "MIN" => self.ends_at - 60,
            _ => self.ends_at - 86_400,
        }
    }
}

/// A user's usage in the current minute and day, read in one parallel round.
#[derive(Debug, Clone)]
pub struct Usage {
    settings: QuotaSettings,
    now: u64,
    minute: Counter,
    day: Counter,
}

/// Read `user`'s counters for the windows containing `now` (two reads, in parallel).
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
    let minute_start = utc.strftime("%Y%m%d%H%M").to_string();
    let day_start = utc.strftime("%Y%m%d").to_string();
    let blank = |window: &str, start: &str, ends_at: u64| Counter {
        user: user.clone(),
        window: window.into(),
        start: start.into(),
        count: 0,
        ends_at,
        version: 0,
    };
    let minute_blank = blank("MIN", &minute_start, seconds - seconds % 60 + 60);
    let day_blank = blank("DAY", &day_start, seconds - seconds % 86_400 + 86_400);
    let (minute_key, day_key) = (minute_blank.key(), day_blank.key());
    let (minute, day) = tokio::join!(
        read::<Counter>(store, &minute_key),
        read::<Counter>(store, &day_key),
    );
    Ok(Usage {
        settings,
        now: seconds,
        minute: minute?.unwrap_or(minute_blank),
        day: day?.unwrap_or(day_blank),
    })
}

impl Usage {
    /// `RateLimited` (with the seconds until the exhausted window ends) when a budget is spent.
    ///
    /// # Errors
    /// As said.
    pub fn check(&self) -> Result<(), AppError> {
        for (counter, limit, what) in [
            (&self.minute, self.settings.per_minute, "a minute"),
            (&self.day, self.settings.per_day, "a day"),
        ] {
            if counter.count >= limit {
                return Err(AppError::RateLimited {
                    detail: format!("at most {limit} AI-backed requests {what}; try again later"),
                    retry_after: counter.ends_at.saturating_sub(self.now).max(1),
                });
            }
        }
        Ok(())
    }

    /// The writes that count this request (versioned: a concurrent request of the same user
    /// makes one of the transactions fail, never both count as one).
    ///
    /// # Errors
    /// When a counter cannot be encoded.
    pub fn charge(&self) -> Result<Vec<WriteOp>, AppError> {
        [&self.minute, &self.day]
            .into_iter()
            .map(|counter| {
                let mut next = counter.clone();
                next.count += 1;
                next.version += 1;
                next.put(versioned(counter.version))
            })
            .collect()
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
