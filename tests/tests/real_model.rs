//! The OpenAI-compatible client against a real small model (SmolLM2-135M served by llama.cpp,
//! both from PyPI, started by the test command). Asserts the plumbing only — valid structured
//! turns and gradings, or a clean fallback when the tiny model's output is unusable — never
//! what the model says.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use tutorbridge_ai::{OfflineTutor, OpenAiConfig, OpenAiTutor};
use tutorbridge_app::Store;
use tutorbridge_app::sessions::{SessionService, StepRequest};
use tutorbridge_app::tutor_model::{
    Expected, ItemBrief, ItemKind, LessonContext, ModelError, PracticeAnswer, Question, Tutor,
    TutorModel,
};
use tutorbridge_domain::curriculum::GuidelineId;
use tutorbridge_domain::{Caller, Role, UserId};

/// The model's base URL; the test command sets it. Fails loudly without it, never skips.
fn model_url() -> String {
    std::env::var("TUTORBRIDGE_LLM_TEST_URL").unwrap_or_else(|_| {
        panic!("TUTORBRIDGE_LLM_TEST_URL is not set: run scripts/test.sh, which starts llama.cpp with SmolLM2")
    })
}

fn client() -> OpenAiTutor {
    client_with(120)
}

fn client_with(max_tokens: u32) -> OpenAiTutor {
    let mut config = OpenAiConfig::new(model_url(), "smollm2");
    config.timeout = Duration::from_secs(60);
    config.max_retries = 1;
    // The 135M model rambles; a short bound keeps each call to a couple of seconds (a cut-off
    // answer is invalid JSON, which exercises the fallback).
    config.max_tokens = max_tokens;
    config.extra_body = json!({ "cache_prompt": false })
        .as_object()
        .cloned()
        .unwrap_or_default();
    OpenAiTutor::new(config).expect("client")
}

fn lesson() -> LessonContext {
    let guideline =
        tutorbridge_app::seed::demo_guideline("cbse3-science-plants-parts").expect("guideline");
    LessonContext {
        guideline,
        step: 0,
        mastery: 0.0,
        evidence: vec![],
        seed: 3,
    }
}

#[tokio::test]
async fn structured_grading_from_a_real_model_is_valid_or_cleanly_rejected() {
    let question = Question {
        prompt: "What do roots do for a plant?".into(),
        answer_form: "a sentence".into(),
        expected: Expected::Text {
            answer: "Roots take in water and hold the plant in the soil".into(),
            keywords: vec!["water".into()],
        },
    };
    match client()
        .grade(&lesson(), &question, "They drink water from the soil.")
        .await
    {
        Ok(grading) => {
            assert!(
                (0.0..=1.0).contains(&grading.score) && (0.0..=1.0).contains(&grading.confidence),
                "{grading:?}"
            );
        }
        Err(ModelError::InvalidOutput(why)) => {
            eprintln!("the tiny model's grading was unusable (fine): {why}")
        }
        Err(other) => panic!("the model server did not answer properly: {other}"),
    }
}

#[tokio::test]
async fn a_short_session_runs_through_the_real_model_with_every_turn_attributed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store: Store = Arc::new(
        tutorbridge_embedded_table::EmbeddedTable::open(dir.path().join("t.redb")).expect("open"),
    );
    tutorbridge_app::seed::ensure_demo_curriculum(&store)
        .await
        .expect("seed");
    let tutor = Tutor::new(Some(Arc::new(client())), Arc::new(OfflineTutor));
    let sessions = SessionService::new(store, tutor);
    let student = Caller {
        user_id: UserId::parse("real-model-student").expect("id"),
        roles: BTreeSet::from([Role::Student]),
        email: None,
    };
    let created = sessions
        .create(
            &student,
            &GuidelineId::parse("cbse3-science-plants-parts").expect("id"),
        )
        .await
        .expect("create");
    let attributed = |model: &str, fallback: bool| {
        (model == "smollm2" && !fallback) || (model == "offline" && fallback)
    };
    assert!(
        attributed(&created.turn.model, created.turn.fallback),
        "{:?}",
        created.turn
    );
    assert!(
        created
            .turn
            .question
            .as_deref()
            .is_some_and(|q| !q.trim().is_empty())
    );
    let mut models = BTreeSet::new();
    for step in 0..2 {
        let response = sessions
            .step(
                &student,
                &created.session_id,
                StepRequest {
                    step,
                    reply: "Roots take in water and hold the plant in the soil.".into(),
                },
            )
            .await
            .expect("a failing model never fails a step");
        assert_eq!(response.answered_step, step);
        assert!((0.0..=1.0).contains(&response.grading.score));
        assert!(
            attributed(&response.grading.model, response.grading.fallback),
            "{:?}",
            response.grading
        );
        assert!(
            attributed(&response.turn.model, response.turn.fallback),
            "{:?}",
            response.turn
        );
        models.insert(response.grading.model.clone());
    }
    eprintln!("gradings came from: {models:?}");
}

/// Practice through the real model: a written item (the bank has nothing near the target) and a
/// marked written answer, each from the model or cleanly from the offline tutor, never an error.
#[tokio::test]
async fn practice_items_are_written_and_marked_through_the_real_model() {
    let tutor = Tutor::new(Some(Arc::new(client())), Arc::new(OfflineTutor));
    for kind in [ItemKind::Choice, ItemKind::Short] {
        let brief = ItemBrief {
            guideline: lesson().guideline,
            kind,
            difficulty_label: 4,
            avoid: vec![],
            seed: 9,
        };
        let written = tutor
            .write_item(&brief)
            .await
            .expect("an item, from somewhere");
        assert_eq!(written.value.problem(kind), None, "{written:?}");
        assert!(
            (written.model == "smollm2" && !written.fallback)
                || (written.model == "offline" && written.fallback),
            "{written:?}"
        );
        eprintln!("{kind:?} item from {}", written.model);
    }
    let question = Question {
        prompt: "What do roots do for a plant?".into(),
        answer_form: "a sentence".into(),
        expected: Expected::Text {
            answer: "Roots take in water and hold the plant in the soil".into(),
            keywords: vec!["water".into(), "soil".into()],
        },
    };
    let task = PracticeAnswer {
        subject: "Science",
        topic: "Plants",
        question: &question,
    };
    let marked = tutor
        .mark(&task, "They drink water from the soil.")
        .await
        .expect("a mark, from somewhere");
    assert!((0.0..=1.0).contains(&marked.value.confidence), "{marked:?}");
    assert!(!question.revealed_by(&marked.value.rationale));
}

/// A session summary from the real model: the server accepts the summary schema (bounded
/// sentence list, key topics from an enum) and answers with JSON that parses, which the wrapper
/// then checks — or the output is cleanly rejected. Never a transport failure.
#[tokio::test]
async fn a_real_models_session_summary_is_valid_or_cleanly_rejected() {
    let brief = tutorbridge_app::tutor_model::SummaryBrief {
        transcript: serde_json::from_value(json!({
            "rails_session_id": "r-1", "student_id": "stu-1", "tutor_id": "tut-1",
            "subject": "Mathematics", "started_at": "2026-12-01T16:00:00Z",
            "ended_at": "2026-12-01T16:45:00Z",
            "turns": [
                { "speaker": "tutor", "text": "Today we compared unit fractions." },
                { "speaker": "student", "text": "One seventh is bigger than one fifth." },
                { "speaker": "tutor", "text": "Careful: more parts means smaller pieces." }
            ]
        }))
        .expect("transcript"),
        topics: vec!["Fractions".into(), "Decimals".into()],
    };
    // A summary is longer than a grading: room for the whole JSON object.
    match client_with(800).summarise(&brief).await {
        Ok(text) => match text.checked_against(&brief.topics) {
            Ok(checked) => assert!(
                checked
                    .key_topics
                    .iter()
                    .all(|topic| brief.topics.contains(topic)),
                "{checked:?}"
            ),
            Err(why) => eprintln!("the tiny model's summary was unusable (fine): {why}"),
        },
        Err(ModelError::InvalidOutput(why)) => {
            eprintln!("the tiny model's summary was unusable (fine): {why}")
        }
        Err(other) => panic!("the model server did not answer properly: {other}"),
    }
}

/// Q&A from the real model: the server accepts the analysis schema (a kind from the enum, a
/// clarity in [0, 1]) and the answer schema (text, self-assessment, passage numbers), and the
/// answers parse — or are cleanly rejected.
#[tokio::test]
async fn a_real_models_query_analysis_and_answer_are_valid_or_cleanly_rejected() {
    use tutorbridge_app::tutor_model::{AnswerBrief, QueryBrief};
    use tutorbridge_domain::qa::{Passage, SourceKind};
    let client = client_with(200);
    match client
        .analyse_query(&QueryBrief {
            question: "What do roots do for a plant?".into(),
            recent: vec![],
        })
        .await
    {
        Ok(analysis) => assert!((0.0..=1.0).contains(&analysis.clarity), "{analysis:?}"),
        Err(ModelError::InvalidOutput(why)) => {
            eprintln!("the tiny model's analysis was unusable (fine): {why}")
        }
        Err(other) => panic!("the model server did not answer properly: {other}"),
    }
    let brief = AnswerBrief {
        question: "What do roots do for a plant?".into(),
        passages: vec![Passage {
            kind: SourceKind::Guideline,
            id: "cbse3-science-plants-parts".into(),
            text: "Roots hold the plant in the soil and take in water.".into(),
        }],
        recent: vec![],
    };
    match client.answer(&brief).await {
        Ok(answer) => match answer.checked(brief.passages.len()) {
            Ok(answer) => assert!(!answer.text.is_empty()),
            Err(why) => eprintln!("the tiny model's answer was unusable (fine): {why}"),
        },
        Err(ModelError::InvalidOutput(why)) => {
            eprintln!("the tiny model's answer was unusable (fine): {why}")
        }
        Err(other) => panic!("the model server did not answer properly: {other}"),
    }
}

/// A nudge rephrased by the real model through the wrapper: the server accepts the schema and
/// either the rephrasing keeps every fact (and is used) or it is rejected and the template's
/// own text goes out, marked as a fallback. Never a transport failure, never a lost fact.
#[tokio::test]
async fn a_real_models_nudge_rephrasing_keeps_the_facts_or_falls_back() {
    use tutorbridge_app::tutor_model::PersonaliseBrief;
    let text = "Hi Ada, 4 Mathematics questions you found tricky are due for review.";
    let brief = PersonaliseBrief {
        name: "Ada".into(),
        text: text.into(),
        facts: vec!["4".into(), "Mathematics".into()],
    };
    let tutor = Tutor::new(Some(Arc::new(client_with(200))), Arc::new(OfflineTutor));
    let produced = tutor
        .personalise(&brief, Duration::from_secs(60))
        .await
        .expect("the wrapper always answers");
    if produced.fallback {
        assert_eq!(produced.value, text, "the template as it is");
        let reason = produced.fallback_reason.unwrap_or_default();
        assert!(
            !reason.contains("request") && !reason.contains("connect"),
            "the model server answered: {reason}"
        );
    } else {
        assert!(
            brief
                .facts
                .iter()
                .all(|f| produced.value.contains(f.as_str())),
            "{}",
            produced.value
        );
    }
    // And the check on its own: a rephrasing that drops a fact or adds a link is refused.
    assert!(brief.check("Hi Ada, some questions are due.").is_err());
    assert!(
        brief
            .check("Ada, 4 Mathematics reviews wait at https://evil.example")
            .is_err()
    );
    assert_eq!(
        brief
            .check(" Ada: 4 Mathematics reviews are due today. ")
            .expect("kept"),
        "Ada: 4 Mathematics reviews are due today."
    );
}
