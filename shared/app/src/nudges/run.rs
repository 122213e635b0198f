//! The nudge job: queued emails, then the returns of nudges a day old, then the cues that fell
//! due, then the activity index shard by shard (oldest first, up to a week ago). A run that
//! nears its allowance checkpoints the shard and page it reached; the next run continues.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tutorbridge_domain::UserId;
use tutorbridge_domain::nudges::bandit::{ArmStats, Bandit, draw_from};
use tutorbridge_domain::nudges::templates::{self, Slots};
use tutorbridge_domain::nudges::{
    Decision, History, INACTIVE_AFTER, Reach, Trigger, decide, is_inactive, local_day,
};
use tutorbridge_domain::people::Profile;
use tutorbridge_table::{
    Condition, Cursor, Index, Key, Query, SortKeyCondition, TableError, WriteOp,
};

use super::cues::{NudgeCue, stamp};
use super::{EmailStatus, MAX_EMAIL_ATTEMPTS, Nudge, NudgeService};
use crate::AppError;
use crate::keys::{self, entity};
use crate::mailer::{Email, escape_html};
use crate::people::store::{activity_of, profile_of};
use crate::records::{Record, query_page, read, versioned};
use crate::tutor_model::PersonaliseBrief;

/// Entries read per page of a shard or of the cues.
const PAGE: u32 = 100;
/// Nudges read to know what was sent before.
const RECENT: u32 = 10;
/// Time kept back from a run's allowance for writing the checkpoint and returning.
const CHECKPOINT_MARGIN: Duration = Duration::from_secs(10);
/// Time a model may take to rephrase one nudge.
const PERSONALISE_BUDGET: Duration = Duration::from_secs(2);

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
    #[serde(default)]
    subject: Option<String>,
    #[serde(default)]
    streak_days: Option<u32>,
}

/// What one run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RunReport {
    /// Candidates the policy was applied to (cues and inactive students).
    pub evaluated: u32,
    pub sent: u32,
    pub deferred: u32,
    pub skipped: u32,
    /// Another run took the slot first.
    pub raced: u32,
    pub emails_sent: u32,
    pub emails_failed: u32,
    /// Nudges whose return was counted.
    pub settled: u32,
    /// Table reads and writes made (items read by queries count one per page).
    pub reads: u32,
    pub writes: u32,
    /// False when the run checkpointed before the last shard (the next run continues).
    pub complete: bool,
}

/// One candidate for a nudge.
#[derive(Clone)]
struct Candidate {
    student: UserId,
    trigger: Trigger,
    slots: Slots,
    /// The deep link's path and query under the app's URL.
    target: String,
    /// The cue it came from (removed when a nudge acts on it).
    cue: Option<NudgeCue>,
}

impl Candidate {
    fn from_cue(cue: NudgeCue) -> Candidate {
        let target = match (cue.trigger, cue.slug.as_str()) {
            (Trigger::ReviewDue, slug) => format!("/practice?subject={slug}&review=true"),
            (_, "-") => "/practice".to_string(),
            (_, slug) => format!("/practice?subject={slug}"),
        };
        Candidate {
            student: cue.student.clone(),
            trigger: cue.trigger,
            slots: Slots {
                name: String::new(),
                streak: cue.streak_days,
                subject: cue.subject.clone(),
                next_step: cue.next_step.clone(),
                due: cue.due,
            },
            target,
            cue: Some(cue),
        }
    }

    fn inactive(entry: ActivityEntry) -> Candidate {
        let target = entry
            .subject
            .as_deref()
            .and_then(|subject| tutorbridge_domain::practice::SubjectSlug::parse(subject).ok())
            .map_or("/practice".to_string(), |slug| {
                format!("/practice?subject={slug}")
            });
        Candidate {
            student: entry.user_id,
            trigger: Trigger::Inactive,
            slots: Slots {
                name: String::new(),
                streak: entry.streak_days.unwrap_or(0),
                subject: entry.subject,
                next_step: None,
                due: 0,
            },
            target,
            cue: None,
        }
    }
}

/// What was read about a candidate.
struct Context {
    profile: Option<Profile>,
    recent: Vec<Nudge>,
    /// The student practised after the cue was left.
    practised_since: bool,
    reads: u32,
}

/// A nudge about to be sent: its writes (the day's slot, the nudge, the cue's removal).
struct Send {
    nudge: Nudge,
    ops: Vec<WriteOp>,
    email_to: Option<String>,
}

/// Students whose sends share one transaction (three writes each at most).
const SENDS_PER_TRANSACTION: usize = tutorbridge_table::MAX_TRANSACTION_ITEMS / 3;

/// What became of a candidate.
enum Outcome {
    Sent,
    Deferred(jiff::Timestamp),
    /// Held back by something that passes (cap, suppression, gap): try again tomorrow.
    Later,
    Dropped,
    Raced,
}

impl NudgeService {
    /// One run with no time limit.
    ///
    /// # Errors
    /// The table's (a mail failure is counted, not raised).
    pub async fn run(&self) -> Result<RunReport, AppError> {
        self.run_within(Duration::MAX).await
    }

    /// One run within `allowance` (a Lambda invocation's remaining time): queued emails, the
    /// returns of day-old nudges, the cues due, then the inactive students from where a previous
    /// run's checkpoint left off. When the allowance is nearly spent after a page it checkpoints
    /// the shard and page it reached and returns (`complete: false`); the next invocation
    /// continues. At least one page of each is handled per run.
    ///
    /// # Errors
    /// The table's (a mail failure is counted, not raised).
    pub async fn run_within(&self, allowance: Duration) -> Result<RunReport, AppError> {
        let started = Instant::now();
        let out_of_time = move || started.elapsed().saturating_add(CHECKPOINT_MARGIN) >= allowance;
        let mut report = RunReport::default();
        self.resend(&mut report).await?;
        let now = self.ports.clock.now();
        let arms = self.settle(now, &mut report, &out_of_time).await?;
        self.cues(now, &arms, &mut report, &out_of_time).await?;
        report.complete = self.inactive(now, &arms, &mut report, &out_of_time).await?;
        tracing::info!(?report, "nudge run");
        Ok(report)
    }

    /// The cues due now, page by page.
    async fn cues(
        &self,
        now: jiff::Timestamp,
        arms: &BTreeMap<String, ArmStats>,
        report: &mut RunReport,
        out_of_time: &impl Fn() -> bool,
    ) -> Result<(), AppError> {
        // `~` sorts after every entry due at this second.
        let bound = format!("{}~", stamp(now));
        let mut cursor = None;
        loop {
            let query = Query::partition(Index::Gsi2, keys::NUDGE_CUES)
                .sort(SortKeyCondition::LessThan(bound.clone()))
                .limit(PAGE)
                .after(cursor.take());
            let (cues, next) = query_page::<NudgeCue>(&self.ports.store, &query).await?;
            report.reads += 1;
            let mut after = Vec::new();
            let mut candidates = Vec::new();
            for cue in cues {
                if cue.stale(now) {
                    after.push(WriteOp::Delete {
                        key: cue.key(),
                        condition: Condition::None,
                    });
                } else {
                    candidates.push(Candidate::from_cue(cue));
                }
            }
            for (candidate, outcome) in self.evaluate_page(candidates, now, arms, report).await? {
                let Some(cue) = candidate.cue else { continue };
                let moved = |at: jiff::Timestamp| -> Result<WriteOp, AppError> {
                    let mut moved = cue.clone();
                    moved.due_at = stamp(at);
                    moved.put(Condition::None)
                };
                after.push(match outcome {
                    // The send's transaction removed it; a racing run holds the slot.
                    Outcome::Sent | Outcome::Raced => continue,
                    Outcome::Deferred(until) => moved(until)?,
                    Outcome::Later => moved(now + jiff::SignedDuration::from_hours(24))?,
                    Outcome::Dropped => WriteOp::Delete {
                        key: cue.key(),
                        condition: Condition::None,
                    },
                });
            }
            for chunk in after.chunks(tutorbridge_table::MAX_TRANSACTION_ITEMS) {
                self.ports.store.transact_write(chunk.to_vec()).await?;
                report.writes += 1;
            }
            match next {
                Some(next) if !out_of_time() => cursor = Some(next),
                _ => return Ok(()),
            }
        }
    }

    /// The activity index from the checkpoint on; `true` when it reached the end.
    async fn inactive(
        &self,
        now: jiff::Timestamp,
        arms: &BTreeMap<String, ArmStats>,
        report: &mut RunReport,
        out_of_time: &impl Fn() -> bool,
    ) -> Result<bool, AppError> {
        // The activity index keeps times to the second in this form (text order is time order).
        let cutoff = stamp(now - INACTIVE_AFTER);
        let checkpoint = read::<Checkpoint>(&self.ports.store, &keys::nudge_checkpoint()).await?;
        report.reads += 1;
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
                report.reads += 1;
                let candidates = entries
                    .into_iter()
                    .filter(|entry| {
                        entry
                            .last_active_at
                            .parse::<jiff::Timestamp>()
                            .is_ok_and(|at| is_inactive(at, now))
                    })
                    .map(Candidate::inactive)
                    .collect();
                self.evaluate_page(candidates, now, arms, report).await?;
                let (resume_shard, resume_cursor) = match next {
                    Some(next) => (shard, Some(next)),
                    None => (shard + 1, None),
                };
                let more = resume_shard < keys::ACTIVITY_SHARDS;
                if more && out_of_time() {
                    let at = Checkpoint {
                        shard: resume_shard,
                        cursor: resume_cursor.map(|c| c.0),
                        at: now.to_string(),
                    };
                    self.ports.store.put(at.to_item()?, Condition::None).await?;
                    report.writes += 1;
                    tracing::info!(?report, shard = at.shard, "nudge run checkpointed");
                    return Ok(false);
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
                .transact_write(vec![WriteOp::Delete {
                    key: keys::nudge_checkpoint(),
                    condition: Condition::None,
                }])
                .await?;
            report.writes += 1;
        }
        Ok(true)
    }

    /// Apply the policy to a page of candidates: their context read in parallel, each decided,
    /// the sends written a few students per transaction (a conflict — another run took a slot —
    /// falls back to one transaction per student, so the others still go), then the emails, and
    /// their outcomes marked a transaction per 25.
    async fn evaluate_page(
        &self,
        candidates: Vec<Candidate>,
        now: jiff::Timestamp,
        arms: &BTreeMap<String, ArmStats>,
        report: &mut RunReport,
    ) -> Result<Vec<(Candidate, Outcome)>, AppError> {
        let mut decided = Vec::with_capacity(candidates.len());
        // One candidate per student per page (two cues of one student would share the day's
        // slot): the others are looked at again in an hour.
        let mut students = std::collections::BTreeSet::new();
        let (candidates, again): (Vec<_>, Vec<_>) = candidates
            .into_iter()
            .partition(|c| students.insert(c.student.clone()));
        let later = now + jiff::SignedDuration::from_hours(1);
        decided.extend(again.into_iter().map(|c| (c, Outcome::Deferred(later))));
        let contexts =
            futures_util::future::join_all(candidates.iter().map(|c| self.context(c))).await;
        let mut planned = Vec::new();
        for (candidate, context) in candidates.into_iter().zip(contexts) {
            let context = context?;
            report.evaluated += 1;
            report.reads += context.reads;
            match self.plan(&candidate, context, now, arms, report).await? {
                Ok(send) => planned.push((candidate, send)),
                Err(outcome) => decided.push((candidate, outcome)),
            }
        }
        let mut sent = Vec::new();
        for chunk in planned.chunks(SENDS_PER_TRANSACTION) {
            let ops = chunk
                .iter()
                .map(|(_, send)| send.ops.clone())
                .collect::<Vec<_>>()
                .concat();
            report.writes += 1;
            match self.ports.store.transact_write(ops).await {
                Ok(()) => sent.extend(chunk.iter().map(|(c, send)| (c, send, true))),
                Err(TableError::Conflict(_)) => {
                    for (candidate, send) in chunk {
                        report.writes += 1;
                        let ok = match self.ports.store.transact_write(send.ops.clone()).await {
                            Ok(()) => true,
                            Err(TableError::Conflict(_)) => false,
                            Err(error) => return Err(error.into()),
                        };
                        sent.push((candidate, send, ok));
                    }
                }
                Err(error) => return Err(error.into()),
            }
        }
        let mut marks = Vec::new();
        for (candidate, send, ok) in &sent {
            if !ok {
                report.raced += 1;
                decided.push(((*candidate).clone(), Outcome::Raced));
                continue;
            }
            report.sent += 1;
            decided.push(((*candidate).clone(), Outcome::Sent));
            if let Some(to) = &send.email_to
                && let Some(mark) = self.deliver(send.nudge.clone(), to, report).await
            {
                marks.push(mark);
                // Saved 25 at a time: a crash between an email and its mark re-sends at most
                // those few on the next run (the mark can only follow the mailer's success).
                if marks.len() == tutorbridge_table::MAX_TRANSACTION_ITEMS {
                    self.save_marks(std::mem::take(&mut marks), report).await?;
                }
            }
        }
        self.save_marks(marks, report).await?;
        Ok(decided)
    }

    /// What the policy needs to know of a candidate: profile, recent nudges and (for a
    /// summary's next step) their activity, in one parallel round.
    async fn context(&self, candidate: &Candidate) -> Result<Context, AppError> {
        let student = &candidate.student;
        let recent_query = Query::partition(Index::Base, keys::user(student))
            .sort(SortKeyCondition::BeginsWith(keys::NUDGES.into()))
            .descending()
            .limit(RECENT);
        // A summary's next step is moot once the student has practised since.
        let wants_activity = candidate.trigger == Trigger::SummaryNextStep;
        let activity = async {
            match wants_activity {
                true => activity_of(&self.ports.store, student).await,
                false => Ok(None),
            }
        };
        let (profile, recent, activity) = tokio::join!(
            profile_of(&self.ports.store, student),
            query_page::<Nudge>(&self.ports.store, &recent_query),
            activity,
        );
        Ok(Context {
            profile: profile?.map(|record| record.profile),
            recent: recent?.0,
            practised_since: activity?.is_some_and(|activity| {
                candidate
                    .cue
                    .as_ref()
                    .is_some_and(|cue| activity.last_active_at > cue.created_at)
            }),
            reads: 2 + u32::from(wants_activity),
        })
    }

    /// Decide one candidate: the nudge to send with its writes, or why not.
    async fn plan(
        &self,
        candidate: &Candidate,
        context: Context,
        now: jiff::Timestamp,
        arms: &BTreeMap<String, ArmStats>,
        report: &mut RunReport,
    ) -> Result<Result<Send, Outcome>, AppError> {
        let Context {
            profile,
            recent,
            practised_since,
            ..
        } = context;
        let Some(profile) = profile.filter(|_| !practised_since) else {
            report.skipped += 1;
            return Ok(Err(Outcome::Dropped));
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
        let delivery = match decide(now, &reach, &history, candidate.trigger) {
            Decision::Send(delivery) => delivery,
            Decision::Defer(until) => {
                report.deferred += 1;
                return Ok(Err(Outcome::Deferred(until)));
            }
            skip => {
                report.skipped += 1;
                return Ok(Err(if skip.passes() {
                    Outcome::Later
                } else {
                    Outcome::Dropped
                }));
            }
        };
        let mut slots = candidate.slots.clone();
        slots.name = profile.display_name.clone();
        let nudge_id = format!(
            "{:013}{}",
            now.as_millisecond().max(0),
            self.ports.ids.lower()
        );
        let eligible = templates::eligible(candidate.trigger, &slots);
        let Some(template) = self.choose(&eligible, arms, &recent, now, &nudge_id) else {
            report.skipped += 1;
            return Ok(Err(Outcome::Dropped));
        };
        let (title, text) = template.render(&slots);
        let (message, personalised_by) = self.personalise(&profile, template, &slots, text).await;
        let nudge = Nudge {
            nudge_id: nudge_id.clone(),
            student: candidate.student.clone(),
            trigger: candidate.trigger,
            template: template.id.to_string(),
            eligible: eligible.iter().map(|t| t.id.to_string()).collect(),
            subject: title,
            message,
            personalised_by,
            link: format!("{}{}", self.app_url, candidate.target),
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
            returned: None,
            version: 1,
        };
        let lock = NudgeLock {
            student: candidate.student.clone(),
            local_day: today,
            slot: history.sent_today + 1,
            nudge_id,
            expires_at: now.as_second().max(0) as u64 + 3 * 86_400,
        };
        let mut ops = vec![
            lock.put(Condition::NotExists)?,
            nudge.put(Condition::NotExists)?,
        ];
        if let Some(cue) = &candidate.cue {
            ops.push(WriteOp::Delete {
                key: cue.key(),
                condition: Condition::None,
            });
        }
        let email_to = profile.email.filter(|_| delivery.email);
        Ok(Ok(Send {
            nudge,
            ops,
            email_to,
        }))
    }

    /// The bandit's choice among the eligible templates, with the student's recency.
    fn choose(
        &self,
        eligible: &[&'static templates::Template],
        arms: &BTreeMap<String, ArmStats>,
        recent: &[Nudge],
        now: jiff::Timestamp,
        nudge_id: &str,
    ) -> Option<&'static templates::Template> {
        if eligible.is_empty() {
            return None;
        }
        let days_since = |id: &str| {
            recent
                .iter()
                .filter(|n| n.template == id)
                .filter_map(|n| n.created_at.parse::<jiff::Timestamp>().ok())
                .max()
                .map(|at| now.duration_since(at).as_secs_f64() / 86_400.0)
        };
        let index = Bandit::default().choose(
            eligible,
            |id| arms.get(id).copied().unwrap_or_default(),
            days_since,
            draw_from(nudge_id),
        );
        eligible.get(index).copied()
    }

    /// The template's text, rephrased by the model if one is configured and it keeps the facts.
    async fn personalise(
        &self,
        profile: &Profile,
        template: &templates::Template,
        slots: &Slots,
        text: String,
    ) -> (String, Option<String>) {
        let Some(tutor) = &self.tutor else {
            return (text, None);
        };
        let brief = PersonaliseBrief {
            name: profile.display_name.clone(),
            facts: templates::facts(template, slots),
            text: text.clone(),
        };
        match tutor.personalise(&brief, PERSONALISE_BUDGET).await {
            Ok(produced) if !produced.fallback => (produced.value, Some(produced.model)),
            _ => (text, None),
        }
    }

    /// Send a pending nudge's email: the nudge as it should be saved (sent, or an attempt
    /// counted), with the version it was read at; `None` without a mailer.
    async fn deliver(
        &self,
        mut nudge: Nudge,
        to: &str,
        report: &mut RunReport,
    ) -> Option<(Nudge, u64)> {
        let mailer = self.mailer.as_ref()?;
        let unsubscribe = format!(
            "{}/nudges/unsubscribe/{}",
            self.app_url,
            self.unsubscribe_token(&nudge.student)
        );
        // The link is tracked through a signed redirect (no tracking pixel).
        let link = format!("{}/nudges/go/{}", self.app_url, self.click_token(&nudge));
        let email = Email {
            to: to.to_string(),
            subject: nudge.subject.clone(),
            text: format!(
                "{}\n\nPractise now: {link}\n\nNo more emails like this: {unsubscribe}\n",
                nudge.message
            ),
            html: format!(
                "<p>{}</p><p><a href=\"{}\">Practise now</a></p><p><a href=\"{}\">No more emails like this</a></p>",
                escape_html(&nudge.message),
                escape_html(&link),
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
        Some((nudge, version))
    }

    /// Save the emails' outcomes, 25 per transaction (each versioned: a nudge changed meanwhile
    /// — opened, say — keeps its own state and the email is sent again by a later run only if
    /// it is still pending).
    async fn save_marks(
        &self,
        marks: Vec<(Nudge, u64)>,
        report: &mut RunReport,
    ) -> Result<(), AppError> {
        for chunk in marks.chunks(tutorbridge_table::MAX_TRANSACTION_ITEMS) {
            let ops = chunk
                .iter()
                .map(|(nudge, version)| nudge.put(versioned(*version)))
                .collect::<Result<Vec<_>, _>>()?;
            report.writes += 1;
            match self.ports.store.transact_write(ops).await {
                Ok(()) => {}
                Err(TableError::Conflict(_)) => {
                    for (nudge, version) in chunk {
                        report.writes += 1;
                        match self
                            .ports
                            .store
                            .put(nudge.to_item()?, versioned(*version))
                            .await
                        {
                            Ok(()) | Err(TableError::Conflict(_)) => {}
                            Err(error) => return Err(error.into()),
                        }
                    }
                }
                Err(error) => return Err(error.into()),
            }
        }
        Ok(())
    }

    /// Emails still pending from earlier runs.
    async fn resend(&self, report: &mut RunReport) -> Result<(), AppError> {
        if self.mailer.is_none() {
            return Ok(());
        }
        let query = Query::partition(Index::Gsi2, keys::NUDGE_MAIL).limit(PAGE);
        let (pending, _) = query_page::<Nudge>(&self.ports.store, &query).await?;
        report.reads += 1;
        for nudge in pending {
            let profile = profile_of(&self.ports.store, &nudge.student).await?;
            report.reads += 1;
            match profile.and_then(|p| {
                (!p.profile.nudges.email_opt_out)
                    .then_some(p.profile.email)
                    .flatten()
            }) {
                Some(to) => {
                    if let Some(mark) = self.deliver(nudge, &to, report).await {
                        self.save_marks(vec![mark], report).await?;
                    }
                }
                None => {
                    // Opted out or gone since: never sent.
                    let version = nudge.version;
                    let mut nudge = nudge;
                    nudge.email_status = EmailStatus::None;
                    nudge.version += 1;
                    report.writes += 1;
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
}
