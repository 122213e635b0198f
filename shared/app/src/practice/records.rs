//! What practice stores and what its endpoints answer.

use serde::{Deserialize, Serialize};
use tutorbridge_domain::UserId;
use tutorbridge_domain::bank::{BankItem, ChoiceOption, ItemBody, Provenance, Review};
use tutorbridge_domain::learner::Estimate;

/// A bank item with its evidence count and optimistic-lock version.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ItemRecord {
    #[serde(flatten)]
    pub item: BankItem,
    /// First attempts the difficulty has learned from.
    #[serde(default)]
    pub answers: u32,
    #[serde(default)]
    pub version: u64,
}

/// A student's practice state in one subject.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct RatingRecord {
    pub student: UserId,
    pub subject: String,
    pub skill: Estimate,
    /// Items seen most recently, newest last (at most [`super::RECENT_ITEMS`]).
    pub recent: Vec<String>,
    pub xp: u32,
    pub streak_days: u32,
    /// The last day (UTC, `YYYY-MM-DD`) with a completed first attempt.
    pub last_day: Option<String>,
    /// The student's IANA time zone for streak days (UTC until one is given).
    #[serde(default)]
    pub time_zone: Option<String>,
    pub version: u64,
}

/// An assignment: the item as issued, with its answer (never sent to the client).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct AssignmentRecord {
    pub assignment_id: String,
    pub student: UserId,
    pub subject: String,
    pub item: BankItem,
    pub predicted: f64,
    pub issued_at_ms: u64,
    pub expires_at_ms: u64,
    pub attempts: u32,
    /// The answer to the first attempt and a digest of that attempt's answer.
    pub first: Option<StoredCompletion>,
    /// The answer once a correct attempt was made (returned for any later completion).
    pub solved: Option<CompletionResponse>,
    pub version: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct StoredCompletion {
    pub answer_digest: String,
    pub response: CompletionResponse,
}

/// One first attempt, in the student's history (`PRACTICE#<subject>#ATTEMPT#…`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct AttemptRecord {
    pub assignment_id: String,
    pub item_id: String,
    pub correct: bool,
    pub result: f64,
    pub predicted: f64,
    pub skill_before: f64,
    pub skill_after: f64,
    /// The rating version this attempt produced (orders the history exactly).
    pub rating_version: u64,
    pub at_ms: u64,
}

/// A learning goal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Goal {
    pub goal_id: String,
    pub student: UserId,
    pub subject: String,
    /// Topics that count (empty: any topic of the subject).
    pub topics: Vec<String>,
    /// Correct first attempts to reach.
    pub target: u32,
    pub progress: u32,
    pub status: GoalStatus,
    pub created_at: String,
    pub version: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GoalStatus {
    Active,
    Completed,
    Archived,
}

/// The item as the student sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemView {
    pub item_id: String,
    pub subject: String,
    pub topic: String,
    pub kind: String,
    pub prompt: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub options: Option<Vec<ChoiceOption>>,
    pub answer_form: String,
    pub expected_seconds: u32,
    /// `seed`, `generated` or `ai` (written by the AI port when the bank had nothing suitable).
    pub provenance: Provenance,
    /// `pending` until a tutor has reviewed an AI-written item.
    pub review: Review,
}

impl From<&BankItem> for ItemView {
    fn from(item: &BankItem) -> Self {
        let (kind, options, answer_form) = match &item.body {
            ItemBody::Maths { question } => ("maths", None, question.answer_form.clone()),
            ItemBody::Choice { options, .. } => (
                "choice",
                Some(options.clone()),
                "the id of one option".to_string(),
            ),
            ItemBody::Short { .. } => ("short", None, "a sentence or two".to_string()),
        };
        ItemView {
            item_id: item.id.to_string(),
            subject: item.subject.clone(),
            topic: item.topic.clone(),
            kind: kind.to_string(),
            prompt: item.prompt().to_string(),
            options,
            answer_form,
            expected_seconds: item.expected_seconds,
            provenance: item.provenance,
            review: item.review,
        }
    }
}

/// The answer to `POST /practice/assign`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assignment {
    pub assignment_id: String,
    pub item: ItemView,
    pub difficulty_label: u8,
    pub predicted_success: f64,
    pub rating: u32,
    pub expires_at_ms: u64,
}

/// The answer to `POST /practice/complete`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompletionResponse {
    pub assignment_id: String,
    pub attempt: u32,
    pub correct: bool,
    pub feedback: String,
    /// How sure the marker is: 1 for exact marking (maths, choice), the grader's confidence for
    /// a written answer.
    pub confidence: f64,
    /// Whether this attempt moved the ratings (only the first attempt does).
    pub rated: bool,
    pub result: f64,
    pub predicted_success: f64,
    pub rating: u32,
    pub rating_change: i32,
    pub next_difficulty_label: u8,
    pub streak_days: u32,
    pub xp: u32,
    pub goals: Vec<GoalProgress>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GoalProgress {
    pub goal_id: String,
    pub progress: u32,
    pub target: u32,
    pub status: GoalStatus,
}
