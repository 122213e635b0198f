//! Fed with `events/qa-threads/` payloads, aimed at a question asked for the test.

use std::sync::Arc;

use tutorbridge_app::Store;
use tutorbridge_app::access::AccessService;
use tutorbridge_app::qa::QueryRequest;
use tutorbridge_domain::{Caller, Relationship, Role};
use tutorbridge_embedded_table::EmbeddedTable;
use tutorbridge_http::testing::{event, retarget, status_and_json};

use super::*;

fn load(name: &str) -> Request {
    event(env!("CARGO_MANIFEST_DIR"), &format!("qa-threads/{name}"))
}

#[tokio::test]
async fn a_question_is_escalated_listed_answered_and_read() {
    let store: Store = Arc::new(EmbeddedTable::temporary());
    tutorbridge_app::seed::ensure_demo_curriculum(&store)
        .await
        .expect("seed");
    let student = UserId::parse("demo-student").expect("id");
    AccessService::new(store.clone())
        .link(
            Relationship::Tutor,
            &UserId::parse("demo-tutor").expect("id"),
            &student,
        )
        .await
        .expect("link");
    let qa = QaService::new(store, tutorbridge_ai::OfflineTutor::tutor());
    let asked = qa
        .query(
            &Caller {
                user_id: student.clone(),
                roles: [Role::Student].into(),
                email: None,
            },
            QueryRequest {
                question: "Why does a bigger denominator give a smaller unit fraction?".into(),
                subject: Some("Mathematics".into()),
                guideline_id: None,
            },
        )
        .await
        .expect("asked");
    let id = asked.qa_id.to_string();
    let app = QaThreads::new(qa);
    let at = |name: &str, path: &str| retarget(load(name), path, &[("id", id.as_str())]);

    let (status, escalated) =
        status_and_json(&handle(&app, at("escalate.json", &format!("/qa/{id}/escalate"))).await);
    assert_eq!(
        (status, &escalated["thread"]),
        (200, &"open".into()),
        "{escalated}"
    );
    let (status, list) = status_and_json(&handle(&app, load("tutor-escalations.json")).await);
    assert_eq!(status, 200);
    assert_eq!(list["escalations"][0]["qa_id"], id.as_str());
    let (status, replied) = status_and_json(
        &handle(
            &app,
            at("reply-as-tutor.json", &format!("/qa/{id}/replies")),
        )
        .await,
    );
    assert_eq!(status, 201, "{replied}");
    assert_eq!(replied["exchange"]["thread"], "closed");
    let (status, thread) =
        status_and_json(&handle(&app, at("thread.json", &format!("/qa/{id}"))).await);
    assert_eq!(status, 200);
    assert_eq!(thread["replies"][0]["author_role"], "tutor");
    let (status, history) = status_and_json(&handle(&app, load("history.json")).await);
    assert_eq!(status, 200);
    assert_eq!(history["questions"][0]["replies"], 1);
    let (status, _) = status_and_json(&handle(&app, at("thread.json", "/qa/not-an-id!")).await);
    assert_eq!(status, 400);
}
