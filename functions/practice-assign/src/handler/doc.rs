//! The OpenAPI description of this function's route (documentation only).
#![allow(dead_code)]

use tutorbridge_app::practice::Assignment;
use utoipa::OpenApi;

use super::AssignBody;

#[derive(OpenApi)]
#[openapi(paths(assign))]
pub(super) struct Api;

/// An item near the student's target success (students; at most 50 open at once).
#[utoipa::path(
    post,
    path = "/practice/assign",
    tag = "practice",
    request_body = AssignBody,
    responses((status = 200, description = "The item, without its answer", body = Assignment)),
)]
fn assign() {}
