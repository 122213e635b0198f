//! Fed with `events/session-step/` payloads, aimed at a session created for the test.

use std::sync::Arc;

use tutorbridge_ai::OfflineTutor;
use tutorbridge_app::Store;
use tutorbridge_app::sessions::SessionService;
use tutorbridge_domain::curriculum::GuidelineId;
use tutorbridge_domain::{Caller, Role, UserId};
use tutorbridge_embedded_table::EmbeddedTable;
use tutorbridge_http::testing::{event, retarget, status_and_json};

use super::*;

/// The handler and a fresh session of the events' student.
async fn app_with_session() -> (SessionStep, String) {
    let store: Store = Arc::new(EmbeddedTable::temporary());
    tutorbridge_app::seed::ensure_demo_curriculum(&store)
        .await
        .expect("seed");
    let tutor = OfflineTutor::tutor();
    let student = Caller {
        user_id: UserId::parse("demo-student").expect("id"),
        roles: [Role::Student].into(),
        email: None,
    };
    let guideline = GuidelineId::parse("cbse3-maths-multiplication-repeated-addition").expect("id");
    let session = SessionService::new(store.clone(), tutor.clone())
        .create(&student, &guideline)
        .await
        .expect("create");
    (
        SessionStep::new(store, tutor),
        session.session_id.to_string(),
    )
}

fn load(name: &str, session: &str) -> Request {
    let request = event(env!("CARGO_MANIFEST_DIR"), &format!("session-step/{name}"));
    retarget(
        request,
        &format!("/sessions/{session}/step"),
        &[("id", session)],
    )
}

#[tokio::test]
async fn a_reply_is_graded_and_routed_and_a_retry_returns_the_same_body() {
    let (app, session) = app_with_session().await;
    let (status, first) = status_and_json(&handle(&app, load("answer.json", &session)).await);
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["answered_step"], 0);
    assert_eq!(first["step"], 1);
    assert!(matches!(
        first["routing"].as_str(),
        Some("advance" | "remediate")
    ));
    let (status, again) = status_and_json(&handle(&app, load("answer.json", &session)).await);
    assert_eq!((status, &again), (200, &first));
}

#[tokio::test]
async fn an_empty_reply_is_400_and_an_unknown_session_is_404() {
    let (app, session) = app_with_session().await;
    let (status, body) = status_and_json(&handle(&app, load("empty-reply.json", &session)).await);
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("invalid_request"))
    );
    let (status, _) =
        status_and_json(&handle(&app, load("answer.json", "01JDEMO0000000000000000000")).await);
    assert_eq!(status, 404);
}
