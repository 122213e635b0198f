//! Nudges: the scheduled job that brings students back, and the student's nudges.
//!
//! The job (an EventBridge schedule; a timer locally, see [`run`]) acts on cues the practice and
//! summary writes left ([`cues`]: a goal completed, reviews due, a summary's next step) and on
//! the activity index (a week without practice). For each candidate it applies the policy
//! ([`tutorbridge_domain::nudges::decide`]), lets the bandit choose among the eligible templates
//! ([`tutorbridge_domain::nudges::bandit`]), and to send takes the day's next slot (a
//! create-only lock item) together with the nudge in one transaction — so a rerun, a concurrent
//! run or a retried invocation never sends twice. The email goes out after; it is marked sent
//! only when the mailer says so, and one that failed stays queued (a sparse index) for the next
//! run, a bounded number of times. A day after a nudge the job counts whether the student came
//! back ([`returns`]); that is the bandit's reward and the statistics' "returned".

pub mod cues;
mod returns;
mod run;

pub use returns::{NudgeStats, StatsRow};
pub use run::RunReport;

use std::sync::Arc;

use hmac::Mac;
use serde::{Deserialize, Serialize};
use tutorbridge_domain::nudges::{Delivery, NudgeId, Trigger};
use tutorbridge_domain::{Caller, UserId};
use tutorbridge_table::{Index, Key, Query, SortKeyCondition};

use crate::config::Secret;
use crate::keys::{self, entity};
use crate::mailer::Mailer;
use crate::records::{Record, decode_page_token, encode_page_token, query_page, read, versioned};
use crate::tutor_model::Tutor;
use crate::{AppError, Ports};

/// Sends of one nudge's email before it is given up.
pub const MAX_EMAIL_ATTEMPTS: u32 = 3;

/// Where a nudge's email stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum EmailStatus {
    /// Not sent by email (in-app only).
    None,
    Pending,
    Sent,
    Failed,
}

/// One nudge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Nudge {
    /// Begins with the creation time in milliseconds (13 digits).
    pub nudge_id: String,
    #[schema(value_type = String)]
    pub student: UserId,
    pub trigger: Trigger,
    /// The template the message was made from.
    pub template: String,
    /// The templates that were eligible (the bandit learns from those passed over too).
    pub eligible: Vec<String>,
    /// The title (the email's subject line).
    pub subject: String,
    pub message: String,
    /// The model that rephrased the template, if one did.
    pub personalised_by: Option<String>,
    /// Where the nudge takes the student.
    pub link: String,
    pub delivery: Delivery,
    pub email_status: EmailStatus,
    pub email_attempts: u32,
    /// The student's local date it was sent on.
    pub local_day: String,
    pub created_at: String,
    pub opened_at: Option<String>,
    pub clicked_at: Option<String>,
    /// Whether the student practised within a day (counted a day later; absent until then).
    pub returned: Option<bool>,
    #[serde(default)]
    #[schema(ignore)]
    pub version: u64,
}

impl Nudge {
    /// The UTC day of the creation time (the statistics' day).
    fn utc_day(&self) -> String {
        self.created_at.get(..10).unwrap_or("").to_string()
    }
}

impl Record for Nudge {
    const ENTITY: &'static str = entity::NUDGE;

    fn key(&self) -> Key {
        keys::nudge(&self.student, &self.nudge_id)
    }

    fn gsi1(&self) -> Option<(String, String)> {
        Some(keys::nudge_day_entry(&self.utc_day(), &self.nudge_id))
    }

    fn gsi2(&self) -> Option<(String, String)> {
        (self.email_status == EmailStatus::Pending).then(|| {
            (
                keys::NUDGE_MAIL.to_string(),
                format!("{}#{}", self.created_at, self.nudge_id),
            )
        })
    }
}

/// One page of a student's nudges, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct NudgePage {
    pub nudges: Vec<Nudge>,
    pub next: Option<String>,
}

/// What a signed link in an email does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LinkAction {
    Unsubscribe,
    Click,
}

/// The nudge job and the student's nudges.
#[derive(Clone)]
pub struct NudgeService {
    ports: Ports,
    mailer: Option<Arc<dyn Mailer>>,
    tutor: Option<Tutor>,
    app_url: String,
    link_secret: Secret,
}

impl NudgeService {
    /// Links in emails point under `app_url` and are signed with `link_secret`.
    pub fn new(
        ports: impl Into<Ports>,
        mailer: Option<Arc<dyn Mailer>>,
        app_url: &str,
        link_secret: Secret,
    ) -> Self {
        NudgeService {
            ports: ports.into(),
            mailer,
            tutor: None,
            app_url: app_url.trim_end_matches('/').to_string(),
            link_secret,
        }
    }

    /// Let a model rephrase the chosen templates (only when it has a remote model: the offline
    /// tutor returns them as they are).
    pub fn with_tutor(mut self, tutor: Tutor) -> Self {
        self.tutor = tutor.has_remote().then_some(tutor);
        self
    }

    fn mac(&self, action: LinkAction, parts: &[&str]) -> hmac::Hmac<sha2::Sha256> {
        let mut mac = crate::summaries::signature::keyed(&self.link_secret);
        let label = match action {
            LinkAction::Unsubscribe => "unsubscribe",
            LinkAction::Click => "click",
        };
        mac.update(format!("{label}\n{}", parts.join("\n")).as_bytes());
        mac
    }

    fn sign(&self, action: LinkAction, parts: &[&str]) -> String {
        let signature = self.mac(action, parts).finalize().into_bytes();
        format!("{}.{}", parts.join("."), hex::encode(signature))
    }

    /// The parts of a genuine token (compared in constant time), `count` of them.
    fn verify(&self, action: LinkAction, token: &str, count: usize) -> Option<Vec<String>> {
        let (signed, signature) = token.rsplit_once('.')?;
        let parts: Vec<&str> = signed.split('.').collect();
        if parts.len() != count {
            return None;
        }
        let given = hex::decode(signature).ok()?;
        self.mac(action, &parts).verify_slice(&given).ok()?;
        Some(parts.into_iter().map(str::to_string).collect())
    }

    /// The unsubscribe token of `student` (an HMAC of the user id: it cannot be forged, and one
    /// student's token does not unsubscribe another).
    pub fn unsubscribe_token(&self, student: &UserId) -> String {
        self.sign(LinkAction::Unsubscribe, &[student.as_str()])
    }

    /// The student a token unsubscribes, if it is genuine.
    pub fn verify_unsubscribe(&self, token: &str) -> Option<UserId> {
        let parts = self.verify(LinkAction::Unsubscribe, token, 1)?;
        UserId::parse(&parts[0]).ok()
    }

    /// The token of the tracked link of a nudge's email (student and nudge, signed).
    pub fn click_token(&self, nudge: &Nudge) -> String {
        self.sign(
            LinkAction::Click,
            &[nudge.student.as_str(), nudge.nudge_id.as_str()],
        )
    }

    /// The caller's nudges, newest first.
    ///
    /// # Errors
    /// `Invalid` for a bad limit or cursor.
    pub async fn list(
        &self,
        caller: &Caller,
        limit: Option<u32>,
        cursor: Option<&str>,
    ) -> Result<NudgePage, AppError> {
        let limit = limit.unwrap_or(20);
        if !(1..=100).contains(&limit) {
            return Err(AppError::Invalid("limit must be 1 to 100".into()));
        }
        let partition = keys::user(&caller.user_id);
        let cursor = cursor
            .map(|token| decode_page_token(token, &partition))
            .transpose()?;
        let query = Query::partition(Index::Base, partition.clone())
            .sort(SortKeyCondition::BeginsWith(keys::NUDGES.into()))
            .descending()
            .limit(limit)
            .after(cursor);
        let (nudges, next) = query_page::<Nudge>(&self.ports.store, &query).await?;
        Ok(NudgePage {
            nudges,
            next: next.map(|next| encode_page_token(&next, &partition)),
        })
    }

    /// Record that `student` opened (`clicked == false`) or clicked their nudge `id`; the first
    /// time counts, a repeat changes nothing (a click opens it too).
    async fn record(
        &self,
        student: &UserId,
        id: &NudgeId,
        clicked: bool,
    ) -> Result<Nudge, AppError> {
        let not_found = || AppError::NotFound(format!("no nudge '{id}'"));
        for _ in 0..3 {
            let mut nudge = read::<Nudge>(&self.ports.store, &keys::nudge(student, id.as_str()))
                .await?
                .ok_or_else(not_found)?;
            let now = self.ports.clock.now().to_string();
            let field = if clicked {
                &mut nudge.clicked_at
            } else {
                &mut nudge.opened_at
            };
            if field.is_some() {
                return Ok(nudge);
            }
            *field = Some(now.clone());
            if clicked && nudge.opened_at.is_none() {
                nudge.opened_at = Some(now);
            }
            let version = nudge.version;
            nudge.version += 1;
            match self
                .ports
                .store
                .put(nudge.to_item()?, versioned(version))
                .await
            {
                Ok(()) => return Ok(nudge),
                // The job updated it (its email, its return) meanwhile: read it again.
                Err(tutorbridge_table::TableError::Conflict(_)) => continue,
                Err(error) => return Err(error.into()),
            }
        }
        Err(AppError::Conflict(
            "the nudge kept changing; try again".into(),
        ))
    }

    /// Record that the caller opened or clicked one of their nudges (in-app).
    ///
    /// # Errors
    /// `NotFound` for a nudge that is not the caller's.
    pub async fn mark(
        &self,
        caller: &Caller,
        id: &NudgeId,
        clicked: bool,
    ) -> Result<Nudge, AppError> {
        self.record(&caller.user_id, id, clicked).await
    }

    /// Follow a tracked email link: the click (and the open) is recorded and the nudge's own
    /// link returned to redirect to (never a target taken from the request).
    ///
    /// # Errors
    /// `NotFound` for a token that is not genuine or a nudge that is gone.
    pub async fn follow(&self, token: &str) -> Result<String, AppError> {
        let invalid = || AppError::NotFound("this link is not valid".into());
        let parts = self
            .verify(LinkAction::Click, token, 2)
            .ok_or_else(invalid)?;
        let student = UserId::parse(&parts[0]).map_err(|_| invalid())?;
        let id = NudgeId::parse(&parts[1]).map_err(|_| invalid())?;
        Ok(self.record(&student, &id, true).await?.link)
    }

    /// Opt the token's student out of nudge emails (the one-click unsubscribe link).
    ///
    /// # Errors
    /// `NotFound` for a token that is not genuine (nothing is said about why).
    pub async fn unsubscribe(&self, token: &str) -> Result<(), AppError> {
        let student = self
            .verify_unsubscribe(token)
            .ok_or_else(|| AppError::NotFound("this unsubscribe link is not valid".into()))?;
        crate::people::ProfileService::new(self.ports.clone())
            .opt_out_of_email(&student)
            .await
    }
}
