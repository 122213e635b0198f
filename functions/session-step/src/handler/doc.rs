//! The OpenAPI description of this function's route (documentation only).
#![allow(dead_code)]

use tutorbridge_app::sessions::StepResponse;
use utoipa::OpenApi;

use super::StepBody;

#[derive(OpenApi)]
#[openapi(paths(step))]
pub(super) struct Api;

/// Answer the step the session waits for; a retry of an applied step returns the same body.
#[utoipa::path(
    post,
    path = "/sessions/{id}/step",
    tag = "sessions",
    params(("id" = String, Path, description = "the session id", max_length = 64)),
    request_body = StepBody,
    responses(
        (status = 200, description = "Grading, routing, remediation and the next turn", body = StepResponse),
        (status = 409, description = "Another step is awaited, the session is complete, or another reply won", body = tutorbridge_http::openapi::Problem, content_type = "application/problem+json"),
    ),
)]
fn step() {}
