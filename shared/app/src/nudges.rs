//! The nudge job and the student's nudges. The job (an EventBridge schedule; a timer locally)
//! reads the activity index shard by shard, oldest first, up to a week ago; for each inactive
//! student it applies the policy ([`tutorbridge_domain::nudges::decide`]) and, to send, takes
//! the day's next slot (a create-only lock item) together with the nudge in one transaction —
//! so a rerun, a concurrent run or a retried invocation never sends twice. The email goes out
//! after; it is marked sent only when the mailer says so, and one that failed stays queued (a
//! sparse index) for the next run, a bounded number of times.

use std::sync::Arc;

use hmac::Mac;
use serde::{Deserialize, Serialize};
use tutorbridge_domain::nudges::{
    Decision, Delivery, History, NudgeId, Reach, Trigger, decide, is_inactive, local_day,
};
use tutorbridge_domain::{Caller, UserId};
use tutorbridge_table::{Condition, Cursor, Index, Key, Query, SortKeyCondition, TableError};

use crate::config::Secret;
use crate::keys::{self, entity};
use crate::mailer::{Email, Mailer, escape_html};
use crate::people::store::profile_of;
use crate::records::{Record, decode_page_token, encode_page_token, query_page, read, versioned};
use crate::{AppError, Ports};

/// Sends of one nudge's email before it is given up.
pub const MAX_EMAIL_ATTEMPTS: u32 = 3;
/// Activity entries read per page of a shard.
const PAGE: u32 = 100;
/// Nudges read to know what was sent before.
const RECENT: u32 = 10;
/// Time kept back from a run's allowance for writing the checkpoint and returning.
const CHECKPOINT_MARGIN: std::time::Duration = std::time::Duration::from_secs(10);

/// Where an unfinished run stopped: the shard and page the next run starts from.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Checkpoint {
    shard: u64,
    cursor: Option<String>,
    at: String,
}

impl Record for Checkpoint {
    const ENTITY: &'static str = entity::JOB_CHECKPOINT;

    fn key(&self) -> Key {
        keys::nudge_checkpoint()
    }
}

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
    pub nudge_id: String,
    #[schema(value_type = String)]
    pub student: UserId,
    pub trigger: Trigger,
    pub subject: String,
    pub message: String,
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
    #[serde(default)]
    #[schema(ignore)]
    pub version: u64,
}

impl Record for Nudge {
    const ENTITY: &'static str = entity::NUDGE;

    fn key(&self) -> Key {
        keys::nudge(&self.student, &self.created_at, &self.nudge_id)
    }

    fn gsi1(&self) -> Option<(String, String)> {
        Some(keys::nudge_entry(&self.nudge_id))
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

/// The day's slot a nudge took.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct NudgeLock {
    student: UserId,
    local_day: String,
    slot: u32,
    nudge_id: String,
    expires_at: u64,
}

impl Record for NudgeLock {
    const ENTITY: &'static str = entity::NUDGE_LOCK;

    fn key(&self) -> Key {
        keys::nudge_lock(&self.student, &self.local_day, self.slot)
    }

    fn expires_at(&self) -> Option<u64> {
        Some(self.expires_at)
    }
}

#[derive(Debug, Clone, Deserialize)]
struct ActivityEntry {
    user_id: UserId,
    last_active_at: String,
}

/// What one run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RunReport {
    pub evaluated: u32,
    pub sent: u32,
    pub deferred: u32,
    pub skipped: u32,
    /// Another run took the slot first.
    pub raced: u32,
    pub emails_sent: u32,
    pub emails_failed: u32,
    /// False when the run checkpointed before the last shard (the next run continues).
    pub complete: bool,
}

/// One page of a student's nudges, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct NudgePage {
    pub nudges: Vec<Nudge>,
    pub next: Option<String>,
}

/// The nudge job and the student's nudges.
#[derive(Clone)]
pub struct NudgeService {
    ports: Ports,
    mailer: Option<Arc<dyn Mailer>>,
    app_url: String,
    link_secret: Secret,
}

impl NudgeService {
    /// Links in emails point under `app_url`; unsubscribe links are signed with `link_secret`.
    pub fn new(
        ports: impl Into<Ports>,
        mailer: Option<Arc<dyn Mailer>>,
        app_url: &str,
        link_secret: Secret,
    ) -> Self {
        NudgeService {
            ports: ports.into(),
            mailer,
            app_url: app_url.trim_end_matches('/').to_string(),
            link_secret,
        }
    }

    /// The unsubscribe token of `student` (HMAC-SHA256 of the user id: it cannot be forged, and
    /// one student's token does not unsubscribe another).
    pub fn unsubscribe_token(&self, student: &UserId) -> String {
        let signature = self.unsubscribe_mac(student).finalize().into_bytes();
        format!("{student}.{}", hex::encode(signature))
    }

    fn unsubscribe_mac(&self, student: &UserId) -> hmac::Hmac<sha2::Sha256> {
        let mut mac = crate::summaries::signature::keyed(&self.link_secret);
        mac.update(format!("unsubscribe\n{student}").as_bytes());
        mac
    }

    /// The student a token unsubscribes, if it is genuine (compared in constant time).
    pub fn verify_unsubscribe(&self, token: &str) -> Option<UserId> {
        let (user, signature) = token.rsplit_once('.')?;
        let user = UserId::parse(user).ok()?;
        let given = hex::decode(signature).ok()?;
        self.unsubscribe_mac(&user)
            .verify_slice(&given)
            .ok()
            .map(|()| user)
    }

    /// One run with no time limit: queued emails first, then every inactive student, shard by
    /// shard.
    ///
    /// # Errors
    /// The table's (a mail failure is counted, not raised).
    pub async fn run(&self) -> Result<RunReport, AppError> {
        self.run_within(std::time::Duration::MAX).await
    }

    /// One run within `allowance` (a Lambda invocation's remaining time): it resumes where a
    /// previous run's checkpoint left off and, when the allowance is nearly spent after a page,
    /// checkpoints the shard and page it reached and returns (`complete: false`); the next
    /// invocation continues. At least one page is evaluated per run.
    ///
    /// # Errors
    /// The table's (a mail failure is counted, not raised).
    pub async fn run_within(&self, allowance: std::time::Duration) -> Result<RunReport, AppError> {
        let started = std::time::Instant::now();
        let mut report = RunReport::default();
        self.resend(&mut report).await?;
        let now = self.ports.clock.now();
        // The activity index keeps times to the second in this form (text order is time order).
        let cutoff = (now - tutorbridge_domain::nudges::INACTIVE_AFTER)
            .strftime("%Y-%m-%dT%H:%M:%SZ")
            .to_string();
        let checkpoint = read::<Checkpoint>(&self.ports.store, &keys::nudge_checkpoint()).await?;
        let (first_shard, mut cursor) = match &checkpoint {
            Some(at) => (at.shard, at.cursor.clone().map(Cursor)),
            None => (0, None),
        };
        for shard in first_shard..keys::ACTIVITY_SHARDS {
            loop {
                let query = Query::partition(Index::Gsi2, format!("ACTIVITY#{shard}"))
                    .sort(SortKeyCondition::LessThan(cutoff.clone()))
                    .limit(PAGE)
                    .after(cursor.take());
                let (entries, next) =
                    query_page::<ActivityEntry>(&self.ports.store, &query).await?;
                for entry in entries {
                    self.evaluate(&entry, now, &mut report).await?;
                }
                let (resume_shard, resume_cursor) = match next {
                    Some(next) => (shard, Some(next)),
                    None => (shard + 1, None),
                };
                let more = resume_shard < keys::ACTIVITY_SHARDS;
                if more && started.elapsed() + CHECKPOINT_MARGIN >= allowance {
                    let at = Checkpoint {
                        shard: resume_shard,
                        cursor: resume_cursor.map(|c| c.0),
                        at: now.to_string(),
                    };
                    self.ports.store.put(at.to_item()?, Condition::None).await?;
                    tracing::info!(?report, shard = at.shard, "nudge run checkpointed");
                    return Ok(report);
                }
                match resume_cursor {
                    Some(next) if resume_shard == shard => cursor = Some(next),
                    _ => break,
                }
            }
        }
        if checkpoint.is_some() {
            self.ports
                .store
                .transact_write(vec![tutorbridge_table::WriteOp::Delete {
                    key: keys::nudge_checkpoint(),
                    condition: Condition::None,
                }])
                .await?;
        }
        report.complete = true;
        tracing::info!(?report, "nudge run");
        Ok(report)
    }

    async fn evaluate(
        &self,
        entry: &ActivityEntry,
        now: jiff::Timestamp,
        report: &mut RunReport,
    ) -> Result<(), AppError> {
        let Ok(last_active) = entry.last_active_at.parse::<jiff::Timestamp>() else {
            return Ok(());
        };
        if !is_inactive(last_active, now) {
            return Ok(());
        }
        report.evaluated += 1;
        let student = &entry.user_id;
        let recent_query = Query::partition(Index::Base, keys::user(student))
            .sort(SortKeyCondition::BeginsWith(keys::NUDGES.into()))
            .descending()
            .limit(RECENT);
        let (profile, recent) = tokio::join!(
            profile_of(&self.ports.store, student),
            query_page::<Nudge>(&self.ports.store, &recent_query),
        );
        let (profile, recent) = (profile?, recent?.0);
        let Some(profile) = profile.map(|record| record.profile) else {
            report.skipped += 1;
            return Ok(());
        };
        let zone =
            jiff::tz::TimeZone::get(profile.time_zone.as_str()).unwrap_or(jiff::tz::TimeZone::UTC);
        let today = local_day(now, &zone);
        let history = History {
            sent_today: recent.iter().filter(|n| n.local_day == today).count() as u32,
            last_two_unopened: recent.len() >= 2
                && recent.iter().take(2).all(|n| n.opened_at.is_none()),
            last_by_trigger: recent
                .iter()
                .filter_map(|n| Some((n.trigger, n.created_at.parse().ok()?)))
                .collect(),
        };
        let reach = Reach {
            settings: profile.nudges,
            time_zone: zone,
            has_email: profile.email.is_some(),
            active: true,
        };
        let delivery = match decide(now, &reach, &history, Trigger::Inactive) {
            Decision::Send(delivery) => delivery,
            Decision::Defer(_) => {
                report.deferred += 1;
                return Ok(());
            }
            Decision::Skip(_) => {
                report.skipped += 1;
                return Ok(());
            }
        };
        let nudge_id = self.ports.ids.lower();
        let name = profile.display_name.clone();
        let nudge = Nudge {
            nudge_id: nudge_id.clone(),
            student: student.clone(),
            trigger: Trigger::Inactive,
            subject: format!("Ready for a little practice, {name}?"),
            message: format!(
                "Hi {name}, it's been a week since you last practised. Ten minutes today keeps what you learned fresh."
            ),
            link: format!("{}/practice", self.app_url),
            delivery,
            email_status: if delivery.email {
                EmailStatus::Pending
            } else {
                EmailStatus::None
            },
            email_attempts: 0,
            local_day: today.clone(),
            created_at: now.to_string(),
            opened_at: None,
            clicked_at: None,
            version: 1,
        };
        let lock = NudgeLock {
            student: student.clone(),
            local_day: today,
            slot: history.sent_today + 1,
            nudge_id,
            expires_at: now.as_second().max(0) as u64 + 3 * 86_400,
        };
        let ops = vec![
            lock.put(Condition::NotExists)?,
            nudge.put(Condition::NotExists)?,
        ];
        match self.ports.store.transact_write(ops).await {
            Ok(()) => report.sent += 1,
            Err(TableError::Conflict(_)) => {
                report.raced += 1;
                return Ok(());
            }
            Err(error) => return Err(error.into()),
        }
        if delivery.email
            && let Some(to) = profile.email.as_deref()
        {
            self.email(nudge, to, report).await?;
        }
        Ok(())
    }

    /// Send a pending nudge's email; mark it sent on success, count an attempt on failure.
    async fn email(
        &self,
        mut nudge: Nudge,
        to: &str,
        report: &mut RunReport,
    ) -> Result<(), AppError> {
        let Some(mailer) = &self.mailer else {
            return Ok(());
        };
        let unsubscribe = format!(
            "{}/nudges/unsubscribe/{}",
            self.app_url,
            self.unsubscribe_token(&nudge.student)
        );
        let email = Email {
            to: to.to_string(),
            subject: nudge.subject.clone(),
            text: format!(
                "{}\n\nPractise now: {}\n\nNo more emails like this: {unsubscribe}\n",
                nudge.message, nudge.link
            ),
            html: format!(
                "<p>{}</p><p><a href=\"{}\">Practise now</a></p><p><a href=\"{}\">No more emails like this</a></p>",
                escape_html(&nudge.message),
                escape_html(&nudge.link),
                escape_html(&unsubscribe)
            ),
            headers: vec![
                ("List-Unsubscribe".into(), format!("<{unsubscribe}>")),
                (
                    "List-Unsubscribe-Post".into(),
                    "List-Unsubscribe=One-Click".into(),
                ),
            ],
        };
        let version = nudge.version;
        nudge.version += 1;
        nudge.email_attempts += 1;
        match mailer.send(&email).await {
            Ok(_) => {
                nudge.email_status = EmailStatus::Sent;
                report.emails_sent += 1;
            }
            Err(error) => {
                tracing::warn!(nudge = %nudge.nudge_id, error = %error, "nudge email not sent; it stays pending");
                report.emails_failed += 1;
                if nudge.email_attempts >= MAX_EMAIL_ATTEMPTS {
                    nudge.email_status = EmailStatus::Failed;
                }
            }
        }
        match self
            .ports
            .store
            .put(nudge.to_item()?, versioned(version))
            .await
        {
            Ok(()) | Err(TableError::Conflict(_)) => Ok(()),
            Err(error) => Err(error.into()),
        }
    }

    /// Emails still pending from earlier runs.
    async fn resend(&self, report: &mut RunReport) -> Result<(), AppError> {
        if self.mailer.is_none() {
            return Ok(());
        }
        let query = Query::partition(Index::Gsi2, keys::NUDGE_MAIL).limit(PAGE);
        let (pending, _) = query_page::<Nudge>(&self.ports.store, &query).await?;
        for nudge in pending {
            let profile = profile_of(&self.ports.store, &nudge.student).await?;
            match profile.and_then(|p| {
                (!p.profile.nudges.email_opt_out)
                    .then_some(p.profile.email)
                    .flatten()
            }) {
                Some(to) => self.email(nudge, &to, report).await?,
                None => {
                    // Opted out or gone since: never sent.
                    let version = nudge.version;
                    let mut nudge = nudge;
                    nudge.email_status = EmailStatus::None;
                    nudge.version += 1;
                    let _ = self
                        .ports
                        .store
                        .put(nudge.to_item()?, versioned(version))
                        .await;
                }
            }
        }
        Ok(())
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

    /// Record that the caller opened (`clicked == false`) or clicked one of their nudges; the
    /// first time counts, a repeat changes nothing.
    ///
    /// # Errors
    /// `NotFound` for a nudge that is not the caller's.
    pub async fn mark(
        &self,
        caller: &Caller,
        id: &NudgeId,
        clicked: bool,
    ) -> Result<Nudge, AppError> {
        let query = Query::partition(Index::Gsi1, keys::nudge_entry(id.as_str()).0).limit(1);
        let mut nudge = query_page::<Nudge>(&self.ports.store, &query)
            .await?
            .0
            .into_iter()
            .next()
            .filter(|n| n.student == caller.user_id)
            .ok_or_else(|| AppError::NotFound(format!("no nudge '{id}'")))?;
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
        // A click opens it too.
        if clicked && nudge.opened_at.is_none() {
            nudge.opened_at = Some(now);
        }
        let version = nudge.version;
        nudge.version += 1;
        self.ports
            .store
            .put(nudge.to_item()?, versioned(version))
            .await?;
        Ok(nudge)
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
