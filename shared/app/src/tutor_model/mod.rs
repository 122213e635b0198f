//! The AI port for tutoring, and the wrapper every use case calls.
//!
//! [`TutorModel`] has typed operations; adapters implement it (the deterministic offline tutor,
//! an OpenAI-compatible client). [`Tutor`] puts a remote model in front of the offline one:
//! on timeout, error or invalid output the offline tutor answers instead, and every result
//! says which model produced it. A failing AI never fails a request.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tutorbridge_domain::curriculum::Guideline;
use tutorbridge_domain::maths::{MathsQuestion, mentions_value};
use tutorbridge_domain::summaries::{SummaryText, Transcript};
use tutorbridge_domain::tutoring::Grading;

mod qa;
pub use qa::{Answer, AnswerBrief, QueryBrief};

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

/// What kind of practice item to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// Multiple choice with one right option.
    Choice,
    /// A short written answer, marked against a model answer and key ideas.
    Short,
}

/// The brief for a practice item the bank does not have.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ItemBrief {
    /// What the item is about (its subject and topic name the item).
    pub guideline: Guideline,
    pub kind: ItemKind,
    /// 1 (easiest) to 10.
    pub difficulty_label: u8,
    /// Prompts the student has seen on this topic: do not repeat them.
    pub avoid: Vec<String>,
    /// Deterministic seed (offline choices depend only on it).
    pub seed: u64,
}

/// A written practice item (before it becomes a bank item).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WrittenItem {
    pub prompt: String,
    /// Choice: the option texts; empty for a short item.
    pub options: Vec<String>,
    /// Choice: the index of the right option.
    pub correct_option: usize,
    /// Short: the model answer.
    pub answer: String,
    /// Short: the key ideas a good answer uses.
    pub keywords: Vec<String>,
}

/// Longest prompt, option or model answer a written item may have.
pub const MAX_WRITTEN_TEXT: usize = 500;

impl WrittenItem {
    /// The item, or `InvalidOutput` saying why it is unusable for `kind`.
    pub fn checked(self, kind: ItemKind) -> Result<WrittenItem, ModelError> {
        match self.problem(kind) {
            Some(problem) => Err(ModelError::InvalidOutput(problem)),
            None => Ok(self),
        }
    }

    /// Why this item is unusable for `kind`, if it is.
    pub fn problem(&self, kind: ItemKind) -> Option<String> {
        let too_long = |text: &str| text.chars().count() > MAX_WRITTEN_TEXT;
        if self.prompt.trim().is_empty() || too_long(&self.prompt) {
            return Some(format!(
                "the prompt must have 1-{MAX_WRITTEN_TEXT} characters"
            ));
        }
        match kind {
            ItemKind::Choice => {
                let mut texts: Vec<String> = self
                    .options
                    .iter()
                    .map(|o| o.trim().to_lowercase())
                    .collect();
                if !(3..=5).contains(&texts.len()) {
                    return Some("a choice item has 3-5 options".into());
                }
                if texts.iter().any(|t| t.is_empty() || too_long(t)) {
                    return Some("an option is empty or too long".into());
                }
                texts.sort();
                texts.dedup();
                if texts.len() != self.options.len() {
                    return Some("two options are the same".into());
                }
                if self.correct_option >= self.options.len() {
                    return Some("the right option is not one of the options".into());
                }
            }
            ItemKind::Short => {
                if self.answer.trim().is_empty() || too_long(&self.answer) {
                    return Some("a short item needs a model answer".into());
                }
                if !(1..=8).contains(&self.keywords.len())
                    || self.keywords.iter().any(|k| k.trim().is_empty())
                {
                    return Some("a short item needs 1-8 key ideas".into());
                }
                let question = Question {
                    prompt: String::new(),
                    answer_form: String::new(),
                    expected: Expected::Text {
                        answer: self.answer.clone(),
                        keywords: self.keywords.clone(),
                    },
                };
                if question.revealed_by(&self.prompt) {
                    return Some("the prompt gives the answer away".into());
                }
            }
        }
        None
    }
}

/// A practice answer to mark: the item's subject and topic with the question.
#[derive(Debug, Clone, Copy)]
pub struct PracticeAnswer<'a> {
    pub subject: &'a str,
    pub topic: &'a str,
    pub question: &'a Question,
}

/// What a summary is made from: the live session and the names of its subject's curriculum
/// topics (key topics are mapped to them).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SummaryBrief {
    pub transcript: Transcript,
    pub topics: Vec<String>,
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

    /// Write a practice item to `brief` (the bank had nothing suitable).
    async fn write_item(&self, brief: &ItemBrief) -> Result<WrittenItem, ModelError>;

    /// Mark a written answer to a practice question: score and confidence in [0, 1] and a
    /// rationale for the student that does not give the answer away.
    async fn mark(&self, task: &PracticeAnswer<'_>, reply: &str) -> Result<Grading, ModelError>;

    /// Summarise a live session: a narrative of 3-6 sentences, the key topics (named as in
    /// `brief.topics` where they match), misconceptions observed and next steps.
    async fn summarise(&self, brief: &SummaryBrief) -> Result<SummaryText, ModelError>;

    /// Analyse a student's question: clear, ambiguous, out of scope for a school tutor, or
    /// unsafe, with its clarity.
    async fn analyse_query(
        &self,
        brief: &QueryBrief,
    ) -> Result<tutorbridge_domain::qa::Analysis, ModelError>;

    /// Answer a question from the passages given (cited by index), with the model's own
    /// assessment of the answer in [0, 1].
    async fn answer(&self, brief: &AnswerBrief) -> Result<Answer, ModelError>;

    /// Rephrase a nudge's message for the student, keeping `brief.facts` word for word (the
    /// offline tutor returns it as it is).
    async fn personalise(&self, brief: &PersonaliseBrief) -> Result<String, ModelError>;
}

/// A nudge's message to rephrase: the facts in it come from data and must survive.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PersonaliseBrief {
    pub name: String,
    pub text: String,
    pub facts: Vec<String>,
}

/// The longest a rephrased nudge may be.
pub const MAX_PERSONALISED: usize = 400;

impl PersonaliseBrief {
    /// A rephrasing is used only if it keeps every fact, stays short and adds no link or
    /// placeholder.
    pub fn check(&self, text: &str) -> Result<String, ModelError> {
        let text = text.trim();
        if text.is_empty() || text.chars().count() > MAX_PERSONALISED {
            return Err(ModelError::InvalidOutput(
                "the message is empty or too long".into(),
            ));
        }
        if text.contains("http") || text.contains('{') || text.contains('<') {
            return Err(ModelError::InvalidOutput(
                "the message adds a link or markup".into(),
            ));
        }
        if let Some(missing) = self.facts.iter().find(|fact| !text.contains(fact.as_str())) {
            return Err(ModelError::InvalidOutput(format!(
                "the message drops '{missing}'"
            )));
        }
        Ok(text.to_string())
    }
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

    /// Grade a reply. Maths is graded exactly by the offline tutor whatever model is
    /// configured (the reply is not even sent to it): a model's opinion of `3/4 = 0.75` must
    /// never overrule arithmetic. Other questions go to the remote model first.
    pub async fn grade(
        &self,
        lesson: &LessonContext,
        question: &Question,
        reply: &str,
    ) -> Result<Produced<Grading>, ModelError> {
        let started = Instant::now();
        if let Expected::Maths { .. } = question.expected {
            let value = self.offline.grade(lesson, question, reply).await?.clamped();
            return Ok(Produced {
                value,
                model: OFFLINE_MODEL.to_string(),
                fallback: false,
                elapsed_ms: started.elapsed().as_millis() as u64,
                fallback_reason: None,
            });
        }
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
    /// A practice item to `brief`. A remote item that is malformed (see
    /// [`WrittenItem::problem`]) is replaced by the offline tutor's.
    pub async fn write_item(&self, brief: &ItemBrief) -> Result<Produced<WrittenItem>, ModelError> {
        let started = Instant::now();
        let remote = match &self.remote {
            Some(model) => Some(
                model
                    .write_item(brief)
                    .await
                    .and_then(|item| item.checked(brief.kind)),
            ),
            None => None,
        };
        let mut produced = self
            .settle("write_item", started, remote, || {
                self.offline.write_item(brief)
            })
            .await?;
        // The offline writer is tested to be well formed; checked all the same.
        produced.value = produced.value.checked(brief.kind)?;
        Ok(produced)
    }

    /// Mark a practice answer; a rationale that gives the answer away is replaced.
    pub async fn mark(
        &self,
        task: &PracticeAnswer<'_>,
        reply: &str,
    ) -> Result<Produced<Grading>, ModelError> {
        let started = Instant::now();
        let remote = match &self.remote {
            Some(model) => Some(model.mark(task, reply).await),
            None => None,
        };
        let mut produced = self
            .settle("mark", started, remote, || self.offline.mark(task, reply))
            .await?;
        produced.value = produced.value.clamped();
        if task.question.revealed_by(&produced.value.rationale) {
            produced.value.rationale =
                "Compare your answer with the key ideas of the topic.".into();
        }
        Ok(produced)
    }

    /// Summarise a live session, giving the remote model at most `budget` (the webhook answers
    /// the Rails app quickly; the sweep allows longer). A remote summary that is late, fails or
    /// is malformed (see [`SummaryText::checked_against`]) is replaced by the offline one,
    /// reported as a fallback so it can be retried.
    pub async fn summarise(
        &self,
        brief: &SummaryBrief,
        budget: Duration,
    ) -> Result<Produced<SummaryText>, ModelError> {
        let started = Instant::now();
        let remote = match &self.remote {
            Some(model) => Some(
                match tokio::time::timeout(budget, model.summarise(brief)).await {
                    Err(_) => Err(ModelError::Timeout),
                    Ok(result) => result.and_then(|text| {
                        text.checked_against(&brief.topics)
                            .map_err(ModelError::InvalidOutput)
                    }),
                },
            ),
            None => None,
        };
        self.settle("summarise", started, remote, || {
            self.offline.summarise(brief)
        })
        .await
    }

    /// Rephrase a nudge within `budget`; a late, failed or unfaithful rephrasing (see
    /// [`PersonaliseBrief::check`]) leaves the template's text as it is.
    pub async fn personalise(
        &self,
        brief: &PersonaliseBrief,
        budget: Duration,
    ) -> Result<Produced<String>, ModelError> {
        let started = Instant::now();
        let remote = match &self.remote {
            Some(model) => Some(
                match tokio::time::timeout(budget, model.personalise(brief)).await {
                    Err(_) => Err(ModelError::Timeout),
                    Ok(result) => result.and_then(|text| brief.check(&text)),
                },
            ),
            None => None,
        };
        self.settle("personalise", started, remote, || {
            self.offline.personalise(brief)
        })
        .await
    }

    /// True when a remote model is configured (a fallback is then worth retrying).
    pub fn has_remote(&self) -> bool {
        self.remote.is_some()
    }
}
