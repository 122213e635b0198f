//! Practice helpers shared by the scenario tests.

use serde_json::Value;
use tutorbridge_app::{Store, keys};
use tutorbridge_domain::UserId;
use tutorbridge_domain::practice::AssignmentId;

/// The expected answer of an assignment, read from its item as an operator could.
pub async fn answer_of(
    store: &Store,
    student: &UserId,
    assignment_id: &AssignmentId,
    right: bool,
) -> String {
    let item = store
        .get(&keys::assignment(student, assignment_id))
        .await
        .expect("get")
        .expect("assignment");
    let record: Value = serde_dynamo::from_item(item).expect("json");
    let body = &record["item"]["body"];
    match body["kind"].as_str() {
        Some("maths") => {
            let answer = body["question"]["answer"]
                .as_str()
                .expect("answer")
                .to_string();
            if right { answer } else { format!("{answer}1") }
        }
        Some("choice") => {
            let answer = body["answer"].as_str().expect("answer").to_string();
            if right {
                answer
            } else {
                body["options"]
                    .as_array()
                    .expect("options")
                    .iter()
                    .map(|o| o["id"].as_str().unwrap_or("").to_string())
                    .find(|id| *id != answer)
                    .unwrap_or_default()
            }
        }
        _ => {
            if right {
                body["answer"].as_str().unwrap_or("").to_string()
            } else {
                "no idea".into()
            }
        }
    }
}
