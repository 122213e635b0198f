//! Nudges: who to remind, why, and when — the pure policy. A trigger says why a student may be
//! nudged (inactive for a week, a goal just completed, a summary's next step not yet practised);
//! the policy says whether to send now, later (quiet hours, in the student's own time zone, so
//! deferred rather than dropped) or not at all (cap reached, the last two nudges unopened, too
//! soon after the same trigger, nothing to send through).

use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::people::{ClockTime, NudgeSettings, QuietHours};

pub mod bandit;
pub mod templates;

crate::id::text_id!(
    /// A nudge's id: 1-64 letters and digits.
    NudgeId,
    max = 64,
    allowed = |c| c.is_ascii_alphanumeric(),
    message = "a nudge id is 1-64 letters and digits"
);

/// Why a student is nudged.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// No practice or session for [`INACTIVE_AFTER`].
    #[default]
    Inactive,
    /// A goal was completed since the last run: suggest what comes next.
    GoalCompleted,
    /// Practice items the student missed or found shaky are due for review.
    ReviewDue,
    /// The latest live session's summary set a next step not yet practised.
    SummaryNextStep,
}

/// Inactive after this long without practice or a session step.
pub const INACTIVE_AFTER: SignedDuration = SignedDuration::from_hours(7 * 24);

impl Trigger {
    /// The least time between two nudges for the same trigger ("you've been away" is not sent
    /// two days running).
    pub fn minimum_gap(self) -> SignedDuration {
        match self {
            Trigger::Inactive => SignedDuration::from_hours(7 * 24),
            Trigger::GoalCompleted => SignedDuration::from_hours(20),
            Trigger::ReviewDue => SignedDuration::from_hours(2 * 24),
            Trigger::SummaryNextStep => SignedDuration::from_hours(3 * 24),
        }
    }

    /// How long a cue for this trigger stays worth acting on (a cue the policy held back —
    /// cap, suppression, quiet hours — is tried again until then).
    pub fn lifetime(self) -> SignedDuration {
        match self {
            Trigger::Inactive => SignedDuration::from_hours(7 * 24),
            Trigger::GoalCompleted => SignedDuration::from_hours(3 * 24),
            Trigger::ReviewDue | Trigger::SummaryNextStep => SignedDuration::from_hours(7 * 24),
        }
    }

    /// Every trigger.
    pub const ALL: [Trigger; 4] = [
        Trigger::Inactive,
        Trigger::GoalCompleted,
        Trigger::ReviewDue,
        Trigger::SummaryNextStep,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Inactive => "inactive",
            Trigger::GoalCompleted => "goal_completed",
            Trigger::ReviewDue => "review_due",
            Trigger::SummaryNextStep => "summary_next_step",
        }
    }
}

/// Whether a student last active at `last_active_at` is inactive at `now`.
pub fn is_inactive(last_active_at: Timestamp, now: Timestamp) -> bool {
    now.duration_since(last_active_at) >= INACTIVE_AFTER
}

/// What has been sent to the student before.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct History {
    /// Nudges sent on the student's current local day.
    pub sent_today: u32,
    /// Whether the two latest nudges were both left unopened.
    pub last_two_unopened: bool,
    /// When each trigger last nudged the student.
    pub last_by_trigger: Vec<(Trigger, Timestamp)>,
}

/// Whom and how a nudge can reach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reach {
    pub settings: NudgeSettings,
    pub time_zone: TimeZone,
    /// The user can receive email (an address is known).
    pub has_email: bool,
    /// Erased or deactivated users are never nudged.
    pub active: bool,
}

/// The channels a nudge goes out on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Delivery {
    pub in_app: bool,
    pub email: bool,
}

/// What to do with a candidate nudge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Send(Delivery),
    /// Quiet hours: try again at this instant (the end of the quiet hours, local time).
    Defer(Timestamp),
    Skip(&'static str),
}

impl Decision {
    /// A skip that may pass (the cap, two unopened nudges, the per-trigger gap): a cue held
    /// back by one is tried again later rather than dropped.
    pub fn passes(&self) -> bool {
        matches!(
            self,
            Decision::Skip(
                "the daily cap is reached"
                    | "the last two nudges were not opened"
                    | "too soon after the same nudge"
            )
        )
    }
}

/// The policy: deactivated users, a zero cap or a reached cap, suppression after two unopened
/// nudges, the per-trigger gap, quiet hours (deferred), then the channels (email only with an
/// address and no opt-out).
pub fn decide(now: Timestamp, reach: &Reach, history: &History, trigger: Trigger) -> Decision {
    if !reach.active {
        return Decision::Skip("the user is deactivated or erased");
    }
    let cap = u32::from(reach.settings.daily_cap);
    if cap == 0 {
        return Decision::Skip("the user turned nudges off");
    }
    if history.sent_today >= cap {
        return Decision::Skip("the daily cap is reached");
    }
    if history.last_two_unopened {
        return Decision::Skip("the last two nudges were not opened");
    }
    if history
        .last_by_trigger
        .iter()
        .any(|(t, at)| *t == trigger && now.duration_since(*at) < trigger.minimum_gap())
    {
        return Decision::Skip("too soon after the same nudge");
    }
    if let Some(until) = quiet_until(now, &reach.time_zone, reach.settings.quiet_hours) {
        return Decision::Defer(until);
    }
    let delivery = Delivery {
        in_app: reach.settings.channels.in_app,
        email: reach.settings.channels.email && !reach.settings.email_opt_out && reach.has_email,
    };
    if !delivery.in_app && !delivery.email {
        return Decision::Skip("no channel reaches the user");
    }
    Decision::Send(delivery)
}

fn clock(time: Time) -> ClockTime {
    ClockTime::from_minutes(
        u16::try_from(time.hour()).unwrap_or(0) * 60 + u16::try_from(time.minute()).unwrap_or(0),
    )
}

/// When the quiet hours containing `now` end (local time in `zone`, next occurrence of the end
/// time, across DST changes), or `None` outside quiet hours.
pub fn quiet_until(now: Timestamp, zone: &TimeZone, quiet: QuietHours) -> Option<Timestamp> {
    let local = now.to_zoned(zone.clone());
    if !quiet.contains(clock(local.time())) {
        return None;
    }
    let end = Time::new(
        i8::try_from(quiet.end.minutes() / 60).unwrap_or(0),
        i8::try_from(quiet.end.minutes() % 60).unwrap_or(0),
        0,
        0,
    )
    .ok()?;
    let today: Date = local.date();
    for date in [today, today.tomorrow().ok()?] {
        let candidate = DateTime::from_parts(date, end)
            .to_zoned(zone.clone())
            .ok()?;
        if candidate.timestamp() > now {
            return Some(candidate.timestamp());
        }
    }
    None
}

/// The student's local date at `now` (`YYYY-MM-DD`): the day a daily cap and a send lock count.
pub fn local_day(now: Timestamp, zone: &TimeZone) -> String {
    now.to_zoned(zone.clone()).date().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::people::Channels;

    fn at(t: &str) -> Timestamp {
        t.parse().unwrap()
    }

    fn reach(zone: &str) -> Reach {
        Reach {
            settings: NudgeSettings::default(),
            time_zone: TimeZone::get(zone).unwrap(),
            has_email: true,
            active: true,
        }
    }

    #[test]
    fn a_week_without_practice_is_inactive() {
        let last = at("2026-11-01T10:00:00Z");
        assert!(!is_inactive(last, at("2026-11-08T09:59:59Z")));
        assert!(is_inactive(last, at("2026-11-08T10:00:00Z")));
    }

    #[test]
    fn quiet_hours_defer_to_their_local_end_across_dst() {
        // New York springs forward on 2026-03-08 at 02:00 EST → 03:00 EDT. At 01:30 EST (06:30Z)
        // the quiet hours (21:00-08:00) end at 08:00 EDT = 12:00Z: 5 h 30 min later, not 6 h 30.
        let ny = reach("America/New_York");
        assert_eq!(
            decide(
                at("2026-03-08T06:30:00Z"),
                &ny,
                &History::default(),
                Trigger::Inactive
            ),
            Decision::Defer(at("2026-03-08T12:00:00Z"))
        );
        // London falls back on 2026-10-25 at 02:00 BST → 01:00 GMT; 22:00 BST the evening before
        // (21:00Z) waits until 08:00 GMT = 08:00Z.
        let london = reach("Europe/London");
        assert_eq!(
            decide(
                at("2026-10-24T21:00:00Z"),
                &london,
                &History::default(),
                Trigger::Inactive
            ),
            Decision::Defer(at("2026-10-25T08:00:00Z"))
        );
        // Kolkata (no DST), 10:00 local = 04:30Z: not quiet.
        let kolkata = reach("Asia/Kolkata");
        assert!(matches!(
            decide(
                at("2026-03-08T04:30:00Z"),
                &kolkata,
                &History::default(),
                Trigger::Inactive
            ),
            Decision::Send(Delivery {
                in_app: true,
                email: true
            })
        ));
    }

    #[test]
    fn caps_suppression_gaps_and_channels() {
        let noon = at("2026-03-10T06:30:00Z"); // 12:00 in Kolkata
        let kolkata = reach("Asia/Kolkata");
        let sent = History {
            sent_today: 1,
            ..History::default()
        };
        assert_eq!(
            decide(noon, &kolkata, &sent, Trigger::Inactive),
            Decision::Skip("the daily cap is reached")
        );
        let ignored = History {
            last_two_unopened: true,
            ..History::default()
        };
        assert!(matches!(
            decide(noon, &kolkata, &ignored, Trigger::Inactive),
            Decision::Skip(_)
        ));
        let yesterday = History {
            last_by_trigger: vec![(Trigger::Inactive, at("2026-03-09T06:30:00Z"))],
            ..History::default()
        };
        assert_eq!(
            decide(noon, &kolkata, &yesterday, Trigger::Inactive),
            Decision::Skip("too soon after the same nudge")
        );
        // Another trigger is not held back by it.
        assert!(matches!(
            decide(noon, &kolkata, &yesterday, Trigger::GoalCompleted),
            Decision::Send(_)
        ));
        let mut opted_out = reach("Asia/Kolkata");
        opted_out.settings.email_opt_out = true;
        assert_eq!(
            decide(noon, &opted_out, &History::default(), Trigger::Inactive),
            Decision::Send(Delivery {
                in_app: true,
                email: false
            })
        );
        opted_out.settings.channels = Channels {
            in_app: false,
            email: true,
        };
        assert_eq!(
            decide(noon, &opted_out, &History::default(), Trigger::Inactive),
            Decision::Skip("no channel reaches the user")
        );
        let mut off = reach("Asia/Kolkata");
        off.settings.daily_cap = 0;
        assert!(matches!(
            decide(noon, &off, &History::default(), Trigger::Inactive),
            Decision::Skip(_)
        ));
        let mut gone = reach("Asia/Kolkata");
        gone.active = false;
        assert!(matches!(
            decide(noon, &gone, &History::default(), Trigger::Inactive),
            Decision::Skip(_)
        ));
        assert_eq!(
            local_day(at("2026-03-09T20:00:00Z"), &kolkata.time_zone),
            "2026-03-10"
        );
    }
}
