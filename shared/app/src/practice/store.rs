//! Practice's access patterns: every read and query practice makes, named, in one place.

use futures_util::future::try_join_all;
use tutorbridge_domain::UserId;
use tutorbridge_domain::bank::{ItemId, band_keys};
use tutorbridge_domain::practice::{AssignmentId, SubjectSlug};
use tutorbridge_table::{Cursor, Index, Query, SortKeyCondition};

use super::records::{
    AssignmentRecord, AttemptRecord, GoalsRecord, ItemRecord, OpenItemRecord, RatingRecord,
    SubjectsRecord,
};
use crate::keys;
use crate::records::{query_all, query_page, read};
use crate::{AppError, Store};

/// Candidates read per difficulty band (more than
/// [`tutorbridge_domain::practice::RECENT_ITEMS`], so a band never runs dry only because its
/// items were seen recently).
pub const BAND_CANDIDATES: usize = 40;

/// The subjects practice offers, as the bank spells them (one read).
pub(crate) async fn subject_list(store: &Store) -> Result<Vec<String>, AppError> {
    Ok(read::<SubjectsRecord>(store, &keys::bank_subjects())
        .await?
        .unwrap_or_default()
        .subjects)
}

/// Up to [`BAND_CANDIDATES`] items of one difficulty band of a subject's bank (one GSI1 query).
pub(crate) async fn bank_band(
    store: &Store,
    subject: &SubjectSlug,
    (low, high): (String, String),
) -> Result<Vec<ItemRecord>, AppError> {
    let query = Query::partition(Index::Gsi1, keys::bank_partition(subject))
        .sort(SortKeyCondition::Between(low, high))
        .limit(BAND_CANDIDATES as u32);
    Ok(query_page(store, &query).await?.0)
}

/// Candidates from every difficulty band of a subject's bank, the bands read in parallel (one
/// round trip). The bank is read band by band because the student's skill, which would centre
/// a single band, is only known once the first read returns.
pub(crate) async fn bank_bands(
    store: &Store,
    subject: &SubjectSlug,
) -> Result<Vec<ItemRecord>, AppError> {
    let bands = try_join_all(
        band_keys()
            .into_iter()
            .map(|band| bank_band(store, subject, band)),
    );
    Ok(bands.await?.into_iter().flatten().collect())
}

/// A student's state in a subject (one read).
pub(crate) async fn rating_of(
    store: &Store,
    student: &UserId,
    subject: &SubjectSlug,
) -> Result<Option<RatingRecord>, AppError> {
    read(store, &keys::rating(student, subject)).await
}

/// A student's goals in one subject (one read).
pub(crate) async fn goals_in_subject(
    store: &Store,
    student: &UserId,
    subject: &SubjectSlug,
) -> Result<Option<GoalsRecord>, AppError> {
    read(store, &keys::goals(student, subject)).await
}

/// A student's goals in every subject (one query: a set per subject).
pub(crate) async fn goal_sets_of_student(
    store: &Store,
    student: &UserId,
) -> Result<Vec<GoalsRecord>, AppError> {
    let query = Query::partition(Index::Base, keys::user(student))
        .sort(SortKeyCondition::BeginsWith(keys::GOAL_SETS.into()));
    query_all(store, query).await
}

/// The items open in a student's unexpired assignments (one query).
pub(crate) async fn open_items_of_student(
    store: &Store,
    student: &UserId,
) -> Result<Vec<OpenItemRecord>, AppError> {
    let query = Query::partition(Index::Base, keys::user(student))
        .sort(SortKeyCondition::BeginsWith(keys::OPEN_ITEMS.into()))
        .limit(crate::config::MAX_OPEN_ASSIGNMENTS as u32);
    Ok(query_page(store, &query).await?.0)
}

/// One of a student's assignments (one read).
pub(crate) async fn assignment_of(
    store: &Store,
    student: &UserId,
    id: &AssignmentId,
) -> Result<Option<AssignmentRecord>, AppError> {
    read(store, &keys::assignment(student, id)).await
}

/// A bank item with its evidence and version (one read).
pub(crate) async fn bank_item(store: &Store, id: &ItemId) -> Result<Option<ItemRecord>, AppError> {
    read(store, &keys::item(id)).await
}

/// One page of a student's first attempts in a subject, oldest first.
pub(crate) async fn attempts_of_student(
    store: &Store,
    student: &UserId,
    subject: &SubjectSlug,
    cursor: Option<Cursor>,
) -> Result<(Vec<AttemptRecord>, Option<Cursor>), AppError> {
    let query = Query::partition(Index::Base, keys::user(student))
        .sort(SortKeyCondition::BeginsWith(keys::attempts_prefix(subject)))
        .after(cursor);
    query_page(store, &query).await
}

/// A student's latest `limit` first attempts in a subject, newest first (one query).
pub(crate) async fn attempts_recent(
    store: &Store,
    student: &UserId,
    subject: &SubjectSlug,
    limit: u32,
) -> Result<Vec<AttemptRecord>, AppError> {
    let query = Query::partition(Index::Base, keys::user(student))
        .sort(SortKeyCondition::BeginsWith(keys::attempts_prefix(subject)))
        .descending()
        .limit(limit);
    Ok(query_page(store, &query).await?.0)
}

/// The oldest `limit` items waiting for review, in one subject or all (one GSI2 query).
pub(crate) async fn review_queue(
    store: &Store,
    subject: Option<&SubjectSlug>,
    limit: usize,
) -> Result<Vec<ItemRecord>, AppError> {
    let mut query = Query::partition(Index::Gsi2, keys::REVIEW_QUEUE).limit(limit as u32);
    if let Some(subject) = subject {
        query = query.sort(SortKeyCondition::BeginsWith(keys::review_prefix(subject)));
    }
    Ok(query_page(store, &query).await?.0)
}
