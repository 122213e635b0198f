//! HTTP ⇄ uploads and files.

use std::future::Future;

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use tutorbridge_app::AppError;
use tutorbridge_app::files::{FileService, UploadRequest};
use tutorbridge_domain::files::FileId;
use tutorbridge_http::{ApiError, ApiRequest, BuildError, Function, Route, Wiring, json, respond};

pub const ROUTES: &[Route] = &[
    Route::new("POST /uploads"),
    Route::new("POST /uploads/{id}/complete"),
    Route::new("GET /files/{id}"),
    Route::new("DELETE /files/{id}"),
];

/// Built once per cold start.
#[derive(Clone)]
pub struct Files {
    files: FileService,
}

impl Function for Files {
    const NAME: &'static str = "files";
    const ROUTES: &'static [Route] = ROUTES;

    fn build(wiring: &Wiring) -> Result<Self, BuildError> {
        let store = wiring
            .files
            .clone()
            .ok_or("the files function needs a file store (TUTORBRIDGE_BUCKET)")?;
        Ok(Files {
            files: FileService::new(wiring.ports.clone(), store),
        })
    }

    fn handle(&self, request: Request) -> impl Future<Output = Response<Body>> + Send {
        handle(self, request)
    }

    fn openapi() -> utoipa::openapi::OpenApi {
        <doc::Api as utoipa::OpenApi>::openapi()
    }
}

pub async fn handle(app: &Files, request: Request) -> Response<Body> {
    respond(request, ROUTES, async |request: ApiRequest| {
        request.query(&[])?;
        match request.route {
            "POST /uploads" => {
                let body: UploadRequest = request.json()?;
                json(
                    StatusCode::CREATED,
                    &app.files.start(&request.caller, body).await?,
                )
            }
            "POST /uploads/{id}/complete" => {
                let id = FileId::parse(request.param("id")?)?;
                json(
                    StatusCode::OK,
                    &app.files.complete(&request.caller, &id).await?,
                )
            }
            "GET /files/{id}" => {
                let id = FileId::parse(request.param("id")?)?;
                json(StatusCode::OK, &app.files.get(&request.caller, &id).await?)
            }
            "DELETE /files/{id}" => {
                let id = FileId::parse(request.param("id")?)?;
                app.files.delete(&request.caller, &id).await?;
                json(StatusCode::OK, &serde_json::json!({ "deleted": id }))
            }
            other => Err(ApiError::from(AppError::internal(format!(
                "unhandled route {other}"
            )))),
        }
    })
    .await
}

mod doc;
