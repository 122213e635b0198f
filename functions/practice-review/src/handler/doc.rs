//! The OpenAPI description of this function's routes (documentation only).
#![allow(dead_code)]

use serde::Serialize;
use tutorbridge_domain::bank::BankItem;
use utoipa::{OpenApi, ToSchema};

use super::Decision;

#[derive(OpenApi)]
#[openapi(paths(queue, decide), components(schemas(ReviewQueue)))]
pub(super) struct Api;

#[derive(Serialize, ToSchema)]
struct ReviewQueue {
    items: Vec<BankItem>,
}

/// AI-written items waiting for review, oldest first (tutors and admins).
#[utoipa::path(
    get,
    path = "/practice/review",
    tag = "practice",
    params(("subject" = Option<String>, Query, description = "only this subject", max_length = 80)),
    responses((status = 200, description = "At most 100 items, with their answers", body = ReviewQueue)),
)]
fn queue() {}

/// Approve or reject a pending item (tutors and admins).
#[utoipa::path(
    patch,
    path = "/practice/items/{id}",
    tag = "practice",
    params(("id" = String, Path, description = "the item id", max_length = 64)),
    request_body = Decision,
    responses(
        (status = 200, description = "The item", body = BankItem),
        (status = 409, description = "The item is not pending", body = tutorbridge_http::openapi::Problem, content_type = "application/problem+json"),
    ),
)]
fn decide() {}
