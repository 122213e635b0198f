//! Transcript deliveries at the use-case level, on both table backends: twenty concurrent
//! deliveries of one transcript make exactly one summary.

use std::sync::Arc;

use serde_json::json;
use tutorbridge_app::Store;
use tutorbridge_app::people::ProfileService;
use tutorbridge_app::summaries::SummaryService;
use tutorbridge_domain::Role;
use tutorbridge_tests::backends::{caller, unique};

async fn twenty_concurrent_deliveries_make_one_summary(store: Store) {
    tutorbridge_app::seed::ensure_demo_curriculum(&store)
        .await
        .expect("curriculum");
    let student = caller(&unique("stu"), Role::Student);
    ProfileService::new(store.clone())
        .me(&student)
        .await
        .expect("profile");
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
