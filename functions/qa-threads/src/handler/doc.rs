//! The OpenAPI description of this function's routes (documentation only).
#![allow(dead_code)]

use tutorbridge_app::qa::threads::ReplyRequest;
use tutorbridge_app::qa::{EscalationPage, Exchange, HistoryPage, Thread};
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(paths(history, thread, escalate, reply, escalations))]
pub(super) struct Api;

/// A student's questions, newest first, each with its thread status and reply count (the
/// student; their tutors and parents, and admins, with `student`).
#[utoipa::path(
    get,
    path = "/qa/history",
    tag = "qa",
    params(
        ("student" = Option<String>, Query, description = "whose questions (default: the caller's)", max_length = 128),
        ("limit" = Option<u32>, Query, description = "page size, 1 to 100 (default 20)", minimum = 1, maximum = 100),
        ("cursor" = Option<String>, Query, description = "`next` of the previous page"),
    ),
    responses((status = 200, description = "One page", body = HistoryPage)),
)]
fn history() {}

/// A question with its replies.
#[utoipa::path(
    get,
    path = "/qa/{id}",
    tag = "qa",
    params(("id" = String, Path, description = "the question id", max_length = 64)),
    responses((status = 200, description = "The thread", body = Thread)),
)]
fn thread() {}

/// Escalate a question to the student's tutors (the student who asked it; any label).
#[utoipa::path(
    post,
    path = "/qa/{id}/escalate",
    tag = "qa",
    params(("id" = String, Path, description = "the question id", max_length = 64)),
    responses((status = 200, description = "The escalated exchange", body = Exchange)),
)]
fn escalate() {}

/// Reply in a question's thread (its student, their tutors, admins); `close` (tutors, admins)
/// closes it.
#[utoipa::path(
    post,
    path = "/qa/{id}/replies",
    tag = "qa",
    params(("id" = String, Path, description = "the question id", max_length = 64)),
    request_body = ReplyRequest,
    responses((status = 201, description = "The thread with the reply", body = Thread)),
)]
fn reply() {}

/// The tutor's escalations: open ones oldest first (`status=closed` for the closed); admins
/// may name a `tutor`.
#[utoipa::path(
    get,
    path = "/tutor/escalations",
    tag = "qa",
    params(
        ("status" = Option<String>, Query, description = "open (default) or closed", max_length = 6),
        ("tutor" = Option<String>, Query, description = "admins: whose list", max_length = 128),
        ("limit" = Option<u32>, Query, description = "page size, 1 to 100 (default 20)", minimum = 1, maximum = 100),
        ("cursor" = Option<String>, Query, description = "`next` of the previous page"),
    ),
    responses((status = 200, description = "One page", body = EscalationPage)),
)]
fn escalations() {}
