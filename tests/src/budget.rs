//! The per-user AI budget as its tests meet it: two requests a minute, on a clock that stands
//! half a minute into a minute, so the third request is refused with a retry 30 s away.

use std::sync::Arc;

use tutorbridge_app::AppError;
use tutorbridge_app::clock::FixedClock;
use tutorbridge_app::quota::QuotaSettings;

/// Two AI-backed requests a minute (and plenty a day).
pub const TWO_A_MINUTE: QuotaSettings = QuotaSettings {
    per_minute: 2,
    per_day: 300,
};

/// A clock half a minute into a minute that does not move, so no new minute starts between a
/// test's requests (on the wall clock one sometimes did). In the future, because the table
/// hides items whose time to live has passed.
pub fn mid_minute() -> Arc<FixedClock> {
    Arc::new(FixedClock::at(
        "2099-03-02T10:00:30Z".parse().expect("time"),
    ))
}

/// `outcome` is the refusal of a request over [`TWO_A_MINUTE`] at [`mid_minute`].
pub fn assert_over_budget<T: std::fmt::Debug>(outcome: &Result<T, AppError>) {
    assert!(
        matches!(
            outcome,
            Err(AppError::RateLimited {
                retry_after: 30,
                ..
            })
        ),
        "{outcome:?}"
    );
}
