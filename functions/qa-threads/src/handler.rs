//! HTTP ⇄ Q&A threads.

use std::future::Future;

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use tutorbridge_app::AppError;
use tutorbridge_app::qa::QaService;
use tutorbridge_app::qa::threads::ReplyRequest;
use tutorbridge_domain::UserId;
use tutorbridge_domain::qa::QaId;
use tutorbridge_http::{
    ApiError, ApiRequest, BuildError, Function, Route, Wiring, json, page_limit, respond,
};

pub const ROUTES: &[Route] = &[
    Route::new("GET /qa/history"),
    Route::new("GET /qa/{id}"),
    Route::new("POST /qa/{id}/escalate"),
    Route::new("POST /qa/{id}/replies"),
    Route::new("GET /tutor/escalations"),
];

/// Built once per cold start.
#[derive(Clone)]
pub struct QaThreads {
    qa: QaService,
}

impl QaThreads {
    pub fn new(qa: QaService) -> Self {
        QaThreads { qa }
    }
}

impl Function for QaThreads {
    const NAME: &'static str = "qa-threads";
    const ROUTES: &'static [Route] = ROUTES;

    fn build(wiring: &Wiring) -> Result<Self, BuildError> {
        // Threads never ask the model: the offline tutor is enough.
        let qa = QaService::new(wiring.ports.clone(), tutorbridge_ai::OfflineTutor::tutor())
            .with_mailer(wiring.mailer.clone(), &wiring.settings.app_url);
        Ok(QaThreads::new(qa))
    }

    fn handle(&self, request: Request) -> impl Future<Output = Response<Body>> + Send {
        handle(self, request)
    }

    fn openapi() -> utoipa::openapi::OpenApi {
        <doc::Api as utoipa::OpenApi>::openapi()
    }
}

pub async fn handle(app: &QaThreads, request: Request) -> Response<Body> {
    respond(request, ROUTES, async |request: ApiRequest| {
        match request.route {
            "GET /qa/history" => {
                let query = request.query(&["student", "limit", "cursor"])?;
                let student = match query.get("student") {
                    Some(raw) => UserId::parse(raw)?,
                    None => request.caller.user_id.clone(),
                };
                let page = app
                    .qa
                    .history(
                        &request.caller,
                        &student,
                        page_limit(&query)?,
                        query.get("cursor").copied(),
                    )
                    .await?;
                json(StatusCode::OK, &page)
            }
            "GET /qa/{id}" => {
                request.query(&[])?;
                let id = QaId::parse(request.param("id")?)?;
                json(StatusCode::OK, &app.qa.thread(&request.caller, &id).await?)
            }
            "POST /qa/{id}/escalate" => {
                request.query(&[])?;
                let id = QaId::parse(request.param("id")?)?;
                json(
                    StatusCode::OK,
                    &app.qa.escalate(&request.caller, &id).await?,
                )
            }
            "POST /qa/{id}/replies" => {
                request.query(&[])?;
                let id = QaId::parse(request.param("id")?)?;
                let body: ReplyRequest = request.json()?;
                json(
                    StatusCode::CREATED,
                    &app.qa.reply(&request.caller, &id, body).await?,
                )
            }
            "GET /tutor/escalations" => {
                let query = request.query(&["status", "tutor", "limit", "cursor"])?;
                let open = match query.get("status").copied().unwrap_or("open") {
                    "open" => true,
                    "closed" => false,
                    _ => {
                        return Err(AppError::Invalid("status: open or closed".into()).into());
                    }
                };
                let tutor = query.get("tutor").map(|t| UserId::parse(t)).transpose()?;
                let page = app
                    .qa
                    .escalations(
                        &request.caller,
                        tutor.as_ref(),
                        open,
                        page_limit(&query)?,
                        query.get("cursor").copied(),
                    )
                    .await?;
                json(StatusCode::OK, &page)
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
