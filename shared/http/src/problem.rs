//! The single mapping from errors to HTTP responses (RFC 9457 problem details).

use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use serde::Serialize;
use tutorbridge_app::AppError;

/// Every way a request can fail, whichever layer noticed it.
#[derive(Debug)]
pub enum ApiError {
    /// A use case failed.
    App(AppError),
    /// No valid caller identity reached the handler.
    Unauthorized(String),
    /// No route has this path.
    RouteNotFound(String),
    /// The path exists but not for this method.
    MethodNotAllowed {
        path: String,
        allowed: Vec<&'static str>,
    },
    /// The body is larger than the limit.
    PayloadTooLarge(usize),
    /// The body is not JSON although the route expects JSON.
    UnsupportedMediaType,
    /// The client did not send the body in time.
    RequestTimeout,
}

/// Longest `detail` sent: details may quote the request (a parameter name, an id), and a
/// client's input is not echoed back at any length.
pub const MAX_DETAIL_CHARS: usize = 300;

/// Problem body: one shape for every error of the API.
#[derive(Serialize)]
struct Problem<'a> {
    #[serde(rename = "type")]
    kind: String,
    title: &'a str,
    status: u16,
    code: &'a str,
    detail: String,
    request_id: &'a str,
}

impl ApiError {
    /// Status, stable machine-readable code, and title of each case.
    fn parts(&self) -> (StatusCode, &'static str, &'static str) {
        match self {
            ApiError::App(AppError::Invalid(_)) => (
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "Invalid request",
            ),
            ApiError::App(AppError::Gone(_)) => (StatusCode::GONE, "gone", "Gone"),
            ApiError::App(AppError::NotFound(_)) => {
                (StatusCode::NOT_FOUND, "not_found", "Not found")
            }
            ApiError::App(AppError::Conflict(_)) => (StatusCode::CONFLICT, "conflict", "Conflict"),
            ApiError::App(AppError::Unprocessable(_)) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "unprocessable",
                "Unprocessable",
            ),
            ApiError::App(AppError::TooMany(_) | AppError::RateLimited { .. }) => (
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_requests",
                "Too many requests",
            ),
            ApiError::App(AppError::Forbidden(_)) => {
                (StatusCode::FORBIDDEN, "forbidden", "Forbidden")
            }
            ApiError::App(AppError::Internal(_)) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Internal server error",
            ),
            ApiError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized", "Unauthorized"),
            ApiError::RouteNotFound(_) => (StatusCode::NOT_FOUND, "route_not_found", "Not found"),
            ApiError::MethodNotAllowed { .. } => (
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "Method not allowed",
            ),
            ApiError::PayloadTooLarge(_) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "Payload too large",
            ),
            ApiError::UnsupportedMediaType => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Unsupported media type",
            ),
            ApiError::RequestTimeout => (
                StatusCode::REQUEST_TIMEOUT,
                "request_timeout",
                "Request timeout",
            ),
        }
    }

    fn detail(&self) -> String {
        match self {
            ApiError::App(AppError::Internal(_)) => {
                "something went wrong on our side; it has been logged — quote the request id".into()
            }
            ApiError::App(error) => error.to_string(),
            ApiError::Unauthorized(why) => why.clone(),
            ApiError::RouteNotFound(path) => format!("no route matches {path}"),
            ApiError::MethodNotAllowed { path, allowed } => {
                format!("{path} accepts {}", allowed.join(", "))
            }
            ApiError::PayloadTooLarge(limit) => {
                format!("request bodies are limited to {limit} bytes")
            }
            ApiError::UnsupportedMediaType => "send the body as application/json".into(),
            ApiError::RequestTimeout => "the request body did not arrive in time".into(),
        }
    }

    /// [`ApiError::detail`], cut to [`MAX_DETAIL_CHARS`].
    fn bounded_detail(&self) -> String {
        let detail = self.detail();
        if detail.chars().count() <= MAX_DETAIL_CHARS {
            return detail;
        }
        let mut cut: String = detail.chars().take(MAX_DETAIL_CHARS - 1).collect();
        cut.push('…');
        cut
    }

    /// The problem response. Internal errors are logged here with their cause chain — the one
    /// place they are logged — and answered without it.
    pub fn into_response(self, request_id: &str) -> Response<Body> {
        if let ApiError::App(AppError::Internal(cause)) = &self {
            let chain = tutorbridge_app::error_chain(cause.as_ref());
            tracing::error!(request_id, error = %chain, "internal error");
        }
        let (status, code, title) = self.parts();
        let problem = Problem {
            kind: format!("https://tutorbridge.dev/problems/{code}"),
            title,
            status: status.as_u16(),
            code,
            detail: self.bounded_detail(),
            request_id,
        };
        let body = serde_json::to_string(&problem).unwrap_or_default();
        let mut builder = Response::builder()
            .status(status)
            .header("content-type", "application/problem+json");
        if let ApiError::MethodNotAllowed { allowed, .. } = &self {
            builder = builder.header("allow", allowed.join(", "));
        }
        if let ApiError::Unauthorized(_) = &self {
            builder = builder.header("www-authenticate", "Bearer");
        }
        if let ApiError::App(AppError::RateLimited { retry_after, .. }) = &self {
            builder = builder.header("retry-after", retry_after.to_string());
        }
        builder.body(Body::Text(body)).unwrap_or_else(|_| {
            let mut fallback = Response::new(Body::Empty);
            *fallback.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
            fallback
        })
    }
}

impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        ApiError::App(error)
    }
}

impl From<tutorbridge_domain::ValidationError> for ApiError {
    fn from(error: tutorbridge_domain::ValidationError) -> Self {
        ApiError::App(error.into())
    }
}
