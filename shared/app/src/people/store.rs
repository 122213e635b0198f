//! People's access patterns, named, in one place.

use tutorbridge_domain::UserId;
use tutorbridge_table::{Cursor, Index, Query, SortKeyCondition};

use super::records::{ActivityRecord, AuditEntry, Contact, ProfileRecord};
use crate::keys;
use crate::records::{query_page, read};
use crate::{AppError, Store};

/// A user's profile (one read).
pub(crate) async fn profile_of(
    store: &Store,
    user: &UserId,
) -> Result<Option<ProfileRecord>, AppError> {
    read(store, &keys::profile(user)).await
}

/// Whether a user has a profile (one read; nothing of the item is decoded).
pub(crate) async fn profile_exists(store: &Store, user: &UserId) -> Result<bool, AppError> {
    let found: Option<serde::de::IgnoredAny> = read(store, &keys::profile(user)).await?;
    Ok(found.is_some())
}

/// Where a user's mail goes (one read of their profile item).
pub(crate) async fn contact_of(store: &Store, user: &UserId) -> Result<Option<Contact>, AppError> {
    read(store, &keys::profile(user)).await
}

/// A student's activity marker (one read).
pub(crate) async fn activity_of(
    store: &Store,
    user: &UserId,
) -> Result<Option<ActivityRecord>, AppError> {
    read(store, &keys::activity(user)).await
}

/// Who the students of a tutor or the children of a parent are: one page of the adult's
/// forward links (`prefix` is [`keys::TUTOR_STUDENTS`] or [`keys::PARENT_CHILDREN`]).
pub(crate) async fn linked_students(
    store: &Store,
    adult: &UserId,
    prefix: &str,
    limit: u32,
    cursor: Option<Cursor>,
) -> Result<(Vec<String>, Option<Cursor>), AppError> {
    let query = Query::partition(Index::Base, keys::user(adult))
        .sort(SortKeyCondition::BeginsWith(prefix.into()))
        .limit(limit)
        .after(cursor);
    let page = store.query(&query).await?;
    let ids = page
        .items
        .iter()
        .filter_map(
            |item| match item.get(tutorbridge_table::definition::SORT_KEY) {
                Some(tutorbridge_table::Value::S(sort)) => {
                    sort.strip_prefix(prefix).map(str::to_string)
                }
                _ => None,
            },
        )
        .collect();
    Ok((ids, page.next))
}

/// One page of every student's profile (GSI1 `ROLE#student`).
pub(crate) async fn student_profiles(
    store: &Store,
    limit: u32,
    cursor: Option<Cursor>,
) -> Result<(Vec<ProfileRecord>, Option<Cursor>), AppError> {
    let query = Query::partition(Index::Gsi1, keys::STUDENT_PROFILES)
        .limit(limit)
        .after(cursor);
    query_page(store, &query).await
}

/// Which slice of the audit trail to read, newest first.
pub(crate) enum AuditScope<'a> {
    All,
    Target(&'a UserId),
    Actor(&'a UserId),
}

/// One page of the audit trail in `scope`, at or after `since`, newest first (one query).
pub(crate) async fn audit_page(
    store: &Store,
    scope: AuditScope<'_>,
    since: Option<&str>,
    limit: u32,
    cursor: Option<Cursor>,
) -> Result<(Vec<AuditEntry>, Option<Cursor>), AppError> {
    let (index, partition, prefix) = match scope {
        AuditScope::All => (Index::Gsi1, keys::AUDIT_TRAIL.to_string(), ""),
        AuditScope::Target(target) => (Index::Base, keys::user(target), keys::AUDIT),
        AuditScope::Actor(actor) => (Index::Gsi2, keys::audit_actor_partition(actor), ""),
    };
    let sort = match since {
        Some(since) => Some(SortKeyCondition::Between(
            format!("{prefix}{since}"),
            format!("{prefix}~"),
        )),
        None if prefix.is_empty() => None,
        None => Some(SortKeyCondition::BeginsWith(prefix.to_string())),
    };
    let mut query = Query::partition(index, partition)
        .descending()
        .limit(limit)
        .after(cursor);
    if let Some(sort) = sort {
        query = query.sort(sort);
    }
    query_page(store, &query).await
}
