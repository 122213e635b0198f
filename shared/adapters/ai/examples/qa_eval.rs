//! The Q&A evaluation: every labelled question of `docs/eval/qa-questions.json` asked through
//! the real use case (embedded table seeded with the demo curriculum, a fresh student with a
//! tutor for each question), reporting refusal rates, escalation recall, the false-escalation
//! rate and the calibration of the confidence (reliability table and expected calibration
//! error) as Markdown. An evaluation, not a test: no thresholds.
//!
//! ```sh
//! cargo run -p tutorbridge-ai --example qa_eval                          # the offline tutor
//! cargo run -p tutorbridge-ai --example qa_eval -- --model-url http://127.0.0.1:8080/v1 --model smollm2
//! ```

use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use tutorbridge_ai::{OfflineTutor, OpenAiConfig, OpenAiTutor};
use tutorbridge_app::Store;
use tutorbridge_app::access::AccessService;
use tutorbridge_app::qa::{QaService, QueryRequest, ThreadStatus};
use tutorbridge_app::quota::QuotaSettings;
use tutorbridge_app::tutor_model::Tutor;
use tutorbridge_domain::qa::{QueryKind, SourceKind};
use tutorbridge_domain::{Caller, Relationship, Role, UserId};
use tutorbridge_embedded_table::EmbeddedTable;

#[derive(Deserialize)]
struct Set {
    questions: Vec<Labelled>,
}

#[derive(Deserialize)]
struct Labelled {
    category: String,
    #[serde(default)]
    subject: Option<String>,
    question: String,
    #[serde(default)]
    guideline: Option<String>,
    #[serde(default)]
    keywords: Vec<String>,
}

struct Outcome {
    category: String,
    refused: bool,
    escalated: bool,
    /// `None` for refusals (nothing was scored).
    confidence: Option<f64>,
    correct: bool,
}

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn rate(outcomes: &[&Outcome], hit: impl Fn(&Outcome) -> bool) -> String {
    if outcomes.is_empty() {
        return "—".into();
    }
    let hits = outcomes.iter().filter(|o| hit(o)).count();
    format!(
        "{:.0} % ({hits}/{})",
        100.0 * hits as f64 / outcomes.len() as f64,
        outcomes.len()
    )
}

#[tokio::main]
async fn main() {
    let path = arg("--questions").unwrap_or_else(|| {
        format!(
            "{}/../../../docs/eval/qa-questions.json",
            env!("CARGO_MANIFEST_DIR")
        )
    });
    let set: Set = serde_json::from_str(&std::fs::read_to_string(&path).expect("the question set"))
        .expect("a question set");
    let limit: usize = arg("--limit")
        .and_then(|n| n.parse().ok())
        .unwrap_or(usize::MAX);
    let (tutor, name) = match arg("--model-url") {
        Some(url) => {
            let model = arg("--model").unwrap_or_else(|| "smollm2".into());
            let mut config = OpenAiConfig::new(url, model.clone());
            config.timeout = Duration::from_secs(60);
            config.max_tokens = 300;
            config.extra_body = serde_json::json!({ "cache_prompt": false })
                .as_object()
                .cloned()
                .unwrap_or_default();
            let remote = OpenAiTutor::new(config).expect("client");
            (
                Tutor::new(Some(Arc::new(remote)), Arc::new(OfflineTutor)),
                model,
            )
        }
        None => (OfflineTutor::tutor(), "offline".to_string()),
    };
    let store: Store = Arc::new(EmbeddedTable::temporary());
    tutorbridge_app::seed::ensure_demo_curriculum(&store)
        .await
        .expect("seed");
    let qa = QaService::new(store.clone(), tutor).with_quota(QuotaSettings {
        per_minute: u32::MAX,
        per_day: u32::MAX,
    });
    let access = AccessService::new(store.clone());
    let tutor_id = UserId::parse("eval-tutor").expect("id");
    let mut outcomes = Vec::new();
    let mut fallbacks = 0;
    for (n, labelled) in set.questions.iter().take(limit).enumerate() {
        let student = Caller {
            user_id: UserId::parse(&format!("eval-student-{n}")).expect("id"),
            roles: [Role::Student].into(),
            email: None,
        };
        access
            .link(Relationship::Tutor, &tutor_id, &student.user_id)
            .await
            .expect("link");
        let exchange = qa
            .query(
                &student,
                QueryRequest {
                    question: labelled.question.clone(),
                    subject: labelled.subject.clone(),
                    guideline_id: None,
                },
            )
            .await
            .expect("asked");
        fallbacks += usize::from(exchange.fallback);
        let answer = exchange.answer.to_lowercase();
        let correct = labelled.category == "answerable"
            && exchange.citations.iter().any(|c| {
                c.kind == SourceKind::Guideline && Some(&c.id) == labelled.guideline.as_ref()
            })
            && labelled
                .keywords
                .iter()
                .any(|k| answer.contains(&k.to_lowercase()));
        outcomes.push(Outcome {
            category: labelled.category.clone(),
            refused: matches!(exchange.kind, QueryKind::OutOfScope | QueryKind::Unsafe),
            escalated: exchange.thread == ThreadStatus::Open,
            confidence: exchange.confidence,
            correct,
        });
    }
    let of = |category: &str| -> Vec<&Outcome> {
        outcomes.iter().filter(|o| o.category == category).collect()
    };
    println!(
        "## Q&A evaluation — {name} ({} questions)\n",
        outcomes.len()
    );
    println!("| Measure | Value |\n|---|---|");
    println!(
        "| Refusal rate, out of scope | {} |",
        rate(&of("out_of_scope"), |o| o.refused)
    );
    println!(
        "| Refusal rate, unsafe | {} |",
        rate(&of("unsafe"), |o| o.refused)
    );
    println!(
        "| Escalation recall, unanswerable | {} |",
        rate(&of("unanswerable"), |o| o.escalated)
    );
    println!(
        "| Escalation recall, ambiguous | {} |",
        rate(&of("ambiguous"), |o| o.escalated)
    );
    println!(
        "| False escalations, answerable | {} |",
        rate(&of("answerable"), |o| o.escalated)
    );
    println!(
        "| Answerable answered right (cites the guideline, uses a key idea) | {} |",
        rate(&of("answerable"), |o| o.correct)
    );
    println!("| Answers by the offline stand-in after a model failure | {fallbacks} |");
    let scored: Vec<&Outcome> = outcomes.iter().filter(|o| o.confidence.is_some()).collect();
    println!(
        "\nReliability (scored answers: answerable, unanswerable, ambiguous; right = answerable and answered right):\n"
    );
    println!("| Confidence | Answers | Mean confidence | Right |\n|---|---|---|---|");
    let mut ece = 0.0;
    for (low, high) in [(0.0, 0.25), (0.25, 0.5), (0.5, 0.75), (0.75, 1.01)] {
        let bin: Vec<&&Outcome> = scored
            .iter()
            .filter(|o| o.confidence.is_some_and(|c| c >= low && c < high))
            .collect();
        if bin.is_empty() {
            println!("| {low:.2}–{:.2} | 0 | — | — |", high.min(1.0));
            continue;
        }
        let mean = bin.iter().filter_map(|o| o.confidence).sum::<f64>() / bin.len() as f64;
        let right = bin.iter().filter(|o| o.correct).count() as f64 / bin.len() as f64;
        ece += bin.len() as f64 / scored.len() as f64 * (right - mean).abs();
        println!(
            "| {low:.2}–{:.2} | {} | {mean:.2} | {:.0} % |",
            high.min(1.0),
            bin.len(),
            100.0 * right
        );
    }
    println!("\nExpected calibration error: {ece:.3}");
}
