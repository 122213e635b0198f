//! HTTP ⇄ asking a question.

use std::future::Future;

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use tutorbridge_app::AppError;
use tutorbridge_app::qa::{QaService, QueryRequest};
use tutorbridge_http::{ApiError, ApiRequest, BuildError, Function, Route, Wiring, json, respond};

pub const ROUTES: &[Route] = &[Route::new("POST /qa/query")];

/// Built once per cold start.
#[derive(Clone)]
pub struct QaQuery {
    qa: QaService,
}

impl QaQuery {
    pub fn new(qa: QaService) -> Self {
        QaQuery { qa }
    }
}

impl Function for QaQuery {
    const NAME: &'static str = "qa-query";
    const ROUTES: &'static [Route] = ROUTES;

    fn build(wiring: &Wiring) -> Result<Self, BuildError> {
        Ok(QaQuery::new(tutorbridge_ai::qa_service(
            wiring.ports.clone(),
            &wiring.settings,
            wiring.files.clone(),
            wiring.mailer.clone(),
        )?))
    }

    fn handle(&self, request: Request) -> impl Future<Output = Response<Body>> + Send {
        handle(self, request)
    }

    fn openapi() -> utoipa::openapi::OpenApi {
        <doc::Api as utoipa::OpenApi>::openapi()
    }
}

pub async fn handle(app: &QaQuery, request: Request) -> Response<Body> {
    respond(request, ROUTES, async |request: ApiRequest| {
        match request.route {
            "POST /qa/query" => {
                request.query(&[])?;
                let body: QueryRequest = request.json()?;
                let exchange = app.qa.query(&request.caller, body).await?;
                json(StatusCode::CREATED, &exchange)
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
