//! Fed with `events/goals/` payloads.

use std::sync::Arc;

use tutorbridge_app::Store;
use tutorbridge_embedded_table::EmbeddedTable;
use tutorbridge_http::testing::{event, retarget, status_and_json};

use super::*;

fn load(name: &str) -> Request {
    event(env!("CARGO_MANIFEST_DIR"), &format!("goals/{name}"))
}

#[tokio::test]
async fn a_student_sets_lists_and_archives_a_goal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store: Store = Arc::new(EmbeddedTable::open(dir.path().join("t.redb")).expect("open"));
    tutorbridge_app::seed::ensure_demo_bank(&store)
        .await
        .expect("seed");
    let app = Goals::new(store);
    let (status, goal) = status_and_json(&handle(&app, load("create.json")).await);
    assert_eq!(status, 201, "{goal}");
    assert_eq!(
        (goal["target"].as_u64(), goal["status"].as_str()),
        (Some(5), Some("active"))
    );
    let id = goal["goal_id"].as_str().expect("id").to_string();
    let (status, list) = status_and_json(&handle(&app, load("list.json")).await);
    assert_eq!(status, 200);
    assert_eq!(list["goals"][0]["goal_id"], id.as_str());
    let archive = retarget(
        load("archive.json"),
        &format!("/goals/{id}"),
        &[("id", &id)],
    );
    let (status, archived) = status_and_json(&handle(&app, archive).await);
    assert_eq!(
        (status, archived["status"].as_str()),
        (200, Some("archived"))
    );
}

#[tokio::test]
async fn practice_reads_follow_the_access_rules() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store: Store = Arc::new(EmbeddedTable::open(dir.path().join("t.redb")).expect("open"));
    tutorbridge_app::seed::ensure_demo_bank(&store)
        .await
        .expect("seed");
    let app = Goals::new(store.clone());
    let read = || {
        retarget(
            load("list.json"),
            "/students/demo-student/practice?subject=Science",
            &[("id", "demo-student")],
        )
    };
    let request = read();
    let request = lambda_http::RequestExt::with_query_string_parameters(
        request,
        "subject=Science"
            .parse::<lambda_http::aws_lambda_events::query_map::QueryMap>()
            .expect("query"),
    );
    let (status, body) = status_and_json(&handle(&app, request).await);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["rating"]["rating"], 1200);
    let other = retarget(
        load("list.json"),
        "/students/someone-else/practice?subject=Science",
        &[("id", "someone-else")],
    );
    let other = lambda_http::RequestExt::with_query_string_parameters(
        other,
        "subject=Science"
            .parse::<lambda_http::aws_lambda_events::query_map::QueryMap>()
            .expect("query"),
    );
    assert_eq!(
        status_and_json(&handle(&app, other).await).0,
        404,
        "a student reads only their own practice"
    );
}
