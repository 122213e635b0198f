//! HTTP ⇄ creating a tutoring session.

use std::future::Future;

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use tutorbridge_app::sessions::SessionService;
use tutorbridge_app::tutor_model::Tutor;
use tutorbridge_app::{AppError, Ports};
use tutorbridge_domain::curriculum::GuidelineId;
use tutorbridge_http::{ApiError, ApiRequest, BuildError, Function, Route, Wiring, json, respond};

pub const ROUTES: &[Route] = &[Route::new("POST /sessions")];

/// Built once per cold start.
#[derive(Clone)]
pub struct SessionCreate {
    sessions: SessionService,
}

impl SessionCreate {
    pub fn new(ports: impl Into<Ports>, tutor: Tutor) -> Self {
        SessionCreate {
            sessions: SessionService::new(ports, tutor),
        }
    }
}

impl Function for SessionCreate {
    const NAME: &'static str = "session-create";
    const ROUTES: &'static [Route] = ROUTES;

    fn build(wiring: &Wiring) -> Result<Self, BuildError> {
        let tutor = tutorbridge_ai::tutor(wiring.settings.llm.as_ref())?;
        Ok(SessionCreate::new(wiring.ports.clone(), tutor))
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
struct CreateBody {
    goal: Goal,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct Goal {
    guideline_id: String,
}

/// `POST /sessions` `{"goal":{"guideline_id":"…"}}` → 201 with the session and its first turn.
pub async fn handle(app: &SessionCreate, request: Request) -> Response<Body> {
    respond(request, ROUTES, async |request: ApiRequest| {
        request.query(&[])?;
        let body: CreateBody = request.json()?;
        let guideline = GuidelineId::parse(&body.goal.guideline_id)?;
        let session = app.sessions.create(&request.caller, &guideline).await?;
        let mut response = json(StatusCode::CREATED, &session)?;
        let location = format!("/sessions/{}", session.session_id)
            .parse()
            .map_err(|e| ApiError::from(AppError::internal(format!("{e}"))))?;
        response.headers_mut().insert("location", location);
        Ok(response)
    })
    .await
}

mod doc;

#[cfg(test)]
mod tests;
