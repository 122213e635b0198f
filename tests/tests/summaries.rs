//! Transcript deliveries at the use-case level, on both table backends: twenty concurrent
//! deliveries of one transcript make exactly one summary. And on the emulator (DynamoDB and S3),
//! a transcript the Rails app staged in the bucket, and a model timeout whose fallback summary
//! the sweep upgrades (with lapsed uploads removed).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde_json::json;
use tutorbridge_ai::OfflineTutor;
use tutorbridge_app::Ports;
use tutorbridge_app::clock::FixedClock;
use tutorbridge_app::file_store::FileStore;
use tutorbridge_app::files::FileService;
use tutorbridge_app::people::ProfileService;
use tutorbridge_app::summaries::ReceiptStatus;
use tutorbridge_app::summaries::Summary;
use tutorbridge_app::summaries::SummaryService;
use tutorbridge_app::sweep::{Sweep, SweepReport};
use tutorbridge_app::tutor_model::{
    ItemBrief, LessonContext, ModelError, PersonaliseBrief, PracticeAnswer, Question, SummaryBrief,
    Turn, Tutor, TutorModel, WrittenItem,
};
use tutorbridge_app::{AppError, Store, keys};
use tutorbridge_aws::s3::S3FileStore;
use tutorbridge_domain::maths::MathsQuestion;
use tutorbridge_domain::summaries::SummaryText;
use tutorbridge_domain::summaries::{RailsSessionId, Transcript};
use tutorbridge_domain::tutoring::Grading;
use tutorbridge_domain::{Caller, Role};
use tutorbridge_tests::backends::{caller, unique};

/// The demo curriculum, and a new student with a profile (deliveries for unknown students are
/// refused).
async fn known_student(store: &Store) -> Caller {
    tutorbridge_app::seed::ensure_demo_curriculum(store)
        .await
        .expect("curriculum");
    let student = caller(&unique("stu"), Role::Student);
    ProfileService::new(store.clone())
        .me(&student)
        .await
        .expect("profile");
    student
}

/// Twenty deliveries of one transcript at once: one summary, one answer for all. A delivery for
/// a student with no profile is refused with nothing kept.
async fn twenty_concurrent_deliveries_make_one_summary(store: Store) {
    let student = known_student(&store).await;
    let rails_id = unique("rails");
    let body = json!({
        "rails_session_id": rails_id, "student_id": student.user_id.as_str(), "tutor_id": "tut-1",
        "subject": "Mathematics", "started_at": "2026-12-01T16:00:00Z", "ended_at": "2026-12-01T16:45:00Z",
        "turns": [{"speaker": "tutor", "text": "We practised adding fractions with like denominators today."}]
    })
    .to_string();
    let service = Arc::new(SummaryService::new(store.clone(), None));
    let deliveries: Vec<_> = (0..20)
        .map(|_| {
            let (service, body) = (Arc::clone(&service), body.clone());
            tokio::spawn(async move { service.deliver(body.as_bytes()).await })
        })
        .collect();
    let mut ids = Vec::new();
    let mut first = 0;
    for delivery in deliveries {
        let delivery = delivery
            .await
            .expect("task")
            .expect("every delivery is answered");
        first += usize::from(!delivery.duplicate);
        ids.push(delivery.receipt.summary_id);
    }
    ids.dedup();
    assert_eq!(
        (first, ids.len()),
        (1, 1),
        "one summary, one answer for all"
    );
    let page = service
        .list(&student, &student.user_id, None, None)
        .await
        .expect("list");
    assert_eq!(page.summaries.len(), 1);

    // A student with no profile here is refused, and nothing is kept.
    let stranger = unique("stu");
    let unknown = body
        .replace(&rails_id, &format!("{rails_id}-2"))
        .replace(student.user_id.as_str(), &stranger);
    assert!(
        matches!(
            service.deliver(unknown.as_bytes()).await,
            Err(AppError::Unprocessable(detail)) if detail.contains(&stranger)
        ),
        "an unknown student"
    );
    let id = RailsSessionId::parse(&format!("{rails_id}-2")).expect("id");
    assert!(matches!(
        service.receipt(&id).await,
        Err(AppError::NotFound(_))
    ));
}

tutorbridge_tests::on_both_backends!(
    embedded_summaries, dynamodb_summaries;
    twenty_concurrent_deliveries_make_one_summary,
);

/// A new bucket on the emulator's S3, as the file store.
async fn emulator_bucket() -> Arc<dyn FileStore> {
    let sdk = tutorbridge_aws::emulator::config();
    let bucket = unique("transcripts");
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&sdk)
            .force_path_style(true)
            .build(),
    )
    .create_bucket()
    .bucket(&bucket)
    .send()
    .await
    .expect("bucket");
    Arc::new(S3FileStore::new(&sdk, &bucket))
}

/// A transcript the Rails app uploaded to the bucket and named by key is read from S3, kept
/// whole under `transcripts/`, summarised and answered like an inline one (a redelivery gets
/// the same summary). A missing object, a key outside the staging prefix, turns given with a
/// key, and a staged object that is not turns are refused, with nothing recorded.
#[tokio::test]
async fn a_staged_transcript_is_read_from_s3() {
    let store = tutorbridge_tests::backends::dynamodb().await;
    let student = known_student(&store).await;
    let files = emulator_bucket().await;
    let taught = "We shaded fractions of a square and found a quarter of twenty.";
    let stage = async |key: &str, content: serde_json::Value| {
        files
            .put(key, content.to_string().into_bytes(), "application/json")
            .await
            .expect("staged");
    };
    stage(
        "transcripts/staged/2026/12/01/ok.json",
        json!({"turns": [{"speaker": "tutor", "text": taught}]}),
    )
    .await;
    stage("transcripts/staged/not-turns.json", json!({"speech": []})).await;
    let service = SummaryService::new(store.clone(), Some(Arc::clone(&files)));
    let delivery = |rails_id: &str, extra: serde_json::Value| {
        let mut body = json!({
            "rails_session_id": rails_id, "student_id": student.user_id.as_str(),
            "tutor_id": "tut-1", "subject": "Mathematics",
            "started_at": "2026-12-01T16:00:00Z", "ended_at": "2026-12-01T16:45:00Z",
        });
        for (field, value) in extra.as_object().expect("fields") {
            body[field] = value.clone();
        }
        body.to_string()
    };

    let rails_id = unique("rails");
    let body = delivery(
        &rails_id,
        json!({"transcript_key": "transcripts/staged/2026/12/01/ok.json"}),
    );
    let first = service.deliver(body.as_bytes()).await.expect("delivered");
    assert!(!first.duplicate);
    let summary: Summary = service
        .get(&student, &first.receipt.summary_id)
        .await
        .expect("summary");
    assert!(summary.text.narrative.contains(taught), "{summary:?}");
    assert_eq!(summary.text.key_topics, ["Fractions"]);
    let id = RailsSessionId::parse(&rails_id).expect("id");
    let kept: Transcript = serde_json::from_slice(
        &files
            .get(&keys::transcript_object(&id))
            .await
            .expect("get")
            .expect("kept under transcripts/"),
    )
    .expect("a whole transcript");
    assert_eq!((kept.turns.len(), kept.transcript_key), (1, None));
    let again = service.deliver(body.as_bytes()).await.expect("redelivered");
    assert_eq!(
        (again.duplicate, again.receipt.summary_id),
        (true, first.receipt.summary_id)
    );

    let refused = [
        (
            json!({"transcript_key": "transcripts/staged/missing.json"}),
            "nothing is staged",
        ),
        (
            json!({"transcript_key": "transcripts/staged/not-turns.json"}),
            "not valid",
        ),
        (
            json!({"transcript_key": "materials/stu-1/x.pdf"}),
            "transcript_key",
        ),
        (
            json!({"transcript_key": "transcripts/staged/../x.json"}),
            "transcript_key",
        ),
        (
            json!({"transcript_key": "transcripts/staged/2026/12/01/ok.json",
                   "turns": [{"speaker": "tutor", "text": taught}]}),
            "not both",
        ),
        (json!({}), "turns"),
    ];
    for (extra, expected) in refused {
        let rails_id = unique("rails");
        let error = service
            .deliver(delivery(&rails_id, extra.clone()).as_bytes())
            .await
            .expect_err("refused");
        assert!(
            matches!(&error, AppError::Invalid(d) | AppError::Unprocessable(d) if d.contains(expected)),
            "{extra}: {error:?}"
        );
        let id = RailsSessionId::parse(&rails_id).expect("id");
        assert!(
            matches!(service.receipt(&id).await, Err(AppError::NotFound(_))),
            "{extra}: nothing recorded"
        );
        assert!(
            files
                .head(&keys::transcript_object(&id))
                .await
                .expect("head")
                .is_none(),
            "{extra}: nothing kept"
        );
    }
}

/// The AI port's remote side for the sweep test: while `answering` is false its summaries never
/// arrive (the budget runs out); then it summarises in the shape the webhook expects. Nothing
/// else is asked of it.
struct GatedModel {
    answering: AtomicBool,
}

#[async_trait::async_trait]
impl TutorModel for GatedModel {
    fn name(&self) -> &str {
        "gated-model"
    }
    async fn teach(
        &self,
        _: &LessonContext,
        _: Option<&MathsQuestion>,
    ) -> Result<Turn, ModelError> {
        Err(ModelError::Unavailable("not used here".into()))
    }
    async fn grade(&self, _: &LessonContext, _: &Question, _: &str) -> Result<Grading, ModelError> {
        Err(ModelError::Unavailable("not used here".into()))
    }
    async fn remediate(
        &self,
        _: &LessonContext,
        _: &Question,
        _: &str,
        _: &Grading,
        _: u8,
    ) -> Result<String, ModelError> {
        Err(ModelError::Unavailable("not used here".into()))
    }
    async fn write_item(&self, _: &ItemBrief) -> Result<WrittenItem, ModelError> {
        Err(ModelError::Unavailable("not used here".into()))
    }
    async fn mark(&self, _: &PracticeAnswer<'_>, _: &str) -> Result<Grading, ModelError> {
        Err(ModelError::Unavailable("not used here".into()))
    }
    async fn analyse_query(
        &self,
        _: &tutorbridge_app::tutor_model::QueryBrief,
    ) -> Result<tutorbridge_domain::qa::Analysis, ModelError> {
        Err(ModelError::Unavailable("not used here".into()))
    }
    async fn answer(
        &self,
        _: &tutorbridge_app::tutor_model::AnswerBrief,
    ) -> Result<tutorbridge_app::tutor_model::Answer, ModelError> {
        Err(ModelError::Unavailable("not used here".into()))
    }
    async fn summarise(&self, brief: &SummaryBrief) -> Result<SummaryText, ModelError> {
        if !self.answering.load(Ordering::SeqCst) {
            std::future::pending::<()>().await;
        }
        Ok(SummaryText {
            narrative: "The tutor and student worked on fractions. They shaded parts of shapes. \
                        The student named a quarter correctly."
                .into(),
            key_topics: brief
                .topics
                .iter()
                .filter(|t| t.as_str() == "Fractions")
                .cloned()
                .collect(),
            misconceptions: vec![],
            next_steps: vec!["Practise ordering unit fractions.".into()],
        })
    }
    async fn personalise(&self, _: &PersonaliseBrief) -> Result<String, ModelError> {
        Err(ModelError::Unavailable("not used here".into()))
    }
}

/// The model is too slow for the webhook's budget: the offline summary is stored, marked as a
/// fallback, and queued. A sweep while the model is still failing counts an attempt; once it
/// answers, the sweep replaces the summary in place (same id) and the receipt says so; a
/// redelivery still gets the same answer; the next sweep has nothing to do. And an upload never
/// completed lapses after an hour: the sweep removes its object and its item, and completing
/// it is refused. On the emulator (DynamoDB and S3).
#[tokio::test]
async fn a_model_timeout_leaves_a_fallback_that_the_sweep_upgrades() {
    let store = tutorbridge_tests::backends::dynamodb().await;
    let student = known_student(&store).await;
    let files = emulator_bucket().await;
    // In the future: the table adapters hide items whose TTL passed by the wall clock.
    let clock = Arc::new(FixedClock::at(
        "2099-01-01T17:00:00Z".parse().expect("time"),
    ));
    let ports = Ports::new(store.clone()).with_clock(clock.clone());
    let model = Arc::new(GatedModel {
        answering: AtomicBool::new(false),
    });
    let tutor = Tutor::new(Some(model.clone()), Arc::new(OfflineTutor));
    let service = SummaryService::new(ports.clone(), Some(Arc::clone(&files)))
        .with_tutor(tutor, Duration::from_millis(50));
    let sweep = Sweep::new(
        service.clone(),
        Some(FileService::new(ports.clone(), Arc::clone(&files))),
    )
    .with_model_budget(Duration::from_millis(200));
    let rails_id = unique("rails");
    let taught = "We shaded fractions of a square and found a quarter of twenty.";
    let body = json!({
        "rails_session_id": rails_id, "student_id": student.user_id.as_str(), "tutor_id": "tut-1",
        "subject": "Mathematics", "started_at": "2026-12-01T16:00:00Z", "ended_at": "2026-12-01T16:45:00Z",
        "turns": [{"speaker": "tutor", "text": taught}]
    })
    .to_string();

    let first = service.deliver(body.as_bytes()).await.expect("delivered");
    assert_eq!(
        (first.receipt.status, first.receipt.retry_queued),
        (ReceiptStatus::Fallback, true)
    );
    let summary_id = first.receipt.summary_id.clone();
    let fallback = service.get(&student, &summary_id).await.expect("summary");
    assert_eq!(
        (fallback.model.as_str(), fallback.fallback),
        ("offline", true)
    );
    assert!(fallback.text.narrative.contains(taught));

    let still_failing = sweep.run(Duration::from_secs(60)).await.expect("sweep");
    assert_eq!(
        (
            still_failing.summaries.upgraded,
            still_failing.summaries.failed
        ),
        (0, 1)
    );
    let id = RailsSessionId::parse(&rails_id).expect("id");
    let receipt = service.receipt(&id).await.expect("receipt");
    assert_eq!((receipt.attempts, receipt.retry_queued), (1, true));

    model.answering.store(true, Ordering::SeqCst);
    let upgraded = sweep.run(Duration::from_secs(60)).await.expect("sweep");
    assert_eq!(upgraded.summaries.upgraded, 1, "{upgraded:?}");
    let summary = service.get(&student, &summary_id).await.expect("summary");
    assert_eq!(
        (summary.model.as_str(), summary.fallback),
        ("gated-model", false)
    );
    assert!(
        summary
            .text
            .narrative
            .starts_with("The tutor and student worked on fractions.")
    );
    assert_eq!(summary.text.key_topics, ["Fractions"]);
    let page = service
        .list(&student, &student.user_id, None, None)
        .await
        .expect("list");
    assert_eq!(
        page.summaries,
        vec![summary],
        "replaced in place, not added"
    );
    let receipt = service.receipt(&id).await.expect("receipt");
    assert_eq!(
        (receipt.status, receipt.retry_queued, receipt.attempts),
        (ReceiptStatus::Summarised, false, 2)
    );
    let again = service.deliver(body.as_bytes()).await.expect("redelivered");
    assert_eq!(
        (again.duplicate, again.receipt.summary_id),
        (true, summary_id)
    );
    assert_eq!(
        sweep.run(Duration::from_secs(60)).await.expect("sweep"),
        SweepReport::default(),
        "nothing left to do"
    );

    // An upload started and never completed lapses after an hour.
    let uploads = FileService::new(ports.clone(), Arc::clone(&files));
    let started = uploads
        .start(
            &student,
            serde_json::from_value(json!({
                "purpose": "material", "name": "notes.txt", "content_type": "text/plain", "size": 5
            }))
            .expect("request"),
        )
        .await
        .expect("started");
    let object = format!("materials/{}/{}", student.user_id, started.file.file_id);
    files
        .put(&object, b"notes".to_vec(), "text/plain")
        .await
        .expect("uploaded");
    assert_eq!(
        sweep
            .run(Duration::from_secs(60))
            .await
            .expect("sweep")
            .uploads_removed,
        0
    );
    clock.advance(Duration::from_secs(3601));
    let late = uploads.complete(&student, &started.file.file_id).await;
    assert!(matches!(late, Err(AppError::Gone(_))), "{late:?}");
    assert_eq!(
        sweep
            .run(Duration::from_secs(60))
            .await
            .expect("sweep")
            .uploads_removed,
        1
    );
    assert!(
        files.head(&object).await.expect("head").is_none(),
        "object removed"
    );
    assert!(matches!(
        uploads.get(&student, &started.file.file_id).await,
        Err(AppError::NotFound(_))
    ));
}

/// An API Gateway event from `events/transcripts-webhook/`.
fn webhook_event(name: &str) -> lambda_http::Request {
    let path = format!(
        "{}/../events/transcripts-webhook/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    lambda_http::request::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The webhook's Lambda handler end to end on the emulator (DynamoDB and S3), fed the signed
/// events in `events/transcripts-webhook/` (signed at their `t` with the secret below, the
/// clock set to that moment): the transcript is kept in the bucket byte for byte, the summary
/// and receipt are in the table, a redelivery answers the same, the Rails app can poll, and a
/// tampered body is refused with nothing recorded.
#[tokio::test]
async fn the_webhook_handler_delivers_end_to_end_on_dynamodb_and_s3() {
    use tutorbridge_http::testing::status_and_json;
    let store = tutorbridge_tests::backends::dynamodb().await;
    tutorbridge_app::seed::ensure_demo_curriculum(&store)
        .await
        .expect("curriculum");
    let student = caller("demo-student", Role::Student);
    ProfileService::new(store.clone())
        .me(&student)
        .await
        .expect("profile");
    let files = emulator_bucket().await;
    let clock = Arc::new(FixedClock::at(
        "2026-11-22T09:30:00Z".parse().expect("time"),
    ));
    let ports = Ports::new(store.clone()).with_clock(clock.clone());
    let service = SummaryService::new(ports.clone(), Some(Arc::clone(&files)))
        .with_tutor(OfflineTutor::tutor(), Duration::from_secs(2));
    let app = transcripts_webhook::TranscriptsWebhook::new(
        service.clone(),
        clock.clone(),
        vec![tutorbridge_app::config::Secret::new(
            "events-webhook-secret-0123456789abcdef",
        )],
    );

    let delivery = webhook_event("deliver.json");
    let sent = match delivery.body() {
        lambda_http::Body::Text(text) => text.clone(),
        other => panic!("a text body: {other:?}"),
    };
    let (status, first) =
        status_and_json(&transcripts_webhook::handle(&app, webhook_event("deliver.json")).await);
    assert_eq!(status, 201, "{first}");
    assert_eq!(first["receipt"]["status"], "summarised");
    let id = RailsSessionId::parse("rails-2026-11-22-0042").expect("id");
    let kept = files
        .get(&keys::transcript_object(&id))
        .await
        .expect("get")
        .expect("kept");
    assert_eq!(kept, sent.as_bytes(), "kept byte for byte");
    let page = service
        .list(&student, &student.user_id, None, None)
        .await
        .expect("list");
    assert_eq!(page.summaries.len(), 1);
    assert_eq!(
        page.summaries[0].summary_id.as_str(),
        first["receipt"]["summary_id"]
    );
    assert_eq!(page.summaries[0].text.key_topics, ["Fractions"]);

    let (status, again) = status_and_json(&transcripts_webhook::handle(&app, delivery).await);
    assert_eq!((status, &again["duplicate"]), (200, &json!(true)));
    assert_eq!(
        again["receipt"]["summary_id"],
        first["receipt"]["summary_id"]
    );
    let (status, polled) =
        status_and_json(&transcripts_webhook::handle(&app, webhook_event("poll.json")).await);
    assert_eq!(
        (status, &polled["summary_id"]),
        (200, &first["receipt"]["summary_id"])
    );

    let (parts, _) = webhook_event("deliver.json").into_parts();
    let tampered = sent.replace("rails-2026-11-22-0042", "rails-2026-11-22-0043");
    let request = lambda_http::Request::from_parts(parts, lambda_http::Body::Text(tampered));
    let (status, refused) = status_and_json(&transcripts_webhook::handle(&app, request).await);
    assert_eq!(status, 401, "{refused}");
    let other = RailsSessionId::parse("rails-2026-11-22-0043").expect("id");
    assert!(matches!(
        service.receipt(&other).await,
        Err(AppError::NotFound(_))
    ));
    assert!(
        files
            .head(&keys::transcript_object(&other))
            .await
            .expect("head")
            .is_none()
    );
}
