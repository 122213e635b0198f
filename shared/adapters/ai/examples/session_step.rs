//! In-process cost of tutoring steps on the embedded default (redb, fsync per commit) with the
//! offline tutor — a benchmark, not a test.
//!
//! `cargo run --release -p tutorbridge-ai --example session_step [-- SESSIONS]`

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tutorbridge_ai::OfflineTutor;
use tutorbridge_app::sessions::{SessionService, StepRequest};
use tutorbridge_app::{Store, keys};
use tutorbridge_domain::curriculum::GuidelineId;
use tutorbridge_domain::tutoring::SessionId;
use tutorbridge_domain::{Caller, Role, UserId};
use tutorbridge_embedded_table::EmbeddedTable;
use tutorbridge_table::Table;

fn report(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let at =
        |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize].as_secs_f64() * 1e3;
    println!(
        "{name:<34} n={:<5} median {:>6.3} ms   p99 {:>6.3} ms   max {:>6.3} ms",
        samples.len(),
        at(0.5),
        at(0.99),
        at(1.0)
    );
}

async fn answer(store: &Store, id: &SessionId) -> String {
    let item = store
        .get(&keys::session_state(id))
        .await
        .expect("get")
        .expect("state");
    let state: serde_json::Value = serde_dynamo::from_item(item).expect("json");
    state["question"]["expected"]["question"]["answer"]
        .as_str()
        .expect("maths")
        .to_string()
}

#[tokio::main]
async fn main() {
    let sessions_to_run: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(300);
    let path = std::env::temp_dir().join(format!(
        "tutorbridge-step-bench-{}.redb",
        std::process::id()
    ));
    let store: Store = Arc::new(EmbeddedTable::open(&path).expect("open"));
    tutorbridge_app::seed::ensure_demo_curriculum(&store)
        .await
        .expect("seed");
    let service = SessionService::new(store.clone(), OfflineTutor::tutor());
    let student = Caller {
        user_id: UserId::parse("bench-student").expect("id"),
        roles: BTreeSet::from([Role::Student]),
        email: None,
    };
    let guideline = GuidelineId::parse("cbse3-maths-multiplication-repeated-addition").expect("id");

    let (mut creates, mut advances, mut remediations) = (Vec::new(), Vec::new(), Vec::new());
    let started = Instant::now();
    for _ in 0..sessions_to_run {
        let t = Instant::now();
        let id = service
            .create(&student, &guideline)
            .await
            .expect("create")
            .session_id;
        creates.push(t.elapsed());
        let t = Instant::now();
        service
            .step(
                &student,
                &id,
                StepRequest {
                    step: 0,
                    reply: "0".into(),
                },
            )
            .await
            .expect("wrong step");
        remediations.push(t.elapsed());
        let mut step = 1;
        loop {
            let reply = answer(&store, &id).await; // outside the timed region
            let t = Instant::now();
            let response = service
                .step(&student, &id, StepRequest { step, reply })
                .await
                .expect("step");
            advances.push(t.elapsed());
            if response.completed {
                break;
            }
            step += 1;
        }
    }
    let total = started.elapsed();
    println!(
        "embedded table at {} (fsync per commit), offline tutor",
        path.display()
    );
    report("create session", creates);
    report("step (remediate: grade, hint)", remediations);
    let steps = advances.len();
    report("step (advance: grade, next question)", advances);
    println!(
        "{} sessions, {} steps in {:.2} s",
        sessions_to_run,
        steps + sessions_to_run,
        total.as_secs_f64()
    );
    let _ = std::fs::remove_file(&path);
}
