//! HTTP ⇄ completing a practice assignment.

use std::future::Future;

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use tutorbridge_app::AppError;
use tutorbridge_app::practice::MAX_HINTS_USED;
use tutorbridge_app::practice::PracticeService;
use tutorbridge_domain::practice::{AssignmentId, TimeZoneName};
use tutorbridge_http::{ApiRequest, BuildError, Function, Route, Wiring, json, respond};

pub const ROUTES: &[Route] = &[Route::new("POST /practice/complete")];

/// Built once per cold start.
#[derive(Clone)]
pub struct PracticeComplete {
    practice: PracticeService,
}

impl PracticeComplete {
    pub fn new(practice: PracticeService) -> Self {
        PracticeComplete { practice }
    }
}

impl Function for PracticeComplete {
    const NAME: &'static str = "practice-complete";
    const ROUTES: &'static [Route] = ROUTES;

    fn build(wiring: &Wiring) -> Result<Self, BuildError> {
        Ok(PracticeComplete::new(tutorbridge_ai::practice_service(
            wiring.ports.clone(),
            &wiring.settings,
        )?))
    }

    fn handle(&self, request: Request) -> impl Future<Output = Response<Body>> + Send {
        handle(self, request)
    }

    fn openapi() -> utoipa::openapi::OpenApi {
        <doc::Api as utoipa::OpenApi>::openapi()
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct CompleteBody {
    assignment_id: String,
    answer: String,
    #[serde(default)]
    hints_used: u32,
    /// IANA time zone for the daily streak (remembered for later answers).
    time_zone: Option<String>,
}

/// `POST /practice/complete` `{"assignment_id":"…","answer":"3/4","hints_used":0,"time_zone":"Asia/Kolkata"}` →
/// correctness, feedback, the new rating, streak, XP and goal progress.
pub async fn handle(app: &PracticeComplete, request: Request) -> Response<Body> {
    respond(request, ROUTES, async |request: ApiRequest| {
        request.query(&[])?;
        let body: CompleteBody = request.json()?;
        if body.hints_used > MAX_HINTS_USED {
            return Err(
                AppError::Invalid(format!("hints_used must be 0 to {MAX_HINTS_USED}")).into(),
            );
        }
        let time_zone = body
            .time_zone
            .as_deref()
            .map(TimeZoneName::parse)
            .transpose()?;
        let assignment_id = AssignmentId::parse(&body.assignment_id)?;
        let done = app
            .practice
            .complete(
                &request.caller,
                &assignment_id,
                &body.answer,
                body.hints_used,
                time_zone.as_ref(),
            )
            .await?;
        json(StatusCode::OK, &done)
    })
    .await
}

mod doc;

#[cfg(test)]
mod tests;
