//! HTTP ⇄ learning goals and a student's practice history. Neither calls a model, so this
//! function never builds one.

use std::future::Future;

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use serde_json::json as object;
use tutorbridge_app::goals::{GoalChange, GoalService, NewGoal};
use tutorbridge_app::practice::history::HistoryService;
use tutorbridge_app::{AppError, Ports};
use tutorbridge_domain::UserId;
use tutorbridge_domain::practice::{GoalId, GoalStatus, SubjectSlug};
use tutorbridge_http::{ApiError, ApiRequest, BuildError, Function, Route, Wiring, json, respond};

pub const ROUTES: &[Route] = &[
    Route::new("POST /goals"),
    Route::new("GET /goals"),
    Route::new("PATCH /goals/{id}"),
    Route::new("GET /students/{id}/practice"),
];

/// Built once per cold start.
#[derive(Clone)]
pub struct Goals {
    goals: GoalService,
    history: HistoryService,
}

impl Goals {
    pub fn new(ports: impl Into<Ports>) -> Self {
        let ports = ports.into();
        Goals {
            goals: GoalService::new(ports.clone()),
            history: HistoryService::new(ports),
        }
    }
}

impl Function for Goals {
    const NAME: &'static str = "goals";
    const ROUTES: &'static [Route] = ROUTES;

    fn build(wiring: &Wiring) -> Result<Self, BuildError> {
        Ok(Goals::new(wiring.ports.clone()))
    }

    fn handle(&self, request: Request) -> impl Future<Output = Response<Body>> + Send {
        handle(self, request)
    }

    fn openapi() -> utoipa::openapi::OpenApi {
        <doc::Api as utoipa::OpenApi>::openapi()
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct CreateGoal {
    /// Defaults to the caller (a tutor or admin may set goals for a student they may write for).
    student_id: Option<String>,
    subject: String,
    #[serde(default)]
    topics: Vec<String>,
    target: u32,
}

#[derive(Deserialize, utoipa::ToSchema)]
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
    respond(request, ROUTES, async |request: ApiRequest| {
        match request.route {
            "POST /goals" => {
                request.query(&[])?;
                let body: CreateGoal = request.json()?;
                let student = student(&request, body.student_id.as_deref())?;
                let goal = NewGoal {
                    subject: SubjectSlug::parse(&body.subject)?,
                    topics: body.topics,
                    target: body.target,
                };
                let goal = app.goals.create(&request.caller, &student, goal).await?;
                json(StatusCode::CREATED, &goal)
            }
            "GET /goals" => {
                let query = request.query(&["student_id"])?;
                let student = student(&request, query.get("student_id").copied())?;
                let goals = app.goals.list(&request.caller, &student).await?;
                json(StatusCode::OK, &object!({ "goals": goals }))
            }
            "PATCH /goals/{id}" => {
                request.query(&[])?;
                let body: UpdateGoal = request.json()?;
                let student = student(&request, body.student_id.as_deref())?;
                let goal_id = GoalId::parse(request.param("id")?)?;
                let change = GoalChange {
                    target: body.target,
                    status: body.status,
                };
                let goal = app
                    .goals
                    .update(&request.caller, &student, &goal_id, change)
                    .await?;
                json(StatusCode::OK, &goal)
            }
            "GET /students/{id}/practice" => {
                let query = request.query(&["subject"])?;
                let student = UserId::parse(request.param("id")?)?;
                let subject = query.get("subject").copied().ok_or_else(|| {
                    AppError::Invalid("query parameter 'subject' is required".into())
                })?;
                let subject = SubjectSlug::parse(subject)?;
                let (rating, attempts) = app
                    .history
                    .practice_of(&request.caller, &student, &subject)
                    .await?;
                json(
                    StatusCode::OK,
                    &object!({ "rating": rating, "attempts": attempts }),
                )
            }
            other => Err(ApiError::from(AppError::internal(format!(
                "unhandled route {other}"
            )))),
        }
    })
    .await
}

mod doc;

#[cfg(test)]
mod tests;
