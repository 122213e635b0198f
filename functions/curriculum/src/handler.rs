//! HTTP ⇄ curriculum use cases.

use std::future::Future;

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use serde_json::json;
use tutorbridge_app::curriculum::{CurriculumService, Listing, ListingRequest};
use tutorbridge_app::{AppError, Store};
use tutorbridge_domain::curriculum::{CurriculumName, Grade, GuidelineId, Level};
use tutorbridge_http::{
    ApiError, ApiRequest, BuildError, Function, Route, Wiring, json as json_response, respond,
};

/// The routes this function serves (API Gateway route keys).
pub const ROUTES: &[Route] = &[
    Route::new("GET /curriculum"),
    Route::new("GET /guidelines/{id}"),
];

/// Everything the handler needs, built once per cold start.
#[derive(Clone)]
pub struct Curriculum {
    service: CurriculumService,
}

impl Curriculum {
    pub fn new(store: Store) -> Self {
        Curriculum {
            service: CurriculumService::new(store),
        }
    }
}

impl Function for Curriculum {
    const NAME: &'static str = "curriculum";
    const ROUTES: &'static [Route] = ROUTES;

    fn build(wiring: &Wiring) -> Result<Self, BuildError> {
        Ok(Curriculum::new(wiring.ports.store.clone()))
    }

    fn handle(&self, request: Request) -> impl Future<Output = Response<Body>> + Send {
        handle(self, request)
    }

    fn openapi() -> utoipa::openapi::OpenApi {
        <doc::Api as utoipa::OpenApi>::openapi()
    }
}

/// Serve one request. Any authenticated caller may browse the curriculum.
pub async fn handle(app: &Curriculum, request: Request) -> Response<Body> {
    respond(request, ROUTES, async |request: ApiRequest| {
        match request.route {
            "GET /curriculum" => list(app, &request).await,
            "GET /guidelines/{id}" => guideline(app, &request).await,
            other => Err(AppError::internal(format!("unhandled route {other}")).into()),
        }
    })
    .await
}

#[derive(Serialize)]
struct LevelEcho<'a> {
    country: &'a str,
    board: &'a str,
    grade: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    subject: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    topic: Option<&'a str>,
}

async fn list(app: &Curriculum, request: &ApiRequest) -> Result<Response<Body>, ApiError> {
    let query = request.query(&["country", "board", "grade", "subject", "topic"])?;
    let required = |name: &str| {
        query
            .get(name)
            .copied()
            .ok_or_else(|| AppError::Invalid(format!("query parameter '{name}' is required")))
    };
    let listing_request = ListingRequest {
        level: Level {
            country: CurriculumName::parse("country", required("country")?)?,
            board: CurriculumName::parse("board", required("board")?)?,
            grade: Grade::parse(required("grade")?)?,
        },
        subject: query
            .get("subject")
            .map(|raw| CurriculumName::parse("subject", raw))
            .transpose()?,
        topic: query
            .get("topic")
            .map(|raw| CurriculumName::parse("topic", raw))
            .transpose()?,
    };
    let listing = app.service.list(&listing_request).await?;
    let level = &listing_request.level;
    let echo = LevelEcho {
        country: level.country.as_str(),
        board: level.board.as_str(),
        grade: level.grade.value(),
        subject: listing_request.subject.as_ref().map(CurriculumName::as_str),
        topic: listing_request.topic.as_ref().map(CurriculumName::as_str),
    };
    let mut body = serde_json::to_value(&echo).map_err(AppError::internal)?;
    let (field, values) = match listing {
        Listing::Subjects(subjects) => ("subjects", json!(subjects)),
        Listing::Topics(topics) => ("topics", json!(topics)),
        Listing::Subtopics(subtopics) => ("subtopics", json!(subtopics)),
    };
    if let Some(object) = body.as_object_mut() {
        object.insert(field.to_string(), values);
    }
    json_response(StatusCode::OK, &body)
}

async fn guideline(app: &Curriculum, request: &ApiRequest) -> Result<Response<Body>, ApiError> {
    request.query(&[])?;
    let id = GuidelineId::parse(request.param("id")?)?;
    let guideline = app.service.guideline(&id).await?;
    json_response(StatusCode::OK, &guideline)
}

mod doc;

#[cfg(test)]
mod tests;
