//! Escalation threads: a student escalates a question (any label); the student's tutors see it
//! in their list (open first, oldest first), reply and close it; the student reads the replies
//! in their history and in the thread.

use serde::{Deserialize, Serialize};
use tutorbridge_domain::qa::{MAX_REPLY_CHARS, QaId, checked_text};
use tutorbridge_domain::{Access, Caller, Role, UserId};
use tutorbridge_table::definition::ENTITY_ATTRIBUTE;
use tutorbridge_table::{Condition, Index, Item, Query, SortKeyCondition, Value, WriteOp};

use super::{Escalation, Exchange, QaService, Reply, ThreadStatus, tutors_of};
use crate::AppError;
use crate::keys::{self, entity};
use crate::records::{
    Record, decode_page_token, encode_page_token, from_item, query_page, versioned,
};

/// Most replies a thread holds.
pub const MAX_REPLIES: u32 = 200;

/// A question with its replies.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Thread {
    pub exchange: Exchange,
    pub replies: Vec<Reply>,
}

/// One page of a student's questions, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct HistoryPage {
    pub questions: Vec<Exchange>,
    pub next: Option<String>,
}

/// One page of a tutor's escalations.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct EscalationPage {
    pub escalations: Vec<Escalation>,
    pub next: Option<String>,
}

/// `POST /qa/{id}/replies`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplyRequest {
    #[schema(max_length = 4000)]
    pub text: String,
    /// Close the thread with this reply (tutors and admins).
    #[serde(default)]
    pub close: bool,
}

fn entity_of(item: &Item) -> Option<&str> {
    match item.get(ENTITY_ATTRIBUTE) {
        Some(Value::S(entity)) => Some(entity.as_str()),
        _ => None,
    }
}

/// A page limit of 1-100 (default 20).
fn page_limit(limit: Option<u32>) -> Result<u32, AppError> {
    let limit = limit.unwrap_or(20);
    if (1..=100).contains(&limit) {
        Ok(limit)
    } else {
        Err(AppError::Invalid("limit must be 1 to 100".into()))
    }
}

/// A question's whole partition: the exchange, its escalations and replies (one query).
struct Stored {
    exchange: Exchange,
    escalations: Vec<Escalation>,
    replies: Vec<Reply>,
}

impl QaService {
    async fn stored(&self, id: &QaId) -> Result<Stored, AppError> {
        let query = Query::partition(Index::Base, keys::qa_partition(id)).limit(MAX_REPLIES + 50);
        let page = self.ports.store.query(&query).await?;
        let (mut exchange, mut escalations, mut replies) = (None, Vec::new(), Vec::new());
        for item in page.items {
            match entity_of(&item) {
                Some(entity::QA_EXCHANGE) => exchange = Some(from_item::<Exchange>(item)?),
                Some(entity::QA_ESCALATION) => escalations.push(from_item::<Escalation>(item)?),
                Some(entity::QA_REPLY) => replies.push(from_item::<Reply>(item)?),
                _ => {}
            }
        }
        let exchange = exchange.ok_or_else(|| AppError::NotFound(format!("no question '{id}'")))?;
        Ok(Stored {
            exchange,
            escalations,
            replies,
        })
    }

    /// `NotFound` (as if the question did not exist) unless `caller` has `access` to its
    /// student.
    async fn allowed(
        &self,
        caller: &Caller,
        exchange: &Exchange,
        access: Access,
    ) -> Result<(), AppError> {
        match self
            .access
            .authorize(caller, &exchange.student, access)
            .await
        {
            Err(AppError::NotFound(_)) => Err(AppError::NotFound(format!(
                "no question '{}'",
                exchange.qa_id
            ))),
            other => other,
        }
    }

    /// A question and its replies: for its student, their tutors and parents, admins.
    ///
    /// # Errors
    /// `NotFound` for an unknown question or one the caller may not see.
    pub async fn thread(&self, caller: &Caller, id: &QaId) -> Result<Thread, AppError> {
        let stored = self.stored(id).await?;
        self.allowed(caller, &stored.exchange, Access::Read).await?;
        Ok(Thread {
            exchange: stored.exchange,
            replies: stored.replies,
        })
    }

    /// Escalate a question to the student's tutors (the student, any label). Idempotent: a
    /// question already with every tutor is answered as it is.
    ///
    /// # Errors
    /// `NotFound` unless the caller is the question's student; `Conflict` on a concurrent
    /// change.
    pub async fn escalate(&self, caller: &Caller, id: &QaId) -> Result<Exchange, AppError> {
        let (stored, tutors) = tokio::join!(
            self.stored(id),
            tutors_of(&self.ports.store, &caller.user_id)
        );
        let stored = stored?;
        if stored.exchange.student != caller.user_id || !caller.has(Role::Student) {
            return Err(AppError::NotFound(format!("no question '{id}'")));
        }
        let mut exchange = stored.exchange;
        let new: Vec<UserId> = tutors?
            .into_iter()
            .filter(|tutor| !stored.escalations.iter().any(|e| &e.tutor == tutor))
            .collect();
        if exchange.thread == ThreadStatus::Open && new.is_empty() {
            return Ok(exchange);
        }
        let version = exchange.version;
        exchange.version += 1;
        exchange.thread = ThreadStatus::Open;
        exchange.escalated_to.extend(new.iter().cloned());
        let mut ops = vec![exchange.put(versioned(version))?];
        let mut escalations = Vec::new();
        for tutor in &new {
            let escalation = self.escalation(&exchange, tutor);
            ops.push(escalation.put(Condition::NotExists)?);
            escalations.push(escalation);
        }
        // A closed thread escalated again is open again for the tutors who had it.
        for mut earlier in stored.escalations.into_iter().filter(|e| !e.open) {
            let version = earlier.version;
            earlier.open = true;
            earlier.version += 1;
            // A put rewrites the GSI2 sort key too (open ones sort first).
            ops.push(earlier.put(versioned(version))?);
        }
        self.commit_and_notify(ops, &exchange, &escalations).await?;
        Ok(exchange)
    }

    /// Reply in a question's thread: its student, their tutors, admins (parents read only).
    /// `close` (tutors and admins) closes the thread for every tutor.
    ///
    /// # Errors
    /// `Invalid` for an empty or over-long reply; `NotFound` for an unknown question or one the
    /// caller may not write to; `Forbidden` when a student asks to close; `Conflict` when the
    /// thread changed meanwhile or is full.
    pub async fn reply(
        &self,
        caller: &Caller,
        id: &QaId,
        request: ReplyRequest,
    ) -> Result<Thread, AppError> {
        let text = checked_text("text", &request.text, MAX_REPLY_CHARS)?;
        let stored = self.stored(id).await?;
        self.allowed(caller, &stored.exchange, Access::Write)
            .await?;
        let staff = caller.has(Role::Tutor) || caller.has(Role::Admin);
        if request.close && !staff {
            return Err(AppError::Forbidden(
                "only the tutor or an admin closes a thread".into(),
            ));
        }
        if stored.exchange.replies >= MAX_REPLIES {
            return Err(AppError::Conflict(format!(
                "this thread has {MAX_REPLIES} replies; start a new question"
            )));
        }
        let now = self.ports.clock.now().to_string();
        let reply = Reply {
            reply_id: self.ports.ids.lower(),
            qa_id: id.clone(),
            author: caller.user_id.clone(),
            author_role: if caller.has(Role::Admin) {
                "admin"
            } else if caller.has(Role::Tutor) && caller.user_id != stored.exchange.student {
                "tutor"
            } else {
                "student"
            }
            .into(),
            text,
            at: now,
        };
        let mut exchange = stored.exchange;
        let version = exchange.version;
        exchange.version += 1;
        exchange.replies += 1;
        exchange.last_reply = Some(reply.text.clone());
        if request.close {
            exchange.thread = ThreadStatus::Closed;
        }
        let mut ops: Vec<WriteOp> = vec![
            exchange.put(versioned(version))?,
            reply.put(Condition::NotExists)?,
        ];
        if request.close {
            for mut escalation in stored.escalations.into_iter().filter(|e| e.open) {
                let version = escalation.version;
                escalation.open = false;
                escalation.version += 1;
                ops.push(escalation.put(versioned(version))?);
            }
        }
        self.ports.store.transact_write(ops).await?;
        let mut replies = stored.replies;
        replies.push(reply);
        Ok(Thread { exchange, replies })
    }

    /// A student's questions, newest first (each with its thread status and reply count): for
    /// the student, their tutors and parents, admins.
    ///
    /// # Errors
    /// `NotFound` when the caller may not see the student; `Invalid` for a bad limit or cursor.
    pub async fn history(
        &self,
        caller: &Caller,
        student: &UserId,
        limit: Option<u32>,
        cursor: Option<&str>,
    ) -> Result<HistoryPage, AppError> {
        let limit = page_limit(limit)?;
        let partition = keys::user(student);
        let cursor = cursor
            .map(|token| decode_page_token(token, &partition))
            .transpose()?;
        let query = Query::partition(Index::Gsi1, partition.clone())
            .sort(SortKeyCondition::BeginsWith(keys::STUDENT_QUESTIONS.into()))
            .descending()
            .limit(limit)
            .after(cursor);
        let (allowed, page) = tokio::join!(
            self.access.authorize(caller, student, Access::Read),
            query_page::<Exchange>(&self.ports.store, &query),
        );
        allowed?;
        let (questions, next) = page?;
        Ok(HistoryPage {
            questions,
            next: next.map(|next| encode_page_token(&next, &partition)),
        })
    }

    /// A tutor's escalations, open (oldest first) or closed: the tutor's own, or any tutor's for
    /// an admin.
    ///
    /// # Errors
    /// `Forbidden` for students and parents; `Invalid` for a bad limit or cursor.
    pub async fn escalations(
        &self,
        caller: &Caller,
        tutor: Option<&UserId>,
        open: bool,
        limit: Option<u32>,
        cursor: Option<&str>,
    ) -> Result<EscalationPage, AppError> {
        let tutor = match tutor {
            Some(other) if caller.has(Role::Admin) => other.clone(),
            Some(other) if other == &caller.user_id && caller.has(Role::Tutor) => other.clone(),
            None if caller.has(Role::Tutor) || caller.has(Role::Admin) => caller.user_id.clone(),
            _ => {
                return Err(AppError::Forbidden(
                    "escalations are for the tutor they went to (or an admin)".into(),
                ));
            }
        };
        let limit = page_limit(limit)?;
        let partition = keys::tutor_escalations(&tutor);
        let cursor = cursor
            .map(|token| decode_page_token(token, &partition))
            .transpose()?;
        let query = Query::partition(Index::Gsi2, partition.clone())
            .sort(SortKeyCondition::BeginsWith(
                keys::escalation_status_prefix(open).into(),
            ))
            .limit(limit)
            .after(cursor);
        let (escalations, next) = query_page::<Escalation>(&self.ports.store, &query).await?;
        Ok(EscalationPage {
            escalations,
            next: next.map(|next| encode_page_token(&next, &partition)),
        })
    }
}
