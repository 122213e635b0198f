//! The nudge job (an EventBridge schedule, hourly by default; the local gateway runs it on
//! `POST /local/nudges/run`). See [`tutorbridge_app::nudges`].

use tutorbridge_app::AppError;
use tutorbridge_app::nudges::{NudgeService, RunReport};
use tutorbridge_http::{BuildError, Wiring};

/// The schedule's event (its content is not used).
pub type Event = aws_lambda_events::eventbridge::EventBridgeEvent<serde_json::Value>;

/// Built once per cold start.
#[derive(Clone)]
pub struct NudgesRun {
    nudges: NudgeService,
}

impl NudgesRun {
    /// The job over `wiring`: its mailer, the app's URL and the link secret.
    ///
    /// # Errors
    /// Without `TUTORBRIDGE_LINK_SECRET` (unsubscribe links must be signed).
    pub fn build(wiring: &Wiring) -> Result<Self, BuildError> {
        let secret = wiring.settings.link_secret.clone().ok_or(
            "TUTORBRIDGE_LINK_SECRET must hold the secret unsubscribe links are signed with",
        )?;
        let tutor = tutorbridge_ai::tutor(wiring.settings.llm.as_ref())?;
        Ok(NudgesRun {
            nudges: NudgeService::new(
                wiring.ports.clone(),
                wiring.mailer.clone(),
                &wiring.settings.app_url,
                secret,
            )
            .with_tutor(tutor),
        })
    }

    /// One run within `allowance` (the invocation's remaining time; a run that nears it
    /// checkpoints and the next invocation continues). An error is raised so the schedule's
    /// retry policy runs it again; the day's slot locks keep a retry from sending twice.
    ///
    /// # Errors
    /// The table's.
    pub async fn handle(
        &self,
        _event: Event,
        allowance: std::time::Duration,
    ) -> Result<RunReport, AppError> {
        self.nudges.run_within(allowance).await
    }
}
