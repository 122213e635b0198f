//! The OpenAPI description of this function's routes (documentation only).
#![allow(dead_code)]

use serde::Serialize;
use tutorbridge_app::oversight::overrides::Override;
use tutorbridge_app::oversight::progress::Progress;
use tutorbridge_app::people::AuditEntry;
use utoipa::{OpenApi, ToSchema};

#[derive(OpenApi)]
#[openapi(paths(progress, apply, list), components(schemas(OverrideList)))]
pub(super) struct Api;

#[derive(Serialize, ToSchema)]
struct OverrideList {
    overrides: Vec<AuditEntry>,
}

/// A student's dashboard: ratings with trend, recent sessions, goals, streaks, XP, overrides.
#[utoipa::path(
    get,
    path = "/students/{id}/progress",
    tag = "oversight",
    params(("id" = String, Path, description = "the student's user id", max_length = 128)),
    responses((status = 200, description = "The dashboard", body = Progress)),
)]
fn progress() {}

/// Override a rating, a goal's progress or a bank item, with a reason (the student's tutor or
/// an admin); the change and its audit entry are one transaction.
#[utoipa::path(
    post,
    path = "/students/{id}/overrides",
    tag = "oversight",
    params(("id" = String, Path, description = "the student's user id", max_length = 128)),
    request_body = Override,
    responses(
        (status = 201, description = "The audit entry", body = AuditEntry),
        (status = 409, description = "The record keeps changing", body = tutorbridge_http::openapi::Problem, content_type = "application/problem+json"),
    ),
)]
fn apply() {}

/// A student's overrides, newest first.
#[utoipa::path(
    get,
    path = "/students/{id}/overrides",
    tag = "oversight",
    params(("id" = String, Path, description = "the student's user id", max_length = 128)),
    responses((status = 200, description = "The overrides", body = OverrideList)),
)]
fn list() {}
