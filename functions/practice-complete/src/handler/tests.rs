//! Fed with `events/practice-complete/` payloads, aimed at an assignment made for the test.

use std::sync::Arc;

use tutorbridge_ai::OfflineTutor;
use tutorbridge_app::Store;
use tutorbridge_domain::{Caller, Role, UserId};
use tutorbridge_embedded_table::EmbeddedTable;
use tutorbridge_http::testing::{event, status_and_json};

use super::*;

async fn app_with_assignment() -> (PracticeComplete, String) {
    let store: Store = Arc::new(EmbeddedTable::temporary());
    tutorbridge_app::seed::ensure_demo_bank(&store)
        .await
        .expect("seed");
    let student = Caller {
        user_id: UserId::parse("demo-student").expect("id"),
        roles: [Role::Student].into(),
        email: None,
    };
    let practice = PracticeService::new(store, OfflineTutor::tutor());
    let science = tutorbridge_domain::practice::SubjectSlug::parse("Science").expect("slug");
    let assignment = practice
        .assign(&student, &science, None)
        .await
        .expect("assign");
    (
        PracticeComplete::new(practice),
        assignment.assignment_id.to_string(),
    )
}

fn load(name: &str, assignment: &str, answer: Option<&str>) -> Request {
    let request = event(
        env!("CARGO_MANIFEST_DIR"),
        &format!("practice-complete/{name}"),
    );
    let (parts, body) = request.into_parts();
    let mut json: serde_json::Value = match &body {
        Body::Text(text) => serde_json::from_str(text).expect("json"),
        _ => panic!("the event has a JSON body"),
    };
    json["assignment_id"] = assignment.into();
    if let Some(answer) = answer {
        json["answer"] = answer.into();
    }
    Request::from_parts(parts, Body::from(json.to_string()))
}

#[tokio::test]
async fn an_answer_is_graded_once_and_the_same_completion_returns_the_same_body() {
    let (app, assignment) = app_with_assignment().await;
    // "a" is an option id of every multiple-choice item and a (poor) short answer otherwise.
    let (status, first) =
        status_and_json(&handle(&app, load("complete.json", &assignment, Some("a"))).await);
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["rated"].as_bool(), Some(true));
    let (_, again) =
        status_and_json(&handle(&app, load("complete.json", &assignment, Some("a"))).await);
    assert_eq!(again, first);
}

#[tokio::test]
async fn over_long_answers_are_400_and_unknown_assignments_404() {
    let (app, assignment) = app_with_assignment().await;
    assert_eq!(
        status_and_json(&handle(&app, load("complete-too-long.json", &assignment, None)).await).0,
        400
    );
    let missing = "science.sci-plants-01.01jdemo0000000000000000000";
    assert_eq!(
        status_and_json(&handle(&app, load("complete.json", missing, None)).await).0,
        404
    );
}

#[tokio::test]
async fn unknown_time_zones_and_ids_that_cannot_be_assignments_are_400() {
    let (app, assignment) = app_with_assignment().await;
    let mut request = load("complete.json", &assignment, Some("a"));
    let body: serde_json::Value = match request.body() {
        Body::Text(text) => serde_json::from_str(text).expect("json"),
        _ => panic!("the event has a JSON body"),
    };
    let mut body = body;
    body["time_zone"] = "Mars/Olympus".into();
    *request.body_mut() = Body::from(body.to_string());
    let (status, problem) = status_and_json(&handle(&app, request).await);
    assert_eq!(status, 400, "{problem}");
    let nul = format!("{assignment}\u{0}");
    let one = assignment.replacen('.', "\u{1}.", 1);
    for forged in [
        "x",
        "science.#.x",
        "Science.sci-plants-01.x",
        "science.a.b.c",
        &nul,
        &one,
    ] {
        let (status, problem) =
            status_and_json(&handle(&app, load("complete.json", forged, None)).await);
        assert_eq!(status, 400, "{forged:?}: {problem}");
    }
}
