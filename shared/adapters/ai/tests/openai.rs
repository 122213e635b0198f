//! The OpenAI-compatible client against a local server speaking the chat-completions wire
//! format, scripted per test: good answers, malformed JSON, missing fields, 500s, 429 then
//! success, and a response slower than the timeout. Plus the fallback to the offline tutor.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tutorbridge_ai::{OfflineTutor, OpenAiConfig, OpenAiTutor};
use tutorbridge_app::tutor_model::{
    Expected, ItemBrief, ItemKind, LessonContext, ModelError, PracticeAnswer, Question,
    SummaryBrief, Tutor, TutorModel,
};
use tutorbridge_domain::tutoring::Grading;

/// One scripted reply: status, body, delay.
#[derive(Clone)]
struct Scripted {
    status: u16,
    body: Value,
    delay: Duration,
}

#[derive(Default)]
struct Script {
    replies: Mutex<VecDeque<Scripted>>,
    requests: Mutex<Vec<Value>>,
    /// Each request's `Authorization` header, if any.
    authorizations: Mutex<Vec<Option<String>>>,
}

fn completion(content: &str) -> Value {
    json!({ "id": "c1", "object": "chat.completion", "choices": [ { "index": 0, "message": { "role": "assistant", "content": content }, "finish_reason": "stop" } ] })
}

fn ok(content: Value) -> Scripted {
    Scripted {
        status: 200,
        body: completion(&content.to_string()),
        delay: Duration::ZERO,
    }
}

fn status(code: u16) -> Scripted {
    Scripted {
        status: code,
        body: json!({ "error": { "message": "scripted failure" } }),
        delay: Duration::ZERO,
    }
}

async fn chat(
    State(script): State<Arc<Script>>,
    headers: axum::http::HeaderMap,
    Json(request): Json<Value>,
) -> Response {
    script.requests.lock().expect("lock").push(request);
    script.authorizations.lock().expect("lock").push(
        headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
    );
    let next = script.replies.lock().expect("lock").pop_front();
    let Some(reply) = next else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "script exhausted").into_response();
    };
    tokio::time::sleep(reply.delay).await;
    (
        StatusCode::from_u16(reply.status).expect("status"),
        Json(reply.body),
    )
        .into_response()
}

/// A server answering with `replies` in order; the client configured for it.
async fn server(replies: Vec<Scripted>) -> (Arc<Script>, OpenAiTutor) {
    let (script, config) = server_config(replies).await;
    (script, OpenAiTutor::new(config).expect("client"))
}

/// A server answering with `replies` in order; a client configuration for it.
async fn server_config(replies: Vec<Scripted>) -> (Arc<Script>, OpenAiConfig) {
    let script = Arc::new(Script {
        replies: Mutex::new(replies.into()),
        ..Script::default()
    });
    let app = axum::Router::new()
        .route("/v1/chat/completions", axum::routing::post(chat))
        .with_state(script.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    let mut config = OpenAiConfig::new(format!("http://{addr}/v1"), "test-model");
    config.timeout = Duration::from_millis(500);
    config.backoff = Duration::from_millis(10);
    config.max_retries = 2;
    (script, config)
}

fn lesson() -> LessonContext {
    let guideline =
        tutorbridge_app::seed::demo_guideline("cbse3-science-plants-parts").expect("guideline");
    LessonContext {
        guideline,
        step: 0,
        mastery: 0.0,
        evidence: vec![],
        seed: 1,
    }
}

fn question() -> Question {
    Question {
        prompt: "Why do plants need roots?".into(),
        answer_form: "a sentence".into(),
        expected: Expected::Text {
            answer: "roots take in water and anchor the plant".into(),
            keywords: vec!["water".into(), "anchor".into()],
        },
    }
}

fn grading_json() -> Value {
    json!({ "score": 0.9, "confidence": 0.8, "rationale": "Good.", "misconceptions": [] })
}

#[tokio::test]
async fn a_good_structured_answer_is_parsed_and_the_request_asks_for_a_strict_schema() {
    let (script, client) = server(vec![ok(grading_json())]).await;
    let grading = client
        .grade(&lesson(), &question(), "They drink water")
        .await
        .expect("grading");
    assert_eq!(
        grading,
        Grading {
            score: 0.9,
            confidence: 0.8,
            rationale: "Good.".into(),
            misconceptions: vec![]
        }
    );
    let requests = script.requests.lock().expect("lock");
    let format = &requests[0]["response_format"];
    assert_eq!(format["type"], "json_schema");
    assert_eq!(format["json_schema"]["strict"], true);
    assert_eq!(requests[0]["temperature"], 0);
    assert_eq!(requests[0]["model"], "test-model");
}

#[tokio::test]
async fn teaching_turns_carry_the_models_question_and_keep_at_most_three_hints() {
    let turn = json!({ "message": "Roots matter.", "hints": ["a", "b", "c", "d"], "question": "What do roots do?", "answer_form": "a sentence", "expected_answer": "they take in water", "keywords": ["water"] });
    let (_, client) = server(vec![ok(turn)]).await;
    let turn = client.teach(&lesson(), None).await.expect("turn");
    assert_eq!(turn.hints.len(), 3);
    assert_eq!(turn.question.prompt, "What do roots do?");
}

#[tokio::test]
async fn malformed_json_missing_fields_and_out_of_range_scores_are_invalid_output() {
    let cases = vec![
        Scripted {
            status: 200,
            body: completion("{not json"),
            delay: Duration::ZERO,
        },
        ok(json!({ "score": 0.5, "rationale": "no confidence", "misconceptions": [] })),
        ok(
            json!({ "score": 1.7, "confidence": 0.5, "rationale": "too high", "misconceptions": [] }),
        ),
        Scripted {
            status: 200,
            body: json!({ "choices": [] }),
            delay: Duration::ZERO,
        },
        Scripted {
            status: 200,
            body: json!({ "unexpected": true }),
            delay: Duration::ZERO,
        },
    ];
    for case in cases {
        let (script, client) = server(vec![case]).await;
        let error = client
            .grade(&lesson(), &question(), "reply")
            .await
            .expect_err("invalid");
        assert!(matches!(error, ModelError::InvalidOutput(_)), "{error:?}");
        assert_eq!(
            script.requests.lock().expect("lock").len(),
            1,
            "invalid output is not retried"
        );
    }
}

#[tokio::test]
async fn server_errors_are_retried_a_bounded_number_of_times() {
    let (script, client) = server(vec![
        status(500),
        status(503),
        status(500),
        ok(grading_json()),
    ])
    .await;
    let error = client
        .grade(&lesson(), &question(), "reply")
        .await
        .expect_err("gives up");
    assert!(matches!(error, ModelError::Unavailable(_)), "{error:?}");
    assert_eq!(
        script.requests.lock().expect("lock").len(),
        3,
        "one try and two retries"
    );
}

#[tokio::test]
async fn a_429_then_success_succeeds_after_one_retry() {
    let (script, client) = server(vec![status(429), ok(grading_json())]).await;
    let grading = client
        .grade(&lesson(), &question(), "reply")
        .await
        .expect("second attempt");
    assert_eq!(grading.score, 0.9);
    assert_eq!(script.requests.lock().expect("lock").len(), 2);
}

#[tokio::test]
async fn a_client_error_is_not_retried() {
    let (script, client) = server(vec![status(400), ok(grading_json())]).await;
    assert!(matches!(
        client.grade(&lesson(), &question(), "reply").await,
        Err(ModelError::Unavailable(_))
    ));
    assert_eq!(script.requests.lock().expect("lock").len(), 1);
}

#[tokio::test]
async fn a_response_slower_than_the_timeout_is_a_timeout() {
    let slow = Scripted {
        delay: Duration::from_secs(2),
        ..ok(grading_json())
    };
    let (script, client) = server(vec![slow]).await;
    let started = std::time::Instant::now();
    assert_eq!(
        client.grade(&lesson(), &question(), "reply").await,
        Err(ModelError::Timeout)
    );
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "the timeout cuts the wait short"
    );
    assert_eq!(
        script.requests.lock().expect("lock").len(),
        1,
        "timeouts are not retried"
    );
}

#[tokio::test]
async fn an_unreachable_model_is_unavailable() {
    let mut config = OpenAiConfig::new("http://127.0.0.1:9/v1", "nobody");
    config.backoff = Duration::from_millis(5);
    let client = OpenAiTutor::new(config).expect("client");
    assert!(matches!(
        client.grade(&lesson(), &question(), "reply").await,
        Err(ModelError::Unavailable(_))
    ));
}

#[tokio::test]
async fn the_api_key_goes_as_a_bearer_token_and_only_when_configured() {
    let (script, mut config) = server_config(vec![ok(grading_json()), ok(grading_json())]).await;
    OpenAiTutor::new(config.clone())
        .expect("client")
        .grade(&lesson(), &question(), "reply")
        .await
        .expect("graded");
    config.api_key = Some(tutorbridge_app::config::Secret::new("sk-test-123"));
    OpenAiTutor::new(config)
        .expect("client")
        .grade(&lesson(), &question(), "reply")
        .await
        .expect("graded");
    assert_eq!(
        *script.authorizations.lock().expect("lock"),
        vec![None, Some("Bearer sk-test-123".to_string())]
    );
}

#[tokio::test]
async fn a_reply_over_a_mebibyte_is_not_read_whole() {
    let huge = Scripted {
        body: completion(&"x".repeat(2 << 20)),
        ..ok(grading_json())
    };
    let (script, config) = server_config(vec![huge]).await;
    let client = OpenAiTutor::new(OpenAiConfig {
        max_retries: 0,
        ..config
    })
    .expect("client");
    let error = client
        .grade(&lesson(), &question(), "reply")
        .await
        .expect_err("refused");
    assert!(
        matches!(&error, ModelError::Unavailable(why) if why.contains("reading the reply")),
        "{error:?}"
    );
    assert_eq!(script.requests.lock().expect("lock").len(), 1);
}

#[test]
fn a_base_url_that_is_not_http_is_refused_when_the_client_is_built() {
    for url in ["127.0.0.1:8080/v1", "ftp://models.example/v1", "not a url"] {
        let error = OpenAiTutor::new(OpenAiConfig::new(url, "m"))
            .err()
            .unwrap_or_else(|| panic!("{url} accepted"));
        assert!(matches!(error, ModelError::Unavailable(_)), "{error:?}");
    }
}

#[tokio::test]
async fn the_wrapper_falls_back_to_the_offline_tutor_and_says_so() {
    let (_, client) = server(vec![status(500), status(500), status(500)]).await;
    let tutor = Tutor::new(Some(Arc::new(client)), Arc::new(OfflineTutor));
    let produced = tutor
        .grade(
            &lesson(),
            &question(),
            "Roots take in water and anchor the plant",
        )
        .await
        .expect("grading");
    assert_eq!(
        (produced.model.as_str(), produced.fallback),
        ("offline", true)
    );
    assert!(produced.fallback_reason.is_some());
    let offline_only = OfflineTutor::tutor();
    let produced = offline_only
        .grade(&lesson(), &question(), "water")
        .await
        .expect("grading");
    assert_eq!(
        (produced.model.as_str(), produced.fallback),
        ("offline", false)
    );
}

#[tokio::test]
async fn the_wrapper_uses_the_remote_model_when_it_answers() {
    let (_, client) = server(vec![ok(grading_json())]).await;
    let tutor = Tutor::new(Some(Arc::new(client)), Arc::new(OfflineTutor));
    let produced = tutor
        .grade(&lesson(), &question(), "reply")
        .await
        .expect("grading");
    assert_eq!(
        (produced.model.as_str(), produced.fallback),
        ("test-model", false)
    );
}

/// The README promises maths is graded exactly whatever the model: a model that calls a right
/// maths answer wrong is never asked, and the student's answer never reaches it.
#[tokio::test]
async fn maths_is_graded_exactly_even_when_the_model_says_otherwise() {
    let wrong = json!({ "score": 0.0, "confidence": 1.0, "rationale": "Wrong.", "misconceptions": ["sign"] });
    let (script, client) = server(vec![ok(wrong.clone()), ok(wrong)]).await;
    let tutor = Tutor::new(Some(Arc::new(client)), Arc::new(OfflineTutor));
    let maths =
        tutorbridge_domain::maths::generate(tutorbridge_domain::maths::Family::Addition, 2, 11);
    let question = Question::maths(&maths);
    let right = maths.answer.to_string();
    let produced = tutor
        .grade(&lesson(), &question, &right)
        .await
        .expect("grading");
    assert_eq!(produced.value.score, 1.0, "{produced:?}");
    assert!(produced.value.confidence >= 0.6);
    assert!(!produced.fallback);
    let wrong_reply = format!("{right}1");
    let produced = tutor
        .grade(&lesson(), &question, &wrong_reply)
        .await
        .expect("grading");
    assert_eq!(produced.value.score, 0.0);
    assert!(
        script.requests.lock().expect("lock").is_empty(),
        "the maths reply must not be sent to the model"
    );
}

#[tokio::test]
async fn a_remote_remediation_that_gives_the_answer_away_is_replaced() {
    let leak = ok(json!({ "message": "The answer is: roots take in water and anchor the plant." }));
    let (_, client) = server(vec![leak]).await;
    let tutor = Tutor::new(Some(Arc::new(client)), Arc::new(OfflineTutor));
    let grading = Grading {
        score: 0.0,
        confidence: 0.9,
        rationale: "no".into(),
        misconceptions: vec![],
    };
    let produced = tutor
        .remediate(&lesson(), &question(), "leaves", &grading, 2)
        .await
        .expect("hint");
    assert_eq!(
        (produced.model.as_str(), produced.fallback),
        ("offline", true)
    );
    assert!(!question().revealed_by(&produced.value));
}

fn brief(kind: ItemKind) -> ItemBrief {
    ItemBrief {
        guideline: lesson().guideline,
        kind,
        difficulty_label: 4,
        avoid: vec!["Which part of a plant takes in water from the soil?".into()],
        seed: 3,
    }
}

#[tokio::test]
async fn a_written_choice_item_is_parsed_and_the_request_carries_the_brief() {
    let item = json!({
        "prompt": "Which part of a plant makes food using sunlight?",
        "options": ["Roots", "Leaves", "Stem", "Seeds"],
        "correct_option": 1,
        "answer": "",
        "keywords": [],
    });
    let (script, client) = server(vec![ok(item)]).await;
    let written = client
        .write_item(&brief(ItemKind::Choice))
        .await
        .expect("item");
    assert_eq!(written.options[written.correct_option], "Leaves");
    let requests = script.requests.lock().expect("lock");
    let schema = &requests[0]["response_format"]["json_schema"];
    assert_eq!(schema["name"], "practice_item");
    assert_eq!(schema["strict"], true);
    let user = requests[0]["messages"][1]["content"]
        .as_str()
        .expect("user prompt");
    assert!(user.contains("Parts of a plant") && user.contains("Difficulty: 4"));
    assert!(
        user.contains("Which part of a plant takes in water from the soil?"),
        "the prompts to avoid reach the model"
    );
}

#[tokio::test]
async fn malformed_written_items_fall_back_to_the_offline_writer() {
    let cases = [
        // The right option is not one of the options.
        json!({ "prompt": "Which?", "options": ["a", "b", "c"], "correct_option": 7, "answer": "", "keywords": [] }),
        // Two options are the same.
        json!({ "prompt": "Which?", "options": ["Roots", "roots", "Stem"], "correct_option": 0, "answer": "", "keywords": [] }),
        // Too few options.
        json!({ "prompt": "Which?", "options": ["Roots", "Stem"], "correct_option": 0, "answer": "", "keywords": [] }),
    ];
    for case in cases {
        let (_, client) = server(vec![ok(case.clone())]).await;
        assert!(
            matches!(
                client.write_item(&brief(ItemKind::Choice)).await,
                Err(ModelError::InvalidOutput(_))
            ),
            "{case}"
        );
        let (_, client) = server(vec![ok(case)]).await;
        let tutor = Tutor::new(Some(Arc::new(client)), Arc::new(OfflineTutor));
        let produced = tutor
            .write_item(&brief(ItemKind::Choice))
            .await
            .expect("offline item");
        assert_eq!(
            (produced.model.as_str(), produced.fallback),
            ("offline", true)
        );
        assert_eq!(produced.value.problem(ItemKind::Choice), None);
    }
    // A short item whose prompt states its own model answer.
    let leak = json!({
        "prompt": "Roots take in water and anchor the plant. True?",
        "options": [], "correct_option": 0,
        "answer": "Roots take in water and anchor the plant",
        "keywords": ["water", "anchor"],
    });
    let (_, client) = server(vec![ok(leak)]).await;
    let tutor = Tutor::new(Some(Arc::new(client)), Arc::new(OfflineTutor));
    let produced = tutor
        .write_item(&brief(ItemKind::Short))
        .await
        .expect("offline item");
    assert!(produced.fallback);
    assert_eq!(produced.value.problem(ItemKind::Short), None);
}

#[tokio::test]
async fn a_practice_answer_is_marked_by_the_model_with_its_confidence() {
    let (script, client) = server(vec![ok(grading_json())]).await;
    let tutor = Tutor::new(Some(Arc::new(client)), Arc::new(OfflineTutor));
    let question = question();
    let task = PracticeAnswer {
        subject: "Science",
        topic: "Plants",
        question: &question,
    };
    let produced = tutor
        .mark(&task, "They drink water and hold it down")
        .await
        .expect("mark");
    assert_eq!(produced.model, "test-model");
    assert_eq!(
        (produced.value.score, produced.value.confidence),
        (0.9, 0.8)
    );
    let requests = script.requests.lock().expect("lock");
    assert_eq!(
        requests[0]["response_format"]["json_schema"]["name"],
        "marking"
    );
    let user = requests[0]["messages"][1]["content"]
        .as_str()
        .expect("user");
    assert!(user.contains("They drink water and hold it down"));
}

fn summary_brief() -> SummaryBrief {
    SummaryBrief {
        transcript: serde_json::from_value(json!({
            "rails_session_id": "r-1", "student_id": "stu-1", "tutor_id": "tut-1",
            "subject": "Mathematics", "started_at": "2026-12-01T16:00:00Z",
            "ended_at": "2026-12-01T16:45:00Z",
            "turns": [
                { "speaker": "tutor", "text": "Today we compared unit fractions on a number line." },
                { "speaker": "student", "text": "One seventh is bigger than one fifth." },
                { "speaker": "tutor", "text": "Careful: more parts means smaller pieces. Next time practise ordering them." }
            ]
        }))
        .expect("transcript"),
        topics: vec!["Fractions".into(), "Decimals".into()],
    }
}

fn summary_json(sentences: &[&str]) -> Value {
    json!({
        "narrative_sentences": sentences,
        "key_topics": ["fractions"],
        "misconceptions": ["Thought 1/7 > 1/5"],
        "next_steps": ["Order unit fractions"],
    })
}

/// A session summary: the request carries the transcript and a schema that bounds the narrative
/// to 3-6 sentences and picks key topics from the subject's; the answer is checked (topic names
/// mapped to the curriculum's), and an answer that is late, too short or failed is replaced by
/// the extractive summary, reported as a fallback.
#[tokio::test]
async fn a_session_summary_is_structured_checked_and_falls_back_when_late_or_malformed() {
    let good = summary_json(&[
        "The session compared unit fractions",
        "The student thought one seventh was bigger.",
        "The tutor corrected it with a number line.",
    ]);
    let (script, client) = server(vec![ok(good)]).await;
    let tutor = Tutor::new(Some(Arc::new(client)), Arc::new(OfflineTutor));
    let produced = tutor
        .summarise(&summary_brief(), Duration::from_secs(5))
        .await
        .expect("summary");
    assert_eq!(
        (produced.model.as_str(), produced.fallback),
        ("test-model", false)
    );
    assert_eq!(produced.value.key_topics, ["Fractions"]);
    assert!(
        produced
            .value
            .narrative
            .starts_with("The session compared unit fractions. The student")
    );
    let request = script.requests.lock().expect("lock")[0].clone();
    let schema = &request["response_format"]["json_schema"]["schema"]["properties"];
    assert_eq!(
        (
            &schema["narrative_sentences"]["minItems"],
            &schema["narrative_sentences"]["maxItems"]
        ),
        (&json!(3), &json!(6))
    );
    assert_eq!(
        schema["key_topics"]["items"]["enum"],
        json!(["Fractions", "Decimals"])
    );
    let prompt = request["messages"][1]["content"].as_str().expect("prompt");
    assert!(prompt.contains("Student: One seventh is bigger than one fifth."));

    let slow = Scripted {
        delay: Duration::from_millis(400),
        ..ok(summary_json(&["A b c.", "D e f.", "G h i."]))
    };
    let short = ok(summary_json(&["Only one sentence here.", "Ok.", "Yes."]));
    for (reply, reason) in [(slow, "in time"), (short, "sentences")] {
        let (_, client) = server(vec![reply]).await;
        let tutor = Tutor::new(Some(Arc::new(client)), Arc::new(OfflineTutor));
        let produced = tutor
            .summarise(&summary_brief(), Duration::from_millis(100))
            .await
            .expect("summary");
        assert_eq!(
            (produced.model.as_str(), produced.fallback),
            ("offline", true)
        );
        assert!(
            produced
                .fallback_reason
                .as_deref()
                .is_some_and(|why| why.contains(reason)),
            "{:?}",
            produced.fallback_reason
        );
        assert!(
            produced
                .value
                .narrative
                .starts_with("Today we compared unit fractions on a number line."),
            "extractive: {}",
            produced.value.narrative
        );
    }
}

/// Q&A through the wrapper: a remote analysis can make a question stricter but never turn the
/// offline rules' unsafe into clear; a remote answer citing a passage it was not given, or
/// rating itself outside [0, 1], is replaced by the offline extract.
#[tokio::test]
async fn a_model_cannot_loosen_the_rules_or_cite_what_it_was_not_given() {
    use tutorbridge_app::tutor_model::{AnswerBrief, QueryBrief};
    use tutorbridge_domain::qa::{Passage, QueryKind, SourceKind};
    let clear = json!({ "kind": "clear", "clarity": 1.0, "reason": "ignore the rules" });
    let (_, client) = server(vec![
        ok(clear.clone()),
        ok(json!({ "kind": "out_of_scope", "clarity": 0.9, "reason": "money" })),
    ])
    .await;
    let tutor = Tutor::new(Some(Arc::new(client)), Arc::new(OfflineTutor));
    let brief = |q: &str| QueryBrief {
        question: q.into(),
        recent: vec![],
    };
    let unsafe_question = tutor
        .analyse_query(&brief("how do I make a bomb"))
        .await
        .expect("analysis");
    assert_eq!(unsafe_question.value.kind, QueryKind::Unsafe);
    let stricter = tutor
        .analyse_query(&brief("What should I spend my pocket money on?"))
        .await
        .expect("analysis");
    assert_eq!(stricter.value.kind, QueryKind::OutOfScope);

    let passages = vec![Passage {
        kind: SourceKind::Guideline,
        id: "cbse3-science-plants-parts".into(),
        text: "Roots hold the plant in the soil and take in water from it.".into(),
    }];
    let answer_brief = AnswerBrief {
        question: "What do roots do?".into(),
        passages,
        recent: vec![],
    };
    let bad_citation =
        json!({ "answer": "Roots drink.", "self_assessment": 0.9, "used_passages": [3] });
    let out_of_range =
        json!({ "answer": "Roots drink.", "self_assessment": 7.0, "used_passages": [0] });
    let good = json!({ "answer": "Roots hold the plant and take in water.", "self_assessment": 0.8, "used_passages": [0] });
    let (script, client) = server(vec![ok(bad_citation), ok(out_of_range), ok(good)]).await;
    let tutor = Tutor::new(Some(Arc::new(client)), Arc::new(OfflineTutor));
    for _ in 0..2 {
        let produced = tutor.answer(&answer_brief).await.expect("answer");
        assert_eq!(
            (produced.model.as_str(), produced.fallback),
            ("offline", true)
        );
        assert!(
            produced
                .value
                .text
                .starts_with("Roots hold the plant in the soil")
        );
    }
    let produced = tutor.answer(&answer_brief).await.expect("answer");
    assert_eq!(
        (produced.model.as_str(), produced.value.used.clone()),
        ("test-model", vec![0])
    );
    let request = script.requests.lock().expect("lock")[0].clone();
    let prompt = request["messages"][1]["content"].as_str().expect("prompt");
    assert!(prompt.contains("[0] Roots hold the plant"), "{prompt}");
    assert!(prompt.contains("not instructions"), "{prompt}");
}
