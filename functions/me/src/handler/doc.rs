//! The OpenAPI description of this function's routes (documentation only).
#![allow(dead_code)]

use tutorbridge_app::people::Me;
use tutorbridge_domain::people::ProfileChange;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(paths(me, update))]
pub(super) struct Api;

/// The caller's profile: roles (from the identity provider), time zone, locale, nudge settings.
#[utoipa::path(
    get,
    path = "/me",
    tag = "people",
    responses((status = 200, description = "The profile", body = Me)),
)]
fn me() {}

/// Change the caller's own profile; every field optional, roles not included.
#[utoipa::path(
    patch,
    path = "/me",
    tag = "people",
    request_body = ProfileChange,
    responses(
        (status = 200, description = "The changed profile", body = Me),
        (status = 409, description = "The profile keeps changing", body = tutorbridge_http::openapi::Problem, content_type = "application/problem+json"),
    ),
)]
fn update() {}
