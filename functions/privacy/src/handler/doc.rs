//! The OpenAPI description of this function's routes (documentation only).
#![allow(dead_code)]

use tutorbridge_app::oversight::privacy::{Erasure, Export};
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(paths(export, erase))]
pub(super) struct Api;

/// Everything stored about a student, as one document (the student, a linked parent, admins).
#[utoipa::path(
    get,
    path = "/students/{id}/export",
    tag = "privacy",
    params(("id" = String, Path, description = "the student's user id", max_length = 128)),
    responses((status = 200, description = "The export", body = Export)),
)]
fn export() {}

/// Erase a student (admins, or the student's parent): only an audit entry remains.
#[utoipa::path(
    delete,
    path = "/students/{id}",
    tag = "privacy",
    params(("id" = String, Path, description = "the student's user id", max_length = 128)),
    responses((status = 200, description = "What was erased", body = Erasure)),
)]
fn erase() {}
