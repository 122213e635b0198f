//! Practice cycles (assign, then complete) in-process on the embedded default (redb, fsync per
//! commit) with the offline tutor — a benchmark, not a test.
//!
//! `cargo run --release -p tutorbridge-ai --example practice_cycle [-- CYCLES STUDENTS]`
//!
//! Runs CYCLES cycles one after another for one student, then CYCLES cycles spread over STUDENTS
//! students in flight at once (default 2,000 and 16), alternating Mathematics and Science, and
//! answering right two times in three. Reports cycles per second and per-call latencies.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tutorbridge_ai::OfflineTutor;
use tutorbridge_app::practice::PracticeService;
use tutorbridge_app::{Store, keys};
use tutorbridge_domain::practice::{AssignmentId, SubjectSlug};
use tutorbridge_domain::{Caller, Role, UserId};
use tutorbridge_embedded_table::EmbeddedTable;
use tutorbridge_table::Table;

fn report(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let at =
        |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize].as_secs_f64() * 1e3;
    println!(
        "  {name:<10} n={:<6} median {:>6.3} ms   p99 {:>6.3} ms   max {:>7.3} ms",
        samples.len(),
        at(0.5),
        at(0.99),
        at(1.0)
    );
}

fn student(n: usize) -> Caller {
    Caller {
        user_id: UserId::parse(&format!("bench-student-{n}")).expect("id"),
        roles: BTreeSet::from([Role::Student]),
        email: None,
    }
}

/// The answer to an assignment, read from the table (not timed).
async fn answer(store: &Store, student: &Caller, assignment: &AssignmentId, right: bool) -> String {
    let item = store
        .get(&keys::assignment(&student.user_id, assignment))
        .await
        .expect("get")
        .expect("assignment");
    let record: serde_json::Value = serde_dynamo::from_item(item).expect("json");
    let body = &record["item"]["body"];
    let correct = match body["kind"].as_str() {
        Some("maths") => body["question"]["answer"].as_str(),
        _ => body["answer"].as_str(),
    }
    .unwrap_or("1")
    .to_string();
    match (right, body["kind"].as_str()) {
        (true, _) => correct,
        (false, Some("choice")) => if correct == "a" { "b" } else { "a" }.to_string(),
        (false, Some("maths")) => format!("{correct}1"),
        (false, _) => "I am not sure".to_string(),
    }
}

/// `cycles` assign+complete cycles for `student`; (assign, complete) latencies.
async fn run(
    practice: &PracticeService,
    store: &Store,
    student: &Caller,
    cycles: usize,
) -> (Vec<Duration>, Vec<Duration>) {
    let (mut assigns, mut completes) = (Vec::new(), Vec::new());
    let subjects = ["Mathematics", "Science"].map(|s| SubjectSlug::parse(s).expect("slug"));
    for n in 0..cycles {
        let subject = &subjects[n % 2];
        let t = Instant::now();
        let assignment = practice
            .assign(student, subject, None)
            .await
            .expect("assign");
        assigns.push(t.elapsed());
        let answer = answer(store, student, &assignment.assignment_id, n % 3 != 0).await;
        let t = Instant::now();
        practice
            .complete(student, &assignment.assignment_id, &answer, 0, None)
            .await
            .expect("complete");
        completes.push(t.elapsed());
    }
    (assigns, completes)
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let cycles: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(2000);
    let students: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(16);
    let path = std::env::temp_dir().join(format!(
        "tutorbridge-practice-bench-{}.redb",
        std::process::id()
    ));
    let store: Store = Arc::new(EmbeddedTable::open(&path).expect("open"));
    tutorbridge_app::seed::ensure_demo_curriculum(&store)
        .await
        .expect("curriculum");
    tutorbridge_app::seed::ensure_demo_bank(&store)
        .await
        .expect("bank");
    let practice = PracticeService::new(store.clone(), OfflineTutor::tutor());

    let started = Instant::now();
    let (assigns, completes) = run(&practice, &store, &student(0), cycles).await;
    let elapsed = started.elapsed();
    println!(
        "sequential, one student: {cycles} cycles in {:.2} s = {:.0} cycles/s (incl. the untimed answer lookups)",
        elapsed.as_secs_f64(),
        cycles as f64 / elapsed.as_secs_f64()
    );
    report("assign", assigns);
    report("complete", completes);

    let per_student = cycles / students.max(1);
    let started = Instant::now();
    let tasks: Vec<_> = (1..=students)
        .map(|n| {
            let (practice, store) = (practice.clone(), store.clone());
            tokio::spawn(async move { run(&practice, &store, &student(n), per_student).await })
        })
        .collect();
    let (mut assigns, mut completes) = (Vec::new(), Vec::new());
    for task in tasks {
        let (a, c) = task.await.expect("task");
        assigns.extend(a);
        completes.extend(c);
    }
    let elapsed = started.elapsed();
    let total = per_student * students;
    println!(
        "{students} students at once: {total} cycles in {:.2} s = {:.0} cycles/s",
        elapsed.as_secs_f64(),
        total as f64 / elapsed.as_secs_f64()
    );
    report("assign", assigns);
    report("complete", completes);
    drop(practice);
    drop(store);
    let _ = std::fs::remove_file(&path);
}
