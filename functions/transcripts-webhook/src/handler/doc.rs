//! The OpenAPI description of this function's routes (documentation only).
#![allow(dead_code)]

use tutorbridge_app::summaries::{Delivery, Receipt};
use tutorbridge_domain::summaries::Transcript;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(paths(deliver, receipt))]
pub(super) struct Api;

/// The Rails app delivers a finished live session's transcript (signed, not a token; up to
/// 256 KB). 201 the first time, 200 with the same answer for a redelivery of the same body.
#[utoipa::path(
    post,
    path = "/webhooks/session-transcripts",
    tag = "summaries",
    security(()),
    params(("TutorBridge-Signature" = String, Header, description = "t=<unix seconds>,v1=<hex HMAC-SHA256 of \"<t>.<body>\">")),
    request_body = Transcript,
    responses(
        (status = 201, description = "Stored and summarised", body = Delivery),
        (status = 409, description = "This session was delivered with a different transcript", body = tutorbridge_http::openapi::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown student", body = tutorbridge_http::openapi::Problem, content_type = "application/problem+json"),
    ),
)]
fn deliver() {}

/// A delivery's receipt (signed over an empty body).
#[utoipa::path(
    get,
    path = "/webhooks/session-transcripts/{rails_session_id}",
    tag = "summaries",
    security(()),
    params(
        ("rails_session_id" = String, Path, description = "the Rails app's session id", max_length = 64),
        ("TutorBridge-Signature" = String, Header, description = "t=<unix seconds>,v1=<hex HMAC-SHA256 of \"<t>.\">"),
    ),
    responses((status = 200, description = "The receipt", body = Receipt)),
)]
fn receipt() {}
