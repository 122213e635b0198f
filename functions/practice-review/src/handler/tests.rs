//! Fed with `events/practice-review/` payloads, aimed at an item the AI port wrote for the test.

use std::sync::Arc;

use tutorbridge_ai::OfflineTutor;
use tutorbridge_app::Store;
use tutorbridge_domain::bank::{BankItem, ItemBody, ItemId, Provenance};
use tutorbridge_domain::{Caller, Role, UserId};
use tutorbridge_embedded_table::EmbeddedTable;
use tutorbridge_http::testing::{event, retarget, status_and_json};

use super::*;

/// A Science bank with only a far too hard item, so assigning has the AI port write one.
async fn app_with_pending_item() -> (PracticeReview, String) {
    let store: Store = Arc::new(EmbeddedTable::temporary());
    tutorbridge_app::seed::ensure_demo_curriculum(&store)
        .await
        .expect("curriculum");
    let hard = BankItem {
        id: ItemId::parse("sci-hard").expect("id"),
        subject: "Science".into(),
        topic: "Plants".into(),
        difficulty: 5.0,
        expected_seconds: 60,
        body: ItemBody::Short {
            prompt: "Explain transpiration.".into(),
            answer: "Water evaporates from leaves.".into(),
            keywords: vec!["water".into()],
        },
        provenance: Provenance::Seed,
        review: Review::Approved,
    };
    tutorbridge_app::practice::import_bank(&store, &[hard])
        .await
        .expect("bank");
    let practice =
        tutorbridge_app::practice::PracticeService::new(store.clone(), OfflineTutor::tutor());
    let student = Caller {
        user_id: UserId::parse("demo-student").expect("id"),
        roles: [Role::Student].into(),
        email: None,
    };
    let science = SubjectSlug::parse("Science").expect("slug");
    let assignment = practice
        .assign(&student, &science, None)
        .await
        .expect("assign");
    assert_eq!(assignment.item.review, Review::Pending);
    (PracticeReview::new(store), assignment.item.item_id)
}

fn load(name: &str) -> Request {
    event(
        env!("CARGO_MANIFEST_DIR"),
        &format!("practice-review/{name}"),
    )
}

fn on_item(name: &str, item: &str) -> Request {
    retarget(
        load(name),
        &format!("/practice/items/{item}"),
        &[("id", item)],
    )
}

#[tokio::test]
async fn a_tutor_sees_the_pending_item_with_its_answer_and_approves_it_once() {
    let (app, item) = app_with_pending_item().await;
    let (status, queue) = status_and_json(&handle(&app, load("queue.json")).await);
    assert_eq!(status, 200, "{queue}");
    let listed = &queue["items"][0];
    assert_eq!(listed["id"], item.as_str());
    assert_eq!(
        (listed["provenance"].as_str(), listed["review"].as_str()),
        (Some("ai"), Some("pending"))
    );
    assert!(
        listed["body"]["answer"].is_string(),
        "reviewers see the answer: {listed}"
    );

    let (status, approved) = status_and_json(&handle(&app, on_item("approve.json", &item)).await);
    assert_eq!(
        (status, approved["review"].as_str()),
        (200, Some("approved"))
    );
    let (_, queue) = status_and_json(&handle(&app, load("queue.json")).await);
    assert_eq!(queue["items"], serde_json::json!([]), "it left the queue");
    let (status, again) = status_and_json(&handle(&app, on_item("approve.json", &item)).await);
    assert_eq!(status, 409, "{again}");
}

#[tokio::test]
async fn students_cannot_review_and_unknown_items_are_not_found() {
    let (app, item) = app_with_pending_item().await;
    let (status, body) =
        status_and_json(&handle(&app, on_item("reject-as-student.json", &item)).await);
    assert_eq!(status, 403, "{body}");
    let (status, body) =
        status_and_json(&handle(&app, on_item("approve.json", "no-such-item")).await);
    assert_eq!(status, 404, "{body}");
}
