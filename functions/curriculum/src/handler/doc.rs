//! The OpenAPI description of this function's routes (documentation only: the functions below
//! carry `#[utoipa::path]` and are never called).
#![allow(dead_code)]

use serde::Serialize;
use tutorbridge_domain::curriculum::{Guideline, SubtopicEntry};
use utoipa::{OpenApi, ToSchema};

#[derive(OpenApi)]
#[openapi(paths(list, guideline), components(schemas(Listing)))]
pub(super) struct Api;

/// One level of the curriculum tree, with the query echoed back. Exactly one of `subjects`,
/// `topics` and `subtopics` is present: subjects without `subject`, topics with `subject`,
/// subtopics with `subject` and `topic`.
#[derive(Serialize, ToSchema)]
struct Listing {
    country: String,
    board: String,
    grade: u8,
    subject: Option<String>,
    topic: Option<String>,
    subjects: Option<Vec<String>>,
    topics: Option<Vec<String>>,
    subtopics: Option<Vec<SubtopicEntry>>,
}

/// Browse the curriculum: subjects of a level, topics of a subject, subtopics of a topic.
#[utoipa::path(
    get,
    path = "/curriculum",
    tag = "curriculum",
    params(
        ("country" = String, Query, description = "e.g. India or UK", max_length = 80),
        ("board" = String, Query, description = "e.g. CBSE or National Curriculum", max_length = 80),
        ("grade" = u8, Query, description = "1 to 12", minimum = 1, maximum = 12),
        ("subject" = Option<String>, Query, description = "list this subject's topics", max_length = 80),
        ("topic" = Option<String>, Query, description = "with subject: list this topic's subtopics", max_length = 80),
    ),
    responses((status = 200, description = "One level of the tree", body = Listing)),
)]
fn list() {}

/// A teaching guideline: objectives, common misconceptions, scaffolding strategies.
#[utoipa::path(
    get,
    path = "/guidelines/{id}",
    tag = "curriculum",
    params(("id" = String, Path, description = "a guideline id", max_length = 64)),
    responses((status = 200, description = "The guideline", body = Guideline)),
)]
fn guideline() {}
