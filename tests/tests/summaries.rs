//! Transcript deliveries at the use-case level, on both table backends: twenty concurrent
//! deliveries of one transcript make exactly one summary. And on the emulator (DynamoDB and S3),
//! a transcript the Rails app staged in the bucket.

use std::sync::Arc;

use serde_json::json;
use tutorbridge_app::file_store::FileStore;
use tutorbridge_app::people::ProfileService;
use tutorbridge_app::summaries::Summary;
use tutorbridge_app::summaries::SummaryService;
use tutorbridge_app::{AppError, Store, keys};
use tutorbridge_aws::s3::S3FileStore;
use tutorbridge_domain::summaries::{RailsSessionId, Transcript};
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
}

tutorbridge_tests::on_both_backends!(
    embedded_summaries, dynamodb_summaries;
    twenty_concurrent_deliveries_make_one_summary,
);

/// A transcript the Rails app uploaded to the bucket and named by key is read from S3, kept
/// whole under `transcripts/`, summarised and answered like an inline one (a redelivery gets
/// the same summary). A missing object, a key outside the staging prefix, turns given with a
/// key, and a staged object that is not turns are refused, with nothing recorded.
#[tokio::test]
async fn a_staged_transcript_is_read_from_s3() {
    let store = tutorbridge_tests::backends::dynamodb().await;
    let student = known_student(&store).await;
    let sdk = tutorbridge_aws::emulator::config().await;
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
    let endpoint = tutorbridge_aws::emulator::endpoint();
    let files: Arc<dyn FileStore> = Arc::new(S3FileStore::new(&sdk, &bucket, Some(&endpoint)));
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
