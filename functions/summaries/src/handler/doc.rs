//! The OpenAPI description of this function's routes (documentation only).
#![allow(dead_code)]

use tutorbridge_app::summaries::{Summary, SummaryPage};
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(paths(list, read))]
pub(super) struct Api;

/// A student's live-session summaries, newest first (the student, their tutor and parents,
/// admins).
#[utoipa::path(
    get,
    path = "/students/{id}/summaries",
    tag = "summaries",
    params(
        ("id" = String, Path, description = "the student's user id", max_length = 128),
        ("limit" = Option<u32>, Query, description = "page size, 1 to 100 (default 20)", minimum = 1, maximum = 100),
        ("cursor" = Option<String>, Query, description = "`next` of the previous page"),
    ),
    responses((status = 200, description = "One page", body = SummaryPage)),
)]
fn list() {}

/// One summary.
#[utoipa::path(
    get,
    path = "/summaries/{id}",
    tag = "summaries",
    params(("id" = String, Path, description = "the summary id", max_length = 64)),
    responses((status = 200, description = "The summary", body = Summary)),
)]
fn read() {}
