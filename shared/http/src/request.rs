//! A request after the edge's checks: routed, size-checked, with its caller.

use std::collections::HashMap;

use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt};
use serde::de::DeserializeOwned;
use tutorbridge_app::AppError;
use tutorbridge_domain::Caller;

use crate::problem::ApiError;
use crate::route::{Route, RouteMatch, match_route};

/// Largest request body accepted (checked before any parsing).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// A routed, authenticated request.
#[derive(Debug)]
pub struct ApiRequest {
    /// The matched route key, e.g. `"GET /guidelines/{id}"`.
    pub route: &'static str,
    pub params: HashMap<String, String>,
    pub caller: Caller,
    pub request_id: String,
    query: HashMap<String, Vec<String>>,
    body: Vec<u8>,
    content_type: Option<String>,
}

fn context_request_id(request: &Request) -> String {
    match request.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(context)) => context.request_id.clone(),
        _ => None,
    }
    .unwrap_or_else(|| "-".to_string())
}

/// The caller from the JWT authorizer's claims in the API Gateway request context.
fn caller(request: &Request) -> Result<Caller, ApiError> {
    let unauthorized = || ApiError::Unauthorized("a valid bearer token is required".into());
    let Some(RequestContext::ApiGatewayV2(context)) = request.request_context_ref() else {
        return Err(unauthorized());
    };
    let claims = context
        .authorizer
        .as_ref()
        .and_then(|authorizer| authorizer.jwt.as_ref())
        .map(|jwt| &jwt.claims)
        .ok_or_else(unauthorized)?;
    let claim = |name: &str| claims.get(name).map(String::as_str);
    Caller::from_claims(claim("sub"), claim("cognito:groups"), claim("email")).map_err(|error| {
        ApiError::Unauthorized(format!("the token's claims are unusable: {error}"))
    })
}

impl ApiRequest {
    /// Route `request` in `routes`, refuse oversized bodies, and take the caller from the
    /// authorizer context. On error, also returns the request id for the problem body.
    pub fn from_lambda(
        request: Request,
        routes: &[Route],
    ) -> Result<ApiRequest, (ApiError, String)> {
        let request_id = context_request_id(&request);
        let fail = |error: ApiError| (error, request_id.clone());
        let path = request.uri().path().to_string();
        let (route, params) = match match_route(routes, request.method().as_str(), &path) {
            RouteMatch::Found { route, params } => (route, params),
            RouteMatch::MethodNotAllowed { allowed, .. } => {
                return Err(fail(ApiError::MethodNotAllowed { path, allowed }));
            }
            RouteMatch::NotFound => return Err(fail(ApiError::RouteNotFound(path))),
        };
        let body_len = match request.body() {
            Body::Empty => 0,
            Body::Text(text) => text.len(),
            Body::Binary(bytes) => bytes.len(),
            _ => 0,
        };
        if body_len > route.max_body {
            return Err(fail(ApiError::PayloadTooLarge(route.max_body)));
        }
        if route.signed {
            return Err(fail(ApiError::App(AppError::internal(
                "a signed route is served with respond_signed",
            ))));
        }
        let caller = caller(&request).map_err(fail)?;
        let query = request
            .query_string_parameters_ref()
            .map(|map| {
                let mut out: HashMap<String, Vec<String>> = HashMap::new();
                for (name, value) in map.iter() {
                    out.entry(name.to_string())
                        .or_default()
                        .push(value.to_string());
                }
                out
            })
            .unwrap_or_default();
        let content_type = request
            .headers()
            .get("content-type")
            .and_then(|value| value.to_str().ok())
            .map(str::to_ascii_lowercase);
        let body = match request.into_body() {
            Body::Text(text) => text.into_bytes(),
            Body::Binary(bytes) => bytes,
            _ => Vec::new(),
        };
        Ok(ApiRequest {
            route: route.key,
            params,
            caller,
            request_id,
            query,
            body,
            content_type,
        })
    }

    /// A path parameter of the matched route.
    pub fn param(&self, name: &str) -> Result<&str, ApiError> {
        self.params.get(name).map(String::as_str).ok_or_else(|| {
            ApiError::App(AppError::internal(format!("route has no parameter {name}")))
        })
    }

    /// The query parameters, refusing names outside `allowed` and repeated names, so a typo
    /// (`?subjet=`) is a 400 rather than a silently different answer.
    pub fn query<'a>(
        &'a self,
        allowed: &[&'static str],
    ) -> Result<HashMap<&'static str, &'a str>, ApiError> {
        let mut out = HashMap::new();
        for (name, values) in &self.query {
            let Some(known) = allowed.iter().find(|a| **a == name.as_str()) else {
                return Err(AppError::Invalid(format!(
                    "unknown query parameter '{name}'; this route accepts: {}",
                    allowed.join(", ")
                ))
                .into());
            };
            match values.as_slice() {
                [value] => {
                    out.insert(*known, value.as_str());
                }
                _ => {
                    return Err(AppError::Invalid(format!(
                        "query parameter '{name}' is given more than once"
                    ))
                    .into());
                }
            }
        }
        Ok(out)
    }

    /// The JSON body as `T`. The size limit was checked before routing.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        if let Some(content_type) = &self.content_type
            && !is_json_media_type(content_type)
        {
            return Err(ApiError::UnsupportedMediaType);
        }
        if self.body.is_empty() {
            return Err(AppError::Invalid("a JSON body is required".into()).into());
        }
        serde_json::from_slice(&self.body).map_err(|error| {
            AppError::Invalid(format!(
                "the body is not valid JSON for this route: {error}"
            ))
            .into()
        })
    }
}

/// `application/json`, with optional parameters (`; charset=utf-8`) and nothing else: the media
/// type is compared whole, so `application/jsonx` or `application/json-patch+json` are not JSON
/// bodies this API reads.
fn is_json_media_type(content_type: &str) -> bool {
    let media_type = content_type.split(';').next().unwrap_or_default().trim();
    media_type.eq_ignore_ascii_case("application/json")
}

/// A page size from the query (`limit`), if given: a whole number (its range is the use
/// case's to check).
///
/// # Errors
/// `Invalid` when it is not a whole number.
pub fn page_limit(query: &HashMap<&'static str, &str>) -> Result<Option<u32>, ApiError> {
    query
        .get("limit")
        .map(|raw| {
            raw.parse::<u32>()
                .map_err(|_| AppError::Invalid("limit must be a whole number".into()).into())
        })
        .transpose()
}

/// A request to a signed route (a webhook): no caller, the raw body and headers, for the
/// handler to verify the signature over exactly the bytes received.
#[derive(Debug)]
pub struct SignedRequest {
    pub route: &'static str,
    pub params: HashMap<String, String>,
    pub request_id: String,
    pub headers: lambda_http::http::HeaderMap,
    pub body: Vec<u8>,
}

impl SignedRequest {
    /// Route `request` in `routes` (signed routes only) and refuse oversized bodies.
    pub fn from_lambda(
        request: Request,
        routes: &[Route],
    ) -> Result<SignedRequest, (ApiError, String)> {
        let request_id = context_request_id(&request);
        let fail = |error: ApiError| (error, request_id.clone());
        let path = request.uri().path().to_string();
        let (route, params) = match match_route(routes, request.method().as_str(), &path) {
            RouteMatch::Found { route, params } if route.signed => (route, params),
            RouteMatch::Found { .. } => {
                return Err(fail(ApiError::App(AppError::internal(
                    "a token route is served with respond",
                ))));
            }
            RouteMatch::MethodNotAllowed { allowed, .. } => {
                return Err(fail(ApiError::MethodNotAllowed { path, allowed }));
            }
            RouteMatch::NotFound => return Err(fail(ApiError::RouteNotFound(path))),
        };
        let headers = request.headers().clone();
        let body = match request.into_body() {
            Body::Text(text) => text.into_bytes(),
            Body::Binary(bytes) => bytes,
            _ => Vec::new(),
        };
        if body.len() > route.max_body {
            return Err(fail(ApiError::PayloadTooLarge(route.max_body)));
        }
        Ok(SignedRequest {
            route: route.key,
            params,
            request_id,
            headers,
            body,
        })
    }

    /// A path parameter of the matched route.
    pub fn param(&self, name: &str) -> Result<&str, ApiError> {
        self.params.get(name).map(String::as_str).ok_or_else(|| {
            ApiError::App(AppError::internal(format!("route has no parameter {name}")))
        })
    }

    /// A header's value as text, if present and text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }
}
