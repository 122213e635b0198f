//! HTTP ⇄ a student's data under GDPR.

use std::future::Future;

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use tutorbridge_app::oversight::privacy::PrivacyService;
use tutorbridge_app::{AppError, Ports};
use tutorbridge_domain::UserId;
use tutorbridge_http::{ApiError, ApiRequest, BuildError, Function, Route, Wiring, json, respond};

pub const ROUTES: &[Route] = &[
    Route::new("GET /students/{id}/export"),
    Route::new("DELETE /students/{id}"),
];

/// Built once per cold start.
#[derive(Clone)]
pub struct Privacy {
    privacy: PrivacyService,
}

impl Privacy {
    pub fn new(ports: impl Into<Ports>) -> Self {
        Privacy {
            privacy: PrivacyService::new(ports),
        }
    }
}

impl Function for Privacy {
    const NAME: &'static str = "privacy";
    const ROUTES: &'static [Route] = ROUTES;

    fn build(wiring: &Wiring) -> Result<Self, BuildError> {
        let mut privacy = PrivacyService::new(wiring.ports.clone());
        if let Some(files) = &wiring.files {
            privacy = privacy.with_files(files.clone());
        }
        Ok(Privacy { privacy })
    }

    fn handle(&self, request: Request) -> impl Future<Output = Response<Body>> + Send {
        handle(self, request)
    }

    fn openapi() -> utoipa::openapi::OpenApi {
        <doc::Api as utoipa::OpenApi>::openapi()
    }
}

pub async fn handle(app: &Privacy, request: Request) -> Response<Body> {
    respond(request, ROUTES, async |request: ApiRequest| {
        request.query(&[])?;
        let student = UserId::parse(request.param("id")?)?;
        match request.route {
            "GET /students/{id}/export" => json(
                StatusCode::OK,
                &app.privacy.export(&request.caller, &student).await?,
            ),
            "DELETE /students/{id}" => json(
                StatusCode::OK,
                &app.privacy.erase(&request.caller, &student).await?,
            ),
            other => Err(ApiError::from(AppError::internal(format!(
                "unhandled route {other}"
            )))),
        }
    })
    .await
}

mod doc;
