//! The scheduled sweep (an EventBridge rate schedule; the local gateway runs it on a timer and on
//! `POST /local/sweep`): retries the model for summaries stored as offline fallbacks and removes
//! uploads that lapsed, with their objects. See [`tutorbridge_app::sweep`].

use std::time::Duration;

use tutorbridge_app::files::FileService;
use tutorbridge_app::sweep::{Sweep, SweepReport};
use tutorbridge_app::{AppError, Ports};
use tutorbridge_http::{BuildError, Wiring};

/// The schedule's event (its content is not used: every run does the same).
pub type Event = aws_lambda_events::eventbridge::EventBridgeEvent<serde_json::Value>;

/// The function's name: crate, binary and folder.
pub const NAME: &str = "summaries-sweep";

/// Built once per cold start.
#[derive(Clone)]
pub struct SummariesSweep {
    sweep: Sweep,
}

impl SummariesSweep {
    /// The sweep over `wiring`: its tutor from the settings, its file store if any.
    ///
    /// # Errors
    /// When the model's HTTP client cannot be built.
    pub fn build(wiring: &Wiring) -> Result<Self, BuildError> {
        let ports: Ports = wiring.ports.clone();
        let summaries =
            tutorbridge_ai::summary_service(ports.clone(), wiring.files.clone(), &wiring.settings)?;
        let files = wiring
            .files
            .clone()
            .map(|files| FileService::new(ports, files));
        Ok(SummariesSweep {
            sweep: Sweep::new(summaries, files)
                .with_mailer(wiring.ports.clone(), wiring.mailer.clone()),
        })
    }

    /// One run within `allowance` (the invocation's remaining time). An error is raised so the
    /// schedule's retry policy runs it again; nothing it did is undone by a retry.
    ///
    /// # Errors
    /// The table's and the file store's.
    pub async fn handle(
        &self,
        _event: Event,
        allowance: Duration,
    ) -> Result<SweepReport, AppError> {
        self.sweep.run(allowance).await
    }
}
