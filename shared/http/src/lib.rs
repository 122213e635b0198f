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

/// A JSON response with `status` (a text body: API Gateway passes it on as it is).
pub fn json<T: Serialize>(status: StatusCode, body: &T) -> Result<Response<Body>, ApiError> {
    let text = serde_json::to_string(body)
        .map_err(|e| ApiError::App(tutorbridge_app::AppError::internal(e)))?;
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Body::Text(text))
        .map_err(|e| ApiError::App(tutorbridge_app::AppError::internal(e)))
}

/// A finished response handed to `lambda_http::run` as it is.
///
/// `lambda_http` converts a plain `Response<Body>` first: it collects the body again and, for
/// a textual content type, decodes it with the `charset` the header names through
/// `encoding_rs` (every legacy encoding's tables, ~0.2 MB of each bootstrap), panicking if the
/// body cannot be read. Ours are finished already: JSON and problem bodies are UTF-8 text
/// ([`json`], [`ApiError::into_response`]) and the rest are empty, so they go out unchanged.
pub struct Reply(pub Response<Body>);

impl lambda_http::IntoResponse for Reply {
    fn into_response(
        self,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Response<Body>> + Send>> {
        Box::pin(std::future::ready(self.0))
    }
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

#[cfg(test)]
mod tests {
    use lambda_http::IntoResponse;

    use super::*;

    /// What the runtime hands API Gateway: JSON and problem bodies as the UTF-8 text they were
    /// written as (not base64), with their status and headers.
    #[tokio::test]
    async fn json_and_problem_bodies_reach_api_gateway_as_text_unchanged() {
        let ok = json(StatusCode::CREATED, &serde_json::json!({"name": "Zoë ✓"})).expect("json");
        let out = Reply(ok).into_response().await;
        assert_eq!(out.status(), StatusCode::CREATED);
        assert_eq!(out.headers()["content-type"], "application/json");
        assert!(
            matches!(out.body(), Body::Text(text) if text == r#"{"name":"Zoë ✓"}"#),
            "{:?}",
            out.body()
        );

        let problem = ApiError::RouteNotFound("/nowhere".into()).into_response("req-1");
        let out = Reply(problem).into_response().await;
        assert_eq!(out.status(), StatusCode::NOT_FOUND);
        assert_eq!(out.headers()["content-type"], "application/problem+json");
        let Body::Text(text) = out.body() else {
            panic!("a problem body is text: {:?}", out.body());
        };
        let problem: serde_json::Value = serde_json::from_str(text).expect("problem json");
        assert_eq!(problem["status"], 404);
        assert_eq!(problem["request_id"], "req-1");
    }
}
