//! Handler tests fed with the API Gateway payloads in `events/nudges/`, parsed by `lambda_http`
//! exactly as the Lambda runtime parses them, over the embedded table with a nudge the job sent.

use std::sync::Arc;

use serde_json::Value;
use tutorbridge_app::clock::FixedClock;
use tutorbridge_app::config::Secret;
use tutorbridge_app::people::{ProfileService, activity_put};
use tutorbridge_app::{Ports, Store};
use tutorbridge_domain::UserId;
use tutorbridge_embedded_table::EmbeddedTable;

use super::*;

const SECRET: &str = "a-link-secret-for-handler-tests";

/// The demo student, inactive for eight days, nudged once by the job (in-app).
async fn app() -> Nudges {
    let store: Store = Arc::new(EmbeddedTable::temporary());
    let clock = Arc::new(FixedClock::at(
        "2026-11-22T12:00:00Z".parse().expect("time"),
    ));
    let ports = Ports::new(store.clone()).with_clock(clock);
    let student = UserId::parse("demo-student").expect("id");
    ProfileService::new(store.clone())
        .confirmed(&student, None)
        .await
        .expect("profile");
    let then = "2026-11-14T12:00:00Z".parse().expect("time");
    store
        .transact_write(vec![
            activity_put(&student, then, Some("Mathematics"), Some(4)).expect("op"),
        ])
        .await
        .expect("activity");
    let service = NudgeService::new(ports, None, "https://api.example.com", Secret::new(SECRET));
    let report = service.run().await.expect("run");
    assert_eq!(report.sent, 1, "{report:?}");
    Nudges::new(service)
}

fn event(name: &str) -> Request {
    tutorbridge_http::testing::event(env!("CARGO_MANIFEST_DIR"), &format!("nudges/{name}"))
}

async fn call(app: &Nudges, request: Request) -> (u16, Value) {
    tutorbridge_http::testing::status_and_json(&handle(app, request).await)
}

#[tokio::test]
async fn the_student_lists_follows_the_tracked_link_and_the_admin_counts_it() {
    let app = app().await;
    let (status, body) = call(&app, event("list.json")).await;
    assert_eq!(status, 200, "{body}");
    let nudge = &body["nudges"][0];
    assert_eq!(nudge["trigger"], "inactive");
    assert_eq!(
        nudge["link"], "https://api.example.com/practice?subject=mathematics",
        "the deep link goes to the subject last practised"
    );
    let template = nudge["template"].as_str().expect("template").to_string();
    assert!(template.starts_with("away_"), "{template}");

    // The email's tracked link: recorded, then a redirect to the nudge's own link.
    let stored: tutorbridge_app::nudges::Nudge =
        serde_json::from_value(nudge.clone()).expect("nudge");
    let token = app.nudges.click_token(&stored);
    let follow = tutorbridge_http::testing::retarget(
        event("follow-forged.json"),
        &format!("/nudges/go/{token}"),
        &[("token", &token)],
    );
    let response = handle(&app, follow).await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        response.headers()["location"],
        "https://api.example.com/practice?subject=mathematics"
    );
    let (_, body) = call(&app, event("list.json")).await;
    assert!(body["nudges"][0]["clicked_at"].is_string(), "{body}");
    assert!(
        body["nudges"][0]["opened_at"].is_string(),
        "a click opens it"
    );

    let (status, body) = call(&app, event("stats.json")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["total"]["sent"], 1);
    assert_eq!(body["total"]["clicked"], 1);
    assert_eq!(body["total"]["awaiting_return"], 1, "a day has not passed");
    assert_eq!(body["rows"][0]["template"], template.as_str());
}

#[tokio::test]
async fn forged_links_and_other_roles_learn_nothing() {
    let app = app().await;
    let (status, body) = call(&app, event("follow-forged.json")).await;
    assert_eq!(status, 404, "{body}");
    let (status, _) = call(&app, event("unsubscribe-forged.json")).await;
    assert_eq!(status, 404);
    let (status, _) = call(&app, event("stats-as-student.json")).await;
    assert_eq!(status, 403);
    let (status, _) = call(&app, event("opened.json")).await;
    assert_eq!(status, 404, "not one of the caller's nudges");
}
