//! Fed with `events/practice-assign/` payloads.

use std::sync::Arc;

use tutorbridge_ai::OfflineTutor;
use tutorbridge_app::Store;
use tutorbridge_embedded_table::EmbeddedTable;
use tutorbridge_http::testing::{event, status_and_json};

use super::*;

async fn app() -> PracticeAssign {
    let store: Store = Arc::new(EmbeddedTable::temporary());
    tutorbridge_app::seed::ensure_demo_bank(&store)
        .await
        .expect("seed");
    PracticeAssign::new(PracticeService::new(store, OfflineTutor::tutor()))
}

fn load(name: &str) -> Request {
    event(
        env!("CARGO_MANIFEST_DIR"),
        &format!("practice-assign/{name}"),
    )
}

#[tokio::test]
async fn a_student_gets_an_item_without_its_answer() {
    let (status, body) = status_and_json(&handle(&app().await, load("assign-maths.json")).await);
    assert_eq!(status, 200, "{body}");
    assert!(
        body["assignment_id"]
            .as_str()
            .is_some_and(|id| id.starts_with("mathematics."))
    );
    assert!((1..=10).contains(&body["difficulty_label"].as_u64().expect("label")));
    assert!(body["item"]["prompt"].is_string());
    assert!(!body.to_string().contains("\"answer\""), "{body}");
}

#[tokio::test]
async fn unknown_subjects_list_the_real_ones_and_parents_do_not_practise() {
    let app = app().await;
    let (status, body) = status_and_json(&handle(&app, load("assign-unknown-subject.json")).await);
    assert_eq!(status, 404);
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("English")
                && d.contains("Mathematics")
                && d.contains("Science")),
        "{body}"
    );
    assert_eq!(
        status_and_json(&handle(&app, load("assign-as-parent.json")).await).0,
        403
    );
}

#[tokio::test]
async fn only_json_media_types_are_accepted() {
    let app = app().await;
    let with_type = |content_type: &str| {
        let mut request = load("assign-maths.json");
        request
            .headers_mut()
            .insert("content-type", content_type.parse().expect("header value"));
        request
    };
    for accepted in [
        "application/json",
        "Application/JSON",
        "application/json; charset=utf-8",
        "application/json;charset=UTF-8",
    ] {
        let (status, body) = status_and_json(&handle(&app, with_type(accepted)).await);
        assert_eq!(status, 200, "{accepted}: {body}");
    }
    for refused in [
        "application/jsonx",
        "application/json-patch+json",
        "application/json5",
        "text/plain",
        "application/json, text/plain",
    ] {
        let (status, body) = status_and_json(&handle(&app, with_type(refused)).await);
        assert_eq!(status, 415, "{refused}: {body}");
    }
}
