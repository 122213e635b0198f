//! HTTP ⇄ reading tutoring sessions.

use std::future::Future;

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use tutorbridge_app::sessions::SessionService;
use tutorbridge_app::tutor_model::Tutor;
use tutorbridge_app::{AppError, Ports};
use tutorbridge_domain::UserId;
use tutorbridge_domain::tutoring::SessionId;
use tutorbridge_http::{
    ApiError, ApiRequest, BuildError, Function, Route, Wiring, json, page_limit, respond,
};

pub const ROUTES: &[Route] = &[
    Route::new("GET /sessions/{id}"),
    Route::new("GET /sessions/{id}/summary"),
    Route::new("GET /students/{id}/sessions"),
];

/// Built once per cold start. Reads never call a model.
#[derive(Clone)]
pub struct SessionRead {
    sessions: SessionService,
}

impl SessionRead {
    pub fn new(ports: impl Into<Ports>, tutor: Tutor) -> Self {
        SessionRead {
            sessions: SessionService::new(ports, tutor),
        }
    }
}

impl Function for SessionRead {
    const NAME: &'static str = "session-read";
    const ROUTES: &'static [Route] = ROUTES;

    fn build(wiring: &Wiring) -> Result<Self, BuildError> {
        // Reads never call a model: the offline tutor (no client, nothing to build) stands in.
        let tutor = tutorbridge_ai::tutor(None)?;
        Ok(SessionRead::new(wiring.ports.clone(), tutor))
    }

    fn handle(&self, request: Request) -> impl Future<Output = Response<Body>> + Send {
        handle(self, request)
    }

    fn openapi() -> utoipa::openapi::OpenApi {
        <doc::Api as utoipa::OpenApi>::openapi()
    }
}

pub async fn handle(app: &SessionRead, request: Request) -> Response<Body> {
    respond(request, ROUTES, async |request: ApiRequest| {
        match request.route {
            "GET /sessions/{id}" => {
                request.query(&[])?;
                let id = SessionId::parse(request.param("id")?)?;
                json(
                    StatusCode::OK,
                    &app.sessions.get(&request.caller, &id).await?,
                )
            }
            "GET /sessions/{id}/summary" => {
                request.query(&[])?;
                let id = SessionId::parse(request.param("id")?)?;
                json(
                    StatusCode::OK,
                    &app.sessions.summary(&request.caller, &id).await?,
                )
            }
            "GET /students/{id}/sessions" => {
                let query = request.query(&["limit", "cursor"])?;
                let student = UserId::parse(request.param("id")?)?;
                let limit = page_limit(&query)?;
                let page = app
                    .sessions
                    .list(
                        &request.caller,
                        &student,
                        limit,
                        query.get("cursor").copied(),
                    )
                    .await?;
                json(StatusCode::OK, &page)
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
