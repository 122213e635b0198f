//! Fed with `events/session-create/` payloads.

use std::sync::Arc;

use tutorbridge_ai::OfflineTutor;
use tutorbridge_app::Store;
use tutorbridge_embedded_table::EmbeddedTable;
use tutorbridge_http::testing::{event, status_and_json};

use super::*;

async fn app() -> SessionCreate {
    let store: Store = Arc::new(EmbeddedTable::temporary());
    tutorbridge_app::seed::ensure_demo_curriculum(&store)
        .await
        .expect("seed");
    SessionCreate::new(store, OfflineTutor::tutor())
}

fn load(name: &str) -> Request {
    event(
        env!("CARGO_MANIFEST_DIR"),
        &format!("session-create/{name}"),
    )
}

#[tokio::test]
async fn a_student_starts_a_session_and_gets_the_first_question() {
    let response = handle(&app().await, load("create.json")).await;
    let (status, body) = status_and_json(&response);
    assert_eq!(status, 201, "{body}");
    let id = body["session_id"].as_str().expect("id");
    assert_eq!(
        response.headers()["location"],
        format!("/sessions/{id}").as_str()
    );
    assert_eq!(body["step"], 0);
    assert!(
        body["turn"]["question"]
            .as_str()
            .is_some_and(|q| q.starts_with("What is"))
    );
    assert_eq!(body["turn"]["model"], "offline");
    assert!(
        body["turn"].get("expected").is_none() && !body.to_string().contains("\"answer\""),
        "{body}"
    );
}

#[tokio::test]
async fn tutors_cannot_start_sessions_and_unknown_guidelines_are_404() {
    let app = app().await;
    assert_eq!(
        status_and_json(&handle(&app, load("create-as-tutor.json")).await).0,
        403
    );
    let (status, body) =
        status_and_json(&handle(&app, load("create-unknown-guideline.json")).await);
    assert_eq!((status, body["code"].as_str()), (404, Some("not_found")));
}

#[tokio::test]
async fn malformed_bodies_are_400() {
    let app = app().await;
    for body in [
        "",
        "{",
        "{\"goal\":{}}",
        "{\"goal\":{\"guideline_id\":\"x\"},\"extra\":1}",
        "{\"goal\":{\"guideline_id\":\"NOT VALID\"}}",
    ] {
        let (parts, _) = load("create.json").into_parts();
        let request = Request::from_parts(parts, Body::from(body));
        let (status, problem) = status_and_json(&handle(&app, request).await);
        assert_eq!(status, 400, "{body}: {problem}");
    }
}
