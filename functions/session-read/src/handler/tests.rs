//! Fed with `events/session-read/` payloads, aimed at a session created for the test.

use std::sync::Arc;

use tutorbridge_ai::OfflineTutor;
use tutorbridge_app::Store;
use tutorbridge_app::access::AccessService;
use tutorbridge_app::sessions::SessionService;
use tutorbridge_domain::curriculum::GuidelineId;
use tutorbridge_domain::{Caller, Relationship, Role, UserId};
use tutorbridge_embedded_table::EmbeddedTable;
use tutorbridge_http::testing::{event, retarget, status_and_json};

use super::*;

fn id(raw: &str) -> UserId {
    UserId::parse(raw).expect("id")
}

async fn app_with_session(link_parent: bool) -> (SessionRead, String) {
    let store: Store = Arc::new(EmbeddedTable::temporary());
    tutorbridge_app::seed::ensure_demo_curriculum(&store)
        .await
        .expect("seed");
    if link_parent {
        AccessService::new(store.clone())
            .link(
                Relationship::Parent,
                &id("demo-parent"),
                &id("demo-student"),
            )
            .await
            .expect("link");
    }
    let tutor = OfflineTutor::tutor();
    let student = Caller {
        user_id: id("demo-student"),
        roles: [Role::Student].into(),
        email: None,
    };
    let guideline = GuidelineId::parse("cbse3-science-plants-parts").expect("id");
    let session = SessionService::new(store.clone(), tutor.clone())
        .create(&student, &guideline)
        .await
        .expect("create");
    (
        SessionRead::new(store, tutor),
        session.session_id.to_string(),
    )
}

fn load(name: &str, path: &str, params: &[(&str, &str)]) -> Request {
    retarget(
        event(env!("CARGO_MANIFEST_DIR"), &format!("session-read/{name}")),
        path,
        params,
    )
}

#[tokio::test]
async fn the_student_reads_the_session_and_its_summary() {
    let (app, session) = app_with_session(false).await;
    let (status, body) = status_and_json(
        &handle(
            &app,
            load(
                "get.json",
                &format!("/sessions/{session}"),
                &[("id", &session)],
            ),
        )
        .await,
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["subject"], "Science");
    let path = format!("/sessions/{session}/summary");
    let (status, summary) =
        status_and_json(&handle(&app, load("summary.json", &path, &[("id", &session)])).await);
    assert_eq!(status, 200);
    assert_eq!(summary["steps_completed"], 0);
    assert!(
        summary["suggestions"]
            .as_array()
            .is_some_and(|s| !s.is_empty())
    );
}

#[tokio::test]
async fn a_linked_parent_lists_the_childs_sessions_and_an_unlinked_one_gets_404() {
    let (app, session) = app_with_session(true).await;
    let list = || {
        load(
            "list-as-parent.json",
            "/students/demo-student/sessions?limit=10",
            &[("id", "demo-student")],
        )
    };
    let (status, body) = status_and_json(&handle(&app, list()).await);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["sessions"][0]["session_id"], session.as_str());
    let (unlinked, _) = app_with_session(false).await;
    assert_eq!(status_and_json(&handle(&unlinked, list()).await).0, 404);
}
