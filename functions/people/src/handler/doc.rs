//! The OpenAPI description of this function's routes (documentation only).
#![allow(dead_code)]

use tutorbridge_app::people::AuditEntry;
use tutorbridge_app::people::admin::{AuditPage, StudentPage};
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(paths(link, unlink, students, audit))]
pub(super) struct Api;

/// Link an adult to a student as tutor or parent (admins; both directions and an audit entry
/// in one transaction).
#[utoipa::path(
    put,
    path = "/admin/links/{kind}/{adult}/{student}",
    tag = "people",
    params(
        ("kind" = String, Path, description = "tutor or parent", pattern = "^(tutor|parent)$"),
        ("adult" = String, Path, description = "the tutor's or parent's user id", max_length = 128),
        ("student" = String, Path, description = "the student's user id", max_length = 128),
    ),
    responses((status = 200, description = "The audit entry of the change", body = AuditEntry)),
)]
fn link() {}

/// Remove a link (admins; audited).
#[utoipa::path(
    delete,
    path = "/admin/links/{kind}/{adult}/{student}",
    tag = "people",
    params(
        ("kind" = String, Path, description = "tutor or parent", pattern = "^(tutor|parent)$"),
        ("adult" = String, Path, description = "the tutor's or parent's user id", max_length = 128),
        ("student" = String, Path, description = "the student's user id", max_length = 128),
    ),
    responses((status = 200, description = "The audit entry of the change", body = AuditEntry)),
)]
fn unlink() {}

/// The students the caller oversees: a tutor's, a parent's children, all for an admin.
#[utoipa::path(
    get,
    path = "/students",
    tag = "people",
    params(
        ("limit" = Option<u32>, Query, description = "page size, 1 to 100 (default 50)", minimum = 1, maximum = 100),
        ("cursor" = Option<String>, Query, description = "`next` of the previous page"),
    ),
    responses((status = 200, description = "One page of student ids", body = StudentPage)),
)]
fn students() {}

/// The audit trail, newest first (admins): by actor, by target, or all.
#[utoipa::path(
    get,
    path = "/admin/audit",
    tag = "people",
    params(
        ("actor" = Option<String>, Query, description = "who acted", max_length = 128),
        ("target" = Option<String>, Query, description = "whom it concerned (not with actor)", max_length = 128),
        ("since" = Option<String>, Query, description = "RFC 3339 time"),
        ("limit" = Option<u32>, Query, description = "page size, 1 to 100 (default 50)", minimum = 1, maximum = 100),
        ("cursor" = Option<String>, Query, description = "`next` of the previous page"),
    ),
    responses((status = 200, description = "One page of entries", body = AuditPage)),
)]
fn audit() {}
