//! HTTP ⇄ reading summaries.

use std::future::Future;

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use tutorbridge_app::summaries::SummaryService;
use tutorbridge_app::{AppError, Ports};
use tutorbridge_domain::UserId;
use tutorbridge_domain::summaries::SummaryId;
use tutorbridge_http::{
    ApiError, ApiRequest, BuildError, Function, Route, Wiring, json, page_limit, respond,
};

pub const ROUTES: &[Route] = &[
    Route::new("GET /students/{id}/summaries"),
    Route::new("GET /summaries/{id}"),
];

/// Built once per cold start.
#[derive(Clone)]
pub struct Summaries {
    summaries: SummaryService,
}

impl Summaries {
    pub fn new(ports: impl Into<Ports>) -> Self {
        Summaries {
            summaries: SummaryService::new(ports, None),
        }
    }
}

impl Function for Summaries {
    const NAME: &'static str = "summaries";
    const ROUTES: &'static [Route] = ROUTES;

    fn build(wiring: &Wiring) -> Result<Self, BuildError> {
        Ok(Summaries::new(wiring.ports.clone()))
    }

    fn handle(&self, request: Request) -> impl Future<Output = Response<Body>> + Send {
        handle(self, request)
    }

    fn openapi() -> utoipa::openapi::OpenApi {
        <doc::Api as utoipa::OpenApi>::openapi()
    }
}

pub async fn handle(app: &Summaries, request: Request) -> Response<Body> {
    respond(request, ROUTES, async |request: ApiRequest| {
        match request.route {
            "GET /students/{id}/summaries" => {
                let query = request.query(&["limit", "cursor"])?;
                let student = UserId::parse(request.param("id")?)?;
                let page = app
                    .summaries
                    .list(
                        &request.caller,
                        &student,
                        page_limit(&query)?,
                        query.get("cursor").copied(),
                    )
                    .await?;
                json(StatusCode::OK, &page)
            }
            "GET /summaries/{id}" => {
                request.query(&[])?;
                let id = SummaryId::parse(request.param("id")?)?;
                json(
                    StatusCode::OK,
                    &app.summaries.get(&request.caller, &id).await?,
                )
            }
            other => Err(ApiError::from(AppError::internal(format!(
                "unhandled route {other}"
            )))),
        }
    })
    .await
}

mod doc;
