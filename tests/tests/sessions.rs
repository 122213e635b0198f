//! Tutoring sessions at the use-case level, every scenario on both table backends: the embedded
//! redb table and DynamoDB (the AWS emulator), with table round trips counted exactly.

use std::sync::Arc;

use serde_json::Value;
use tutorbridge_ai::OfflineTutor;
use tutorbridge_app::sessions::{SessionService, StepRequest};
use tutorbridge_app::{AppError, Ports, Store, keys};
use tutorbridge_domain::curriculum::GuidelineId;
use tutorbridge_domain::tutoring::{Routing, SessionId};
use tutorbridge_domain::{Caller, Relationship, Role};
use tutorbridge_table::{CountingTable, Index, Query, SortKeyCondition, Table};
use tutorbridge_tests::backends::{caller, unique};
use tutorbridge_tests::budget::{TWO_A_MINUTE, assert_over_budget, mid_minute};

const MATHS: &str = "cbse3-maths-multiplication-repeated-addition";

struct World {
    table: Arc<CountingTable<Store>>,
    sessions: SessionService,
    student: Caller,
}

async fn world(store: Store) -> World {
    tutorbridge_app::seed::ensure_demo_curriculum(&store)
        .await
        .expect("seed");
    let table = Arc::new(CountingTable::new(store));
    let counted: Store = table.clone();
    let sessions = SessionService::new(counted, OfflineTutor::tutor());
    World {
        table,
        sessions,
        student: caller(&unique("stu"), Role::Student),
    }
}

/// The open question's expected answer, read from the state item as an operator could.
async fn expected_answer(world: &World, id: &SessionId) -> String {
    let item = world
        .table
        .get(&keys::session_state(id))
        .await
        .expect("get")
        .expect("state");
    let state: Value = serde_dynamo::from_item(item).expect("json");
    state["question"]["expected"]["question"]["answer"]
        .as_str()
        .expect("a maths answer")
        .to_string()
}

async fn events(world: &World, id: &SessionId) -> Vec<String> {
    let query = Query::partition(Index::Base, format!("SESSION#{id}"))
        .sort(SortKeyCondition::BeginsWith("EVENT#".into()));
    let page = world.table.query(&query).await.expect("query");
    page.items
        .iter()
        .map(|item| {
            serde_dynamo::from_item::<_, Value>(item.clone()).expect("json")["node"]
                .as_str()
                .unwrap_or("")
                .to_string()
        })
        .collect()
}

async fn start(world: &World) -> SessionId {
    let guideline = GuidelineId::parse(MATHS).expect("id");
    world
        .sessions
        .create(&world.student, &guideline)
        .await
        .expect("create")
        .session_id
}

fn step(step: u32, reply: &str) -> StepRequest {
    StepRequest {
        step,
        reply: reply.into(),
    }
}

async fn correct_answers_complete_the_session_in_two_round_trips_per_step(store: Store) {
    let world = world(store).await;
    world.table.take();
    let id = start(&world).await;
    assert_eq!(
        world.table.take_rounds(),
        2,
        "create: read the guideline (and the day's sessions, for the quota), then write state and event together"
    );
    let mut steps = 0;
    loop {
        let answer = expected_answer(&world, &id).await;
        world.table.take();
        let response = world
            .sessions
            .step(&world.student, &id, step(steps, &answer))
            .await
            .expect("step");
        assert_eq!(
            world.table.take_rounds(),
            2,
            "a step is one round of reads (the state, the budget) and one transactional write"
        );
        assert_eq!(response.routing, Routing::Advance);
        assert_eq!(response.grading.score, 1.0);
        assert_eq!(response.answered_step, steps);
        steps += 1;
        if response.completed {
            assert!(response.mastery >= 0.85);
            assert!(response.turn.question.is_none());
            break;
        }
        assert!(response.turn.question.is_some());
    }
    assert_eq!(steps, 4, "0.4, 0.64, 0.784, 0.87");
    let error = world
        .sessions
        .step(&world.student, &id, step(steps, "1"))
        .await
        .expect_err("complete");
    assert!(matches!(error, AppError::Conflict(_)), "{error:?}");
    let log = events(&world, &id).await;
    assert_eq!(log.first().map(String::as_str), Some("present"));
    assert_eq!(log.iter().filter(|node| *node == "check").count(), 4);
}

async fn a_wrong_answer_is_remediated_without_revealing_the_answer(store: Store) {
    let world = world(store).await;
    let id = start(&world).await;
    let answer = expected_answer(&world, &id).await;
    let wrong = (answer.parse::<i64>().expect("integer answer") + 1).to_string();
    let response = world
        .sessions
        .step(&world.student, &id, step(0, &wrong))
        .await
        .expect("step");
    assert_eq!(response.routing, Routing::Remediate);
    let remediation = response.remediation.expect("a hint");
    assert_eq!(remediation.rung, 1);
    let value = tutorbridge_domain::maths::Rational::parse(&answer).expect("answer");
    assert!(
        !tutorbridge_domain::maths::mentions_value(&remediation.message, value),
        "{}",
        remediation.message
    );
    assert_eq!(
        expected_answer(&world, &id).await,
        answer,
        "the same question is asked again"
    );
    let second = world
        .sessions
        .step(&world.student, &id, step(1, &wrong))
        .await
        .expect("step");
    assert_eq!(second.remediation.map(|r| r.rung), Some(2));
    assert_eq!(
        events(&world, &id)
            .await
            .iter()
            .filter(|n| *n == "diagnose")
            .count(),
        2
    );
}

async fn a_retried_step_returns_the_stored_answer_and_a_different_reply_conflicts(store: Store) {
    let world = world(store).await;
    let id = start(&world).await;
    let answer = expected_answer(&world, &id).await;
    let first = world
        .sessions
        .step(&world.student, &id, step(0, &answer))
        .await
        .expect("step");
    let events_before = events(&world, &id).await.len();
    world.table.take();
    let retried = world
        .sessions
        .step(&world.student, &id, step(0, &answer))
        .await
        .expect("retry");
    assert_eq!(retried, first, "same body");
    assert_eq!(
        world.table.take_rounds(),
        1,
        "the latest step replays from the state item alone (read with the budget, in one round)"
    );
    assert_eq!(
        events(&world, &id).await.len(),
        events_before,
        "nothing applied twice"
    );
    let error = world
        .sessions
        .step(&world.student, &id, step(0, "999"))
        .await
        .expect_err("different reply");
    assert!(matches!(error, AppError::Conflict(_)));
    // An older step replays from its stored result.
    let next = expected_answer(&world, &id).await;
    world
        .sessions
        .step(&world.student, &id, step(1, &next))
        .await
        .expect("step 1");
    assert_eq!(
        world
            .sessions
            .step(&world.student, &id, step(0, &answer))
            .await
            .expect("old retry"),
        first
    );
    let ahead = world
        .sessions
        .step(&world.student, &id, step(5, "1"))
        .await
        .expect_err("ahead");
    assert!(matches!(ahead, AppError::Conflict(_)));
}

async fn two_concurrent_replies_to_one_step_apply_exactly_one(store: Store) {
    let world = world(store).await;
    let id = start(&world).await;
    let answer = expected_answer(&world, &id).await;
    let wrong = format!("{answer}1");
    let (a, b) = tokio::join!(
        world.sessions.step(&world.student, &id, step(0, &answer)),
        world.sessions.step(&world.student, &id, step(0, &wrong)),
    );
    let outcomes = [a.is_ok(), b.is_ok()];
    assert_eq!(
        outcomes.iter().filter(|ok| **ok).count(),
        1,
        "{a:?} / {b:?}"
    );
    let loser = if a.is_ok() { b } else { a };
    assert!(matches!(loser, Err(AppError::Conflict(_))), "{loser:?}");
    let view = world.sessions.get(&world.student, &id).await.expect("view");
    assert_eq!(view.step, 1, "no double advance");
    assert_eq!(
        events(&world, &id)
            .await
            .iter()
            .filter(|n| *n == "check")
            .count(),
        1,
        "one step's events, none lost"
    );
}

async fn only_the_student_steps_and_linked_adults_read(store: Store) {
    let world = world(store.clone()).await;
    let id = start(&world).await;
    let access = tutorbridge_app::access::AccessService::new(store);
    let tutor = caller(&unique("tut"), Role::Tutor);
    let parent = caller(&unique("par"), Role::Parent);
    access
        .link(Relationship::Tutor, &tutor.user_id, &world.student.user_id)
        .await
        .expect("link");
    access
        .link(
            Relationship::Parent,
            &parent.user_id,
            &world.student.user_id,
        )
        .await
        .expect("link");
    for reader in [&tutor, &parent, &caller("root", Role::Admin)] {
        world.sessions.get(reader, &id).await.expect("may read");
        world
            .sessions
            .summary(reader, &id)
            .await
            .expect("may read the summary");
    }
    let stranger = caller(&unique("stu"), Role::Student);
    let other_tutor = caller(&unique("tut"), Role::Tutor);
    for outsider in [&stranger, &other_tutor] {
        assert!(matches!(
            world.sessions.get(outsider, &id).await,
            Err(AppError::NotFound(_))
        ));
    }
    for not_the_student in [&tutor, &parent, &stranger] {
        let error = world
            .sessions
            .step(not_the_student, &id, step(0, "1"))
            .await
            .expect_err("refused");
        assert!(matches!(error, AppError::NotFound(_)), "{error:?}");
    }
    let forbidden = world
        .sessions
        .create(&tutor, &GuidelineId::parse(MATHS).expect("id"))
        .await
        .expect_err("tutors do not start sessions");
    assert!(matches!(forbidden, AppError::Forbidden(_)));
}

async fn bad_input_writes_nothing(store: Store) {
    let world = world(store).await;
    world.table.take();
    let missing = GuidelineId::parse("no-such-guideline").expect("id");
    assert!(matches!(
        world.sessions.create(&world.student, &missing).await,
        Err(AppError::NotFound(_))
    ));
    assert_eq!(
        world.table.take_rounds(),
        1,
        "one read round (the guideline and the day's sessions), nothing written"
    );
    let id = start(&world).await;
    for reply in ["   ", &"x".repeat(4001)] {
        assert!(matches!(
            world
                .sessions
                .step(&world.student, &id, step(0, reply))
                .await,
            Err(AppError::Invalid(_))
        ));
    }
    assert_eq!(
        world
            .sessions
            .get(&world.student, &id)
            .await
            .expect("view")
            .step,
        0
    );
}

async fn a_students_sessions_list_newest_first_across_pages(store: Store) {
    let world = world(store).await;
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(start(&world).await);
    }
    ids.reverse();
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = world
            .sessions
            .list(
                &world.student,
                &world.student.user_id,
                Some(2),
                cursor.as_deref(),
            )
            .await
            .expect("page");
        assert!(page.sessions.len() <= 2);
        seen.extend(page.sessions.into_iter().map(|s| s.session_id));
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(seen, ids);
    let other = caller(&unique("stu"), Role::Student);
    assert!(matches!(
        world
            .sessions
            .list(&other, &world.student.user_id, None, None)
            .await,
        Err(AppError::NotFound(_))
    ));
    let foreign = world
        .sessions
        .list(&other, &other.user_id, None, Some("bm90LWEtdG9rZW4"))
        .await;
    assert!(matches!(foreign, Err(AppError::Invalid(_))));
    // The envelope is right (this student's list) but what it carries is not a cursor the table
    // issued for it: still the caller's mistake, a 400, never a 500.
    use base64::Engine;
    let envelope = |inner: &str| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(format!("USER#{}\n{inner}", world.student.user_id))
    };
    let foreign_inner = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(r#"{"PK":{"S":"USER#someone-else"},"SK":{"S":"x"}}"#);
    for inner in ["!!not-base64!!", "\u{1}", foreign_inner.as_str()] {
        let token = envelope(inner);
        let bad = world
            .sessions
            .list(&world.student, &world.student.user_id, None, Some(&token))
            .await;
        assert!(matches!(bad, Err(AppError::Invalid(_))), "{inner}: {bad:?}");
    }
}

/// Steps ask the model, so they count against the student's budget: over it, 429 with the
/// seconds to wait and the session unchanged; a replay of an applied step stays free.
async fn steps_over_the_budget_are_refused_with_nothing_written(store: Store) {
    let mut world = world(store).await;
    world.sessions = SessionService::new(
        Ports::new(world.table.clone() as Store).with_clock(mid_minute()),
        OfflineTutor::tutor(),
    )
    .with_quota(TWO_A_MINUTE);
    let id = start(&world).await;
    let mut last = None;
    for n in 0..2 {
        let answer = expected_answer(&world, &id).await;
        last = Some((n, answer.clone()));
        world
            .sessions
            .step(&world.student, &id, step(n, &answer))
            .await
            .expect("within the budget");
    }
    let answer = expected_answer(&world, &id).await;
    let over = world
        .sessions
        .step(&world.student, &id, step(2, &answer))
        .await;
    assert_over_budget(&over);
    let events_before = events(&world, &id).await.len();
    assert_eq!(
        applied_steps(&world, &id).await,
        2,
        "the refused step was not applied"
    );
    let (n, answer) = last.expect("a step");
    world
        .sessions
        .step(&world.student, &id, step(n, &answer))
        .await
        .expect("a replay is not charged");
    assert_eq!(
        events(&world, &id).await.len(),
        events_before,
        "nothing written"
    );
}

/// The steps a session has applied, from its state item.
async fn applied_steps(world: &World, id: &SessionId) -> u64 {
    let state = world
        .table
        .get(&keys::session_state(id))
        .await
        .expect("get")
        .expect("state");
    let state: Value = serde_dynamo::from_item(state).expect("json");
    state["progress"]["step"].as_u64().expect("step")
}

tutorbridge_tests::on_both_backends!(
    embedded_sessions, dynamodb_sessions;
    steps_over_the_budget_are_refused_with_nothing_written,
    correct_answers_complete_the_session_in_two_round_trips_per_step,
    a_wrong_answer_is_remediated_without_revealing_the_answer,
    a_retried_step_returns_the_stored_answer_and_a_different_reply_conflicts,
    two_concurrent_replies_to_one_step_apply_exactly_one,
    only_the_student_steps_and_linked_adults_read,
    bad_input_writes_nothing,
    a_students_sessions_list_newest_first_across_pages,
);

/// An outage is an outage: a table that fails while a tutor reads a session, or while a
/// concurrent reply is being replayed, yields `Internal` (a 500 with the cause logged under the
/// request id) — never a 404 that tells the tutor the student is not theirs, nor a 409.
#[tokio::test]
async fn a_failing_table_is_an_internal_error_not_a_404_or_409() {
    let store = tutorbridge_tests::backends::embedded().await;
    tutorbridge_app::seed::ensure_demo_curriculum(&store)
        .await
        .expect("seed");
    let failing = Arc::new(tutorbridge_table::FailingTable::new(store.clone()));
    let sessions = SessionService::new(failing.clone() as Store, OfflineTutor::tutor());
    let student = caller(&unique("stu"), Role::Student);
    let tutor = caller(&unique("tutor"), Role::Tutor);
    tutorbridge_app::access::AccessService::new(store.clone())
        .link(Relationship::Tutor, &tutor.user_id, &student.user_id)
        .await
        .expect("link");
    let session = sessions
        .create(&student, &GuidelineId::parse(MATHS).expect("id"))
        .await
        .expect("create");
    sessions
        .get(&tutor, &session.session_id)
        .await
        .expect("the linked tutor reads it while the table is up");

    // The session read succeeds, the tutor-link read fails.
    failing.fail_after(1);
    let error = sessions
        .get(&tutor, &session.session_id)
        .await
        .expect_err("outage");
    assert!(matches!(error, AppError::Internal(_)), "{error:?}");

    // A reply whose write fails, then whose replay read fails: still an outage.
    failing.fail_after(1);
    let error = sessions
        .step(
            &student,
            &session.session_id,
            StepRequest {
                step: 0,
                reply: "12".into(),
            },
        )
        .await
        .expect_err("outage");
    assert!(matches!(error, AppError::Internal(_)), "{error:?}");
    failing.recover();
    sessions
        .get(&student, &session.session_id)
        .await
        .expect("nothing half-written: the session reads back");
}

/// A student may start at most 50 sessions in 24 hours (429 beyond), counted on a fixed clock.
#[tokio::test]
async fn sessions_started_per_day_are_capped() {
    use tutorbridge_app::Ports;
    use tutorbridge_app::clock::FixedClock;
    let at = |text: &str| text.parse::<jiff::Timestamp>().expect("time");
    let clock = Arc::new(FixedClock::at(at("2099-01-01T08:00:00Z")));
    let store = tutorbridge_tests::backends::embedded().await;
    tutorbridge_app::seed::ensure_demo_curriculum(&store)
        .await
        .expect("seed");
    let sessions = SessionService::new(
        Ports::new(store).with_clock(clock.clone()),
        OfflineTutor::tutor(),
    );
    let student = caller(&unique("stu"), Role::Student);
    let guideline = GuidelineId::parse(MATHS).expect("id");
    for _ in 0..tutorbridge_app::sessions::MAX_SESSIONS_PER_DAY {
        clock.advance(std::time::Duration::from_secs(60));
        sessions.create(&student, &guideline).await.expect("create");
    }
    let refused = sessions.create(&student, &guideline).await;
    assert!(matches!(refused, Err(AppError::TooMany(_))), "{refused:?}");
    clock.advance(std::time::Duration::from_secs(24 * 3600));
    sessions
        .create(&student, &guideline)
        .await
        .expect("a new day");
}
