//! Sessions' access patterns: every read and query sessions make, named, in one place.

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
    let query = Query::partition(Index::Gsi1, keys::user(student))
        .sort(SortKeyCondition::BeginsWith(keys::STUDENT_SESSIONS.into()))
        .descending()
        .limit(limit)
        .after(cursor);
    query_page(store, &query).await
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
    Ok(store.query(&query).await?.items.len())
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
