//! Stored Q&A records: the exchange (`QA#<id>` / `EXCHANGE`, listed in the student's history
//! on GSI1), one escalation per tutor (on the tutor's GSI2 list, open first) and replies.

use serde::{Deserialize, Serialize};
use tutorbridge_domain::UserId;
use tutorbridge_domain::qa::{Citation, ConfidenceFactors, ConfidenceLabel, QaId, QueryKind};
use tutorbridge_table::Key;

use crate::keys::{self, entity};
use crate::records::Record;

/// Where a question's escalation stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ThreadStatus {
    /// Not escalated.
    #[default]
    None,
    Open,
    Closed,
}

/// A question and what the student was told.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Exchange {
    #[schema(value_type = String)]
    pub qa_id: QaId,
    #[schema(value_type = String)]
    pub student: UserId,
    pub question: String,
    pub subject: Option<String>,
    pub guideline_id: Option<String>,
    pub kind: QueryKind,
    /// What the student was shown: the answer, an overview, or a refusal.
    pub answer: String,
    /// `None` for refusals (out of scope, unsafe): no answer was scored.
    pub label: Option<ConfidenceLabel>,
    pub confidence: Option<f64>,
    pub factors: Option<ConfidenceFactors>,
    /// Medium confidence: a word of caution.
    pub disclaimer: Option<String>,
    /// Medium and Low: ask the tutor.
    pub suggestion: Option<String>,
    pub citations: Vec<Citation>,
    /// `offline` or the model's name.
    pub model: String,
    pub fallback: bool,
    pub thread: ThreadStatus,
    /// The tutors the question went to.
    #[schema(value_type = Vec<String>)]
    pub escalated_to: Vec<UserId>,
    /// Unsafe questions are flagged for the tutor.
    pub flagged: bool,
    pub replies: u32,
    /// The latest reply's text (the whole thread is at `GET /qa/{id}`).
    #[serde(default)]
    pub last_reply: Option<String>,
    pub created_at: String,
    #[serde(default)]
    #[schema(ignore)]
    pub version: u64,
}

impl Record for Exchange {
    const ENTITY: &'static str = entity::QA_EXCHANGE;

    fn key(&self) -> Key {
        keys::qa_exchange(&self.qa_id)
    }

    fn gsi1(&self) -> Option<(String, String)> {
        Some(keys::student_question(
            &self.student,
            &self.created_at,
            &self.qa_id,
        ))
    }
}

/// A question escalated to one tutor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Escalation {
    #[schema(value_type = String)]
    pub qa_id: QaId,
    #[schema(value_type = String)]
    pub tutor: UserId,
    #[schema(value_type = String)]
    pub student: UserId,
    /// The question's first line (at most 200 characters).
    pub question: String,
    pub label: Option<ConfidenceLabel>,
    pub flagged: bool,
    pub open: bool,
    /// When it was escalated.
    pub created_at: String,
    #[serde(default)]
    #[schema(ignore)]
    pub version: u64,
}

impl Record for Escalation {
    const ENTITY: &'static str = entity::QA_ESCALATION;

    fn key(&self) -> Key {
        keys::qa_escalation(&self.qa_id, &self.tutor)
    }

    fn gsi2(&self) -> Option<(String, String)> {
        Some(keys::tutor_escalation(
            &self.tutor,
            self.open,
            &self.created_at,
            &self.qa_id,
        ))
    }
}

/// One reply in a thread.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Reply {
    pub reply_id: String,
    #[schema(value_type = String)]
    pub qa_id: QaId,
    #[schema(value_type = String)]
    pub author: UserId,
    /// `student`, `tutor` or `admin`.
    pub author_role: String,
    pub text: String,
    pub at: String,
}

impl Record for Reply {
    const ENTITY: &'static str = entity::QA_REPLY;

    fn key(&self) -> Key {
        keys::qa_reply(&self.qa_id, &self.at, &self.reply_id)
    }
}
