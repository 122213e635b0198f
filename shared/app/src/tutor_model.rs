//! The AI port for tutoring, and the wrapper every use case calls.
//!
//! [`TutorModel`] has typed operations; adapters implement it (the deterministic offline tutor,
//! an OpenAI-compatible client). [`Tutor`] puts a remote model in front of the offline one:
//! on timeout, error or invalid output the offline tutor answers instead, and every result
//! says which model produced it. A failing AI never fails a request.

use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tutorbridge_domain::curriculum::Guideline;
use tutorbridge_domain::maths::{MathsQuestion, mentions_value};
use tutorbridge_domain::tutoring::Grading;

/// The name results carry when the offline tutor produced them.
pub const OFFLINE_MODEL: &str = "offline";

/// What a model knows about the lesson when it acts.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LessonContext {
    pub guideline: Guideline,
    /// Replies applied so far.
    pub step: u32,
    pub mastery: f64,
    /// Recent misconception labels.
    pub evidence: Vec<String>,
    /// Deterministic seed for this turn (offline choices depend only on it).
    pub seed: u64,
}

/// How a question is marked; kept on the server, never sent to the client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Expected {
    /// Graded exactly, by value (2/4 = 0.5).
    Maths { question: MathsQuestion },
    /// Graded against a model answer and keywords.
    Text {
        answer: String,
        keywords: Vec<String>,
    },
}

/// A question put to the student.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Question {
    pub prompt: String,
    pub answer_form: String,
    pub expected: Expected,
}

impl Question {
    /// The question asking `maths`, graded exactly.
    pub fn maths(maths: &MathsQuestion) -> Question {
        Question {
            prompt: maths.prompt.clone(),
            answer_form: maths.answer_form.clone(),
            expected: Expected::Maths {
                question: maths.clone(),
            },
        }
    }

    /// The expected answer as text (for prompts that must know what not to reveal).
    pub fn expected_text(&self) -> String {
        match &self.expected {
            Expected::Maths { question } => question.answer.to_string(),
            Expected::Text { answer, .. } => answer.clone(),
        }
    }

    /// True when `text` gives this question's answer away.
    pub fn revealed_by(&self, text: &str) -> bool {
        match &self.expected {
            Expected::Maths { question } => mentions_value(text, question.answer),
            Expected::Text { answer, .. } => {
                let answer = answer.trim().to_lowercase();
                answer.len() >= 4 && text.to_lowercase().contains(&answer)
            }
        }
    }
}

/// One teaching turn.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Turn {
    pub message: String,
    /// At most [`tutorbridge_domain::tutoring::thresholds::MAX_HINTS`].
    pub hints: Vec<String>,
    pub question: Question,
}

/// Why a model produced nothing usable.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ModelError {
    #[error("the model did not answer in time")]
    Timeout,
    #[error("the model is unavailable: {0}")]
    Unavailable(String),
    #[error("the model's output is unusable: {0}")]
    InvalidOutput(String),
}

/// Typed tutoring operations of a language model (or its offline stand-in).
#[async_trait]
pub trait TutorModel: Send + Sync {
    /// The name recorded with everything this model produces.
    fn name(&self) -> &str;

    /// Teach the next turn. With `maths`, the turn must ask exactly that question (it is graded
    /// exactly); without, the model writes the question and its expected answer.
    async fn teach(
        &self,
        lesson: &LessonContext,
        maths: Option<&MathsQuestion>,
    ) -> Result<Turn, ModelError>;

    /// Grade a reply: score and confidence in [0, 1], a rationale, misconception labels.
    async fn grade(
        &self,
        lesson: &LessonContext,
        question: &Question,
        reply: &str,
    ) -> Result<Grading, ModelError>;

    /// Rung `rung` (1 nudge, 2 targeted hint, 3 worked example of a similar problem) of the hint
    /// ladder for a wrong reply. Must not give the answer away.
    async fn remediate(
        &self,
        lesson: &LessonContext,
        question: &Question,
        reply: &str,
        grading: &Grading,
        rung: u8,
    ) -> Result<String, ModelError>;
}

/// Remote output that reveals the open question's answer is unusable: the wrapper then falls
/// back to the offline tutor, whose output is tested never to reveal it.
fn gave_answer_away(what: &str) -> ModelError {
    ModelError::InvalidOutput(format!("the {what} gave the answer away"))
}

/// A result and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Produced<T> {
    pub value: T,
    /// `offline` or the remote model's name.
    pub model: String,
    /// True when the remote model failed and the offline tutor answered instead.
    pub fallback: bool,
    pub elapsed_ms: u64,
    /// Why the remote model's answer was not used, when it was not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fallback_reason: Option<String>,
}

/// The remote model (if configured) in front of the offline tutor.
#[derive(Clone)]
pub struct Tutor {
    remote: Option<Arc<dyn TutorModel>>,
    offline: Arc<dyn TutorModel>,
}

impl Tutor {
    pub fn new(remote: Option<Arc<dyn TutorModel>>, offline: Arc<dyn TutorModel>) -> Self {
        Tutor { remote, offline }
    }

    /// The remote model's outcome if it answered well, else the offline tutor's (marked as a
    /// fallback when the remote model failed). Errors only if the offline tutor fails too (a
    /// bug: it is deterministic and total).
    async fn settle<T, F>(
        &self,
        operation: &'static str,
        started: Instant,
        remote: Option<Result<T, ModelError>>,
        offline: impl FnOnce() -> F,
    ) -> Result<Produced<T>, ModelError>
    where
        F: Future<Output = Result<T, ModelError>>,
    {
        let elapsed = |started: Instant| started.elapsed().as_millis() as u64;
        let reason = match (remote, &self.remote) {
            (Some(Ok(value)), Some(model)) => {
                return Ok(Produced {
                    value,
                    model: model.name().to_string(),
                    fallback: false,
                    elapsed_ms: elapsed(started),
                    fallback_reason: None,
                });
            }
            (Some(Err(error)), Some(model)) => {
                tracing::warn!(operation, model = model.name(), error = %error, "remote model failed; the offline tutor answers");
                Some(error.to_string())
            }
            _ => None,
        };
        let value = offline().await?;
        Ok(Produced {
            value,
            model: OFFLINE_MODEL.to_string(),
            fallback: reason.is_some(),
            elapsed_ms: elapsed(started),
            fallback_reason: reason,
        })
    }

    pub async fn teach(
        &self,
        lesson: &LessonContext,
        maths: Option<&MathsQuestion>,
    ) -> Result<Produced<Turn>, ModelError> {
        let started = Instant::now();
        let remote = match &self.remote {
            Some(model) => Some(model.teach(lesson, maths).await.and_then(|turn| {
                let question = match maths {
                    Some(maths) => Question::maths(maths),
                    None => turn.question.clone(),
                };
                let texts: Vec<&str> = std::iter::once(turn.message.as_str())
                    .chain(turn.hints.iter().map(String::as_str))
                    .collect();
                if texts.iter().any(|text| question.revealed_by(text)) {
                    Err(gave_answer_away("turn"))
                } else {
                    Ok(turn)
                }
            })),
            None => None,
        };
        let mut produced = self
            .settle("teach", started, remote, || {
                self.offline.teach(lesson, maths)
            })
            .await?;
        // The wrapper owns this rule: no model can ask a different maths question.
        if let Some(maths) = maths
            && produced.value.question.expected
                != (Expected::Maths {
                    question: maths.clone(),
                })
        {
            produced.value.question = Question::maths(maths);
        }
        produced
            .value
            .hints
            .truncate(tutorbridge_domain::tutoring::thresholds::MAX_HINTS);
        Ok(produced)
    }

    pub async fn grade(
        &self,
        lesson: &LessonContext,
        question: &Question,
        reply: &str,
    ) -> Result<Produced<Grading>, ModelError> {
        let started = Instant::now();
        let remote = match &self.remote {
            Some(model) => Some(model.grade(lesson, question, reply).await),
            None => None,
        };
        let mut produced = self
            .settle("grade", started, remote, || {
                self.offline.grade(lesson, question, reply)
            })
            .await?;
        produced.value = produced.value.clamped();
        Ok(produced)
    }

    /// A hint-ladder rung. Whatever model wrote it, a text that gives the answer away is replaced
    /// by the offline tutor's rung (and reported as a fallback).
    pub async fn remediate(
        &self,
        lesson: &LessonContext,
        question: &Question,
        reply: &str,
        grading: &Grading,
        rung: u8,
    ) -> Result<Produced<String>, ModelError> {
        let started = Instant::now();
        let remote = match &self.remote {
            Some(model) => Some(
                model
                    .remediate(lesson, question, reply, grading, rung)
                    .await
                    .and_then(|text| {
                        if question.revealed_by(&text) {
                            Err(gave_answer_away("remediation"))
                        } else {
                            Ok(text)
                        }
                    }),
            ),
            None => None,
        };
        let mut produced = self
            .settle("remediate", started, remote, || {
                self.offline
                    .remediate(lesson, question, reply, grading, rung)
            })
            .await?;
        if question.revealed_by(&produced.value) {
            // Defence in depth: even the offline tutor must not say it.
            produced.value = "Let's look at the method again, one step at a time.".to_string();
        }
        Ok(produced)
    }
}
