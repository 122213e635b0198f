//! HTTP ⇄ learning goals.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use tutorbridge_app::AppError;
use tutorbridge_app::practice::{GoalStatus, PracticeService};
use tutorbridge_domain::UserId;
use tutorbridge_http::{ApiError, ApiRequest, Route, json, respond};

pub const ROUTES: &[Route] = &[
    Route::new("POST /goals"),
    Route::new("GET /goals"),
    Route::new("PATCH /goals/{id}"),
    Route::new("GET /students/{id}/practice"),
];

/// Built once per cold start.
#[derive(Clone)]
pub struct Goals {
    practice: PracticeService,
}

impl Goals {
    pub fn new(practice: PracticeService) -> Self {
        Goals { practice }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateGoal {
    /// Defaults to the caller (a tutor or admin may set goals for a student they may write for).
    student_id: Option<String>,
    subject: String,
    #[serde(default)]
    topics: Vec<String>,
    target: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateGoal {
    student_id: Option<String>,
    target: Option<u32>,
    status: Option<GoalStatus>,
}

fn student(request: &ApiRequest, given: Option<&str>) -> Result<UserId, ApiError> {
    match given {
        Some(id) => Ok(UserId::parse(id)?),
        None => Ok(request.caller.user_id.clone()),
    }
}

pub async fn handle(app: &Goals, request: Request) -> Response<Body> {
    respond(request, ROUTES, async |request: ApiRequest| match request.route {
        "POST /goals" => {
            request.query(&[])?;
            let body: CreateGoal = request.json()?;
            let student = student(&request, body.student_id.as_deref())?;
            let goal = app.practice.create_goal(&request.caller, &student, &body.subject, body.topics, body.target).await?;
            json(StatusCode::CREATED, &goal)
        }
        "GET /goals" => {
            let query = request.query(&["student_id"])?;
            let student = student(&request, query.get("student_id").copied())?;
            json(StatusCode::OK, &serde_json::json!({ "goals": app.practice.goals(&request.caller, &student).await? }))
        }
        "PATCH /goals/{id}" => {
            request.query(&[])?;
            let body: UpdateGoal = request.json()?;
            let student = student(&request, body.student_id.as_deref())?;
            let goal_id = request.param("id")?;
            if goal_id.len() > 64 || !goal_id.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err(AppError::Invalid("a goal id is letters and digits".into()).into());
            }
            let goal = app.practice.update_goal(&request.caller, &student, goal_id, body.target, body.status).await?;
            json(StatusCode::OK, &goal)
        }
        "GET /students/{id}/practice" => {
            let query = request.query(&["subject"])?;
            let student = UserId::parse(request.param("id")?)?;
            let subject = query.get("subject").copied().ok_or_else(|| AppError::Invalid("query parameter 'subject' is required".into()))?;
            let rating = app.practice.rating(&request.caller, &student, subject).await?;
            let attempts = app.practice.attempts(&request.caller, &student, subject).await?;
            json(StatusCode::OK, &serde_json::json!({ "rating": rating, "attempts": attempts }))
        }
        other => Err(ApiError::from(AppError::internal(format!("unhandled route {other}")))),
    })
    .await
}

#[cfg(test)]
mod tests;
