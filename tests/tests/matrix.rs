//! Who may do what to whose data: every route of the function registry, called by every kind
//! of principal against one student's objects, with the expected status of each cell in one
//! table. A route without a row fails the test, so a new route must say who may call it.

use std::collections::BTreeMap;

use reqwest::Method;
use serde_json::{Value, json};
use tutorbridge_app::access::AccessService;
use tutorbridge_domain::{Relationship, UserId};
use tutorbridge_local::registry::FUNCTIONS;
use tutorbridge_tests::TestApp;

/// The principals, in the order the table's columns list them.
const PRINCIPALS: [&str; 8] = [
    "owner",       // the student whose objects are used
    "student",     // another student
    "tutor",       // the owner's tutor
    "tutor-other", // a tutor of someone else
    "parent",      // the owner's parent
    "parent-other",
    "admin",
    "no-role", // a valid token without a known group
];

/// Expected status per principal for one route (columns as [`PRINCIPALS`]).
type Row = [u16; 8];

/// The whole table. `{session}`, `{goal}`, `{assignment}` and `{owner}` name the owner's objects.
fn table() -> BTreeMap<&'static str, (Row, &'static str, Option<Value>)> {
    let read = [200, 404, 200, 404, 200, 404, 200, 404];
    let mut rows = BTreeMap::new();
    rows.insert(
        "GET /curriculum",
        (
            [200; 8],
            "/curriculum?country=India&board=CBSE&grade=3",
            None,
        ),
    );
    rows.insert(
        "GET /guidelines/{id}",
        ([200; 8], "/guidelines/cbse3-science-plants-parts", None),
    );
    rows.insert(
        "POST /sessions",
        (
            [201, 201, 403, 403, 403, 403, 403, 403],
            "/sessions",
            Some(json!({"goal": {"guideline_id": "cbse3-maths-multiplication-repeated-addition"}})),
        ),
    );
    rows.insert(
        "POST /sessions/{id}/step",
        (
            [200, 404, 404, 404, 404, 404, 404, 404],
            "/sessions/{session}/step",
            Some(json!({"step": 0, "student_reply": "12"})),
        ),
    );
    rows.insert("GET /sessions/{id}", (read, "/sessions/{session}", None));
    rows.insert(
        "GET /sessions/{id}/summary",
        (read, "/sessions/{session}/summary", None),
    );
    rows.insert(
        "GET /students/{id}/sessions",
        (read, "/students/{owner}/sessions", None),
    );
    rows.insert(
        "POST /practice/assign",
        (
            [200, 200, 403, 403, 403, 403, 403, 403],
            "/practice/assign",
            Some(json!({"subject": "Mathematics"})),
        ),
    );
    rows.insert(
        "POST /practice/complete",
        (
            [200, 404, 404, 404, 404, 404, 404, 404],
            "/practice/complete",
            Some(json!({"assignment_id": "{assignment}", "answer": "1"})),
        ),
    );
    rows.insert(
        "POST /goals",
        (
            [201, 404, 201, 404, 404, 404, 201, 404],
            "/goals",
            Some(json!({"student_id": "{owner}", "subject": "Science", "target": 3})),
        ),
    );
    rows.insert("GET /goals", (read, "/goals?student_id={owner}", None));
    rows.insert(
        "PATCH /goals/{id}",
        (
            [200, 404, 200, 404, 404, 404, 200, 404],
            "/goals/{goal}",
            Some(json!({"student_id": "{owner}", "target": 4})),
        ),
    );
    rows.insert(
        "GET /students/{id}/practice",
        (read, "/students/{owner}/practice?subject=Mathematics", None),
    );
    rows.insert(
        "GET /practice/review",
        (
            [403, 403, 200, 200, 403, 403, 200, 403],
            "/practice/review",
            None,
        ),
    );
    rows.insert(
        "PATCH /practice/items/{id}",
        (
            [403, 403, 404, 404, 403, 403, 404, 403],
            "/practice/items/no-such-item",
            Some(json!({"review": "approved"})),
        ),
    );
    rows.insert("GET /me", ([200; 8], "/me", None));
    rows.insert(
        "PATCH /me",
        ([200; 8], "/me", Some(json!({"daily_cap": 2}))),
    );
    let admin_only = [403, 403, 403, 403, 403, 403, 200, 403];
    // A link between two other people, so the owner's rows are unaffected.
    rows.insert(
        "PUT /admin/links/{kind}/{adult}/{student}",
        (
            admin_only,
            "/admin/links/parent/m-parent-other/m-student",
            None,
        ),
    );
    rows.insert(
        "DELETE /admin/links/{kind}/{adult}/{student}",
        (
            admin_only,
            "/admin/links/parent/m-parent-other/m-student",
            None,
        ),
    );
    rows.insert(
        "GET /students",
        ([403, 403, 200, 200, 200, 200, 200, 403], "/students", None),
    );
    rows.insert("GET /admin/audit", (admin_only, "/admin/audit", None));
    rows.insert(
        "POST /admin/users",
        (
            [403, 403, 403, 403, 403, 403, 201, 403],
            "/admin/users",
            Some(json!({"email": "matrix-invite@example.com", "role": "student"})),
        ),
    );
    let upload =
        json!({"purpose": "material", "name": "n.txt", "content_type": "text/plain", "size": 5});
    rows.insert("POST /uploads", ([201; 8], "/uploads", Some(upload)));
    // The owner's file is pending (nothing uploaded): its owner is told so, others learn nothing.
    rows.insert(
        "POST /uploads/{id}/complete",
        (
            [409, 404, 404, 404, 404, 404, 404, 404],
            "/uploads/{file}/complete",
            None,
        ),
    );
    rows.insert("GET /files/{id}", (read, "/files/{file}", None));
    // Destructive: the owner's tutor deletes it first (200); after that it is gone for everyone.
    rows.insert(
        "DELETE /files/{id}",
        (
            [404, 404, 200, 404, 404, 404, 404, 404],
            "/files/{file}",
            None,
        ),
    );
    // Signed, not token, routes: a token alone is never enough.
    rows.insert(
        "POST /webhooks/session-transcripts",
        ([401; 8], "/webhooks/session-transcripts", Some(json!({}))),
    );
    rows.insert(
        "GET /webhooks/session-transcripts/{rails_session_id}",
        ([401; 8], "/webhooks/session-transcripts/matrix-1", None),
    );
    rows.insert(
        "GET /students/{id}/summaries",
        (read, "/students/{owner}/summaries", None),
    );
    rows.insert("GET /summaries/{id}", (read, "/summaries/{summary}", None));
    let ask = json!({"question": "What is a unit fraction?", "subject": "Mathematics"});
    rows.insert(
        "POST /qa/query",
        (
            [201, 201, 403, 403, 403, 403, 403, 403],
            "/qa/query",
            Some(ask),
        ),
    );
    rows.insert(
        "GET /qa/history",
        (read, "/qa/history?student={owner}", None),
    );
    rows.insert("GET /qa/{id}", (read, "/qa/{question}", None));
    // Only the student who asked escalates; the thread is then the tutors'.
    rows.insert(
        "POST /qa/{id}/escalate",
        (
            [200, 404, 404, 404, 404, 404, 404, 404],
            "/qa/{question}/escalate",
            None,
        ),
    );
    // Parents read threads but do not write in them.
    rows.insert(
        "POST /qa/{id}/replies",
        (
            [201, 404, 201, 404, 404, 404, 201, 404],
            "/qa/{question}/replies",
            Some(json!({"text": "A reply from the matrix."})),
        ),
    );
    rows.insert(
        "GET /tutor/escalations",
        (
            [403, 403, 200, 200, 403, 403, 200, 403],
            "/tutor/escalations",
            None,
        ),
    );
    // Everyone has their own (here empty) list; nobody marks a nudge that is not theirs.
    rows.insert("GET /nudges", ([200; 8], "/nudges", None));
    rows.insert(
        "POST /nudges/{id}/opened",
        ([404; 8], "/nudges/01matrixnudge/opened", None),
    );
    rows.insert(
        "POST /nudges/{id}/clicked",
        ([404; 8], "/nudges/01matrixnudge/clicked", None),
    );
    // The unsubscribe link is its own proof: a token is no help, a forged link is a 404.
    rows.insert(
        "POST /nudges/unsubscribe/{token}",
        ([404; 8], "/nudges/unsubscribe/m-owner.00ff", None),
    );
    rows.insert(
        "GET /nudges/go/{token}",
        ([404; 8], "/nudges/go/m-owner.01matrixnudge.00ff", None),
    );
    rows.insert(
        "GET /admin/nudges/stats",
        (admin_only, "/admin/nudges/stats", None),
    );
    rows.insert(
        "GET /students/{id}/progress",
        (read, "/students/{owner}/progress", None),
    );
    rows.insert(
        "POST /students/{id}/overrides",
        (
            [403, 403, 201, 404, 403, 403, 201, 403],
            "/students/{owner}/overrides",
            Some(json!({
                "change": {"kind": "goal_progress", "goal_id": "{goal}", "progress": 1},
                "reason": "matrix"
            })),
        ),
    );
    rows.insert(
        "GET /students/{id}/overrides",
        (read, "/students/{owner}/overrides", None),
    );
    rows.insert(
        "GET /students/{id}/export",
        (
            [200, 404, 403, 403, 200, 404, 200, 403],
            "/students/{owner}/export",
            None,
        ),
    );
    // Destructive, so last: the owner's parent erases them (200); the admin, asking after,
    // finds nothing left (404).
    rows.insert(
        "DELETE /students/{id}",
        (
            [403, 404, 403, 403, 200, 404, 404, 403],
            "/students/{owner}",
            None,
        ),
    );
    rows
}

fn fill(template: &str, objects: &BTreeMap<&str, String>) -> String {
    objects
        .iter()
        .fold(template.to_string(), |text, (name, value)| {
            text.replace(&format!("{{{name}}}"), value)
        })
}

#[tokio::test]
async fn every_route_answers_every_principal_as_the_table_says() {
    let app = TestApp::spawn().await;
    let mint = |sub: &str, groups: &[&str]| {
        app.gateway
            .mint_token(sub, groups)
            .expect("local issuer")
            .expect("token")
    };
    let users = [
        ("owner", "m-owner", vec!["student"]),
        ("student", "m-student", vec!["student"]),
        ("tutor", "m-tutor", vec!["tutor"]),
        ("tutor-other", "m-tutor-other", vec!["tutor"]),
        ("parent", "m-parent", vec!["parent"]),
        ("parent-other", "m-parent-other", vec!["parent"]),
        ("admin", "m-admin", vec!["admin"]),
        ("no-role", "m-nobody", vec!["reader"]),
    ];
    let tokens: BTreeMap<&str, String> = users
        .iter()
        .map(|(name, sub, groups)| (*name, mint(sub, groups)))
        .collect();
    let access = AccessService::new(app.gateway.store());
    let id = |raw: &str| UserId::parse(raw).expect("id");
    access
        .link(Relationship::Tutor, &id("m-tutor"), &id("m-owner"))
        .await
        .expect("tutor link");
    access
        .link(Relationship::Parent, &id("m-parent"), &id("m-owner"))
        .await
        .expect("parent link");

    let call = async |principal: &str, method: Method, path: &str, body: Option<Value>| {
        let mut request = app
            .client
            .request(method, format!("{}{path}", app.url))
            .bearer_auth(&tokens[principal]);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        (
            status,
            response.json::<Value>().await.unwrap_or(Value::Null),
        )
    };
    // The owner's objects: a session, an assignment, a goal.
    let guideline =
        json!({"goal": {"guideline_id": "cbse3-maths-multiplication-repeated-addition"}});
    let (_, session) = call("owner", Method::POST, "/sessions", Some(guideline)).await;
    let (_, assignment) = call(
        "owner",
        Method::POST,
        "/practice/assign",
        Some(json!({"subject": "Mathematics"})),
    )
    .await;
    let (_, goal) = call(
        "owner",
        Method::POST,
        "/goals",
        Some(json!({"subject": "Mathematics", "target": 5})),
    )
    .await;
    let (_, file) = call(
        "owner",
        Method::POST,
        "/uploads",
        Some(json!({"purpose": "material", "name": "notes.txt", "content_type": "text/plain", "size": 5})),
    )
    .await;
    // A summary of one of the owner's live sessions, delivered as the Rails app would.
    call("owner", Method::GET, "/me", None).await;
    let transcript = json!({
        "rails_session_id": "matrix-1", "student_id": "m-owner", "tutor_id": "m-tutor",
        "subject": "Mathematics", "started_at": "2026-12-01T16:00:00Z", "ended_at": "2026-12-01T16:45:00Z",
        "turns": [{"speaker": "tutor", "text": "We compared fractions with the same numerator."}]
    })
    .to_string();
    let secret = tutorbridge_app::config::Secret::new(tutorbridge_local::LOCAL_WEBHOOK_SECRET);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("time")
        .as_secs();
    let delivered: Value = app
        .client
        .post(format!("{}/webhooks/session-transcripts", app.url))
        .header("content-type", "application/json")
        .header(
            "TutorBridge-Signature",
            tutorbridge_app::summaries::signature::sign(&secret, now, transcript.as_bytes()),
        )
        .body(transcript)
        .send()
        .await
        .expect("deliver")
        .json()
        .await
        .expect("json");
    let (_, question) = call(
        "owner",
        Method::POST,
        "/qa/query",
        Some(json!({"question": "Why is one seventh smaller than one fifth?", "subject": "Mathematics"})),
    )
    .await;
    let objects: BTreeMap<&str, String> = BTreeMap::from([
        (
            "question",
            question["qa_id"].as_str().expect("question").to_string(),
        ),
        (
            "summary",
            delivered["receipt"]["summary_id"]
                .as_str()
                .expect("summary")
                .to_string(),
        ),
        (
            "file",
            file["file"]["file_id"].as_str().expect("file").to_string(),
        ),
        ("owner", "m-owner".to_string()),
        (
            "session",
            session["session_id"].as_str().expect("session").to_string(),
        ),
        (
            "assignment",
            assignment["assignment_id"]
                .as_str()
                .expect("assignment")
                .to_string(),
        ),
        ("goal", goal["goal_id"].as_str().expect("goal").to_string()),
    ]);

    let rows = table();
    let mut missing = Vec::new();
    let mut wrong = Vec::new();
    let mut cells = 0;
    for function in FUNCTIONS {
        for route in function.routes {
            let Some((expected, path, body)) = rows.get(route.key) else {
                missing.push(route.key);
                continue;
            };
            let method: Method = route.method.parse().expect("method");
            let path = fill(path, &objects);
            let body = body.as_ref().map(|b| {
                serde_json::from_str::<Value>(&fill(&b.to_string(), &objects)).expect("json")
            });
            // The owner goes last, so what others try (and must fail at) sees the same state.
            let mut order: Vec<usize> = (1..PRINCIPALS.len()).collect();
            order.push(0);
            for column in order {
                let principal = PRINCIPALS[column];
                let (status, answer) = call(principal, method.clone(), &path, body.clone()).await;
                cells += 1;
                if status != expected[column] {
                    wrong.push(format!(
                        "{} as {principal}: {status}, expected {} ({answer})",
                        route.key, expected[column]
                    ));
                }
            }
            // And nobody without a token gets anything.
            let anonymous = app
                .client
                .request(method.clone(), format!("{}{path}", app.url))
                .send()
                .await
                .expect("request")
                .status()
                .as_u16();
            cells += 1;
            // Signed routes (webhooks, the links in emails) take no sign-in: without a token
            // they answer as with one (their own signature decides).
            let expected_anonymous = if route.signed { expected[0] } else { 401 };
            if anonymous != expected_anonymous {
                wrong.push(format!("{} anonymous: {anonymous}", route.key));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "routes without a row in the matrix: {missing:?}"
    );
    assert!(
        wrong.is_empty(),
        "{} of {cells} cells differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert!(cells >= 35 * 9, "{cells} cells");
}
