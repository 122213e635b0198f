//! Returns: a day after a nudge the job counts whether the student practised since (their
//! activity marker moved past the nudge), once per nudge — the bandit's reward — and the
//! admin's statistics per trigger and template.
//!
//! A return is observed at the first run after the day is up; with the hourly schedule that
//! counts practice up to about 25 hours after the nudge.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tutorbridge_domain::nudges::Trigger;
use tutorbridge_domain::nudges::bandit::{ArmStats, credit};
use tutorbridge_domain::{Caller, Role};
use tutorbridge_table::{Condition, Index, Key, Query, SortKeyCondition, TableError};

use super::run::RunReport;
use super::{Nudge, NudgeService};
use crate::AppError;
use crate::keys::{self, entity};
use crate::people::store::activity_of;
use crate::records::{Record, query_page, read, versioned};

/// A return is counted this long after the nudge.
const RETURN_WINDOW: jiff::SignedDuration = jiff::SignedDuration::from_hours(24);
/// How far back a first settling looks.
const FIRST_LOOKBACK: jiff::SignedDuration = jiff::SignedDuration::from_hours(3 * 24);
/// Nudges settled per page (their activity markers are read in parallel).
const PAGE: u32 = 50;
/// The longest a statistics window may be.
pub const MAX_STATS_DAYS: i64 = 92;
/// Attempts at the bandit's statistics item when runs race.
const MAX_WRITE_ATTEMPTS: u32 = 5;

/// What each template has earned.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct BanditRecord {
    arms: BTreeMap<String, ArmStats>,
    version: u64,
}

impl Record for BanditRecord {
    const ENTITY: &'static str = entity::NUDGE_BANDIT;

    fn key(&self) -> Key {
        keys::nudge_bandit()
    }
}

/// Nudges created up to `through` (milliseconds) have had their return counted.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Settled {
    through_ms: i64,
}

impl Record for Settled {
    const ENTITY: &'static str = entity::NUDGE_SETTLED;

    fn key(&self) -> Key {
        keys::nudge_settled()
    }
}

/// The UTC days from `from` to `to` (inclusive), as `YYYY-MM-DD`.
fn days(from: jiff::Timestamp, to: jiff::Timestamp) -> Vec<String> {
    let (mut day, last) = (
        from.to_zoned(jiff::tz::TimeZone::UTC).date(),
        to.to_zoned(jiff::tz::TimeZone::UTC).date(),
    );
    let mut out = Vec::new();
    while day <= last {
        out.push(day.to_string());
        match day.tomorrow() {
            Ok(next) => day = next,
            Err(_) => break,
        }
    }
    out
}

impl NudgeService {
    /// Count the returns of nudges whose day is up, credit the bandit, and answer what each
    /// template has earned so far.
    pub(super) async fn settle(
        &self,
        now: jiff::Timestamp,
        report: &mut RunReport,
        out_of_time: &impl Fn() -> bool,
    ) -> Result<BTreeMap<String, ArmStats>, AppError> {
        let store = &self.ports.store;
        let (bandit_key, settled_key) = (keys::nudge_bandit(), keys::nudge_settled());
        let (bandit, settled) = tokio::join!(
            read::<BanditRecord>(store, &bandit_key),
            read::<Settled>(store, &settled_key),
        );
        report.reads += 2;
        let mut arms = bandit?.unwrap_or_default().arms;
        let cutoff = (now - RETURN_WINDOW).as_millisecond();
        let from = match settled? {
            Some(settled) => settled.through_ms,
            None => (now - RETURN_WINDOW - FIRST_LOOKBACK).as_millisecond(),
        };
        if from >= cutoff {
            return Ok(arms);
        }
        let (Ok(start), Ok(end)) = (
            jiff::Timestamp::from_millisecond(from),
            jiff::Timestamp::from_millisecond(cutoff),
        ) else {
            return Ok(arms);
        };
        let mut gained = BTreeMap::new();
        let mut through = from;
        'days: for day in days(start, end) {
            let mut cursor = None;
            loop {
                let query = Query::partition(Index::Gsi1, keys::nudge_day(&day))
                    .sort(SortKeyCondition::Between(
                        format!("{:013}", from + 1),
                        format!("{cutoff:013}~"),
                    ))
                    .limit(PAGE)
                    .after(cursor.take());
                let (nudges, next) = query_page::<Nudge>(store, &query).await?;
                report.reads += 1;
                let outcomes = futures_util::future::join_all(
                    nudges.into_iter().map(|nudge| self.settle_one(nudge)),
                )
                .await;
                report.reads += outcomes.len() as u32;
                report.writes += outcomes.len() as u32;
                for outcome in outcomes {
                    if let Some((nudge, returned)) = outcome? {
                        credit(&mut gained, &nudge.template, &nudge.eligible, returned);
                        report.settled += 1;
                        through = through.max(
                            nudge
                                .nudge_id
                                .get(..13)
                                .and_then(|ms| ms.parse().ok())
                                .unwrap_or(through),
                        );
                    }
                }
                match next {
                    Some(next) if !out_of_time() => cursor = Some(next),
                    Some(_) => break 'days,
                    None => break,
                }
            }
            // A whole day done: everything up to its end (or the cutoff) is settled.
            through = through.max(
                jiff::civil::Date::strptime("%Y-%m-%d", &day)
                    .ok()
                    .and_then(|d| d.tomorrow().ok())
                    .and_then(|d| d.to_zoned(jiff::tz::TimeZone::UTC).ok())
                    .map_or(through, |z| z.timestamp().as_millisecond() - 1)
                    .min(cutoff),
            );
            if out_of_time() {
                break;
            }
        }
        if !gained.is_empty() {
            arms = self.add_to_bandit(&gained, report).await?;
        }
        store
            .put(
                Settled {
                    through_ms: through,
                }
                .to_item()?,
                Condition::None,
            )
            .await?;
        report.writes += 1;
        Ok(arms)
    }

    /// Record one nudge's return; `None` when another run counted it first.
    async fn settle_one(&self, nudge: Nudge) -> Result<Option<(Nudge, bool)>, AppError> {
        if nudge.returned.is_some() {
            return Ok(None);
        }
        let activity = activity_of(&self.ports.store, &nudge.student).await?;
        let returned = activity.is_some_and(|a| {
            a.last_active_at.as_str() > super::cues::stamp_of(&nudge.created_at).as_str()
        });
        let mut nudge = nudge;
        let version = nudge.version;
        nudge.returned = Some(returned);
        nudge.version += 1;
        match self
            .ports
            .store
            .put(nudge.to_item()?, versioned(version))
            .await
        {
            Ok(()) => Ok(Some((nudge, returned))),
            // Changed since it was read (opened, its email, another run): the next run reads it
            // again if it is still unsettled... unless the checkpoint passed it; so retry once.
            Err(TableError::Conflict(_)) => {
                let Some(fresh) = read::<Nudge>(&self.ports.store, &nudge.key()).await? else {
                    return Ok(None);
                };
                if fresh.returned.is_some() {
                    return Ok(None);
                }
                let mut fresh = fresh;
                let version = fresh.version;
                fresh.returned = Some(returned);
                fresh.version += 1;
                match self
                    .ports
                    .store
                    .put(fresh.to_item()?, versioned(version))
                    .await
                {
                    Ok(()) => Ok(Some((fresh, returned))),
                    Err(TableError::Conflict(_)) => Ok(None),
                    Err(error) => Err(error.into()),
                }
            }
            Err(error) => Err(error.into()),
        }
    }

    /// Add `gained` to the bandit's statistics (versioned; re-read when runs race).
    async fn add_to_bandit(
        &self,
        gained: &BTreeMap<String, ArmStats>,
        report: &mut RunReport,
    ) -> Result<BTreeMap<String, ArmStats>, AppError> {
        for _ in 0..MAX_WRITE_ATTEMPTS {
            let mut record = read::<BanditRecord>(&self.ports.store, &keys::nudge_bandit())
                .await?
                .unwrap_or_default();
            report.reads += 1;
            for (id, add) in gained {
                let arm = record.arms.entry(id.clone()).or_default();
                arm.chosen += add.chosen;
                arm.chosen_returns += add.chosen_returns;
                arm.passed += add.passed;
                arm.passed_returns += add.passed_returns;
            }
            let version = record.version;
            record.version += 1;
            report.writes += 1;
            match self
                .ports
                .store
                .put(record.to_item()?, versioned(version))
                .await
            {
                Ok(()) => return Ok(record.arms),
                Err(TableError::Conflict(_)) => continue,
                Err(error) => return Err(error.into()),
            }
        }
        Err(AppError::Conflict(
            "the bandit's statistics kept changing".into(),
        ))
    }

    /// Nudges sent since `since` (a UTC date, default a week ago; at most
    /// [`MAX_STATS_DAYS`] back): sent, opened, clicked and returned within a day, per trigger
    /// and template. Admins only.
    ///
    /// # Errors
    /// `Forbidden` for anyone else; `Invalid` for a bad or too early date.
    pub async fn stats(
        &self,
        caller: &Caller,
        since: Option<&str>,
    ) -> Result<NudgeStats, AppError> {
        if !caller.has(Role::Admin) {
            return Err(AppError::Forbidden(
                "only admins see nudge statistics".into(),
            ));
        }
        let now = self.ports.clock.now();
        let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
        let since = match since {
            None => today - jiff::Span::new().days(7),
            Some(text) => jiff::civil::Date::strptime("%Y-%m-%d", text)
                .map_err(|_| AppError::Invalid("since must be a date, YYYY-MM-DD".into()))?,
        };
        let span = today.since(since).map_err(AppError::internal)?.get_days();
        if !(0..=MAX_STATS_DAYS).contains(&i64::from(span)) {
            return Err(AppError::Invalid(format!(
                "since must be within the last {MAX_STATS_DAYS} days and not in the future"
            )));
        }
        let start = since
            .to_zoned(jiff::tz::TimeZone::UTC)
            .map_err(AppError::internal)?
            .timestamp();
        let mut rows: BTreeMap<(Trigger, String), StatsRow> = BTreeMap::new();
        for day in days(start, now) {
            let mut cursor = None;
            loop {
                let query = Query::partition(Index::Gsi1, keys::nudge_day(&day))
                    .limit(200)
                    .after(cursor.take());
                let (nudges, next) = query_page::<Nudge>(&self.ports.store, &query).await?;
                for nudge in nudges {
                    let row = rows
                        .entry((nudge.trigger, nudge.template.clone()))
                        .or_insert_with(|| StatsRow {
                            trigger: nudge.trigger,
                            template: nudge.template.clone(),
                            ..StatsRow::default()
                        });
                    row.sent += 1;
                    row.opened += u32::from(nudge.opened_at.is_some());
                    row.clicked += u32::from(nudge.clicked_at.is_some());
                    row.returned += u32::from(nudge.returned == Some(true));
                    row.awaiting_return += u32::from(nudge.returned.is_none());
                }
                match next {
                    Some(next) => cursor = Some(next),
                    None => break,
                }
            }
        }
        let rows: Vec<StatsRow> = rows.into_values().collect();
        let mut total = StatsRow {
            trigger: Trigger::Inactive,
            template: "all".into(),
            ..StatsRow::default()
        };
        for row in &rows {
            total.sent += row.sent;
            total.opened += row.opened;
            total.clicked += row.clicked;
            total.returned += row.returned;
            total.awaiting_return += row.awaiting_return;
        }
        Ok(NudgeStats {
            since: since.to_string(),
            until: now.to_string(),
            total: Totals {
                sent: total.sent,
                opened: total.opened,
                clicked: total.clicked,
                returned: total.returned,
                awaiting_return: total.awaiting_return,
            },
            rows,
        })
    }
}

/// One trigger and template's numbers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StatsRow {
    pub trigger: Trigger,
    pub template: String,
    pub sent: u32,
    pub opened: u32,
    pub clicked: u32,
    /// Practised within a day of the nudge.
    pub returned: u32,
    /// Less than a day old (or not yet counted): not in `returned` either way.
    pub awaiting_return: u32,
}

/// The sums over every row.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Totals {
    pub sent: u32,
    pub opened: u32,
    pub clicked: u32,
    pub returned: u32,
    pub awaiting_return: u32,
}

/// `GET /admin/nudges/stats`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct NudgeStats {
    /// The first UTC day counted.
    pub since: String,
    pub until: String,
    pub total: Totals,
    /// Per trigger and template.
    pub rows: Vec<StatsRow>,
}
