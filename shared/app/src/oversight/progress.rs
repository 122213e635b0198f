//! The progress dashboard: a student's ratings (with their recent trend), recent sessions,
//! goals, streaks and XP, and the latest tutor overrides — in two table round trips.

use serde::Serialize;
use tutorbridge_domain::learner::display_rating;
use tutorbridge_domain::practice::{Goal, SubjectSlug};
use tutorbridge_domain::{Access, Caller, UserId};

use tutorbridge_table::{Index, Query, SortKeyCondition};

use crate::access::AccessService;
use crate::keys;
use crate::people::AuditEntry;
use crate::people::store::{AuditScope, activity_of, audit_page};
use crate::practice::store::{attempts_recent, goal_sets_of_student, rating_of, subject_list};
use crate::records::query_page;
use crate::sessions::SessionListEntry;
use crate::sessions::store::sessions_of_student;
use crate::{AppError, Ports};

/// Recent sessions shown.
const RECENT_SESSIONS: u32 = 5;
/// First attempts a subject's trend spans.
const TREND_ATTEMPTS: u32 = 10;
/// Audit entries read for the latest overrides.
const RECENT_AUDIT: u32 = 20;
/// Overrides shown.
const RECENT_OVERRIDES: usize = 5;

/// One subject on the dashboard.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SubjectProgress {
    pub subject: String,
    pub rating: u32,
    /// Rating change over the last (up to) 10 first attempts.
    pub trend: i32,
    pub answers: u32,
    pub streak_days: u32,
    pub xp: u32,
}

/// `GET /students/{id}/progress`.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Progress {
    pub student: UserId,
    pub last_active_at: Option<String>,
    /// Subjects the student has practised.
    pub subjects: Vec<SubjectProgress>,
    /// The latest sessions, newest first, with their mastery.
    pub sessions: Vec<SessionListEntry>,
    pub goals: Vec<Goal>,
    /// The latest summaries of live sessions, newest first.
    pub summaries: Vec<crate::summaries::Summary>,
    /// Questions waiting for the tutor (open threads: low confidence, escalated or unsafe),
    /// newest first.
    pub flagged_questions: Vec<FlaggedQuestion>,
    pub recent_overrides: Vec<AuditEntry>,
}

/// A question waiting for the tutor.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct FlaggedQuestion {
    #[schema(value_type = String)]
    pub qa_id: tutorbridge_domain::qa::QaId,
    pub question: String,
    pub label: Option<tutorbridge_domain::qa::ConfidenceLabel>,
    /// An unsafe question.
    pub flagged: bool,
    pub created_at: String,
}

/// Summaries and recent questions shown.
const RECENT_SUMMARIES: u32 = 3;
const RECENT_QUESTIONS: u32 = 20;

/// The dashboard.
#[derive(Clone)]
pub struct ProgressService {
    ports: Ports,
    access: AccessService,
}

impl ProgressService {
    pub fn new(ports: impl Into<Ports>) -> Self {
        let ports = ports.into();
        ProgressService {
            access: AccessService::new(ports.store.clone()),
            ports,
        }
    }

    /// The student's dashboard, for the student, their tutor and parents, and admins.
    ///
    /// Two sequential round trips: the access check, the subject list, the activity marker,
    /// goals, recent sessions, the audit trail, the latest summaries and recent questions in
    /// parallel; then, for each subject, its
    /// rating and its latest attempts in parallel. Nothing is returned unless the check passes.
    ///
    /// # Errors
    /// `NotFound` when the caller may not see the student.
    pub async fn progress(&self, caller: &Caller, student: &UserId) -> Result<Progress, AppError> {
        let store = &self.ports.store;
        let summaries_query = Query::partition(Index::Base, keys::user(student))
            .sort(SortKeyCondition::BeginsWith(keys::SUMMARIES.into()))
            .descending()
            .limit(RECENT_SUMMARIES);
        let questions_query = Query::partition(Index::Gsi1, keys::user(student))
            .sort(SortKeyCondition::BeginsWith(keys::STUDENT_QUESTIONS.into()))
            .descending()
            .limit(RECENT_QUESTIONS);
        let (allowed, subjects, activity, goals, sessions, audit, summaries, questions) = tokio::join!(
            self.access.authorize(caller, student, Access::Read),
            subject_list(store),
            activity_of(store, student),
            goal_sets_of_student(store, student),
            sessions_of_student(store, student, RECENT_SESSIONS, None),
            audit_page(store, AuditScope::Target(student), None, RECENT_AUDIT, None),
            query_page::<crate::summaries::Summary>(store, &summaries_query),
            query_page::<crate::qa::Exchange>(store, &questions_query),
        );
        allowed?;
        let slugs: Vec<(String, SubjectSlug)> = subjects?
            .into_iter()
            .filter_map(|name| SubjectSlug::parse(&name).ok().map(|slug| (name, slug)))
            .collect();
        let per_subject =
            futures_util::future::try_join_all(slugs.iter().map(|(_, slug)| async move {
                let (rating, attempts) = tokio::join!(
                    rating_of(store, student, slug),
                    attempts_recent(store, student, slug, TREND_ATTEMPTS),
                );
                Ok::<_, AppError>((rating?, attempts?))
            }))
            .await?;
        let subjects = slugs
            .into_iter()
            .zip(per_subject)
            .filter_map(|((name, _), (rating, attempts))| {
                let rating = rating?;
                let now = display_rating(rating.skill.value);
                let trend = attempts.last().map_or(0, |oldest| {
                    now as i32 - display_rating(oldest.skill_before) as i32
                });
                Some(SubjectProgress {
                    subject: name,
                    rating: now,
                    trend,
                    answers: rating.skill.answers,
                    streak_days: rating.streak_days,
                    xp: rating.xp,
                })
            })
            .collect();
        let sessions = sessions?.0.iter().map(SessionListEntry::from).collect();
        let recent_overrides = audit?
            .0
            .into_iter()
            .filter(|entry| entry.action.starts_with(super::overrides::ACTION_PREFIX))
            .take(RECENT_OVERRIDES)
            .collect();
        Ok(Progress {
            student: student.clone(),
            last_active_at: activity?.map(|a| a.last_active_at),
            subjects,
            sessions,
            goals: goals?.into_iter().flat_map(|set| set.set.goals).collect(),
            summaries: summaries?.0,
            flagged_questions: questions?
                .0
                .into_iter()
                .filter(|q| q.thread == crate::qa::ThreadStatus::Open)
                .map(|q| FlaggedQuestion {
                    qa_id: q.qa_id,
                    question: q.question,
                    label: q.label,
                    flagged: q.flagged,
                    created_at: q.created_at,
                })
                .collect(),
            recent_overrides,
        })
    }
}
