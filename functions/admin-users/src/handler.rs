//! HTTP ⇄ inviting users.

use std::future::Future;
use std::sync::Arc;

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use tutorbridge_app::Ports;
use tutorbridge_app::directory::Directory;
use tutorbridge_app::people::admin::{Invitation, PeopleService};
use tutorbridge_http::{ApiRequest, BuildError, Function, Route, Wiring, json, respond};

pub const ROUTES: &[Route] = &[Route::new("POST /admin/users")];

/// Built once per cold start.
#[derive(Clone)]
pub struct AdminUsers {
    people: PeopleService,
    directory: Arc<dyn Directory>,
}

impl AdminUsers {
    pub fn new(ports: impl Into<Ports>, directory: Arc<dyn Directory>) -> Self {
        AdminUsers {
            people: PeopleService::new(ports),
            directory,
        }
    }
}

impl Function for AdminUsers {
    const NAME: &'static str = "admin-users";
    const ROUTES: &'static [Route] = ROUTES;

    fn build(wiring: &Wiring) -> Result<Self, BuildError> {
        let directory = wiring
            .directory
            .clone()
            .ok_or("admin-users needs a user directory (a Cognito pool)")?;
        Ok(AdminUsers::new(wiring.ports.clone(), directory))
    }

    fn handle(&self, request: Request) -> impl Future<Output = Response<Body>> + Send {
        handle(self, request)
    }

    fn openapi() -> utoipa::openapi::OpenApi {
        <doc::Api as utoipa::OpenApi>::openapi()
    }
}

/// `POST /admin/users` `{"email","role","student"?}` → 201 with the new user's id.
pub async fn handle(app: &AdminUsers, request: Request) -> Response<Body> {
    respond(request, ROUTES, async |request: ApiRequest| {
        request.query(&[])?;
        let invitation: Invitation = request.json()?;
        let invited = app
            .people
            .invite(&request.caller, app.directory.as_ref(), &invitation)
            .await?;
        json(StatusCode::CREATED, &invited)
    })
    .await
}

mod doc;
