//! The OpenAPI description of this function's routes (documentation only).
#![allow(dead_code)]

use serde::Serialize;
use tutorbridge_app::practice::{AttemptRecord, Goal, Standing};
use utoipa::{OpenApi, ToSchema};

use super::{CreateGoal, UpdateGoal};

#[derive(OpenApi)]
#[openapi(
    paths(create, list, update, practice),
    components(schemas(GoalList, PracticeRecord))
)]
pub(super) struct Api;

#[derive(Serialize, ToSchema)]
struct GoalList {
    goals: Vec<Goal>,
}

/// A student's standing and first attempts in a subject.
#[derive(Serialize, ToSchema)]
struct PracticeRecord {
    rating: Standing,
    attempts: Vec<AttemptRecord>,
}

const CONFLICT: &str = "The subject already has 10 active goals";

/// Set a goal (for the caller, or with `student_id` for a student the caller coaches).
#[utoipa::path(
    post,
    path = "/goals",
    tag = "goals",
    request_body = CreateGoal,
    responses(
        (status = 201, description = "The goal", body = Goal),
        (status = 409, description = CONFLICT, body = tutorbridge_http::openapi::Problem, content_type = "application/problem+json"),
    ),
)]
fn create() {}

/// A student's goals (the caller's without `student_id`).
#[utoipa::path(
    get,
    path = "/goals",
    tag = "goals",
    params(("student_id" = Option<String>, Query, description = "another student's id", max_length = 128)),
    responses((status = 200, description = "Every goal, every status", body = GoalList)),
)]
fn list() {}

/// Change a goal's target, or archive or reactivate it.
#[utoipa::path(
    patch,
    path = "/goals/{id}",
    tag = "goals",
    params(("id" = String, Path, description = "the goal id", max_length = 64)),
    request_body = UpdateGoal,
    responses(
        (status = 200, description = "The goal", body = Goal),
        (status = 409, description = CONFLICT, body = tutorbridge_http::openapi::Problem, content_type = "application/problem+json"),
    ),
)]
fn update() {}

/// A student's rating, streak, XP and first attempts in a subject.
#[utoipa::path(
    get,
    path = "/students/{id}/practice",
    tag = "practice",
    params(
        ("id" = String, Path, description = "the student's user id", max_length = 128),
        ("subject" = String, Query, description = "e.g. Mathematics", max_length = 80),
    ),
    responses((status = 200, description = "Standing and attempts", body = PracticeRecord)),
)]
fn practice() {}
