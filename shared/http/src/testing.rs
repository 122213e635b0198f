//! Handler-test helpers (feature `testing`): requests from the real payloads in `events/`, and
//! responses as status plus JSON.

use lambda_http::{Body, Request, Response};
use serde_json::Value;

/// The API Gateway v2 event `events/<relative>`, parsed by `lambda_http` exactly as the Lambda
/// runtime parses it. `manifest_dir` is the calling crate's `CARGO_MANIFEST_DIR` (a function
/// crate two levels below the repository root).
///
/// # Panics
/// When the file is missing or not a valid event: a broken fixture should fail the test.
pub fn event(manifest_dir: &str, relative: &str) -> Request {
    let path = format!("{manifest_dir}/../../events/{relative}");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    lambda_http::request::from_str(&text)
        .unwrap_or_else(|e| panic!("{path} is not an API Gateway v2 event: {e}"))
}

/// Point an event at another path (and path parameters), keeping everything else.
pub fn retarget(request: Request, path: &str, params: &[(&str, &str)]) -> Request {
    use lambda_http::RequestExt;
    let (mut parts, body) = request.into_parts();
    parts.uri = path.parse().unwrap_or_else(|e| panic!("{path}: {e}"));
    let params: std::collections::HashMap<String, String> = params
        .iter()
        .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
        .collect();
    Request::from_parts(parts, body).with_path_parameters(params)
}

/// Status code and JSON body (`Null` when there is none).
pub fn status_and_json(response: &Response<Body>) -> (u16, Value) {
    let body = match response.body() {
        Body::Text(text) => serde_json::from_str(text).unwrap_or(Value::Null),
        Body::Binary(bytes) => serde_json::from_slice(bytes).unwrap_or(Value::Null),
        _ => Value::Null,
    };
    (response.status().as_u16(), body)
}
