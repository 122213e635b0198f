//! Fed with `events/people/` payloads.

use std::sync::Arc;

use tutorbridge_app::Store;
use tutorbridge_embedded_table::EmbeddedTable;
use tutorbridge_http::testing::{event, status_and_json};

use super::*;

fn load(name: &str) -> Request {
    event(env!("CARGO_MANIFEST_DIR"), &format!("people/{name}"))
}

#[tokio::test]
async fn an_admin_links_a_tutor_who_then_lists_the_student_and_the_audit_shows_it() {
    let store: Store = Arc::new(EmbeddedTable::temporary());
    let app = People::new(store);
    let (status, body) = status_and_json(&handle(&app, load("students-as-tutor.json")).await);
    assert_eq!(
        (status, body["students"].clone()),
        (200, serde_json::json!([])),
        "{body}"
    );
    let (status, entry) = status_and_json(&handle(&app, load("link-tutor.json")).await);
    assert_eq!(status, 200, "{entry}");
    assert_eq!(
        (entry["action"].as_str(), entry["actor"].as_str()),
        (Some("link.add"), Some("demo-admin"))
    );
    let (_, body) = status_and_json(&handle(&app, load("students-as-tutor.json")).await);
    assert_eq!(body["students"], serde_json::json!(["demo-student"]));
    let (status, body) = status_and_json(&handle(&app, load("unlink-tutor.json")).await);
    assert_eq!(status, 200, "{body}");
    let (_, body) = status_and_json(&handle(&app, load("students-as-tutor.json")).await);
    assert_eq!(body["students"], serde_json::json!([]));
    let (status, trail) = status_and_json(&handle(&app, load("audit.json")).await);
    assert_eq!(status, 200, "{trail}");
    let actions: Vec<&str> = trail["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(actions, vec!["link.remove", "link.add"], "newest first");
}

#[tokio::test]
async fn only_admins_link() {
    let store: Store = Arc::new(EmbeddedTable::temporary());
    let app = People::new(store);
    let (status, body) = status_and_json(&handle(&app, load("link-as-tutor.json")).await);
    assert_eq!(status, 403, "{body}");
}
