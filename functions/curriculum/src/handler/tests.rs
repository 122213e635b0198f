//! Handler tests fed with the real API Gateway payloads in `events/curriculum/`, parsed by
//! `lambda_http` exactly as the Lambda runtime parses them.

use std::sync::Arc;

use serde_json::Value;
use tutorbridge_app::Store;
use tutorbridge_embedded_table::EmbeddedTable;

use super::*;

async fn app() -> Curriculum {
    let table = EmbeddedTable::temporary();
    let store: Store = Arc::new(table);
    tutorbridge_app::seed::ensure_demo_curriculum(&store)
        .await
        .expect("seed");
    Curriculum::new(store)
}

fn event(name: &str) -> Request {
    tutorbridge_http::testing::event(env!("CARGO_MANIFEST_DIR"), &format!("curriculum/{name}"))
}

async fn call(app: &Curriculum, request: Request) -> (u16, Value) {
    tutorbridge_http::testing::status_and_json(&handle(app, request).await)
}

#[tokio::test]
async fn subjects_topics_and_subtopics_walk_down_the_tree() {
    let app = app().await;
    let (status, body) = call(&app, event("list-subjects.json")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["subjects"],
        serde_json::json!(["English", "Mathematics", "Science"])
    );
    assert_eq!(body["grade"], 3);

    let (status, body) = call(&app, event("list-topics.json")).await;
    assert_eq!(status, 200);
    assert_eq!(
        body["topics"],
        serde_json::json!(["Fractions", "Multiplication"])
    );

    let (status, body) = call(&app, event("list-subtopics.json")).await;
    assert_eq!(status, 200);
    let ids: Vec<&str> = body["subtopics"]
        .as_array()
        .expect("subtopics")
        .iter()
        .map(|entry| entry["guideline_id"].as_str().expect("id"))
        .collect();
    assert!(
        ids.contains(&"cbse3-maths-fractions-halves-quarters"),
        "{body}"
    );
}

#[tokio::test]
async fn a_guideline_carries_its_teaching_content() {
    let (status, body) = call(&app().await, event("get-guideline.json")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["subtopic"], "Halves, thirds and quarters");
    for field in [
        "objectives",
        "common_misconceptions",
        "scaffolding_strategies",
        "assessment_criteria",
    ] {
        assert!(!body[field].as_array().expect(field).is_empty(), "{field}");
    }
}

#[tokio::test]
async fn a_malformed_grade_is_a_400_problem() {
    let (status, body) = call(&app().await, event("bad-grade.json")).await;
    assert_eq!(status, 400);
    assert_eq!(body["code"], "invalid_request");
    assert_eq!(body["status"], 400);
    assert!(body["detail"].as_str().expect("detail").contains("grade"));
}

#[tokio::test]
async fn a_request_without_authorizer_claims_is_a_401_problem() {
    let (status, body) = call(&app().await, event("no-authorizer.json")).await;
    assert_eq!(status, 401);
    assert_eq!(body["code"], "unauthorized");
}

#[tokio::test]
async fn unknown_guidelines_unknown_routes_and_wrong_methods_are_problems() {
    let app = app().await;
    let retarget = |method: &str, path: &str| {
        let mut request = event("get-guideline.json");
        *request.method_mut() = method.parse().expect("method");
        *request.uri_mut() = path.parse().expect("uri");
        request
    };
    let (status, body) = call(&app, retarget("GET", "/guidelines/no-such-thing")).await;
    assert_eq!((status, body["code"].as_str()), (404, Some("not_found")));
    let (status, body) = call(&app, retarget("GET", "/nowhere")).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("route_not_found"))
    );
    let (status, body) = call(&app, retarget("DELETE", "/guidelines/x")).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (405, Some("method_not_allowed"))
    );
    let (status, _) = call(&app, retarget("GET", "/guidelines/NOT%20AN%20ID")).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn unknown_and_repeated_query_parameters_are_refused() {
    let app = app().await;
    for query in [
        "country=India&board=CBSE&grade=3&subjet=Maths",
        "country=India&country=UK&board=CBSE&grade=3",
    ] {
        let mut request = event("list-subjects.json");
        *request.uri_mut() = format!("/curriculum?{query}").parse().expect("uri");
        let request = lambda_http::RequestExt::with_query_string_parameters(
            request,
            query
                .parse::<lambda_http::aws_lambda_events::query_map::QueryMap>()
                .expect("query"),
        );
        let (status, body) = call(&app, request).await;
        assert_eq!(status, 400, "{query}: {body}");
    }
}
