//! Tutor overrides: a student's tutor (or an admin) sets a rating, a goal's progress, or
//! retires or re-grades a bank item, with a reason. Each change and its audit entry are one
//! transaction guarded by the record's version, so a concurrent practice completion is never
//! lost (the override re-reads and applies on top of it).

use serde::Deserialize;
use tutorbridge_domain::bank::{ItemId, Review, difficulty_of_label};
use tutorbridge_domain::learner::{constants::BOUND, display_rating};
use tutorbridge_domain::practice::{GoalId, SubjectSlug};
use tutorbridge_domain::{Caller, UserId};
use tutorbridge_table::{Condition, TableError, WriteOp};

use super::may_override;
use crate::access::AccessService;
use crate::people::AuditEntry;
use crate::people::store::{AuditScope, audit_page};
use crate::practice::store::{bank_item, goal_sets_of_student, rating_of};
use crate::records::{Record, versioned};
use crate::{AppError, Ports};

/// Every override's audit action starts so.
pub const ACTION_PREFIX: &str = "override.";
/// Longest reason.
pub const MAX_REASON_CHARS: usize = 500;
/// Reads and writes an override makes when completions keep changing the record.
const MAX_WRITE_ATTEMPTS: u32 = 5;
/// Overrides listed.
pub const MAX_LISTED: u32 = 100;

/// What a tutor changes.
#[derive(Debug, Clone, PartialEq, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Change {
    /// Set the student's display rating in a subject (400-2000).
    Rating {
        #[schema(value_type = String)]
        subject: SubjectSlug,
        #[schema(minimum = 400, maximum = 2000)]
        rating: u32,
    },
    /// Set a goal's progress (it completes at its target).
    GoalProgress {
        #[schema(value_type = String)]
        goal_id: GoalId,
        progress: u32,
    },
    /// Retire a bank item: it is never assigned again.
    RetireItem {
        #[schema(value_type = String)]
        item_id: ItemId,
    },
    /// Set a bank item's difficulty to a 1-10 label.
    ItemDifficulty {
        #[schema(value_type = String)]
        item_id: ItemId,
        #[schema(minimum = 1, maximum = 10)]
        difficulty_label: u8,
    },
}

/// `POST /students/{id}/overrides`.
#[derive(Debug, Clone, PartialEq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Override {
    pub change: Change,
    /// Why (required; shown in the audit trail).
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
}

/// Overrides.
#[derive(Clone)]
pub struct OverrideService {
    ports: Ports,
    access: AccessService,
}

impl OverrideService {
    pub fn new(ports: impl Into<Ports>) -> Self {
        let ports = ports.into();
        OverrideService {
            access: AccessService::new(ports.store.clone()),
            ports,
        }
    }

    /// Apply an override and audit it, in one transaction.
    ///
    /// # Errors
    /// `Forbidden` for students and parents; `NotFound` for a tutor of someone else, or an
    /// unknown subject rating, goal or item; `Invalid` for a value out of range or a missing
    /// reason; `Conflict` when the record keeps changing.
    pub async fn apply(
        &self,
        caller: &Caller,
        student: &UserId,
        request: &Override,
    ) -> Result<AuditEntry, AppError> {
        let reason = request.reason.trim();
        if reason.is_empty() || reason.chars().count() > MAX_REASON_CHARS {
            return Err(AppError::Invalid(format!(
                "reason: 1-{MAX_REASON_CHARS} characters"
            )));
        }
        match &request.change {
            Change::Rating { rating, .. } if !(400..=2000).contains(rating) => {
                return Err(AppError::Invalid("rating: 400 to 2000".into()));
            }
            Change::ItemDifficulty {
                difficulty_label, ..
            } if !(1..=10).contains(difficulty_label) => {
                return Err(AppError::Invalid("difficulty_label: 1 to 10".into()));
            }
            _ => {}
        }
        may_override(&self.access, caller, student).await?;
        for _ in 0..MAX_WRITE_ATTEMPTS {
            let (change, action, summary) = self.change(student, &request.change).await?;
            let entry = AuditEntry {
                audit_id: self.ports.ids.lower(),
                actor: caller.user_id.clone(),
                actor_roles: caller.roles.iter().copied().collect(),
                action: format!("{ACTION_PREFIX}{action}"),
                target: student.clone(),
                summary: format!("{summary}; reason: {reason}"),
                at: self.ports.clock.now().to_string(),
            };
            match self
                .ports
                .store
                .transact_write(vec![change, entry.put(Condition::NotExists)?])
                .await
            {
                Ok(()) => {
                    tracing::info!(actor = %caller.user_id, student = %student, action = %entry.action, "override applied");
                    return Ok(entry);
                }
                // A completion changed the record meanwhile: apply on top of it.
                Err(TableError::Conflict(_)) => continue,
                Err(error) => return Err(error.into()),
            }
        }
        Err(AppError::Conflict(
            "the record keeps changing; try again".into(),
        ))
    }

    /// The versioned write of `change` (from a fresh read), its action and its summary.
    async fn change(
        &self,
        student: &UserId,
        change: &Change,
    ) -> Result<(WriteOp, &'static str, String), AppError> {
        let store = &self.ports.store;
        Ok(match change {
            Change::Rating { subject, rating } => {
                let mut record = rating_of(store, student, subject)
                    .await?
                    .ok_or_else(|| AppError::NotFound(format!("no rating in '{subject}' yet")))?;
                let before = display_rating(record.skill.value);
                let version = record.version;
                // The inverse of display_rating: 1200 + skill × 800/3.
                record.skill.value =
                    ((f64::from(*rating) - 1200.0) * 3.0 / 800.0).clamp(-BOUND, BOUND);
                record.version += 1;
                (
                    record.put(versioned(version))?,
                    "rating",
                    format!("{subject} rating {before} -> {rating}"),
                )
            }
            Change::GoalProgress { goal_id, progress } => {
                let sets = goal_sets_of_student(store, student).await?;
                let (mut set, index) = sets
                    .into_iter()
                    .find_map(|set| {
                        let index = set.set.goals.iter().position(|g| &g.goal_id == goal_id)?;
                        Some((set, index))
                    })
                    .ok_or_else(|| AppError::NotFound(format!("no goal '{goal_id}'")))?;
                let version = set.version;
                let goal = &mut set.set.goals[index];
                let before = goal.progress;
                goal.progress = *progress;
                goal.settle();
                set.version += 1;
                (
                    set.put(versioned(version))?,
                    "goal_progress",
                    format!("goal {goal_id} progress {before} -> {progress}"),
                )
            }
            Change::RetireItem { item_id } | Change::ItemDifficulty { item_id, .. } => {
                let mut record = bank_item(store, item_id)
                    .await?
                    .ok_or_else(|| AppError::NotFound(format!("no item '{item_id}'")))?;
                let version = record.version;
                record.version += 1;
                let (action, summary) = match change {
                    Change::ItemDifficulty {
                        difficulty_label, ..
                    } => {
                        record.item.difficulty = difficulty_of_label(*difficulty_label);
                        (
                            "item_difficulty",
                            format!("item {item_id} difficulty -> label {difficulty_label}"),
                        )
                    }
                    _ => {
                        record.item.review = Review::Rejected;
                        ("retire_item", format!("item {item_id} retired"))
                    }
                };
                (record.put(versioned(version))?, action, summary)
            }
        })
    }

    /// The student's overrides, newest first (at most [`MAX_LISTED`]).
    ///
    /// # Errors
    /// As [`OverrideService::apply`]'s access rules, for reading: `NotFound` unless the
    /// caller may see the student.
    pub async fn list(
        &self,
        caller: &Caller,
        student: &UserId,
    ) -> Result<Vec<AuditEntry>, AppError> {
        let store = &self.ports.store;
        let (allowed, page) = tokio::join!(
            self.access
                .authorize(caller, student, tutorbridge_domain::Access::Read),
            audit_page(store, AuditScope::Target(student), None, MAX_LISTED, None),
        );
        allowed?;
        Ok(page?
            .0
            .into_iter()
            .filter(|entry| entry.action.starts_with(ACTION_PREFIX))
            .collect())
    }
}
