//! HTTP ⇄ people oversight.

use std::future::Future;

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use tutorbridge_app::people::admin::{AuditFilter, PeopleService};
use tutorbridge_app::{AppError, Ports};
use tutorbridge_domain::{Relationship, UserId};
use tutorbridge_http::{
    ApiError, ApiRequest, BuildError, Function, Route, Wiring, json, page_limit, respond,
};

pub const ROUTES: &[Route] = &[
    Route::new("PUT /admin/links/{kind}/{adult}/{student}"),
    Route::new("DELETE /admin/links/{kind}/{adult}/{student}"),
    Route::new("GET /students"),
    Route::new("GET /admin/audit"),
];

/// Built once per cold start.
#[derive(Clone)]
pub struct People {
    people: PeopleService,
}

impl People {
    pub fn new(ports: impl Into<Ports>) -> Self {
        People {
            people: PeopleService::new(ports),
        }
    }
}

impl Function for People {
    const NAME: &'static str = "people";
    const ROUTES: &'static [Route] = ROUTES;

    fn build(wiring: &Wiring) -> Result<Self, BuildError> {
        Ok(People::new(wiring.ports.clone()))
    }

    fn handle(&self, request: Request) -> impl Future<Output = Response<Body>> + Send {
        handle(self, request)
    }

    fn openapi() -> utoipa::openapi::OpenApi {
        <doc::Api as utoipa::OpenApi>::openapi()
    }
}

/// The link a path names: `tutor` or `parent`, the adult, the student.
fn link_of(request: &ApiRequest) -> Result<(Relationship, UserId, UserId), ApiError> {
    let relationship = match request.param("kind")? {
        "tutor" => Relationship::Tutor,
        "parent" => Relationship::Parent,
        other => {
            return Err(
                AppError::Invalid(format!("a link is 'tutor' or 'parent', not '{other}'")).into(),
            );
        }
    };
    Ok((
        relationship,
        UserId::parse(request.param("adult")?)?,
        UserId::parse(request.param("student")?)?,
    ))
}

pub async fn handle(app: &People, request: Request) -> Response<Body> {
    respond(request, ROUTES, async |request: ApiRequest| {
        match request.route {
            "PUT /admin/links/{kind}/{adult}/{student}" => {
                request.query(&[])?;
                let (relationship, adult, student) = link_of(&request)?;
                let entry = app
                    .people
                    .link(&request.caller, relationship, &adult, &student)
                    .await?;
                json(StatusCode::OK, &entry)
            }
            "DELETE /admin/links/{kind}/{adult}/{student}" => {
                request.query(&[])?;
                let (relationship, adult, student) = link_of(&request)?;
                let entry = app
                    .people
                    .unlink(&request.caller, relationship, &adult, &student)
                    .await?;
                json(StatusCode::OK, &entry)
            }
            "GET /students" => {
                let query = request.query(&["limit", "cursor"])?;
                let page = app
                    .people
                    .students(
                        &request.caller,
                        page_limit(&query)?,
                        query.get("cursor").copied(),
                    )
                    .await?;
                json(StatusCode::OK, &page)
            }
            "GET /admin/audit" => {
                let query = request.query(&["actor", "target", "since", "limit", "cursor"])?;
                let user = |name: &str| query.get(name).map(|raw| UserId::parse(raw)).transpose();
                let since = query
                    .get("since")
                    .map(|raw| {
                        raw.parse::<jiff::Timestamp>().map_err(|_| {
                            AppError::Invalid(
                                "since must be an RFC 3339 time, e.g. 2026-12-01T00:00:00Z".into(),
                            )
                        })
                    })
                    .transpose()?;
                let filter = AuditFilter {
                    actor: user("actor")?,
                    target: user("target")?,
                    since,
                };
                let page = app
                    .people
                    .audit_trail(
                        &request.caller,
                        &filter,
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
