//! HTTP ⇄ assigning a practice item.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use tutorbridge_app::practice::PracticeService;
use tutorbridge_http::{ApiRequest, Route, json, respond};

pub const ROUTES: &[Route] = &[Route::new("POST /practice/assign")];

/// Built once per cold start.
#[derive(Clone)]
pub struct PracticeAssign {
    practice: PracticeService,
}

impl PracticeAssign {
    pub fn new(practice: PracticeService) -> Self {
        PracticeAssign { practice }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AssignBody {
    subject: String,
    topic: Option<String>,
}

/// `POST /practice/assign` `{"subject":"Mathematics","topic":null}` → the item (without its
/// answer), its 1–10 difficulty label and the predicted success.
pub async fn handle(app: &PracticeAssign, request: Request) -> Response<Body> {
    respond(request, ROUTES, async |request: ApiRequest| {
        request.query(&[])?;
        let body: AssignBody = request.json()?;
        let assignment = app
            .practice
            .assign(&request.caller, &body.subject, body.topic.as_deref())
            .await?;
        json(StatusCode::OK, &assignment)
    })
    .await
}

#[cfg(test)]
mod tests;
