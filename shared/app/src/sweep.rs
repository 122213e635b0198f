//! The scheduled sweep: what is left to do after requests have been answered. It retries the
//! model for summaries stored as offline fallbacks, removes uploads that lapsed (with their
//! objects) and sends queued mail again. Each part reads a sparse index, so a sweep with nothing to do costs two queries.

use std::time::Duration;

use serde::Serialize;

use std::sync::Arc;

use crate::files::FileService;
use crate::mail_queue::{ResendReport, resend};
use crate::mailer::Mailer;
use crate::summaries::{RetryReport, SummaryService};
use crate::{AppError, Ports};

/// How long the model may take over one summary in the sweep (no one is waiting on it).
pub const SWEEP_MODEL_BUDGET: Duration = Duration::from_secs(20);
/// Most summaries retried, and lapsed uploads removed, per run.
pub const MAX_RETRIES_PER_RUN: u32 = 20;
pub const MAX_LAPSED_PER_RUN: u32 = 200;
/// Most queued messages sent again per run.
pub const MAX_MAIL_PER_RUN: u32 = 50;
/// Time kept back from the run's allowance (writing the outcome, returning).
const MARGIN: Duration = Duration::from_secs(5);

/// What one run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SweepReport {
    pub summaries: RetryReport,
    pub uploads_removed: u32,
    pub mail: ResendReport,
}

/// The sweep's use cases.
#[derive(Clone)]
pub struct Sweep {
    summaries: SummaryService,
    files: Option<FileService>,
    mail: Option<(Ports, Arc<dyn Mailer>)>,
    model_budget: Duration,
}

impl Sweep {
    /// `summaries` built with the configured tutor; `files` when a file store is configured.
    pub fn new(summaries: SummaryService, files: Option<FileService>) -> Self {
        Sweep {
            summaries,
            files,
            mail: None,
            model_budget: SWEEP_MODEL_BUDGET,
        }
    }

    /// The same sweep also sending queued mail again through `mailer`.
    pub fn with_mailer(mut self, ports: Ports, mailer: Option<Arc<dyn Mailer>>) -> Self {
        self.mail = mailer.map(|mailer| (ports, mailer));
        self
    }

    /// The same sweep giving the model `budget` per summary instead of
    /// [`SWEEP_MODEL_BUDGET`].
    pub fn with_model_budget(mut self, budget: Duration) -> Self {
        self.model_budget = budget;
        self
    }

    /// One run within `allowance` (a Lambda invocation's remaining time): lapsed uploads first
    /// (quick), then as many fallback summaries as the allowance leaves time for, each given
    /// [`SWEEP_MODEL_BUDGET`] at most (unless set otherwise). What is left waits for the next run.
    ///
    /// # Errors
    /// The table's and the file store's.
    pub async fn run(&self, allowance: Duration) -> Result<SweepReport, AppError> {
        let started = std::time::Instant::now();
        let uploads_removed = match &self.files {
            Some(files) => files.remove_lapsed(MAX_LAPSED_PER_RUN).await?,
            None => 0,
        };
        let mail = match &self.mail {
            Some((ports, mailer)) => resend(ports, mailer.as_ref(), MAX_MAIL_PER_RUN).await?,
            None => ResendReport::default(),
        };
        let left = allowance
            .saturating_sub(started.elapsed())
            .saturating_sub(MARGIN);
        let budget = self.model_budget.min(left);
        let fits = (left.as_millis() / budget.as_millis().max(1)) as u32;
        let summaries = match fits.min(MAX_RETRIES_PER_RUN) {
            0 => RetryReport::default(),
            max => self.summaries.retry_fallbacks(max, budget).await?,
        };
        let report = SweepReport {
            summaries,
            uploads_removed,
            mail,
        };
        tracing::info!(?report, "sweep");
        Ok(report)
    }
}
