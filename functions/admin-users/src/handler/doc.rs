//! The OpenAPI description of this function's route (documentation only).
#![allow(dead_code)]

use tutorbridge_app::people::admin::{Invitation, Invited};
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(paths(invite))]
pub(super) struct Api;

/// Invite a user (admins): created in the identity provider in their role's group, with their
/// profile, an optional link to a student and an audit entry.
#[utoipa::path(
    post,
    path = "/admin/users",
    tag = "people",
    request_body = Invitation,
    responses(
        (status = 201, description = "The new user", body = Invited),
        (status = 409, description = "A user with this email exists", body = tutorbridge_http::openapi::Problem, content_type = "application/problem+json"),
    ),
)]
fn invite() {}
