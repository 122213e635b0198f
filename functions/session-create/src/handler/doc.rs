//! The OpenAPI description of this function's route (documentation only).
#![allow(dead_code)]

use tutorbridge_app::sessions::SessionView;
use utoipa::OpenApi;

use super::CreateBody;

#[derive(OpenApi)]
#[openapi(paths(create))]
pub(super) struct Api;

/// Start a tutoring session on a guideline (students; at most 50 in 24 hours).
#[utoipa::path(
    post,
    path = "/sessions",
    tag = "sessions",
    request_body = CreateBody,
    responses((status = 201, description = "The session and its first turn", body = SessionView)),
)]
fn create() {}
