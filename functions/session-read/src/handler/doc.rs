//! The OpenAPI description of this function's routes (documentation only).
#![allow(dead_code)]

use tutorbridge_app::sessions::{SessionPage, SessionSummary, SessionView};
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(paths(session, summary, list))]
pub(super) struct Api;

/// A session: for its student, their tutor and parents, and admins.
#[utoipa::path(
    get,
    path = "/sessions/{id}",
    tag = "sessions",
    params(("id" = String, Path, description = "the session id", max_length = 64)),
    responses((status = 200, description = "The session's state", body = SessionView)),
)]
fn session() {}

/// What happened in a session and what to do next.
#[utoipa::path(
    get,
    path = "/sessions/{id}/summary",
    tag = "sessions",
    params(("id" = String, Path, description = "the session id", max_length = 64)),
    responses((status = 200, description = "Steps, mastery, misconceptions, suggestions", body = SessionSummary)),
)]
fn summary() {}

/// A student's sessions, newest first.
#[utoipa::path(
    get,
    path = "/students/{id}/sessions",
    tag = "sessions",
    params(
        ("id" = String, Path, description = "the student's user id", max_length = 128),
        ("limit" = Option<u32>, Query, description = "page size, 1 to 100 (default 20)", minimum = 1, maximum = 100),
        ("cursor" = Option<String>, Query, description = "`next` of the previous page"),
    ),
    responses((status = 200, description = "One page", body = SessionPage)),
)]
fn list() {}
