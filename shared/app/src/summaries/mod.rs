//! Summaries of live tutoring sessions: the Rails app's webhook delivers a transcript (signed,
//! see [`signature`]); it is stored in the file store first, then summarised and recorded with a
//! receipt keyed by the Rails session id in one transaction — so a redelivery gets the same
//! answer, a different payload under the same id is refused, and of many concurrent deliveries
//! exactly one makes a summary.
//!
//! The model gets a time budget inline (the Rails app is answered quickly); a summary it did not
//! write in time is the offline one, marked as a fallback, and its receipt is queued (a sparse
//! index) for [`SummaryService::retry_fallbacks`], which the scheduled sweep runs.

pub mod signature;

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tutorbridge_domain::practice::SubjectSlug;
use tutorbridge_domain::summaries::{
    RailsSessionId, StagedTurns, SummaryId, SummaryText, Transcript, Turn, check_staged_key,
    summarise_extractively,
};
use tutorbridge_domain::{Access, Caller, UserId};
use tutorbridge_table::{Condition, Index, Key, Query, SortKeyCondition, TableError};

use crate::access::AccessService;
use crate::curriculum::guidelines_of_subject;
use crate::file_store::FileStore;
use crate::keys::{self, entity};
use crate::people::ProfileService;
use crate::records::{Record, decode_page_token, encode_page_token, query_page, read, versioned};
use crate::tutor_model::{OFFLINE_MODEL, SummaryBrief, Tutor};
use crate::{AppError, Ports};

/// A stored summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Summary {
    #[schema(value_type = String)]
    pub summary_id: SummaryId,
    #[schema(value_type = String)]
    pub student: UserId,
    #[schema(value_type = String)]
    pub tutor: UserId,
    #[schema(value_type = String)]
    pub rails_session_id: RailsSessionId,
    pub subject: String,
    pub started_at: String,
    pub ended_at: String,
    #[serde(flatten)]
    pub text: SummaryText,
    /// `offline` (extractive) or the model's name.
    pub model: String,
    /// True when the model was configured but did not summarise in time (or failed): this is
    /// the offline summary, and the sweep retries the model.
    #[serde(default)]
    pub fallback: bool,
    pub created_at: String,
}

impl Record for Summary {
    const ENTITY: &'static str = entity::SUMMARY;

    fn key(&self) -> Key {
        keys::summary(&self.student, &self.ended_at, &self.summary_id)
    }

    fn gsi1(&self) -> Option<(String, String)> {
        Some(keys::summary_entry(&self.summary_id))
    }
}

/// What a delivery left: the payload's hash and the summary it made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Receipt {
    #[schema(value_type = String)]
    pub rails_session_id: RailsSessionId,
    /// SHA-256 of the delivered body.
    pub payload_hash: String,
    #[schema(value_type = String)]
    pub summary_id: SummaryId,
    #[schema(value_type = String)]
    pub student: UserId,
    pub received_at: String,
    /// `summarised` by the model or the offline summariser as configured, or `fallback`: the
    /// model did not answer in time and the offline summary stands in.
    #[serde(default)]
    pub status: ReceiptStatus,
    /// True while the sweep will retry the model for a fallback.
    #[serde(default)]
    pub retry_queued: bool,
    /// Retries the sweep made.
    #[serde(default)]
    pub attempts: u32,
    #[serde(default)]
    #[schema(ignore)]
    pub version: u64,
}

/// Where a delivery's summary stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReceiptStatus {
    #[default]
    Summarised,
    Fallback,
}

impl Record for Receipt {
    const ENTITY: &'static str = entity::RECEIPT;

    fn key(&self) -> Key {
        keys::receipt(&self.rails_session_id)
    }

    fn gsi2(&self) -> Option<(String, String)> {
        self.retry_queued
            .then(|| keys::summary_retry(&self.received_at, &self.rails_session_id))
    }
}

/// Retries of a fallback summary before the sweep leaves it as it is.
pub const MAX_SUMMARY_ATTEMPTS: u32 = 5;
/// The model's budget inline, unless configured (`TUTORBRIDGE_SUMMARY_BUDGET_MS`).
pub const DEFAULT_INLINE_BUDGET: Duration = Duration::from_millis(2000);

/// Longest transcript body.
pub const MAX_TRANSCRIPT_BYTES: usize = 256 * 1024;
/// Guidelines read for a subject's topic names.
const MAX_GUIDELINES: usize = 200;

/// What practice needs of a summary: its subject and the topics the live session covered.
#[derive(Debug, Deserialize)]
pub(crate) struct SummaryTopics {
    pub subject: String,
    pub key_topics: Vec<String>,
}

/// The subject and topics of a student's latest summary (by the live session's end), if any:
/// one query, newest first, without decoding the narrative and the rest.
pub(crate) async fn latest_summary_topics(
    store: &crate::Store,
    student: &UserId,
) -> Result<Option<SummaryTopics>, AppError> {
    let query = Query::partition(Index::Base, keys::user(student))
        .sort(SortKeyCondition::BeginsWith(keys::SUMMARIES.into()))
        .descending()
        .limit(1);
    Ok(query_page(store, &query).await?.0.into_iter().next())
}

/// The answer to a delivery.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Delivery {
    pub receipt: Receipt,
    /// True when this delivery repeated an earlier one.
    pub duplicate: bool,
}

/// One page of a student's summaries, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SummaryPage {
    pub summaries: Vec<Summary>,
    pub next: Option<String>,
}

/// Transcripts in, summaries out.
#[derive(Clone)]
pub struct SummaryService {
    ports: Ports,
    access: AccessService,
    files: Option<Arc<dyn FileStore>>,
    /// `None`: the offline summariser alone (reads need no model).
    tutor: Option<Tutor>,
    inline_budget: Duration,
}

/// A summary's text and who wrote it.
struct Written {
    text: SummaryText,
    model: String,
    fallback: bool,
}

/// What [`SummaryService::retry_fallbacks`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RetryReport {
    /// Fallbacks the model has now summarised.
    pub upgraded: u32,
    /// Fallbacks the model failed again (retried on a later sweep).
    pub failed: u32,
    /// Fallbacks left as they are after [`MAX_SUMMARY_ATTEMPTS`] (or with no transcript).
    pub given_up: u32,
}

fn hash(body: &[u8]) -> String {
    hex::encode(Sha256::digest(body))
}

impl SummaryService {
    pub fn new(ports: impl Into<Ports>, files: Option<Arc<dyn FileStore>>) -> Self {
        let ports = ports.into();
        SummaryService {
            access: AccessService::new(ports.store.clone()),
            ports,
            files,
            tutor: None,
            inline_budget: DEFAULT_INLINE_BUDGET,
        }
    }

    /// Summaries written by `tutor` (its remote model given `inline_budget` on delivery).
    pub fn with_tutor(mut self, tutor: Tutor, inline_budget: Duration) -> Self {
        self.tutor = Some(tutor);
        self.inline_budget = inline_budget;
        self
    }

    /// The subject's curriculum topic names (key topics are mapped to them).
    async fn topics_of(&self, subject: &SubjectSlug) -> Result<Vec<String>, AppError> {
        let mut topics: Vec<String> =
            guidelines_of_subject(&self.ports.store, subject, None, MAX_GUIDELINES)
                .await?
                .into_iter()
                .map(|g| g.topic.as_str().to_string())
                .collect();
        topics.sort();
        topics.dedup();
        Ok(topics)
    }

    /// The summary of `transcript`: by the tutor's model within `budget` when one is
    /// configured, else extractively.
    async fn write(&self, transcript: &Transcript, budget: Duration) -> Result<Written, AppError> {
        let subject = SubjectSlug::parse(&transcript.subject)?;
        let brief = SummaryBrief {
            transcript: transcript.clone(),
            topics: self.topics_of(&subject).await?,
        };
        match &self.tutor {
            Some(tutor) => {
                let produced = tutor
                    .summarise(&brief, budget)
                    .await
                    .map_err(AppError::internal)?;
                Ok(Written {
                    text: produced.value,
                    model: produced.model,
                    fallback: produced.fallback,
                })
            }
            None => Ok(Written {
                text: summarise_extractively(&brief.transcript, &brief.topics),
                model: OFFLINE_MODEL.into(),
                fallback: false,
            }),
        }
    }

    /// Take a delivered transcript (its signature already checked): store it, summarise it,
    /// record both with the receipt in one transaction. A redelivery of the same body answers
    /// as the first did.
    ///
    /// # Errors
    /// `Invalid` for a malformed or empty transcript; `Unprocessable` for an unknown student;
    /// `Conflict` for a different payload under a Rails session id already delivered.
    pub async fn deliver(&self, body: &[u8]) -> Result<Delivery, AppError> {
        let mut transcript: Transcript = serde_json::from_slice(body)
            .map_err(|e| AppError::Invalid(format!("the transcript is not valid: {e}")))?;
        let staged = match transcript.transcript_key.take() {
            Some(key) => {
                transcript.turns = self.staged_turns(&key, &transcript.turns).await?;
                true
            }
            None => false,
        };
        transcript.validate()?;
        let payload_hash = hash(body);
        let store = &self.ports.store;
        if let Some(receipt) =
            read::<Receipt>(store, &keys::receipt(&transcript.rails_session_id)).await?
        {
            return self.repeat(receipt, &payload_hash);
        }
        if !ProfileService::new(self.ports.clone())
            .exists(&transcript.student_id)
            .await?
        {
            return Err(AppError::Unprocessable(format!(
                "no student '{}' is known here",
                transcript.student_id
            )));
        }
        // The transcript is kept before anything else, so nothing delivered is ever lost.
        if let Some(files) = &self.files {
            // A staged transcript is kept whole (with its turns), as if delivered inline.
            let kept = if staged {
                serde_json::to_vec(&transcript).map_err(AppError::internal)?
            } else {
                body.to_vec()
            };
            files
                .put(
                    &keys::transcript_object(&transcript.rails_session_id),
                    kept,
                    "application/json",
                )
                .await
                .map_err(AppError::internal)?;
        }
        let written = self.write(&transcript, self.inline_budget).await?;
        let now = self.ports.clock.now().to_string();
        let summary = Summary {
            summary_id: SummaryId::parse(&self.ports.ids.lower())?,
            student: transcript.student_id.clone(),
            tutor: transcript.tutor_id.clone(),
            rails_session_id: transcript.rails_session_id.clone(),
            subject: transcript.subject.clone(),
            started_at: transcript.started_at.clone(),
            ended_at: transcript.ended_at.clone(),
            text: written.text,
            model: written.model,
            fallback: written.fallback,
            created_at: now.clone(),
        };
        let receipt = Receipt {
            rails_session_id: transcript.rails_session_id.clone(),
            payload_hash: payload_hash.clone(),
            summary_id: summary.summary_id.clone(),
            student: transcript.student_id.clone(),
            received_at: now,
            status: match written.fallback {
                true => ReceiptStatus::Fallback,
                false => ReceiptStatus::Summarised,
            },
            // The retry reads the kept transcript.
            retry_queued: written.fallback && self.files.is_some(),
            attempts: 0,
            version: 1,
        };
        let mut ops = vec![
            receipt.put(Condition::NotExists)?,
            summary.put(Condition::NotExists)?,
        ];
        // A next step to practise: a cue for the nudge job, in the same transaction.
        if let Some(step) = summary.text.next_steps.first() {
            let slug = tutorbridge_domain::practice::SubjectSlug::parse(&summary.subject).ok();
            ops.push(crate::nudges::cues::summary_cue(
                &summary.student,
                slug.as_ref().map(|s| s.as_str()),
                &summary.subject,
                &tutorbridge_domain::text::shortened(step, 120),
                self.ports.clock.now(),
            )?);
        }
        match store.transact_write(ops).await {
            Ok(()) => Ok(Delivery {
                receipt,
                duplicate: false,
            }),
            // A concurrent delivery of this session won: answer as it did, if it was the same.
            Err(TableError::Conflict(_)) => {
                let receipt = read::<Receipt>(store, &keys::receipt(&transcript.rails_session_id))
                    .await?
                    .ok_or_else(|| {
                        AppError::Conflict("the delivery raced another; retry".into())
                    })?;
                self.repeat(receipt, &payload_hash)
            }
            Err(error) => Err(error.into()),
        }
    }

    /// The turns the Rails app staged at `key` (none may also be given inline).
    async fn staged_turns(&self, key: &str, inline: &[Turn]) -> Result<Vec<Turn>, AppError> {
        if !inline.is_empty() {
            return Err(AppError::Invalid(
                "give either turns or transcript_key, not both".into(),
            ));
        }
        check_staged_key(key)?;
        let files = self.files.as_ref().ok_or_else(|| {
            AppError::Unprocessable("no file store is configured for staged transcripts".into())
        })?;
        let missing = || AppError::Unprocessable(format!("nothing is staged at '{key}'"));
        let object = files
            .head(key)
            .await
            .map_err(AppError::internal)?
            .ok_or_else(missing)?;
        if object.size > MAX_TRANSCRIPT_BYTES as u64 {
            return Err(AppError::Unprocessable(format!(
                "the staged transcript is {} bytes; at most {MAX_TRANSCRIPT_BYTES}",
                object.size
            )));
        }
        let bytes = files
            .get(key)
            .await
            .map_err(AppError::internal)?
            .ok_or_else(missing)?;
        if bytes.len() > MAX_TRANSCRIPT_BYTES {
            return Err(AppError::Unprocessable(format!(
                "the staged transcript is over {MAX_TRANSCRIPT_BYTES} bytes"
            )));
        }
        let staged: StagedTurns = serde_json::from_slice(&bytes).map_err(|e| {
            AppError::Unprocessable(format!("the staged transcript is not valid: {e}"))
        })?;
        Ok(staged.turns)
    }

    /// The answer to a repeated delivery, checked against what was first delivered.
    fn repeat(&self, receipt: Receipt, payload_hash: &str) -> Result<Delivery, AppError> {
        if receipt.payload_hash == payload_hash {
            Ok(Delivery {
                receipt,
                duplicate: true,
            })
        } else {
            Err(AppError::Conflict(format!(
                "session '{}' was delivered before with a different transcript",
                receipt.rails_session_id
            )))
        }
    }

    /// Retry the model for up to `max` fallback summaries, oldest first, giving it `budget`
    /// each; a summary the model now writes replaces the fallback in place (same id), with the
    /// receipt, in one transaction. Nothing to do without a remote model or a file store.
    ///
    /// # Errors
    /// The table's and the file store's (a model failure is counted, not raised).
    pub async fn retry_fallbacks(
        &self,
        max: u32,
        budget: Duration,
    ) -> Result<RetryReport, AppError> {
        let mut report = RetryReport::default();
        let (Some(tutor), Some(files)) = (&self.tutor, &self.files) else {
            return Ok(report);
        };
        if !tutor.has_remote() {
            return Ok(report);
        }
        let query = Query::partition(Index::Gsi2, keys::SUMMARY_RETRIES).limit(max);
        let (queued, _) = query_page::<Receipt>(&self.ports.store, &query).await?;
        for mut receipt in queued {
            let kept = files
                .get(&keys::transcript_object(&receipt.rails_session_id))
                .await
                .map_err(AppError::internal)?;
            let transcript =
                kept.and_then(|bytes| serde_json::from_slice::<Transcript>(&bytes).ok());
            let version = receipt.version;
            receipt.version += 1;
            let Some(transcript) = transcript else {
                tracing::warn!(rails_session_id = %receipt.rails_session_id, "no kept transcript to summarise again");
                receipt.retry_queued = false;
                report.given_up += 1;
                self.settle_retry(vec![receipt.put(versioned(version))?])
                    .await?;
                continue;
            };
            let written = self.write(&transcript, budget).await?;
            if written.fallback {
                receipt.attempts += 1;
                receipt.retry_queued = receipt.attempts < MAX_SUMMARY_ATTEMPTS;
                match receipt.retry_queued {
                    true => report.failed += 1,
                    false => report.given_up += 1,
                }
                self.settle_retry(vec![receipt.put(versioned(version))?])
                    .await?;
                continue;
            }
            let key = keys::summary(&receipt.student, &transcript.ended_at, &receipt.summary_id);
            let Some(mut summary) = read::<Summary>(&self.ports.store, &key).await? else {
                // Erased since (GDPR): nothing to upgrade.
                receipt.retry_queued = false;
                report.given_up += 1;
                self.settle_retry(vec![receipt.put(versioned(version))?])
                    .await?;
                continue;
            };
            summary.text = written.text;
            summary.model = written.model;
            summary.fallback = false;
            receipt.status = ReceiptStatus::Summarised;
            receipt.retry_queued = false;
            receipt.attempts += 1;
            if self
                .settle_retry(vec![
                    receipt.put(versioned(version))?,
                    summary.put(Condition::Exists)?,
                ])
                .await?
            {
                report.upgraded += 1;
            }
        }
        Ok(report)
    }

    /// Write a retry's outcome; false when another sweep changed the receipt first.
    async fn settle_retry(&self, ops: Vec<tutorbridge_table::WriteOp>) -> Result<bool, AppError> {
        match self.ports.store.transact_write(ops).await {
            Ok(()) => Ok(true),
            Err(TableError::Conflict(_)) => Ok(false),
            Err(error) => Err(error.into()),
        }
    }

    /// A delivery's receipt (the Rails app polls it).
    ///
    /// # Errors
    /// `NotFound` when nothing was delivered under this id.
    pub async fn receipt(&self, id: &RailsSessionId) -> Result<Receipt, AppError> {
        read(&self.ports.store, &keys::receipt(id))
            .await?
            .ok_or_else(|| AppError::NotFound(format!("nothing was delivered for '{id}'")))
    }

    /// A student's summaries, newest first, for the student, their tutor and parents, admins.
    ///
    /// # Errors
    /// `NotFound` when the caller may not see the student; `Invalid` for a bad limit or cursor.
    pub async fn list(
        &self,
        caller: &Caller,
        student: &UserId,
        limit: Option<u32>,
        cursor: Option<&str>,
    ) -> Result<SummaryPage, AppError> {
        let limit = limit.unwrap_or(20);
        if !(1..=100).contains(&limit) {
            return Err(AppError::Invalid("limit must be 1 to 100".into()));
        }
        let owner = keys::user(student);
        let cursor = cursor.map(|t| decode_page_token(t, &owner)).transpose()?;
        let query = Query::partition(Index::Base, owner.clone())
            .sort(SortKeyCondition::BeginsWith(keys::SUMMARIES.into()))
            .descending()
            .limit(limit)
            .after(cursor);
        let (allowed, page) = tokio::join!(
            self.access.authorize(caller, student, Access::Read),
            query_page::<Summary>(&self.ports.store, &query),
        );
        allowed?;
        let (summaries, next) = page?;
        Ok(SummaryPage {
            summaries,
            next: next.map(|next| encode_page_token(&next, &owner)),
        })
    }

    /// One summary, for those who may see its student.
    ///
    /// # Errors
    /// `NotFound` for an unknown summary or one the caller may not see.
    pub async fn get(&self, caller: &Caller, id: &SummaryId) -> Result<Summary, AppError> {
        let query = Query::partition(Index::Gsi1, keys::summary_entry(id).0).limit(1);
        let summary = query_page::<Summary>(&self.ports.store, &query)
            .await?
            .0
            .into_iter()
            .next()
            .ok_or_else(|| AppError::NotFound(format!("no summary '{id}'")))?;
        match self
            .access
            .authorize(caller, &summary.student, Access::Read)
            .await
        {
            Err(AppError::NotFound(_)) => Err(AppError::NotFound(format!("no summary '{id}'"))),
            other => other.map(|()| summary),
        }
    }
}
