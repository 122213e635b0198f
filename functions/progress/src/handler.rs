//! HTTP ⇄ a student's dashboard and tutor overrides.

use std::future::Future;

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::json as object;
use tutorbridge_app::oversight::overrides::{Override, OverrideService};
use tutorbridge_app::oversight::progress::ProgressService;
use tutorbridge_app::{AppError, Ports};
use tutorbridge_domain::UserId;
use tutorbridge_http::{ApiError, ApiRequest, BuildError, Function, Route, Wiring, json, respond};

pub const ROUTES: &[Route] = &[
    Route::new("GET /students/{id}/progress"),
    Route::new("POST /students/{id}/overrides"),
    Route::new("GET /students/{id}/overrides"),
];

/// Built once per cold start.
#[derive(Clone)]
pub struct Progress {
    progress: ProgressService,
    overrides: OverrideService,
}

impl Progress {
    pub fn new(ports: impl Into<Ports>) -> Self {
        let ports = ports.into();
        Progress {
            progress: ProgressService::new(ports.clone()),
            overrides: OverrideService::new(ports),
        }
    }
}

impl Function for Progress {
    const NAME: &'static str = "progress";
    const ROUTES: &'static [Route] = ROUTES;

    fn build(wiring: &Wiring) -> Result<Self, BuildError> {
        Ok(Progress::new(wiring.ports.clone()))
    }

    fn handle(&self, request: Request) -> impl Future<Output = Response<Body>> + Send {
        handle(self, request)
    }

    fn openapi() -> utoipa::openapi::OpenApi {
        <doc::Api as utoipa::OpenApi>::openapi()
    }
}

pub async fn handle(app: &Progress, request: Request) -> Response<Body> {
    respond(request, ROUTES, async |request: ApiRequest| {
        request.query(&[])?;
        let student = UserId::parse(request.param("id")?)?;
        match request.route {
            "GET /students/{id}/progress" => json(
                StatusCode::OK,
                &app.progress.progress(&request.caller, &student).await?,
            ),
            "POST /students/{id}/overrides" => {
                let change: Override = request.json()?;
                let entry = app
                    .overrides
                    .apply(&request.caller, &student, &change)
                    .await?;
                json(StatusCode::CREATED, &entry)
            }
            "GET /students/{id}/overrides" => {
                let overrides = app.overrides.list(&request.caller, &student).await?;
                json(StatusCode::OK, &object!({ "overrides": overrides }))
            }
            other => Err(ApiError::from(AppError::internal(format!(
                "unhandled route {other}"
            )))),
        }
    })
    .await
}

mod doc;
