//! The OpenAPI description of this function's routes (documentation only).
#![allow(dead_code)]

use tutorbridge_app::nudges::{Nudge, NudgePage, NudgeStats};
use utoipa::OpenApi;

/// The answer to an unsubscribe.
#[derive(utoipa::ToSchema)]
struct Unsubscribed {
    unsubscribed: bool,
}

#[derive(OpenApi)]
#[openapi(paths(list, opened, clicked, unsubscribe, follow, stats))]
pub(super) struct Api;

/// The caller's nudges, newest first (in-app).
#[utoipa::path(
    get,
    path = "/nudges",
    tag = "nudges",
    params(
        ("limit" = Option<u32>, Query, description = "page size, 1 to 100 (default 20)", minimum = 1, maximum = 100),
        ("cursor" = Option<String>, Query, description = "`next` of the previous page"),
    ),
    responses((status = 200, description = "One page", body = NudgePage)),
)]
fn list() {}

/// Record that the caller opened one of their nudges (the first time counts).
#[utoipa::path(
    post,
    path = "/nudges/{id}/opened",
    tag = "nudges",
    params(("id" = String, Path, description = "the nudge id", max_length = 64)),
    responses((status = 200, description = "The nudge", body = Nudge)),
)]
fn opened() {}

/// Record that the caller clicked one of their nudges (it counts as opened too).
#[utoipa::path(
    post,
    path = "/nudges/{id}/clicked",
    tag = "nudges",
    params(("id" = String, Path, description = "the nudge id", max_length = 64)),
    responses((status = 200, description = "The nudge", body = Nudge)),
)]
fn clicked() {}

/// One-click unsubscribe (RFC 8058): no sign-in, the link's token is its proof. Sets the
/// student's email opt-out; a token that is not genuine is 404.
#[utoipa::path(
    post,
    path = "/nudges/unsubscribe/{token}",
    tag = "nudges",
    params(("token" = String, Path, description = "the token from the email's link", max_length = 300)),
    responses((status = 200, description = "Unsubscribed", body = Unsubscribed)),
    security(()),
)]
fn unsubscribe() {}

/// A tracked link from a nudge's email: no sign-in, the token is its proof. Records the click
/// (and the open) and redirects to the nudge's own link; a token that is not genuine is 404.
#[utoipa::path(
    get,
    path = "/nudges/go/{token}",
    tag = "nudges",
    params(("token" = String, Path, description = "the token from the email's link", max_length = 300)),
    responses((status = 303, description = "To the nudge's link (`Location`)")),
    security(()),
)]
fn follow() {}

/// Nudges sent since a UTC date: sent, opened, clicked and returned within a day, per trigger
/// and template. Admins only.
#[utoipa::path(
    get,
    path = "/admin/nudges/stats",
    tag = "nudges",
    params(("since" = Option<String>, Query, description = "first UTC day, YYYY-MM-DD (default a week ago, at most 92 days back)", format = Date)),
    responses((status = 200, description = "The statistics", body = NudgeStats)),
)]
fn stats() {}
