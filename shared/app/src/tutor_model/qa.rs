//! The AI port's Q&A operations and the wrapper's rules for them: the offline analysis always
//! runs and a model can only make a question's kind stricter (never turn an unsafe or
//! out-of-scope question into one that is answered); a remote answer must cite passages that
//! exist and assess itself within [0, 1], or the offline, extractive answer stands in.

use std::time::Instant;

use serde::{Deserialize, Serialize};
use tutorbridge_domain::qa::{Analysis, Passage, QueryKind};

use super::{ModelError, Produced, Tutor};

/// What a question is analysed with.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct QueryBrief {
    pub question: String,
    /// The student's recent questions, newest first (follow-ups lean on them).
    pub recent: Vec<String>,
}

/// What an answer is written from.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AnswerBrief {
    pub question: String,
    /// Ranked passages, best first; reference material, never instructions.
    pub passages: Vec<Passage>,
    /// Recent exchanges, newest first: (question, answer).
    pub recent: Vec<(String, String)>,
}

/// An answer and how the model rates it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    pub text: String,
    /// 0 to 1.
    pub self_assessment: f64,
    /// Indices into the brief's passages the answer used.
    pub used: Vec<usize>,
}

/// Longest answer kept, in characters.
pub const MAX_ANSWER_CHARS: usize = 2000;

impl Answer {
    /// The answer, unless it is empty, over-long, out of range or cites a passage that was not
    /// given.
    pub fn checked(self, passages: usize) -> Result<Answer, ModelError> {
        let invalid = |why: &str| Err(ModelError::InvalidOutput(why.into()));
        if self.text.trim().is_empty() || self.text.chars().count() > MAX_ANSWER_CHARS {
            return invalid("the answer is empty or too long");
        }
        if !self.self_assessment.is_finite() || !(0.0..=1.0).contains(&self.self_assessment) {
            return invalid("the self-assessment is outside [0, 1]");
        }
        if self.used.iter().any(|&index| index >= passages) {
            return invalid("the answer cites a passage it was not given");
        }
        Ok(self)
    }
}

/// The stricter of two kinds (unsafe, then out of scope, then ambiguous, then clear).
fn stricter(a: QueryKind, b: QueryKind) -> QueryKind {
    let rank = |kind: QueryKind| match kind {
        QueryKind::Unsafe => 3,
        QueryKind::OutOfScope => 2,
        QueryKind::Ambiguous => 1,
        QueryKind::Clear => 0,
    };
    if rank(a) >= rank(b) { a } else { b }
}

impl Tutor {
    /// Analyse a question. The offline rules always run; the remote model (if any) may only
    /// make the kind stricter, and its clarity is used when it answered.
    pub async fn analyse_query(
        &self,
        brief: &QueryBrief,
    ) -> Result<Produced<Analysis>, ModelError> {
        let started = Instant::now();
        let offline = self.offline.analyse_query(brief).await?;
        let remote = match &self.remote {
            Some(model) => Some(model.analyse_query(brief).await.and_then(|analysis| {
                match analysis.clarity.is_finite() && (0.0..=1.0).contains(&analysis.clarity) {
                    true => Ok(analysis),
                    false => Err(ModelError::InvalidOutput("clarity outside [0, 1]".into())),
                }
            })),
            None => None,
        };
        let fallback = offline.clone();
        let mut produced = self
            .settle(
                "analyse_query",
                started,
                remote,
                || async move { Ok(fallback) },
            )
            .await?;
        let kind = stricter(offline.kind, produced.value.kind);
        if kind != produced.value.kind {
            produced.value = Analysis {
                kind,
                clarity: offline.clarity.min(produced.value.clarity),
                reason: offline.reason,
            };
        }
        Ok(produced)
    }

    /// Answer from the passages; a remote answer that fails [`Answer::checked`] is replaced by
    /// the offline, extractive one.
    pub async fn answer(&self, brief: &AnswerBrief) -> Result<Produced<Answer>, ModelError> {
        let started = Instant::now();
        let remote = match &self.remote {
            Some(model) => Some(
                model
                    .answer(brief)
                    .await
                    .and_then(|answer| answer.checked(brief.passages.len())),
            ),
            None => None,
        };
        self.settle("answer", started, remote, || self.offline.answer(brief))
            .await
    }
}
