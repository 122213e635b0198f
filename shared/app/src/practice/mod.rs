//! Adaptive practice, split by capability:
//!
//! - [`assign`](PracticeService::assign): an item near the target success — one parallel read
//!   and one transaction;
//! - [`complete`](PracticeService::complete): marked, rated once, with streak, XP and goal
//!   progress — one parallel read and one transaction with a version condition on every item
//!   it changes (concurrent completions retry the whole read-decide-write, bounded and
//!   jittered, so no update is lost);
//! - [`review::ReviewService`]: tutors approve or reject AI-written items;
//! - [`history::HistoryService`]: a student's standing and first attempts;
//! - [`bank`]: importing and authoring bank items;
//! - [`store`]: every query practice makes, named.
//!
//! The rules (ranking, exact marking, streak, XP, goal counting) live in
//! `tutorbridge_domain::practice`; this module reads, calls them, and writes.

mod assign;
pub mod bank;
pub(crate) mod candidates;
mod complete;
pub mod history;
pub(crate) mod records;
pub mod review;
pub(crate) mod store;

pub use bank::import_bank;
pub use records::{Assignment, AttemptRecord, CompletionResponse, ItemView, Standing};
pub use store::BAND_CANDIDATES;
pub use tutorbridge_domain::practice::{Goal, GoalProgress, GoalStatus};

use std::sync::Arc;

use tutorbridge_domain::UserId;
use tutorbridge_domain::practice::SubjectSlug;

use crate::config::PracticeSettings;
use crate::fingerprint::fingerprint;
use crate::tutor_model::Tutor;
use crate::{AppError, Ports};

/// Longest answer accepted.
pub const MAX_ANSWER_CHARS: usize = 1000;
/// Most hints a completion may report.
pub const MAX_HINTS_USED: u32 = 10;
/// Attempts at a contended completion before giving up with 409.
pub const MAX_WRITE_ATTEMPTS: u32 = 100;

/// Completions of one student in this process run one at a time (striped by student).
const STRIPES: usize = 64;

/// Assigning and completing practice items: the use cases that need the AI port.
#[derive(Clone)]
pub struct PracticeService {
    ports: Ports,
    tutor: Tutor,
    settings: PracticeSettings,
    /// Per-user budget of AI-written items (assign, when the bank has nothing suitable).
    quota: crate::quota::QuotaSettings,
    /// Completions of one student in this process are serialised, so they do not race each
    /// other through optimistic retries; races between processes (Lambda containers) are still
    /// settled by the version conditions.
    stripes: Arc<Vec<tokio::sync::Mutex<()>>>,
}

impl PracticeService {
    /// Practice with the default settings.
    pub fn new(ports: impl Into<Ports>, tutor: Tutor) -> Self {
        PracticeService::with_settings(ports, tutor, PracticeSettings::default())
    }

    /// The same service with per-user budgets of AI-written items.
    pub fn with_quota(mut self, quota: crate::quota::QuotaSettings) -> Self {
        self.quota = quota;
        self
    }

    pub fn with_settings(
        ports: impl Into<Ports>,
        tutor: Tutor,
        settings: PracticeSettings,
    ) -> Self {
        PracticeService {
            ports: ports.into(),
            tutor,
            settings,
            quota: crate::quota::QuotaSettings::default(),
            stripes: Arc::new((0..STRIPES).map(|_| tokio::sync::Mutex::new(())).collect()),
        }
    }

    fn stripe(&self, student: &UserId) -> &tokio::sync::Mutex<()> {
        &self.stripes[fingerprint(student.as_str()) as usize % STRIPES]
    }
}

/// The subject as the bank spells it, or `NotFound` listing the subjects there are.
pub(crate) fn resolve_subject(
    subjects: &[String],
    asked: &SubjectSlug,
) -> Result<String, AppError> {
    subjects
        .iter()
        .find(|subject| SubjectSlug::parse(subject).is_ok_and(|slug| &slug == asked))
        .cloned()
        .ok_or_else(|| {
            AppError::NotFound(format!(
                "no practice in subject '{asked}'; subjects: {}",
                subjects.join(", ")
            ))
        })
}

/// Ratios as shown: three decimals.
pub(crate) fn shown(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}
