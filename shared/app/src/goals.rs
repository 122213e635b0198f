//! Learning goals: set, list and change them. Progress is counted by practice completions
//! (see `tutorbridge_domain::practice::Goal`); this service needs no AI.

use tutorbridge_domain::practice::{GOAL_TARGET_RANGE, Goal, GoalId, GoalStatus, SubjectSlug};
use tutorbridge_domain::{Access, Caller, UserId};
use tutorbridge_table::Condition;

use crate::access::AccessService;
use crate::keys;
use crate::practice::{resolve_subject, store};
use crate::records::{Record, read};
use crate::{AppError, Ports};

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
    /// practice; `Invalid` for a target or topics out of range.
    pub async fn create(
        &self,
        caller: &Caller,
        student: &UserId,
        goal: NewGoal,
    ) -> Result<Goal, AppError> {
        let store = &self.ports.store;
        let (allowed, subjects) = tokio::join!(
            self.access.authorize(caller, student, Access::Write),
            store::subject_list(store),
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
        let goal = Goal {
            goal_id: GoalId::parse(&self.ports.ids.lower())?,
            student: student.clone(),
            subject,
            topics: goal.topics,
            target: goal.target,
            progress: 0,
            status: GoalStatus::Active,
            created_at: self.ports.clock.now().to_string(),
            version: 1,
        };
        store.put(goal.to_item()?, Condition::NotExists).await?;
        Ok(goal)
    }

    /// A student's goals, every status.
    ///
    /// # Errors
    /// `NotFound` when the caller may not see the student.
    pub async fn list(&self, caller: &Caller, student: &UserId) -> Result<Vec<Goal>, AppError> {
        let store = &self.ports.store;
        let (allowed, goals) = tokio::join!(
            self.access.authorize(caller, student, Access::Read),
            store::goals_of_student(store, student),
        );
        allowed?;
        goals
    }

    /// Change a goal's target or archive/reactivate it.
    ///
    /// # Errors
    /// `NotFound` for an unknown goal or a student the caller may not write for; `Invalid` for
    /// a target out of range or a request to complete it; `Conflict` when it changed meanwhile.
    pub async fn update(
        &self,
        caller: &Caller,
        student: &UserId,
        goal_id: &GoalId,
        change: GoalChange,
    ) -> Result<Goal, AppError> {
        let store = &self.ports.store;
        let key = keys::goal(student, goal_id);
        let (allowed, goal) = tokio::join!(
            self.access.authorize(caller, student, Access::Write),
            read::<Goal>(store, &key),
        );
        allowed?;
        let mut goal = goal?.ok_or_else(|| AppError::NotFound(format!("no goal '{goal_id}'")))?;
        let version = goal.version;
        if let Some(target) = change.target {
            check_target(target)?;
            goal.target = target;
        }
        match change.status {
            Some(GoalStatus::Completed) => {
                return Err(AppError::Invalid(
                    "goals complete by practice, not by request".into(),
                ));
            }
            Some(status) => goal.status = status,
            None => {}
        }
        goal.settle();
        goal.version += 1;
        store
            .put(goal.to_item()?, Condition::VersionEquals(version))
            .await?;
        Ok(goal)
    }
}
