//! Reading sessions: one session, its summary, a student's list (with page tokens bound to
//! the student they list).

use std::collections::BTreeMap;

use tutorbridge_domain::tutoring::SessionId;
use tutorbridge_domain::{Access, Caller, UserId};

use super::records::{
    MisconceptionCount, SessionListEntry, SessionPage, SessionRecord, SessionSummary, SessionView,
    shown,
};
use super::{DEFAULT_PAGE, MAX_PAGE, SessionService, store};
use crate::records::{decode_page_token, encode_page_token};
use crate::{AppError, keys};

impl SessionService {
    /// A session, for its student, their tutor, their parents and admins.
    pub async fn get(&self, caller: &Caller, id: &SessionId) -> Result<SessionView, AppError> {
        let record = self.readable(caller, id).await?;
        Ok(SessionView::from(&record))
    }

    async fn readable(&self, caller: &Caller, id: &SessionId) -> Result<SessionRecord, AppError> {
        let record = self.load(id).await?;
        match self
            .access
            .authorize(caller, &record.student_id, Access::Read)
            .await
        {
            // Not the caller's to see: the session does not exist for them.
            Err(AppError::NotFound(_)) => Err(AppError::NotFound(format!(
                "no session '{id}' is visible to you"
            )))?,
            other => other?,
        }
        Ok(record)
    }

    /// What happened in a session and what to do next.
    pub async fn summary(
        &self,
        caller: &Caller,
        id: &SessionId,
    ) -> Result<SessionSummary, AppError> {
        let record = self.readable(caller, id).await?;
        let mut counts: BTreeMap<&str, u32> = BTreeMap::new();
        for label in &record.progress.evidence {
            *counts.entry(label.as_str()).or_default() += 1;
        }
        let mut seen: Vec<MisconceptionCount> = counts
            .into_iter()
            .map(|(label, count)| MisconceptionCount {
                label: label.into(),
                count,
            })
            .collect();
        seen.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.label.cmp(&b.label)));
        let guideline = &record.guideline;
        let mut suggestions = Vec::new();
        if record.progress.mastery >= tutorbridge_domain::tutoring::thresholds::COMPLETE_MASTERY {
            suggestions.push(format!(
                "Mastered for now: move on to the next subtopic of {}.",
                guideline.topic.as_str()
            ));
            suggestions.push(format!(
                "Review '{}' again in a few days so it sticks.",
                guideline.subtopic.as_str()
            ));
        } else {
            if let Some(top) = seen.first() {
                suggestions.push(format!(
                    "Work on the misconception seen most: {}.",
                    top.label
                ));
            }
            suggestions.extend(guideline.scaffolding_strategies.iter().take(2).cloned());
            suggestions.push(format!(
                "Start another session on '{}'.",
                guideline.subtopic.as_str()
            ));
        }
        Ok(SessionSummary {
            session_id: record.session_id.clone(),
            subtopic: guideline.subtopic.as_str().to_string(),
            steps_completed: record.progress.step,
            mastery: shown(record.progress.mastery),
            completed: record.progress.completed,
            misconceptions_seen: seen,
            suggestions,
        })
    }

    /// A student's sessions, newest first (one GSI1 query per page).
    ///
    /// # Errors
    /// `NotFound` when the caller may not see the student; `Invalid` for a bad cursor or limit.
    pub async fn list(
        &self,
        caller: &Caller,
        student: &UserId,
        limit: Option<u32>,
        cursor: Option<&str>,
    ) -> Result<SessionPage, AppError> {
        self.access.authorize(caller, student, Access::Read).await?;
        let limit = limit.unwrap_or(DEFAULT_PAGE);
        if !(1..=MAX_PAGE).contains(&limit) {
            return Err(AppError::Invalid(format!("limit must be 1 to {MAX_PAGE}")));
        }
        let owner = keys::user(student);
        let cursor = cursor
            .map(|token| decode_page_token(token, &owner))
            .transpose()?;
        let (records, next) =
            store::sessions_of_student(&self.ports.store, student, limit, cursor).await?;
        let sessions = records
            .into_iter()
            .map(|record| SessionListEntry::from(&record))
            .collect();
        Ok(SessionPage {
            sessions,
            next: next.map(|next| encode_page_token(&next, &owner)),
        })
    }
}
