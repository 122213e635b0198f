//! HTTP ⇄ completing a practice assignment.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use tutorbridge_app::AppError;
use tutorbridge_app::practice::PracticeService;
use tutorbridge_http::{ApiRequest, Route, json, respond};

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

#[derive(Deserialize)]
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
        if body.hints_used > 10 {
            return Err(AppError::Invalid("hints_used must be 0 to 10".into()).into());
        }
        let done = app
            .practice
            .complete_in(
                &request.caller,
                &body.assignment_id,
                &body.answer,
                body.hints_used,
                body.time_zone.as_deref(),
            )
            .await?;
        json(StatusCode::OK, &done)
    })
    .await
}

#[cfg(test)]
mod tests;
