//! HTTP ⇄ assigning a practice item.

use std::future::Future;

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use tutorbridge_app::practice::PracticeService;
use tutorbridge_domain::curriculum::CurriculumName;
use tutorbridge_domain::practice::SubjectSlug;
use tutorbridge_http::{ApiRequest, BuildError, Function, Route, Wiring, json, respond};

pub const ROUTES: &[Route] = &[Route::new("POST /practice/assign")];

/// Built once per cold start.
#[derive(Clone)]
pub struct PracticeAssign {
    practice: PracticeService,
}

impl PracticeAssign {
    pub fn new(practice: PracticeService) -> Self {
        PracticeAssign { practice }
    }
}

impl Function for PracticeAssign {
    const NAME: &'static str = "practice-assign";
    const ROUTES: &'static [Route] = ROUTES;

    fn build(wiring: &Wiring) -> Result<Self, BuildError> {
        Ok(PracticeAssign::new(tutorbridge_ai::practice_service(
            wiring.ports.clone(),
            &wiring.settings,
        )?))
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
struct AssignBody {
    subject: String,
    topic: Option<String>,
}

/// `POST /practice/assign` `{"subject":"Mathematics","topic":null}` → the item (without its
/// answer), its 1–10 difficulty label and the predicted success.
pub async fn handle(app: &PracticeAssign, request: Request) -> Response<Body> {
    respond(request, ROUTES, async |request: ApiRequest| {
        request.query(&[])?;
        let body: AssignBody = request.json()?;
        let subject = SubjectSlug::parse(&body.subject)?;
        // A topic names a curriculum topic (it may be stored on a generated item): validated.
        let topic = body
            .topic
            .as_deref()
            .map(str::trim)
            .filter(|topic| !topic.is_empty())
            .map(|topic| CurriculumName::parse("topic", topic))
            .transpose()?;
        let assignment = app
            .practice
            .assign(&request.caller, &subject, topic.as_ref())
            .await?;
        json(StatusCode::OK, &assignment)
    })
    .await
}

mod doc;

#[cfg(test)]
mod tests;
