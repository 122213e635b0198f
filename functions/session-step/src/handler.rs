//! HTTP ⇄ stepping a tutoring session.

use std::future::Future;

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use tutorbridge_app::Ports;
use tutorbridge_app::sessions::{SessionService, StepRequest};
use tutorbridge_app::tutor_model::Tutor;
use tutorbridge_domain::tutoring::SessionId;
use tutorbridge_http::{ApiRequest, BuildError, Function, Route, Wiring, json, respond};

pub const ROUTES: &[Route] = &[Route::new("POST /sessions/{id}/step")];

/// Built once per cold start.
#[derive(Clone)]
pub struct SessionStep {
    sessions: SessionService,
}

impl SessionStep {
    pub fn new(ports: impl Into<Ports>, tutor: Tutor) -> Self {
        SessionStep {
            sessions: SessionService::new(ports, tutor),
        }
    }

    /// The same function with per-user budgets of steps.
    pub fn with_quota(mut self, quota: tutorbridge_app::quota::QuotaSettings) -> Self {
        self.sessions = self.sessions.with_quota(quota);
        self
    }
}

impl Function for SessionStep {
    const NAME: &'static str = "session-step";
    const ROUTES: &'static [Route] = ROUTES;

    fn build(wiring: &Wiring) -> Result<Self, BuildError> {
        let tutor = tutorbridge_ai::tutor(wiring.settings.llm.as_ref())?;
        Ok(SessionStep::new(wiring.ports.clone(), tutor).with_quota(wiring.settings.quota))
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
struct StepBody {
    /// The step being answered (the session's `step` when the question was shown).
    step: u32,
    student_reply: String,
}

/// `POST /sessions/{id}/step` `{"step":0,"student_reply":"…"}` → 200 with the grading, the
/// routing and the next turn. A retry of an applied step returns the same body.
pub async fn handle(app: &SessionStep, request: Request) -> Response<Body> {
    respond(request, ROUTES, async |request: ApiRequest| {
        request.query(&[])?;
        let id = SessionId::parse(request.param("id")?)?;
        let body: StepBody = request.json()?;
        let response = app
            .sessions
            .step(
                &request.caller,
                &id,
                StepRequest {
                    step: body.step,
                    reply: body.student_reply,
                },
            )
            .await?;
        json(StatusCode::OK, &response)
    })
    .await
}

mod doc;

#[cfg(test)]
mod tests;
