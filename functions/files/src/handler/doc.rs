//! The OpenAPI description of this function's routes (documentation only).
#![allow(dead_code)]

use serde::Serialize;
use tutorbridge_app::files::{FileRecord, FileView, Upload, UploadRequest};
use utoipa::{OpenApi, ToSchema};

#[derive(OpenApi)]
#[openapi(paths(start, complete, read, delete), components(schemas(Deleted)))]
pub(super) struct Api;

#[derive(Serialize, ToSchema)]
struct Deleted {
    deleted: String,
}

/// Start an upload (material: PDF, text, Markdown, PNG or JPEG up to 20 MB; avatar: PNG or
/// JPEG up to 2 MB): the pending file and a presigned form for exactly its key, type and size.
#[utoipa::path(
    post,
    path = "/uploads",
    tag = "files",
    request_body = UploadRequest,
    responses((status = 201, description = "The pending file and its upload form", body = Upload)),
)]
fn start() {}

/// Finish an upload: the stored object must have the declared size and type.
#[utoipa::path(
    post,
    path = "/uploads/{id}/complete",
    tag = "files",
    params(("id" = String, Path, description = "the file id", max_length = 64)),
    responses(
        (status = 200, description = "The ready file", body = FileRecord),
        (status = 409, description = "Nothing was uploaded yet", body = tutorbridge_http::openapi::Problem, content_type = "application/problem+json"),
    ),
)]
fn complete() {}

/// A file's metadata and a five-minute download URL (the owner and those who may see them).
#[utoipa::path(
    get,
    path = "/files/{id}",
    tag = "files",
    params(("id" = String, Path, description = "the file id", max_length = 64)),
    responses((status = 200, description = "The file", body = FileView)),
)]
fn read() {}

/// Delete a file and its object (the owner, or someone who may write for them).
#[utoipa::path(
    delete,
    path = "/files/{id}",
    tag = "files",
    params(("id" = String, Path, description = "the file id", max_length = 64)),
    responses((status = 200, description = "Deleted", body = Deleted)),
)]
fn delete() {}
