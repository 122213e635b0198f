//! Reviewing AI-written items: tutors and admins approve or reject what the AI port wrote.
//! Needs no AI itself, so the review function never builds a tutor.

use tutorbridge_domain::bank::{BankItem, ItemId, Review};
use tutorbridge_domain::practice::SubjectSlug;
use tutorbridge_domain::{Caller, Role};
use tutorbridge_table::TableError;

use super::store;
use crate::records::{Record, versioned};
use crate::{AppError, Ports};

/// Pending items listed per review-queue request.
pub const MAX_REVIEW_PAGE: usize = 100;
/// Reads of an item a review makes when completions keep changing it.
const MAX_REVIEW_ATTEMPTS: u32 = 5;

/// The review queue and decisions.
#[derive(Clone)]
pub struct ReviewService {
    ports: Ports,
}

impl ReviewService {
    pub fn new(ports: impl Into<Ports>) -> Self {
        ReviewService {
            ports: ports.into(),
        }
    }

    /// Items waiting for review (oldest first, at most [`MAX_REVIEW_PAGE`]), in one subject or
    /// all, with their answers: for tutors and admins.
    ///
    /// # Errors
    /// `Forbidden` for students and parents.
    pub async fn queue(
        &self,
        caller: &Caller,
        subject: Option<&SubjectSlug>,
    ) -> Result<Vec<BankItem>, AppError> {
        may_review(caller)?;
        let records = store::review_queue(&self.ports.store, subject, MAX_REVIEW_PAGE).await?;
        Ok(records.into_iter().map(|record| record.item).collect())
    }

    /// Approve or reject a pending item (a rejected item is never assigned again). One read
    /// and one versioned write, re-read if a completion updated the item's difficulty meanwhile.
    ///
    /// # Errors
    /// `Forbidden` for students and parents; `Invalid` for a decision of `pending`; `NotFound`
    /// for an unknown item; `Conflict` when the item is not pending.
    pub async fn decide(
        &self,
        caller: &Caller,
        item_id: &ItemId,
        decision: Review,
    ) -> Result<BankItem, AppError> {
        may_review(caller)?;
        if decision == Review::Pending {
            return Err(AppError::Invalid(
                "a review decides: approved or rejected".into(),
            ));
        }
        let store = &self.ports.store;
        for _ in 0..MAX_REVIEW_ATTEMPTS {
            let mut record = store::bank_item(store, item_id)
                .await?
                .ok_or_else(|| AppError::NotFound(format!("no item '{item_id}'")))?;
            if record.item.review != Review::Pending {
                return Err(AppError::Conflict(format!(
                    "item '{item_id}' is not waiting for review"
                )));
            }
            let version = record.version;
            record.item.review = decision;
            record.version += 1;
            match store.put(record.to_item()?, versioned(version)).await {
                Ok(()) => {
                    self.ports.bank.changed();
                    tracing::info!(item = %item_id, reviewer = %caller.user_id, ?decision, "practice item reviewed");
                    return Ok(record.item);
                }
                Err(TableError::Conflict(_)) => continue,
                Err(error) => return Err(error.into()),
            }
        }
        Err(AppError::Conflict(
            "the item keeps changing; try again".into(),
        ))
    }
}

fn may_review(caller: &Caller) -> Result<(), AppError> {
    if caller.has(Role::Tutor) || caller.has(Role::Admin) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "only tutors and admins review practice items".into(),
        ))
    }
}
