//! The nudge job at the use-case level, on both table backends: two runs at once over many
//! inactive students (1,000 on the embedded table) send each exactly one nudge (in-app and
//! email), a third run sends nothing;
//! an email that fails stays pending and the next run sends it; the unsubscribe token cannot be
//! forged or used for another student, and a genuine one stops the emails.

use std::sync::Arc;

use tutorbridge_app::clock::FixedClock;
use tutorbridge_app::config::Secret;
use tutorbridge_app::mailer::Mailer;
use tutorbridge_app::nudges::{EmailStatus, NudgeService};
use tutorbridge_app::people::{ProfileService, activity_put};
use tutorbridge_app::{Ports, Store};
use tutorbridge_domain::{Caller, Role};
use tutorbridge_local::outbox::LocalOutbox;
use tutorbridge_tests::backends::{caller, unique};
use tutorbridge_tests::mail::{SwitchableMailer, sent_by_emulator_to, ses_on_emulator};

struct World {
    nudges: NudgeService,
    mail: Arc<SwitchableMailer>,
    _dir: tempfile::TempDir,
    clock: Arc<FixedClock>,
    students: Vec<Caller>,
}

/// `count` students with emails, last active eight days before noon UTC on a fixed day (their
/// default time zone is UTC, so noon is outside the default quiet hours).
async fn world(store: Store, count: usize) -> World {
    let clock = Arc::new(FixedClock::at(
        "2099-03-10T12:00:00Z".parse().expect("time"),
    ));
    let ports = Ports::new(store.clone()).with_clock(clock.clone());
    let profiles = ProfileService::new(store.clone());
    let mut students = Vec::new();
    let week_ago = "2099-03-02T12:00:00Z".parse().expect("time");
    for _ in 0..count {
        let student = caller(&unique("stu"), Role::Student);
        let email = format!("{}@example.com", student.user_id);
        profiles
            .confirmed(&student.user_id, Some(&email))
            .await
            .expect("profile");
        store
            .transact_write(vec![
                activity_put(&student.user_id, week_ago, None, None).expect("op"),
            ])
            .await
            .expect("activity");
        students.push(student);
    }
    let dir = tempfile::tempdir().expect("dir");
    let mail = Arc::new(SwitchableMailer::new(Arc::new(
        LocalOutbox::open(dir.path()).expect("outbox"),
    )));
    let nudges = NudgeService::new(
        ports,
        Some(mail.clone() as Arc<dyn Mailer>),
        "https://app.example.com",
        Secret::new("a-link-secret-for-tests-only"),
    );
    World {
        nudges,
        mail,
        _dir: dir,
        clock,
        students,
    }
}

/// Mail sent to the world's students (other scenarios share the emulator's activity index).
fn mail_to_ours(world: &World) -> usize {
    let ours: Vec<String> = world
        .students
        .iter()
        .map(|s| format!("{}@example.com", s.user_id))
        .collect();
    world
        .mail
        .outbox
        .list()
        .expect("outbox")
        .iter()
        .filter(|m| ours.contains(&m.to))
        .count()
}

/// Two runs at once over `students`: each gets exactly one nudge and one email.
async fn two_concurrent_runs_over(store: Store, students: usize) {
    let world = world(store, students).await;
    let (first, second) = tokio::join!(world.nudges.run(), world.nudges.run());
    let (first, second) = (first.expect("run"), second.expect("run"));
    assert!(
        first.sent + second.sent >= students as u32,
        "{first:?} {second:?}"
    );
    let mut in_app = 0;
    for student in &world.students {
        let page = world.nudges.list(student, None, None).await.expect("list");
        assert_eq!(
            page.nudges.len(),
            1,
            "exactly one nudge for {}",
            student.user_id
        );
        assert_eq!(page.nudges[0].email_status, EmailStatus::Sent);
        in_app += page.nudges.len();
    }
    assert_eq!(in_app, students);
    assert_eq!(mail_to_ours(&world), students, "exactly one email each");

    // Run again (every minute, say): the cap and the gap hold.
    world.clock.advance(std::time::Duration::from_secs(60));
    world.nudges.run().await.expect("run");
    assert_eq!(mail_to_ours(&world), students, "nothing more");

    // Opening and clicking are recorded once.
    let student = &world.students[0];
    let page = world.nudges.list(student, None, None).await.expect("list");
    let id = tutorbridge_domain::nudges::NudgeId::parse(&page.nudges[0].nudge_id).expect("id");
    let clicked = world.nudges.mark(student, &id, true).await.expect("click");
    assert!(clicked.opened_at.is_some() && clicked.clicked_at.is_some());
    let stranger = caller(&unique("stu"), Role::Student);
    assert!(world.nudges.mark(&stranger, &id, false).await.is_err());
}

/// On both backends, over 100 students (the emulator copies its whole table for every
/// transaction, so it is kept small there).
async fn two_concurrent_runs_nudge_each_student_exactly_once(store: Store) {
    two_concurrent_runs_over(store, 100).await;
}

/// The proof: 1,000 students, two runs at once, 1,000 nudges and 1,000 emails.
#[tokio::test]
async fn embedded_two_concurrent_runs_over_a_thousand_students_send_a_thousand_emails() {
    two_concurrent_runs_over(tutorbridge_tests::backends::embedded().await, 1000).await;
}

/// A run that nears its time limit checkpoints after a page and the next run continues from
/// there: run after run with no time at all, every student is still nudged exactly once.
#[tokio::test]
async fn embedded_runs_out_of_time_checkpoint_and_the_next_continues() {
    let world = world(tutorbridge_tests::backends::embedded().await, 250).await;
    let mut runs = 0;
    loop {
        runs += 1;
        let report = world
            .nudges
            .run_within(std::time::Duration::ZERO)
            .await
            .expect("run");
        if report.complete {
            break;
        }
        assert!(runs < 50, "the runs make progress");
    }
    assert!(runs > 1, "it checkpointed at least once");
    for student in &world.students {
        let page = world.nudges.list(student, None, None).await.expect("list");
        assert_eq!(page.nudges.len(), 1, "{}", student.user_id);
    }
    assert_eq!(mail_to_ours(&world), 250);
}

async fn a_failed_email_stays_pending_and_the_next_run_sends_it(store: Store) {
    let world = world(store, 1).await;
    world.mail.set_down(true);
    let report = world.nudges.run().await.expect("run");
    assert!(report.emails_failed >= 1, "{report:?}");
    let student = &world.students[0];
    let nudge = world
        .nudges
        .list(student, None, None)
        .await
        .expect("list")
        .nudges[0]
        .clone();
    assert_eq!(
        (nudge.email_status, nudge.email_attempts),
        (EmailStatus::Pending, 1)
    );
    assert_eq!(mail_to_ours(&world), 0);
    world.mail.set_down(false);
    world.clock.advance(std::time::Duration::from_secs(3600));
    world.nudges.run().await.expect("run");
    let nudges = world
        .nudges
        .list(student, None, None)
        .await
        .expect("list")
        .nudges;
    assert_eq!(nudges.len(), 1, "the same nudge, not a second one");
    assert_eq!(nudges[0].email_status, EmailStatus::Sent);
    assert_eq!(mail_to_ours(&world), 1);
}

async fn the_unsubscribe_link_cannot_be_forged_and_stops_the_emails(store: Store) {
    let world = world(store.clone(), 2).await;
    let (alice, bob) = (&world.students[0], &world.students[1]);
    let token = world.nudges.unsubscribe_token(&alice.user_id);
    assert_eq!(
        world.nudges.verify_unsubscribe(&token),
        Some(alice.user_id.clone())
    );
    // Alice's signature under Bob's id, a tampered signature, garbage: all refused.
    let signature = token.rsplit_once('.').expect("token").1;
    let replayed = format!("{}.{signature}", bob.user_id);
    let mut tampered = token.clone();
    let last = tampered.pop().expect("a character");
    tampered.push(if last == '0' { '1' } else { '0' });
    for forged in [replayed.as_str(), tampered.as_str(), "garbage", ""] {
        assert!(world.nudges.unsubscribe(forged).await.is_err(), "{forged}");
    }
    world
        .nudges
        .unsubscribe(&token)
        .await
        .expect("unsubscribed");
    world.nudges.unsubscribe(&token).await.expect("idempotent");
    world.nudges.run().await.expect("run");
    let to_alice = format!("{}@example.com", alice.user_id);
    let mail = world.mail.outbox.list().expect("outbox");
    assert!(
        !mail.iter().any(|m| m.to == to_alice),
        "no email to the unsubscribed student"
    );
    let alices = world
        .nudges
        .list(alice, None, None)
        .await
        .expect("list")
        .nudges;
    assert_eq!(
        (alices.len(), alices[0].email_status),
        (1, EmailStatus::None),
        "in-app only"
    );
    let raw = world
        .mail
        .outbox
        .read(
            &mail
                .iter()
                .find(|m| m.to == format!("{}@example.com", bob.user_id))
                .expect("bob's email")
                .file,
        )
        .expect("raw");
    assert!(raw.contains("List-Unsubscribe: <https://app.example.com/nudges/unsubscribe/"));
    assert!(raw.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"));
}

tutorbridge_tests::on_both_backends!(
    embedded_nudges, dynamodb_nudges;
    two_concurrent_runs_nudge_each_student_exactly_once,
    a_failed_email_stays_pending_and_the_next_run_sends_it,
    the_unsubscribe_link_cannot_be_forged_and_stops_the_emails,
);

/// SES v2 on the emulator: a nudge's email goes out through the real SDK client and is read
/// back from the emulator's record of sent mail.
#[tokio::test]
async fn a_nudge_is_emailed_through_ses_on_the_emulator() {
    let store = tutorbridge_tests::backends::dynamodb().await;
    let (ses, from) = ses_on_emulator("nudge").await;
    let mut world = world(store.clone(), 1).await;
    world.nudges = NudgeService::new(
        Ports::new(store).with_clock(world.clock.clone()),
        Some(Arc::new(ses) as Arc<dyn Mailer>),
        "https://app.example.com",
        Secret::new("a-link-secret-for-tests-only"),
    );
    let report = world.nudges.run().await.expect("run");
    assert!(report.emails_sent >= 1, "{report:?}");
    let to = format!("{}@example.com", world.students[0].user_id);
    let sent = sent_by_emulator_to(&to)
        .await
        .expect("the student's nudge email was sent");
    let text = sent.to_string();
    assert!(text.contains(&from), "{text}");
    assert!(text.contains("Ready for a little practice"), "{text}");
    let nudge = world
        .nudges
        .list(&world.students[0], None, None)
        .await
        .expect("list")
        .nudges[0]
        .clone();
    assert_eq!(nudge.email_status, EmailStatus::Sent);
}

/// Cues left by practice and by a live session's summary become nudges once due, each in its
/// trigger's templates, each acted on once (the cue is removed): a missed item's review (its
/// date from FSRS; practice then serves it first), a goal completed, a summary's next step.
/// A day later the job counts who came back: the statistics and the bandit see it.
#[tokio::test]
async fn practice_and_summaries_leave_cues_that_become_nudges_and_returns_are_counted() {
    use tutorbridge_ai::OfflineTutor;
    use tutorbridge_app::goals::{GoalService, NewGoal};
    use tutorbridge_app::practice::PracticeService;
    use tutorbridge_app::summaries::SummaryService;
    use tutorbridge_domain::nudges::Trigger;
    use tutorbridge_domain::practice::SubjectSlug;
    use tutorbridge_tests::practice::answer_of;

    let store = tutorbridge_tests::backends::embedded().await;
    tutorbridge_app::seed::ensure_demo_bank(&store)
        .await
        .expect("bank");
    let clock = Arc::new(FixedClock::at(
        "2099-03-10T12:00:00Z".parse().expect("time"),
    ));
    let ports = Ports::new(store.clone())
        .with_clock(clock.clone())
        .with_ids(Arc::new(tutorbridge_app::ids::SequentialIds::new()));
    let practice = PracticeService::new(ports.clone(), OfflineTutor::tutor());
    let profiles = ProfileService::new(store.clone());
    let dir = tempfile::tempdir().expect("dir");
    let outbox = Arc::new(LocalOutbox::open(dir.path()).expect("outbox"));
    let nudges = NudgeService::new(
        ports.clone(),
        Some(outbox.clone() as Arc<dyn Mailer>),
        "https://app.example.com",
        Secret::new("a-link-secret-for-tests-only"),
    );
    let maths = SubjectSlug::parse("Mathematics").expect("slug");
    let mut students = Vec::new();
    for name in ["rev", "goal", "sum"] {
        let student = caller(&unique(name), Role::Student);
        profiles
            .confirmed(
                &student.user_id,
                Some(&format!("{}@example.com", student.user_id)),
            )
            .await
            .expect("profile");
        students.push(student);
    }
    let (reviewer, achiever, summarised) = (&students[0], &students[1], &students[2]);
    let only = async |student: &Caller| {
        let page = nudges.list(student, None, None).await.expect("list");
        page.nudges
    };

    // A missed item gets a review date a day or so out: nothing is due yet.
    let missed = practice
        .assign(reviewer, &maths, None)
        .await
        .expect("assign");
    assert!(!missed.review);
    let wrong = answer_of(&store, &reviewer.user_id, &missed.assignment_id, false).await;
    practice
        .complete(reviewer, &missed.assignment_id, &wrong, 0, None)
        .await
        .expect("wrong");
    // A goal of one right answer, completed.
    GoalService::new(ports.clone())
        .create(
            achiever,
            &achiever.user_id,
            NewGoal {
                subject: maths.clone(),
                topics: Vec::new(),
                target: 1,
            },
        )
        .await
        .expect("goal");
    let task = practice
        .assign(achiever, &maths, None)
        .await
        .expect("assign");
    let right = answer_of(&store, &achiever.user_id, &task.assignment_id, true).await;
    let done = practice
        .complete(achiever, &task.assignment_id, &right, 0, None)
        .await
        .expect("right");
    assert_eq!(done.goals.len(), 1);
    // A live session whose summary sets a next step.
    let delivery = serde_json::json!({
        "rails_session_id": unique("rails"), "student_id": summarised.user_id.as_str(),
        "tutor_id": "tut-1", "subject": "Mathematics",
        "started_at": "2099-03-10T10:00:00Z", "ended_at": "2099-03-10T10:45:00Z",
        "turns": [
            {"speaker": "tutor", "text": "Today we compared fractions with the same denominator."},
            {"speaker": "student", "text": "So three eighths is more than one eighth."},
            {"speaker": "tutor", "text": "Next time try ordering three fractions at once."},
        ],
    });
    SummaryService::new(ports.clone(), None)
        .deliver(delivery.to_string().as_bytes())
        .await
        .expect("summary");

    let first = nudges.run().await.expect("run");
    assert!(only(reviewer).await.is_empty(), "the review is not due yet");
    let goal_nudge = only(achiever).await;
    assert_eq!(goal_nudge.len(), 1, "{first:?}");
    assert_eq!(goal_nudge[0].trigger, Trigger::GoalCompleted);
    assert!(goal_nudge[0].template.starts_with("goal_"));
    assert!(goal_nudge[0].message.contains("Mathematics goal"));
    let next_step = only(summarised).await;
    assert_eq!(next_step.len(), 1);
    assert_eq!(next_step[0].trigger, Trigger::SummaryNextStep);
    assert!(
        next_step[0]
            .message
            .contains("Next time try ordering three fractions at once"),
        "the next step comes from the summary: {}",
        next_step[0].message
    );
    // Acted on once: the cues are gone, a rerun sends nothing more.
    nudges.run().await.expect("run");
    assert_eq!(only(achiever).await.len(), 1);
    assert_eq!(only(summarised).await.len(), 1);

    // Three days on the review is due: nudged, and practice serves that item first.
    clock.advance(std::time::Duration::from_secs(3 * 86_400));
    nudges.run().await.expect("run");
    let review = only(reviewer).await;
    assert_eq!(review.len(), 1);
    assert_eq!(review[0].trigger, Trigger::ReviewDue);
    assert!(review[0].template.starts_with("review_"));
    assert_eq!(
        review[0].link,
        "https://app.example.com/practice?subject=mathematics&review=true"
    );
    let served = practice
        .assign(reviewer, &maths, None)
        .await
        .expect("assign");
    assert!(served.review, "the due review comes first");
    assert_eq!(served.item.item_id, missed.item.item_id);
    // The reviewer practises within the day; the others do not.
    clock.advance(std::time::Duration::from_secs(600));
    let right = answer_of(&store, &reviewer.user_id, &served.assignment_id, true).await;
    practice
        .complete(reviewer, &served.assignment_id, &right, 0, None)
        .await
        .expect("reviewed");

    // A day after the review nudge, the job counts the returns.
    clock.advance(std::time::Duration::from_secs(24 * 3_600));
    let report = nudges.run().await.expect("run");
    assert!(report.settled >= 1, "{report:?}");
    assert_eq!(only(reviewer).await[0].returned, Some(true));
    assert_eq!(only(achiever).await[0].returned, Some(false));
    assert_eq!(only(summarised).await[0].returned, Some(false));
    let admin = caller("admin-1", Role::Admin);
    let stats = nudges
        .stats(&admin, Some("2099-03-09"))
        .await
        .expect("stats");
    assert_eq!(stats.total.sent, 3, "{stats:?}");
    assert_eq!(stats.total.returned, 1);
    assert_eq!(stats.total.awaiting_return, 0);
    let row = stats
        .rows
        .iter()
        .find(|r| r.trigger == Trigger::ReviewDue)
        .expect("review row");
    assert_eq!((row.sent, row.returned), (1, 1));
    assert!(nudges.stats(reviewer, None).await.is_err(), "admins only");
    // The bandit learnt it: the review template was chosen once and brought the student back.
    let bandit: serde_json::Value = serde_dynamo::from_item(
        store
            .get(&tutorbridge_app::keys::nudge_bandit())
            .await
            .expect("get")
            .expect("the bandit's statistics"),
    )
    .expect("json");
    let arm = &bandit["arms"][review[0].template.as_str()];
    assert_eq!(
        (arm["chosen"].as_u64(), arm["chosen_returns"].as_u64()),
        (Some(1), Some(1)),
        "{bandit}"
    );
    // Counted once: another run settles nothing again.
    let again = nudges.run().await.expect("run");
    assert_eq!(again.settled, 0);
}
