//! HTTP ⇄ nudges. The email links take no token: each is its own proof (an HMAC), as mail
//! clients call them without signing in — the one-click unsubscribe (RFC 8058) and the tracked
//! link, which records the click and redirects to the nudge's own target.

use std::future::Future;

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use tutorbridge_app::AppError;
use tutorbridge_app::nudges::NudgeService;
use tutorbridge_domain::nudges::NudgeId;
use tutorbridge_http::{
    ApiError, ApiRequest, BuildError, Function, Route, RouteMatch, SignedRequest, Wiring, json,
    match_route, page_limit, respond, respond_signed,
};

pub const ROUTES: &[Route] = &[
    Route::new("GET /nudges"),
    Route::new("POST /nudges/{id}/opened"),
    Route::new("POST /nudges/{id}/clicked"),
    // The one-click body (`List-Unsubscribe=One-Click`) is small and ignored.
    Route::signed("POST /nudges/unsubscribe/{token}", 1024),
    Route::signed("GET /nudges/go/{token}", 0),
    Route::new("GET /admin/nudges/stats"),
];

/// Built once per cold start.
#[derive(Clone)]
pub struct Nudges {
    nudges: NudgeService,
}

impl Nudges {
    pub fn new(nudges: NudgeService) -> Self {
        Nudges { nudges }
    }
}

impl Function for Nudges {
    const NAME: &'static str = "nudges";
    const ROUTES: &'static [Route] = ROUTES;

    fn build(wiring: &Wiring) -> Result<Self, BuildError> {
        let secret =
            wiring.settings.link_secret.clone().ok_or(
                "TUTORBRIDGE_LINK_SECRET must hold the secret email links are signed with",
            )?;
        Ok(Nudges::new(NudgeService::new(
            wiring.ports.clone(),
            None,
            &wiring.settings.app_url,
            secret,
        )))
    }

    fn handle(&self, request: Request) -> impl Future<Output = Response<Body>> + Send {
        handle(self, request)
    }

    fn openapi() -> utoipa::openapi::OpenApi {
        <doc::Api as utoipa::OpenApi>::openapi()
    }
}

pub async fn handle(app: &Nudges, request: Request) -> Response<Body> {
    // Signed routes (the unsubscribe link) take no token; the route table says which they are.
    let signed = matches!(
        match_route(ROUTES, request.method().as_str(), request.uri().path()),
        RouteMatch::Found { route, .. } if route.signed
    );
    if signed {
        return respond_signed(request, ROUTES, async |request: SignedRequest| {
            let token = request.param("token")?;
            if request.route == "GET /nudges/go/{token}" {
                let target = app.nudges.follow(token).await?;
                return redirect(&target);
            }
            app.nudges.unsubscribe(token).await?;
            json(StatusCode::OK, &serde_json::json!({ "unsubscribed": true }))
        })
        .await;
    }
    respond(request, ROUTES, async |request: ApiRequest| {
        match request.route {
            "GET /nudges" => {
                let query = request.query(&["limit", "cursor"])?;
                let page = app
                    .nudges
                    .list(
                        &request.caller,
                        page_limit(&query)?,
                        query.get("cursor").copied(),
                    )
                    .await?;
                json(StatusCode::OK, &page)
            }
            "POST /nudges/{id}/opened" | "POST /nudges/{id}/clicked" => {
                request.query(&[])?;
                let id = NudgeId::parse(request.param("id")?)?;
                let clicked = request.route.ends_with("clicked");
                json(
                    StatusCode::OK,
                    &app.nudges.mark(&request.caller, &id, clicked).await?,
                )
            }
            "GET /admin/nudges/stats" => {
                let query = request.query(&["since"])?;
                json(
                    StatusCode::OK,
                    &app.nudges
                        .stats(&request.caller, query.get("since").copied())
                        .await?,
                )
            }
            other => Err(ApiError::from(AppError::internal(format!(
                "unhandled route {other}"
            )))),
        }
    })
    .await
}

/// A 303 to the nudge's own link (stored with the nudge, never taken from the request).
fn redirect(target: &str) -> Result<Response<Body>, ApiError> {
    Response::builder()
        .status(StatusCode::SEE_OTHER)
        .header("location", target)
        .header("cache-control", "no-store")
        .body(Body::Empty)
        .map_err(|error| ApiError::from(AppError::internal(error)))
}

mod doc;

#[cfg(test)]
mod tests;
