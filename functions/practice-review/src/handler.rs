//! HTTP ⇄ reviewing AI-written practice items.

use std::future::Future;

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use tutorbridge_app::practice::review::ReviewService;
use tutorbridge_app::{AppError, Ports};
use tutorbridge_domain::bank::{ItemId, Review};
use tutorbridge_domain::practice::SubjectSlug;
use tutorbridge_http::{ApiError, ApiRequest, BuildError, Function, Route, Wiring, json, respond};

pub const ROUTES: &[Route] = &[
    Route::new("GET /practice/review"),
    Route::new("PATCH /practice/items/{id}"),
];

/// Built once per cold start. Reviewing calls no model, so none is built.
#[derive(Clone)]
pub struct PracticeReview {
    review: ReviewService,
}

impl PracticeReview {
    pub fn new(ports: impl Into<Ports>) -> Self {
        PracticeReview {
            review: ReviewService::new(ports),
        }
    }
}

impl Function for PracticeReview {
    const NAME: &'static str = "practice-review";
    const ROUTES: &'static [Route] = ROUTES;

    fn build(wiring: &Wiring) -> Result<Self, BuildError> {
        Ok(PracticeReview::new(wiring.ports.clone()))
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
                let subject = query
                    .get("subject")
                    .map(|subject| SubjectSlug::parse(subject))
                    .transpose()?;
                let items = app.review.queue(&request.caller, subject.as_ref()).await?;
                json(StatusCode::OK, &serde_json::json!({ "items": items }))
            }
            "PATCH /practice/items/{id}" => {
                request.query(&[])?;
                let decision: Decision = request.json()?;
                let item_id = ItemId::parse(request.param("id")?)?;
                let item = app
                    .review
                    .decide(&request.caller, &item_id, decision.review)
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

mod doc;

#[cfg(test)]
mod tests;
