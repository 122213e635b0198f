//! HTTP ⇄ the caller's own profile. Roles come from the identity provider and are not
//! changed here; everything else a user may set about themself is.

use std::future::Future;

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use tutorbridge_app::people::ProfileService;
use tutorbridge_app::{AppError, Ports};
use tutorbridge_domain::people::ProfileChange;
use tutorbridge_http::{ApiError, ApiRequest, BuildError, Function, Route, Wiring, json, respond};

pub const ROUTES: &[Route] = &[Route::new("GET /me"), Route::new("PATCH /me")];

/// Built once per cold start.
#[derive(Clone)]
pub struct Me {
    profiles: ProfileService,
}

impl Me {
    pub fn new(ports: impl Into<Ports>) -> Self {
        Me {
            profiles: ProfileService::new(ports),
        }
    }
}

impl Function for Me {
    const NAME: &'static str = "me";
    const ROUTES: &'static [Route] = ROUTES;

    fn build(wiring: &Wiring) -> Result<Self, BuildError> {
        Ok(Me::new(wiring.ports.clone()))
    }

    fn handle(&self, request: Request) -> impl Future<Output = Response<Body>> + Send {
        handle(self, request)
    }

    fn openapi() -> utoipa::openapi::OpenApi {
        <doc::Api as utoipa::OpenApi>::openapi()
    }
}

/// `GET /me` → the caller's profile (created from the token on first use);
/// `PATCH /me` `{"time_zone","daily_cap","quiet_hours",…}` → the changed profile.
pub async fn handle(app: &Me, request: Request) -> Response<Body> {
    respond(request, ROUTES, async |request: ApiRequest| {
        request.query(&[])?;
        match request.route {
            "GET /me" => json(StatusCode::OK, &app.profiles.me(&request.caller).await?),
            "PATCH /me" => {
                let change: ProfileChange = request.json()?;
                let me = app.profiles.update_me(&request.caller, &change).await?;
                json(StatusCode::OK, &me)
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
