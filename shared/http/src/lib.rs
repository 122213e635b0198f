//! The HTTP edge every function shares: routes, the caller vouched for by API Gateway's JWT
//! authorizer, request bodies with a size limit, and the one mapping from errors to JSON
//! problem responses.
//!
//! A function's handler lists its routes and calls [`respond`] with one closure that matches
//! on the route key (`"GET /guidelines/{id}"`, API Gateway's own spelling) and calls one use
//! case. Everything else — 404/405 for unknown routes, 401 without a caller, 413 for large
//! bodies, problem bodies, the request log line — happens here, once.

mod function;
pub mod openapi;
mod problem;
mod request;
mod route;
#[cfg(feature = "testing")]
pub mod testing;

pub use function::{BuildError, Function, FunctionSpec, Handler, Wiring};
pub use problem::ApiError;
pub use request::{ApiRequest, MAX_BODY_BYTES, SignedRequest, page_limit};
pub use route::{Route, RouteMatch, match_route, most_specific};

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Serialize;

/// A JSON response with `status`.
pub fn json<T: Serialize>(status: StatusCode, body: &T) -> Result<Response<Body>, ApiError> {
    let bytes = serde_json::to_vec(body)
        .map_err(|e| ApiError::App(tutorbridge_app::AppError::internal(e)))?;
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Body::from(bytes))
        .map_err(|e| ApiError::App(tutorbridge_app::AppError::internal(e)))
}

/// [`respond`] for signed routes (webhooks): no caller; `serve` verifies the signature itself
/// over the raw body.
pub async fn respond_signed<F>(
    request: Request,
    routes: &'static [Route],
    serve: F,
) -> Response<Body>
where
    F: AsyncFnOnce(SignedRequest) -> Result<Response<Body>, ApiError>,
{
    let method = request.method().to_string();
    let path = request.uri().path().to_string();
    let (outcome, request_id, route) = match SignedRequest::from_lambda(request, routes) {
        Ok(signed) => {
            let request_id = signed.request_id.clone();
            let route = signed.route;
            (serve(signed).await, request_id, Some(route))
        }
        Err((error, request_id)) => (Err(error), request_id, None),
    };
    let response = outcome.unwrap_or_else(|error| error.into_response(&request_id));
    tracing::info!(
        request_id = %request_id,
        user_id = "-",
        route = route.unwrap_or("-"),
        method = %method,
        // A signed route's path may carry a capability (an unsubscribe token): the route key
        // names it instead.
        path = %route.map_or(path.as_str(), |_| "-"),
        status = response.status().as_u16(),
        "request"
    );
    response
}

/// Route `request`, authenticate its caller and run `serve` on it; map any error to a problem
/// response; log one line per request. Never fails: expected errors are responses, not Lambda
/// function errors.
pub async fn respond<F>(request: Request, routes: &'static [Route], serve: F) -> Response<Body>
where
    F: AsyncFnOnce(ApiRequest) -> Result<Response<Body>, ApiError>,
{
    let method = request.method().to_string();
    let path = request.uri().path().to_string();
    let (outcome, request_id, user_id, route) = match ApiRequest::from_lambda(request, routes) {
        Ok(api_request) => {
            let request_id = api_request.request_id.clone();
            let user_id = api_request.caller.user_id.to_string();
            let route = api_request.route;
            (
                serve(api_request).await,
                request_id,
                Some(user_id),
                Some(route),
            )
        }
        Err((error, request_id)) => (Err(error), request_id, None, None),
    };
    let response = outcome.unwrap_or_else(|error| error.into_response(&request_id));
    tracing::info!(
        request_id = %request_id,
        user_id = user_id.as_deref().unwrap_or("-"),
        route = route.unwrap_or("-"),
        method = %method,
        path = %path,
        status = response.status().as_u16(),
        "request"
    );
    response
}
