//! Fed with `events/qa-query/` payloads.

use std::sync::Arc;

use tutorbridge_app::Store;
use tutorbridge_embedded_table::EmbeddedTable;
use tutorbridge_http::testing::{event, status_and_json};

use super::*;

fn load(name: &str) -> Request {
    event(env!("CARGO_MANIFEST_DIR"), &format!("qa-query/{name}"))
}

#[tokio::test]
async fn a_student_gets_a_labelled_answer_and_bad_questions_are_refused() {
    let store: Store = Arc::new(EmbeddedTable::temporary());
    tutorbridge_app::seed::ensure_demo_curriculum(&store)
        .await
        .expect("seed");
    let app = QaQuery::new(QaService::new(store, tutorbridge_ai::OfflineTutor::tutor()));
    let (status, answer) = status_and_json(&handle(&app, load("ask.json")).await);
    assert_eq!(status, 201, "{answer}");
    assert!(
        matches!(answer["label"].as_str(), Some("high" | "medium")),
        "{answer}"
    );
    assert_eq!(answer["citations"][0]["kind"], "guideline");
    let (status, _) = status_and_json(&handle(&app, load("ask-empty.json")).await);
    assert_eq!(status, 400);
    let (status, _) = status_and_json(&handle(&app, load("ask-as-tutor.json")).await);
    assert_eq!(status, 403);
}
