//! Cues: what the practice and summary writes leave for the nudge job — a goal just completed,
//! reviews falling due, a summary's next step — each one item per student, trigger and subject,
//! listed on a sparse index by when it falls due. They are written in the transaction of the
//! write that caused them (no extra round trip) and removed when a nudge acts on them or they
//! go stale.

use serde::{Deserialize, Serialize};
use tutorbridge_domain::UserId;
use tutorbridge_domain::nudges::Trigger;
use tutorbridge_domain::practice::reviews::{ReviewCard, next_due};
use tutorbridge_table::{Condition, Key, WriteOp};

use crate::AppError;
use crate::keys::{self, entity};
use crate::records::Record;

/// The fixed form cue times are kept in (text order is time order).
pub(crate) fn stamp(at: jiff::Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A stored time (RFC 3339, any precision) in the fixed form, for comparing with stamps.
pub(crate) fn stamp_of(text: &str) -> String {
    text.parse::<jiff::Timestamp>()
        .map_or_else(|_| text.to_string(), stamp)
}

/// Something worth a nudge once it is due.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NudgeCue {
    pub student: UserId,
    pub trigger: Trigger,
    /// The subject's slug (`-` for none): one cue per student, trigger and subject.
    pub slug: String,
    /// The subject as shown.
    pub subject: Option<String>,
    pub next_step: Option<String>,
    pub streak_days: u32,
    /// Reviews due (review cues).
    pub due: u32,
    pub created_at: String,
    pub due_at: String,
    /// Given up after this (its trigger's lifetime after it first fell due; moving `due_at`
    /// to retry later does not move it).
    pub until: String,
}

impl NudgeCue {
    /// A cue due `due_at`.
    pub fn new(student: &UserId, trigger: Trigger, slug: &str, at: jiff::Timestamp) -> NudgeCue {
        NudgeCue {
            student: student.clone(),
            trigger,
            slug: slug.to_string(),
            subject: None,
            next_step: None,
            streak_days: 0,
            due: 0,
            created_at: stamp(at),
            due_at: stamp(at),
            until: stamp(at + trigger.lifetime()),
        }
    }

    /// The cue falling due at `due` instead (its lifetime counted from then).
    fn due(mut self, due: jiff::Timestamp) -> NudgeCue {
        self.due_at = stamp(due);
        self.until = stamp(due + self.trigger.lifetime());
        self
    }

    /// Whether it has gone stale at `now` (its trigger's lifetime after it fell due).
    pub fn stale(&self, now: jiff::Timestamp) -> bool {
        stamp(now) > self.until
    }
}

impl Record for NudgeCue {
    const ENTITY: &'static str = entity::NUDGE_CUE;

    fn key(&self) -> Key {
        keys::nudge_cue(&self.student, self.trigger.as_str(), &self.slug)
    }

    fn gsi2(&self) -> Option<(String, String)> {
        Some(keys::nudge_cue_entry(
            &self.due_at,
            &self.student,
            self.trigger.as_str(),
            &self.slug,
        ))
    }

    fn expires_at(&self) -> Option<u64> {
        // A backstop: the job removes stale cues itself.
        let until: jiff::Timestamp = self.until.parse().ok()?;
        u64::try_from((until + jiff::SignedDuration::from_hours(24)).as_second()).ok()
    }
}

/// The cue write for a student's review cards in a subject after they changed: due at the first
/// card's date, counting the cards due within a day of it; removed when none is left.
pub(crate) fn review_cue(
    student: &UserId,
    slug: &str,
    subject: &str,
    streak_days: u32,
    cards: &[ReviewCard],
    now: jiff::Timestamp,
) -> Result<WriteOp, AppError> {
    let Some(first) = next_due(cards) else {
        return Ok(WriteOp::Delete {
            key: keys::nudge_cue(student, Trigger::ReviewDue.as_str(), slug),
            condition: Condition::None,
        });
    };
    let due_at = jiff::Timestamp::from_millisecond(first).map_err(AppError::internal)?;
    let mut cue = NudgeCue::new(student, Trigger::ReviewDue, slug, now).due(due_at);
    cue.subject = Some(subject.to_string());
    cue.streak_days = streak_days;
    cue.due = cards
        .iter()
        .filter(|c| c.due_ms <= first + 86_400_000)
        .count() as u32;
    cue.put(Condition::None)
}

/// The cue write for a goal completed now.
pub(crate) fn goal_cue(
    student: &UserId,
    slug: &str,
    subject: &str,
    streak_days: u32,
    now: jiff::Timestamp,
) -> Result<WriteOp, AppError> {
    let mut cue = NudgeCue::new(student, Trigger::GoalCompleted, slug, now);
    cue.subject = Some(subject.to_string());
    cue.streak_days = streak_days;
    cue.put(Condition::None)
}

/// The cue write for a summary whose next step the student has not practised yet.
pub(crate) fn summary_cue(
    student: &UserId,
    slug: Option<&str>,
    subject: &str,
    next_step: &str,
    now: jiff::Timestamp,
) -> Result<WriteOp, AppError> {
    let mut cue = NudgeCue::new(student, Trigger::SummaryNextStep, slug.unwrap_or("-"), now);
    cue.subject = Some(subject.to_string());
    cue.next_step = Some(next_step.to_string());
    cue.put(Condition::None)
}
