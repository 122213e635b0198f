//! HTTP ⇄ reviewing AI-written practice items.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use tutorbridge_app::AppError;
use tutorbridge_app::practice::PracticeService;
use tutorbridge_domain::bank::Review;
use tutorbridge_http::{ApiError, ApiRequest, Route, json, respond};

pub const ROUTES: &[Route] = &[
    Route::new("GET /practice/review"),
    Route::new("PATCH /practice/items/{id}"),
];

/// Built once per cold start.
#[derive(Clone)]
pub struct PracticeReview {
    practice: PracticeService,
}

impl PracticeReview {
    pub fn new(practice: PracticeService) -> Self {
        PracticeReview { practice }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Decision {
    review: Review,
}

/// `GET /practice/review?subject=Science` → `{"items":[…]}`, the items waiting for review with
/// their answers; `PATCH /practice/items/{id}` `{"review":"approved"|"rejected"}` → the item.
pub async fn handle(app: &PracticeReview, request: Request) -> Response<Body> {
    respond(request, ROUTES, async |request: ApiRequest| {
        match request.route {
            "GET /practice/review" => {
                let query = request.query(&["subject"])?;
                let items = app
                    .practice
                    .review_queue(&request.caller, query.get("subject").copied())
                    .await?;
                json(StatusCode::OK, &serde_json::json!({ "items": items }))
            }
            "PATCH /practice/items/{id}" => {
                request.query(&[])?;
                let decision: Decision = request.json()?;
                let item = app
                    .practice
                    .review(&request.caller, request.param("id")?, decision.review)
                    .await?;
                json(StatusCode::OK, &item)
            }
            other => Err(ApiError::from(AppError::internal(format!(
                "unhandled route {other}"
            )))),
        }
    })
    .await
}

#[cfg(test)]
mod tests;
