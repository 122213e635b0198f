//! Learning goals: set, list and change them. Progress is counted by practice completions
//! (see `tutorbridge_domain::practice::GoalSet`); this service needs no AI. A student's goals
//! in one subject are one item (`GOALS#<subject>`), at most 10 of them active.

use tutorbridge_domain::practice::{GOAL_TARGET_RANGE, Goal, GoalId, GoalStatus, SubjectSlug};
use tutorbridge_domain::{Access, Caller, UserId};
use tutorbridge_table::TableError;

use crate::access::AccessService;
use crate::practice::records::GoalsRecord;
use crate::practice::{resolve_subject, store};
use crate::records::{Record, versioned};
use crate::{AppError, Ports};

/// Writes of a goal set a request makes when completions keep changing it.
const MAX_WRITE_ATTEMPTS: u32 = 5;

/// Most topics a goal may name, and longest topic.
pub const MAX_GOAL_TOPICS: usize = 20;
pub const MAX_TOPIC_CHARS: usize = 80;

/// A new goal.
#[derive(Debug, Clone)]
pub struct NewGoal {
    pub subject: SubjectSlug,
    pub topics: Vec<String>,
    pub target: u32,
}

/// A change to a goal.
#[derive(Debug, Clone, Default)]
pub struct GoalChange {
    pub target: Option<u32>,
    pub status: Option<GoalStatus>,
}

fn check_target(target: u32) -> Result<(), AppError> {
    if GOAL_TARGET_RANGE.contains(&target) {
        Ok(())
    } else {
        Err(AppError::Invalid(format!(
            "target must be {} to {} correct answers",
            GOAL_TARGET_RANGE.start(),
            GOAL_TARGET_RANGE.end()
        )))
    }
}

/// Goal use cases.
#[derive(Clone)]
pub struct GoalService {
    ports: Ports,
    access: AccessService,
}

impl GoalService {
    pub fn new(ports: impl Into<Ports>) -> Self {
        let ports = ports.into();
        GoalService {
            access: AccessService::new(ports.store.clone()),
            ports,
        }
    }

    /// Set a goal for `student` (the caller themself, or a student they may write for).
    ///
    /// # Errors
    /// `NotFound` when the caller may not write for the student or the subject has no
    /// practice; `Invalid` for a target or topics out of range; `Conflict` when the subject
    /// already has [`tutorbridge_domain::practice::MAX_ACTIVE_GOALS`] active goals (or
    /// [`tutorbridge_domain::practice::MAX_GOALS`] in all).
    pub async fn create(
        &self,
        caller: &Caller,
        student: &UserId,
        goal: NewGoal,
    ) -> Result<Goal, AppError> {
        let store = &self.ports.store;
        let (allowed, subjects, existing) = tokio::join!(
            self.access.authorize(caller, student, Access::Write),
            store::subject_list(store),
            store::goals_in_subject(store, student, &goal.subject),
        );
        allowed?;
        check_target(goal.target)?;
        if goal.topics.len() > MAX_GOAL_TOPICS
            || goal
                .topics
                .iter()
                .any(|t| t.trim().is_empty() || t.chars().count() > MAX_TOPIC_CHARS)
        {
            return Err(AppError::Invalid(format!(
                "topics: at most {MAX_GOAL_TOPICS}, each 1-{MAX_TOPIC_CHARS} characters"
            )));
        }
        let subject = resolve_subject(&subjects?, &goal.subject)?;
        let new = Goal {
            goal_id: GoalId::parse(&self.ports.ids.lower())?,
            student: student.clone(),
            subject,
            topics: goal.topics,
            target: goal.target,
            progress: 0,
            status: GoalStatus::Active,
            created_at: self.ports.clock.now().to_string(),
        };
        let mut record =
            existing?.unwrap_or_else(|| GoalsRecord::empty(student.clone(), goal.subject.clone()));
        for _ in 0..MAX_WRITE_ATTEMPTS {
            let mut next = record.clone();
            next.set
                .add(new.clone())
                .map_err(|limit| AppError::Conflict(limit.to_string()))?;
            next.version += 1;
            match store.put(next.to_item()?, versioned(record.version)).await {
                Ok(()) => return Ok(new),
                // A completion credited the subject's goals meanwhile: add to what is there now.
                Err(TableError::Conflict(_)) => {
                    record = store::goals_in_subject(store, student, &goal.subject)
                        .await?
                        .unwrap_or_else(|| {
                            GoalsRecord::empty(student.clone(), goal.subject.clone())
                        });
                }
                Err(error) => return Err(error.into()),
            }
        }
        Err(AppError::Conflict(
            "the goals keep changing; try again".into(),
        ))
    }

    /// A student's goals, every status and subject.
    ///
    /// # Errors
    /// `NotFound` when the caller may not see the student.
    pub async fn list(&self, caller: &Caller, student: &UserId) -> Result<Vec<Goal>, AppError> {
        let store = &self.ports.store;
        let (allowed, sets) = tokio::join!(
            self.access.authorize(caller, student, Access::Read),
            store::goal_sets_of_student(store, student),
        );
        allowed?;
        Ok(sets?
            .into_iter()
            .flat_map(|record| record.set.goals)
            .collect())
    }

    /// Change a goal's target or archive/reactivate it.
    ///
    /// # Errors
    /// `NotFound` for an unknown goal or a student the caller may not write for; `Invalid` for
    /// a target out of range or a request to complete it; `Conflict` when reactivating would
    /// pass the active limit, or the goals keep changing.
    pub async fn update(
        &self,
        caller: &Caller,
        student: &UserId,
        goal_id: &GoalId,
        change: GoalChange,
    ) -> Result<Goal, AppError> {
        if let Some(target) = change.target {
            check_target(target)?;
        }
        if change.status == Some(GoalStatus::Completed) {
            return Err(AppError::Invalid(
                "goals complete by practice, not by request".into(),
            ));
        }
        let store = &self.ports.store;
        let (allowed, sets) = tokio::join!(
            self.access.authorize(caller, student, Access::Write),
            store::goal_sets_of_student(store, student),
        );
        allowed?;
        let mut sets = sets?;
        for _ in 0..MAX_WRITE_ATTEMPTS {
            let not_found = || AppError::NotFound(format!("no goal '{goal_id}'"));
            let (mut record, index) = sets
                .into_iter()
                .find_map(|record| {
                    let index = record
                        .set
                        .goals
                        .iter()
                        .position(|g| &g.goal_id == goal_id)?;
                    Some((record, index))
                })
                .ok_or_else(not_found)?;
            let version = record.version;
            if let Some(target) = change.target {
                record.set.goals[index].target = target;
            }
            if let Some(status) = change.status {
                record
                    .set
                    .set_status(index, status)
                    .map_err(|limit| AppError::Conflict(limit.to_string()))?;
            }
            record.set.goals[index].settle();
            record.version += 1;
            let goal = record.set.goals[index].clone();
            match store.put(record.to_item()?, versioned(version)).await {
                Ok(()) => return Ok(goal),
                Err(TableError::Conflict(_)) => {
                    sets = store::goal_sets_of_student(store, student).await?;
                }
                Err(error) => return Err(error.into()),
            }
        }
        Err(AppError::Conflict(
            "the goals keep changing; try again".into(),
        ))
    }
}
