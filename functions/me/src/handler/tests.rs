//! Fed with `events/me/` payloads.

use std::sync::Arc;

use tutorbridge_app::Store;
use tutorbridge_embedded_table::EmbeddedTable;
use tutorbridge_http::testing::{event, status_and_json};

use super::*;

fn load(name: &str) -> Request {
    event(env!("CARGO_MANIFEST_DIR"), &format!("me/{name}"))
}

#[tokio::test]
async fn the_first_read_creates_the_profile_and_a_patch_changes_it() {
    let store: Store = Arc::new(EmbeddedTable::temporary());
    let app = Me::new(store);
    let (status, me) = status_and_json(&handle(&app, load("get.json")).await);
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["user_id"], "demo-student");
    assert_eq!(me["roles"], serde_json::json!(["student"]));
    assert_eq!(me["time_zone"], "UTC");
    assert_eq!(me["nudges"]["daily_cap"], 1);
    assert_eq!(me["nudges"]["quiet_hours"]["start"], "21:00");
    let (status, changed) = status_and_json(&handle(&app, load("patch.json")).await);
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["time_zone"], "Asia/Kolkata");
    assert_eq!(changed["nudges"]["daily_cap"], 2);
    let (_, again) = status_and_json(&handle(&app, load("get.json")).await);
    assert_eq!(again, changed, "stored");
}

#[tokio::test]
async fn bad_values_are_400_naming_the_field_and_change_nothing() {
    let store: Store = Arc::new(EmbeddedTable::temporary());
    let app = Me::new(store);
    for (name, field) in [
        ("patch-bad-zone.json", "time zone"),
        ("patch-bad-cap.json", "daily_cap"),
    ] {
        let (status, problem) = status_and_json(&handle(&app, load(name)).await);
        assert_eq!(status, 400, "{problem}");
        assert!(
            problem["detail"]
                .as_str()
                .is_some_and(|d| d.contains(field)),
            "{problem}"
        );
    }
    let (_, me) = status_and_json(&handle(&app, load("get.json")).await);
    assert_eq!(
        (me["time_zone"].as_str(), me["nudges"]["daily_cap"].as_u64()),
        (Some("UTC"), Some(1))
    );
}
