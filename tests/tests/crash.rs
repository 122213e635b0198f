//! Crash safety: a gateway child process, under a load of practice completions and new goals, is
//! killed with SIGKILL three times and restarted on the same data folder. Every write the client
//! saw acknowledged is still there, and nothing is half-applied: the rating's XP and evidence
//! count, the attempts and the goal's progress all agree.
//!
//! Sixteen concurrent writers keep the embedded table's writer group-committing (assigns and new
//! goals commit side by side; one student's completions take turns), so the kills land in the
//! middle of group commits: an acknowledged write is one whose group's fsync had returned.

use std::collections::BTreeSet;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::Mutex;

const KILLS: usize = 3;
const WRITERS: usize = 16;

struct Running {
    child: Child,
    url: String,
}

async fn spawn(data_dir: &std::path::Path) -> Running {
    let mut child = Command::new(env!("CARGO_BIN_EXE_crash-target"))
        .env("TUTORBRIDGE_DATA_DIR", data_dir)
        .env("TUTORBRIDGE_ADDR", "127.0.0.1:0")
        .env("TUTORBRIDGE_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn the gateway");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let url = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
        .await
        .expect("the gateway starts in time")
        .expect("read")
        .expect("a URL line");
    Running { child, url }
}

/// The demo student's token from a running gateway.
async fn student_token(client: &reqwest::Client, url: &str) -> String {
    client
        .get(format!("{url}/local/tokens/student"))
        .send()
        .await
        .expect("token")
        .text()
        .await
        .expect("token text")
}

/// Acknowledged writes, as the client saw them.
#[derive(Default)]
struct Acknowledged {
    completions: BTreeSet<String>,
    goals: BTreeSet<String>,
}

async fn load(
    client: reqwest::Client,
    url: String,
    token: String,
    seen: Arc<Mutex<Acknowledged>>,
    n: usize,
) {
    let post = |path: &str, body: Value| {
        client
            .post(format!("{url}{path}"))
            .bearer_auth(&token)
            .json(&body)
            .timeout(Duration::from_secs(5))
            .send()
    };
    for round in 0.. {
        if (round + n).is_multiple_of(5) {
            let Ok(response) = post("/goals", json!({"subject": "Science", "target": 1000})).await
            else {
                return;
            };
            if response.status().as_u16() == 201 {
                let Ok(goal) = response.json::<Value>().await else {
                    return;
                };
                if let Some(id) = goal["goal_id"].as_str() {
                    seen.lock().await.goals.insert(id.to_string());
                }
            }
            continue;
        }
        let Ok(response) = post("/practice/assign", json!({"subject": "Mathematics"})).await else {
            return;
        };
        let Ok(assignment) = response.json::<Value>().await else {
            return;
        };
        let Some(id) = assignment["assignment_id"].as_str() else {
            continue;
        };
        let Ok(response) = post(
            "/practice/complete",
            json!({"assignment_id": id, "answer": "7"}),
        )
        .await
        else {
            return;
        };
        if response.status().as_u16() == 200 {
            let Ok(done) = response.json::<Value>().await else {
                return;
            };
            if done["rated"] == json!(true) {
                seen.lock().await.completions.insert(id.to_string());
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_writes_survive_sigkill_and_nothing_is_half_applied() {
    let data = tempfile::tempdir().expect("data folder");
    let client = reqwest::Client::new();
    let seen = Arc::new(Mutex::new(Acknowledged::default()));
    for kill in 0..KILLS {
        let mut gateway = spawn(data.path()).await;
        let token = student_token(&client, &gateway.url).await;
        let writers: Vec<_> = (0..WRITERS)
            .map(|n| {
                tokio::spawn(load(
                    client.clone(),
                    gateway.url.clone(),
                    token.clone(),
                    Arc::clone(&seen),
                    n + kill,
                ))
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(700 + 300 * kill as u64)).await;
        gateway.child.start_kill().expect("SIGKILL");
        gateway.child.wait().await.expect("the child is gone");
        for writer in writers {
            writer.await.expect("writer");
        }
    }

    let gateway = spawn(data.path()).await;
    let get = async |path: &str| -> Value {
        let token = student_token(&client, &gateway.url).await;
        client
            .get(format!("{}{path}", gateway.url))
            .bearer_auth(token)
            .send()
            .await
            .expect("get")
            .json()
            .await
            .expect("json")
    };
    let seen = seen.lock().await;
    assert!(
        seen.completions.len() >= 10,
        "the load did real work: {}",
        seen.completions.len()
    );

    let practice = get("/students/demo-student/practice?subject=Mathematics").await;
    let attempts = practice["attempts"].as_array().expect("attempts");
    let stored: BTreeSet<String> = attempts
        .iter()
        .filter_map(|a| a["assignment_id"].as_str().map(str::to_string))
        .collect();
    let lost: Vec<&String> = seen.completions.difference(&stored).collect();
    assert!(lost.is_empty(), "acknowledged completions lost: {lost:?}");
    // Each attempt applied whole: the rating counts exactly the attempts stored, and its XP is
    // theirs (10 for a right answer, 2 for a wrong one).
    let rating = &practice["rating"];
    assert_eq!(
        rating["answers"].as_u64(),
        Some(attempts.len() as u64),
        "{rating}"
    );
    let xp: u64 = attempts
        .iter()
        .map(|a| if a["correct"] == json!(true) { 10 } else { 2 })
        .sum();
    assert_eq!(rating["xp"].as_u64(), Some(xp));

    let goals = get("/goals").await;
    let stored_goals: BTreeSet<String> = goals["goals"]
        .as_array()
        .expect("goals")
        .iter()
        .filter_map(|g| g["goal_id"].as_str().map(str::to_string))
        .collect();
    let lost: Vec<&String> = seen.goals.difference(&stored_goals).collect();
    assert!(lost.is_empty(), "acknowledged goals lost: {lost:?}");
    eprintln!(
        "crash test: {KILLS} kills, {} acknowledged completions, {} goals, {} attempts stored",
        seen.completions.len(),
        seen.goals.len(),
        attempts.len()
    );
}
