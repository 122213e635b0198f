//! A student's standing and first attempts in a subject, for the student and the adults who
//! may see them. Needs no AI, so the function serving it never builds a tutor.

use tutorbridge_domain::learner::{Estimate, display_rating};
use tutorbridge_domain::practice::SubjectSlug;
use tutorbridge_domain::{Access, Caller, UserId};

use super::records::{AttemptRecord, Standing};
use super::store;
use crate::access::AccessService;
use crate::{AppError, Ports};

/// Practice history reads.
#[derive(Clone)]
pub struct HistoryService {
    ports: Ports,
    access: AccessService,
}

impl HistoryService {
    pub fn new(ports: impl Into<Ports>) -> Self {
        let ports = ports.into();
        HistoryService {
            access: AccessService::new(ports.store.clone()),
            ports,
        }
    }

    /// The student's standing in `subject` and their first attempts there, oldest first.
    ///
    /// One round trip for the common case (one page of attempts): the access check, the rating
    /// and the first page of attempts are read in parallel, and nothing read is returned unless
    /// the check passes. Each further page of attempts is one more.
    ///
    /// # Errors
    /// `NotFound` when the caller may not see the student.
    pub async fn practice_of(
        &self,
        caller: &Caller,
        student: &UserId,
        subject: &SubjectSlug,
    ) -> Result<(Standing, Vec<AttemptRecord>), AppError> {
        let store = &self.ports.store;
        let (allowed, rating, first_page) = tokio::join!(
            self.access.authorize(caller, student, Access::Read),
            store::rating_of(store, student, subject),
            store::attempts_of_student(store, student, subject, None),
        );
        allowed?;
        let rating = rating?;
        let (mut attempts, mut next) = first_page?;
        while let Some(cursor) = next {
            let (page, after) =
                store::attempts_of_student(store, student, subject, Some(cursor)).await?;
            attempts.extend(page);
            next = after;
        }
        let skill = rating.as_ref().map_or(Estimate::new(0.0), |r| r.skill);
        let standing = Standing {
            subject: rating
                .as_ref()
                .map_or_else(|| subject.to_string(), |r| r.subject.clone()),
            skill: skill.value,
            answers: skill.answers,
            rating: display_rating(skill.value),
            streak_days: rating.as_ref().map_or(0, |r| r.streak_days),
            xp: rating.as_ref().map_or(0, |r| r.xp),
        };
        Ok((standing, attempts))
    }
}
