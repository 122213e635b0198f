//! The OpenAPI description of this function's routes (documentation only).
#![allow(dead_code)]

use tutorbridge_app::qa::{Exchange, QueryRequest};
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(paths(query))]
pub(super) struct Api;

/// Ask a question (students). The answer is grounded in the student's lessons and labelled
/// High, Medium or Low confidence; Low gives an overview and escalates to the tutor; out of
/// scope is refused; unsafe is refused and flagged. 429 with `Retry-After` over the per-user
/// budget.
#[utoipa::path(
    post,
    path = "/qa/query",
    tag = "qa",
    request_body = QueryRequest,
    responses((status = 201, description = "The exchange", body = Exchange)),
)]
fn query() {}
