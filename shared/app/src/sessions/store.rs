//! Sessions' access patterns: every read and query sessions make, named, in one place.

use serde::Deserialize;
use tutorbridge_domain::UserId;
use tutorbridge_domain::tutoring::SessionId;
use tutorbridge_table::{Cursor, Index, Query, SortKeyCondition};

use super::records::{SessionRecord, StoredResult};
use crate::keys;
use crate::records::{query_page, read};
use crate::{AppError, Store};

/// A session's state (one read).
pub(crate) async fn session(
    store: &Store,
    id: &SessionId,
) -> Result<Option<SessionRecord>, AppError> {
    read(store, &keys::session_state(id)).await
}

/// The stored answer to one applied step (one read).
pub(crate) async fn step_result(
    store: &Store,
    id: &SessionId,
    step: u32,
) -> Result<Option<StoredResult>, AppError> {
    read(store, &keys::session_result(id, step)).await
}

/// One page of a student's sessions, newest first (one GSI1 query).
pub(crate) async fn sessions_of_student(
    store: &Store,
    student: &UserId,
    limit: u32,
    cursor: Option<Cursor>,
) -> Result<(Vec<SessionRecord>, Option<Cursor>), AppError> {
    query_page(store, &newest_sessions(student, limit).after(cursor)).await
}

fn newest_sessions(student: &UserId, limit: u32) -> Query {
    Query::partition(Index::Gsi1, keys::user(student))
        .sort(SortKeyCondition::BeginsWith(keys::STUDENT_SESSIONS.into()))
        .descending()
        .limit(limit)
}

/// What practice needs of a session: its guideline's subject and topic.
#[derive(Debug, Deserialize)]
pub(crate) struct SessionTopic {
    pub guideline: GuidelineTopic,
}

#[derive(Debug, Deserialize)]
pub(crate) struct GuidelineTopic {
    pub subject: String,
    pub topic: String,
}

/// The subject and topic of a student's most recent session, if any (one GSI1 query, as
/// [`latest_session_of_student`], without decoding the rest of the record: the guideline's
/// text and the open question).
pub(crate) async fn latest_session_topic(
    store: &Store,
    student: &UserId,
) -> Result<Option<SessionTopic>, AppError> {
    let (sessions, _) = query_page::<SessionTopic>(store, &newest_sessions(student, 1)).await?;
    Ok(sessions.into_iter().next())
}

/// A student's most recent session, if any (one GSI1 query).
pub(crate) async fn latest_session_of_student(
    store: &Store,
    student: &UserId,
) -> Result<Option<SessionRecord>, AppError> {
    Ok(sessions_of_student(store, student, 1, None)
        .await?
        .0
        .into_iter()
        .next())
}

/// How many sessions the student created at or after `since`, counting at most `limit` (one
/// GSI1 query).
pub(crate) async fn sessions_created_since(
    store: &Store,
    student: &UserId,
    since: &str,
    limit: u32,
) -> Result<usize, AppError> {
    let (low, high) = keys::student_sessions_since(since);
    let query = Query::partition(Index::Gsi1, keys::user(student))
        .sort(SortKeyCondition::Between(low, high))
        .limit(limit);
    // Only counted: the embedded table need not decode them into attribute maps.
    Ok(store.query_stored(&query).await?.items.len())
}

/// The guideline of a student's most recent session, if any (one GSI1 query; the session keeps
/// a snapshot of it).
pub(crate) async fn latest_guideline_of_student(
    store: &Store,
    student: &UserId,
) -> Result<Option<tutorbridge_domain::curriculum::Guideline>, AppError> {
    Ok(latest_session_of_student(store, student)
        .await?
        .map(|session| session.guideline))
}
