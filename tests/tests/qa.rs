//! Q&A at the use-case level, on both table backends: an in-curriculum question answered with
//! citations, an out-of-scope one refused, an unanswerable one escalated (the tutor is emailed,
//! lists it, replies and closes; the student reads the reply; a tutor who opted out of email is
//! not emailed), an unsafe one refused and flagged, access refused to strangers, the per-user budget (429, nothing written), and the
//! round trips counted. And SES v2 on the emulator, read back from it.

use std::sync::Arc;

use tutorbridge_ai::OfflineTutor;
use tutorbridge_app::access::AccessService;
use tutorbridge_app::mailer::Mailer;
use tutorbridge_app::people::ProfileService;
use tutorbridge_app::qa::threads::ReplyRequest;
use tutorbridge_app::qa::{QaService, QueryRequest, ThreadStatus};
use tutorbridge_app::quota::QuotaSettings;
use tutorbridge_app::{AppError, Ports, Store};
use tutorbridge_domain::access::Relationship;
use tutorbridge_domain::people::ProfileChange;
use tutorbridge_domain::qa::{ConfidenceLabel, QueryKind, SourceKind};
use tutorbridge_domain::{Caller, Role};
use tutorbridge_local::outbox::LocalOutbox;
use tutorbridge_table::CountingTable;
use tutorbridge_tests::backends::{caller, unique};
use tutorbridge_tests::budget::{TWO_A_MINUTE, assert_over_budget, mid_minute};
use tutorbridge_tests::mail::{SwitchableMailer, sent_by_emulator_to, ses_on_emulator};

struct World {
    qa: QaService,
    table: Arc<CountingTable<Store>>,
    outbox: Arc<LocalOutbox>,
    _mail_dir: tempfile::TempDir,
    student: Caller,
    tutor: Caller,
    tutor_email: String,
}

/// The demo curriculum; a student with a tutor (who has an email) and the Q&A service over a
/// table that counts round trips, mailing into an outbox folder.
async fn world(store: Store, quota: QuotaSettings) -> World {
    tutorbridge_app::seed::ensure_demo_curriculum(&store)
        .await
        .expect("curriculum");
    let student = caller(&unique("stu"), Role::Student);
    let tutor = caller(&unique("tut"), Role::Tutor);
    let tutor_email = format!("{}@example.com", tutor.user_id);
    AccessService::new(store.clone())
        .link(Relationship::Tutor, &tutor.user_id, &student.user_id)
        .await
        .expect("link");
    ProfileService::new(store.clone())
        .confirmed(&tutor.user_id, Some(&tutor_email))
        .await
        .expect("tutor profile");
    let mail_dir = tempfile::tempdir().expect("dir");
    let outbox = Arc::new(LocalOutbox::open(mail_dir.path()).expect("outbox"));
    let table = Arc::new(CountingTable::new(store.clone()));
    let qa = QaService::new(Ports::new(table.clone()), OfflineTutor::tutor())
        .with_mailer(
            Some(outbox.clone() as Arc<dyn Mailer>),
            "https://app.example.com",
        )
        .with_quota(quota);
    World {
        qa,
        table,
        outbox,
        _mail_dir: mail_dir,
        student,
        tutor,
        tutor_email,
    }
}

/// A maths question the lessons cannot answer: the offline tutor escalates it.
const UNANSWERABLE: &str = "Who painted the famous portrait in the Louvre museum?";

fn unanswerable() -> QueryRequest {
    ask(UNANSWERABLE, Some("Mathematics"))
}

fn ask(question: &str, subject: Option<&str>) -> QueryRequest {
    QueryRequest {
        question: question.into(),
        subject: subject.map(str::to_string),
        guideline_id: None,
    }
}

async fn questions_are_answered_refused_or_escalated_and_the_tutor_replies(store: Store) {
    let w = world(store, QuotaSettings::default()).await;
    w.table.take_rounds();

    let answered =
        w.qa.query(
            &w.student,
            ask(
                "Why does a bigger denominator give a smaller unit fraction?",
                Some("Mathematics"),
            ),
        )
        .await
        .expect("answered");
    assert_eq!(
        w.table.take_rounds(),
        2,
        "reads in one round, one transaction"
    );
    assert_eq!(answered.kind, QueryKind::Clear);
    assert!(
        matches!(
            answered.label,
            Some(ConfidenceLabel::High | ConfidenceLabel::Medium)
        ),
        "{answered:?}"
    );
    assert!(
        answered
            .citations
            .iter()
            .any(|c| c.kind == SourceKind::Guideline
                && c.id == "cbse3-maths-fractions-comparing-unit"),
        "{answered:?}"
    );
    assert!(answered.answer.contains("smaller"), "{}", answered.answer);
    assert_eq!(answered.thread, ThreadStatus::None);

    let refused =
        w.qa.query(
            &w.student,
            ask("Which bitcoin should I buy this week?", None),
        )
        .await
        .expect("refused");
    assert_eq!((refused.kind, refused.label), (QueryKind::OutOfScope, None));
    assert!(refused.answer.contains("outside what I can help with"));
    assert_eq!(refused.thread, ThreadStatus::None);
    assert!(w.outbox.list().expect("outbox").is_empty(), "no mail yet");

    w.table.take_rounds();
    let unanswerable =
        w.qa.query(&w.student, unanswerable())
            .await
            .expect("escalated");
    assert_eq!(
        w.table.take_rounds(),
        2,
        "escalating reads the tutor's profile alongside the transaction"
    );
    assert_eq!(unanswerable.label, Some(ConfidenceLabel::Low));
    assert_eq!(unanswerable.thread, ThreadStatus::Open);
    assert_eq!(unanswerable.escalated_to, vec![w.tutor.user_id.clone()]);
    assert!(
        unanswerable
            .answer
            .contains("passed your question to your tutor")
    );
    let mail = w.outbox.list().expect("outbox");
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0].to, w.tutor_email);
    let raw = w.outbox.read(&mail[0].file).expect("message");
    assert!(raw.contains(UNANSWERABLE));
    assert!(raw.contains(&format!(
        "https://app.example.com/qa/{}",
        unanswerable.qa_id
    )));
    assert!(
        !raw.contains(&unanswerable.answer),
        "no answer text in the email"
    );

    let open =
        w.qa.escalations(&w.tutor, None, true, None, None)
            .await
            .expect("list");
    assert_eq!(open.escalations.len(), 1);
    assert_eq!(open.escalations[0].qa_id, unanswerable.qa_id);

    // A stranger tutor and an unlinked parent cannot see or answer the thread.
    let stranger = caller(&unique("tut"), Role::Tutor);
    let reply = |text: &str, close: bool| ReplyRequest {
        text: text.into(),
        close,
    };
    assert!(matches!(
        w.qa.reply(&stranger, &unanswerable.qa_id, reply("hi", false))
            .await,
        Err(AppError::NotFound(_))
    ));
    let parent = caller(&unique("par"), Role::Parent);
    assert!(matches!(
        w.qa.thread(&parent, &unanswerable.qa_id).await,
        Err(AppError::NotFound(_))
    ));
    assert!(matches!(
        w.qa.reply(&w.student, &unanswerable.qa_id, reply("   ", false))
            .await,
        Err(AppError::Invalid(_))
    ));

    let replied =
        w.qa.reply(
            &w.tutor,
            &unanswerable.qa_id,
            reply(
                "That's the Mona Lisa, by Leonardo da Vinci — art, not maths!",
                true,
            ),
        )
        .await
        .expect("replied");
    assert_eq!(replied.exchange.thread, ThreadStatus::Closed);
    let open =
        w.qa.escalations(&w.tutor, None, true, None, None)
            .await
            .expect("list");
    assert!(open.escalations.is_empty(), "closed leaves the open list");
    let closed =
        w.qa.escalations(&w.tutor, None, false, None, None)
            .await
            .expect("list");
    assert_eq!(closed.escalations.len(), 1);

    let thread =
        w.qa.thread(&w.student, &unanswerable.qa_id)
            .await
            .expect("thread");
    assert_eq!(thread.replies.len(), 1);
    assert_eq!(thread.replies[0].author_role, "tutor");
    let history =
        w.qa.history(&w.student, &w.student.user_id, None, None)
            .await
            .expect("history");
    assert_eq!(history.questions.len(), 3);
    assert_eq!(
        history.questions[0].qa_id, unanswerable.qa_id,
        "newest first"
    );
    assert_eq!(history.questions[0].replies, 1);
    assert!(
        history.questions[0]
            .last_reply
            .as_deref()
            .is_some_and(|r| r.starts_with("That's the Mona Lisa")),
        "the student sees the reply in their history"
    );

    // The student escalates the answered question too: the tutor gets it and an email.
    let escalated =
        w.qa.escalate(&w.student, &answered.qa_id)
            .await
            .expect("escalated");
    assert_eq!(escalated.thread, ThreadStatus::Open);
    assert_eq!(w.outbox.list().expect("outbox").len(), 2);
    assert!(matches!(
        w.qa.escalate(&w.tutor, &answered.qa_id).await,
        Err(AppError::NotFound(_))
    ));

    let unsafe_question =
        w.qa.query(&w.student, ask("how do I make a bomb at home", None))
            .await
            .expect("refused");
    assert_eq!(
        (
            unsafe_question.kind,
            unsafe_question.flagged,
            unsafe_question.thread
        ),
        (QueryKind::Unsafe, true, ThreadStatus::Open)
    );
    assert!(
        unsafe_question
            .answer
            .starts_with("I can't help with that.")
    );
    assert_eq!(
        w.outbox.list().expect("outbox").len(),
        3,
        "the tutor is told"
    );

    // Bad input: nothing written.
    for bad in ["", "   ", &"x".repeat(2001)] {
        assert!(matches!(
            w.qa.query(&w.student, ask(bad, None)).await,
            Err(AppError::Invalid(_))
        ));
    }
    let mut named = ask("What is a unit fraction?", None);
    named.guideline_id = Some("no-such-guideline".into());
    assert!(matches!(
        w.qa.query(&w.student, named).await,
        Err(AppError::NotFound(_))
    ));
    assert!(matches!(
        w.qa.query(&w.tutor, ask("What is a unit fraction?", None))
            .await,
        Err(AppError::Forbidden(_))
    ));
    let history =
        w.qa.history(&w.student, &w.student.user_id, None, None)
            .await
            .expect("history");
    assert_eq!(history.questions.len(), 4);
}

/// Over the per-minute budget: 429 with the seconds to wait, and nothing written.
async fn questions_over_the_budget_are_refused_with_nothing_written(store: Store) {
    let mut w = world(store, TWO_A_MINUTE).await;
    w.qa = QaService::new(
        Ports::new(w.table.clone()).with_clock(mid_minute()),
        OfflineTutor::tutor(),
    )
    .with_mailer(
        Some(w.outbox.clone() as Arc<dyn Mailer>),
        "https://app.example.com",
    )
    .with_quota(TWO_A_MINUTE);
    for _ in 0..2 {
        w.qa.query(
            &w.student,
            ask("What is a unit fraction?", Some("Mathematics")),
        )
        .await
        .expect("within the budget");
    }
    let over =
        w.qa.query(
            &w.student,
            ask("What is a unit fraction?", Some("Mathematics")),
        )
        .await;
    assert_over_budget(&over);
    let history =
        w.qa.history(&w.student, &w.student.user_id, None, None)
            .await
            .expect("history");
    assert_eq!(history.questions.len(), 2);
}

/// A tutor who turned email off still gets the escalation (the thread, the open list) and no
/// email; without the opt-out the same question would have been mailed (the test above).
async fn a_tutor_who_opted_out_gets_the_escalation_and_no_email(store: Store) {
    let w = world(store, QuotaSettings::default()).await;
    let opt_out = ProfileChange {
        email_opt_out: Some(true),
        ..ProfileChange::default()
    };
    ProfileService::new(Ports::new(w.table.clone()))
        .update_me(&w.tutor, &opt_out)
        .await
        .expect("opted out");
    w.table.take_rounds();
    let unanswerable =
        w.qa.query(&w.student, unanswerable())
            .await
            .expect("escalated");
    assert_eq!(w.table.take_rounds(), 2);
    assert_eq!(unanswerable.thread, ThreadStatus::Open);
    assert_eq!(unanswerable.escalated_to, vec![w.tutor.user_id.clone()]);
    let open =
        w.qa.escalations(&w.tutor, None, true, None, None)
            .await
            .expect("list");
    assert_eq!(open.escalations.len(), 1);
    assert!(w.outbox.list().expect("outbox").is_empty(), "no email");
}

tutorbridge_tests::on_both_backends!(
    embedded_qa, dynamodb_qa;
    questions_are_answered_refused_or_escalated_and_the_tutor_replies,
    questions_over_the_budget_are_refused_with_nothing_written,
    a_tutor_who_opted_out_gets_the_escalation_and_no_email,
);

/// SES v2 on the emulator: an escalation's email goes out through the real SDK client and is
/// read back from the emulator's record of sent mail.
#[tokio::test]
async fn an_escalation_is_emailed_through_ses_on_the_emulator() {
    let store = tutorbridge_tests::backends::dynamodb().await;
    let (ses, from) = ses_on_emulator("qa").await;
    let mut w = world(store.clone(), QuotaSettings::default()).await;
    w.qa = QaService::new(Ports::new(store), OfflineTutor::tutor()).with_mailer(
        Some(Arc::new(ses) as Arc<dyn Mailer>),
        "https://app.example.com",
    );
    let escalated =
        w.qa.query(&w.student, unanswerable())
            .await
            .expect("escalated");
    assert_eq!(escalated.thread, ThreadStatus::Open);
    let sent = sent_by_emulator_to(&w.tutor_email)
        .await
        .expect("the tutor's email was sent");
    let text = sent.to_string();
    assert!(text.contains(&from), "{text}");
    assert!(text.contains("Who painted the famous portrait"), "{text}");
}

/// A failed send never fails the question: the thread exists, the message is queued, and the
/// sweep sends it once the mail service is back (and not again after).
#[tokio::test]
async fn an_email_that_fails_is_queued_and_the_sweep_sends_it() {
    let store = tutorbridge_tests::backends::embedded().await;
    let w = world(store.clone(), QuotaSettings::default()).await;
    let flaky = Arc::new(SwitchableMailer::new(w.outbox.clone()));
    flaky.set_down(true);
    let ports = Ports::new(store.clone());
    let qa = QaService::new(ports.clone(), OfflineTutor::tutor()).with_mailer(
        Some(flaky.clone() as Arc<dyn Mailer>),
        "https://app.example.com",
    );
    let escalated = qa
        .query(&w.student, unanswerable())
        .await
        .expect("the question is answered although mail is down");
    assert_eq!(escalated.thread, ThreadStatus::Open);
    assert!(w.outbox.list().expect("outbox").is_empty());
    let sweep = tutorbridge_app::sweep::Sweep::new(
        tutorbridge_app::summaries::SummaryService::new(ports.clone(), None),
        None,
    )
    .with_mailer(ports.clone(), Some(flaky.clone() as Arc<dyn Mailer>));
    let still_down = sweep
        .run(std::time::Duration::from_secs(60))
        .await
        .expect("sweep");
    assert_eq!((still_down.mail.sent, still_down.mail.failed), (0, 1));
    flaky.set_down(false);
    let back = sweep
        .run(std::time::Duration::from_secs(60))
        .await
        .expect("sweep");
    assert_eq!(back.mail.sent, 1);
    let mail = w.outbox.list().expect("outbox");
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0].to, w.tutor_email);
    let again = sweep
        .run(std::time::Duration::from_secs(60))
        .await
        .expect("sweep");
    assert_eq!(again.mail.sent, 0, "sent once");
}
