//! The OpenAPI description of this function's route (documentation only).
#![allow(dead_code)]

use tutorbridge_app::practice::CompletionResponse;
use utoipa::OpenApi;

use super::CompleteBody;

#[derive(OpenApi)]
#[openapi(paths(complete))]
pub(super) struct Api;

/// Answer an assignment: marked, and rated once (the first attempt).
#[utoipa::path(
    post,
    path = "/practice/complete",
    tag = "practice",
    request_body = CompleteBody,
    responses(
        (status = 200, description = "Correctness, feedback, rating, streak, XP, goal progress", body = CompletionResponse),
        (status = 409, description = "Too many simultaneous changes", body = tutorbridge_http::openapi::Problem, content_type = "application/problem+json"),
        (status = 410, description = "The assignment expired", body = tutorbridge_http::openapi::Problem, content_type = "application/problem+json"),
    ),
)]
fn complete() {}
