//! What a session stores and what its endpoints answer.

use serde::{Deserialize, Serialize};
use tutorbridge_domain::UserId;
use tutorbridge_domain::curriculum::Guideline;
use tutorbridge_domain::tutoring::{Grading, Node, Progress, Routing, SessionId};

use tutorbridge_table::Key;

use crate::keys::{self, entity};
use crate::records::Record;
use crate::tutor_model::{Produced, Question, Turn};

/// Ratios as shown to people: four decimals (the state keeps the exact value).
pub(crate) fn shown(value: f64) -> f64 {
    (value * 10_000.0).round() / 10_000.0
}

/// The session state item (`SESSION#<id>` / `STATE`), versioned for optimistic locking.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct SessionRecord {
    pub session_id: SessionId,
    pub student_id: UserId,
    /// A snapshot taken at creation, so a step needs no second read and an edited guideline
    /// cannot change a session under way.
    pub guideline: Guideline,
    pub created_at: String,
    pub updated_at: String,
    pub version: u64,
    pub progress: Progress,
    /// The open question with its expected answer; `None` once complete.
    pub question: Option<Question>,
    pub turn: TurnView,
    /// The latest step's answer, so the common retry needs no extra read.
    pub last_result: Option<StoredResult>,
}

/// Listed in its student's sessions (GSI1), newest last by creation time.
impl Record for SessionRecord {
    const ENTITY: &'static str = entity::SESSION;

    fn key(&self) -> Key {
        keys::session_state(&self.session_id)
    }

    fn gsi1(&self) -> Option<(String, String)> {
        Some(keys::student_session(
            &self.student_id,
            &self.created_at,
            &self.session_id,
        ))
    }
}

/// A step's answer and a digest of the reply it answered.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct StoredResult {
    pub reply_digest: String,
    pub response: StepResponse,
}

impl Record for StoredResult {
    const ENTITY: &'static str = entity::SESSION_RESULT;

    fn key(&self) -> Key {
        keys::session_result(&self.response.session_id, self.response.answered_step)
    }
}

/// One node execution in the event log (`SESSION#<id>` / `EVENT#<step>#<seq>`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct EventRecord {
    pub session_id: SessionId,
    pub step: u32,
    pub seq: u32,
    pub node: Node,
    pub model: String,
    pub fallback: bool,
    pub elapsed_ms: u64,
    pub at: String,
    /// A summary of the inputs (sizes and ids, never the student's text).
    pub inputs: serde_json::Value,
    pub outputs: serde_json::Value,
}

impl Record for EventRecord {
    const ENTITY: &'static str = entity::SESSION_EVENT;

    fn key(&self) -> Key {
        keys::session_event(&self.session_id, self.step, self.seq)
    }
}

/// The turn as the student sees it: no expected answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TurnView {
    pub message: String,
    pub hints: Vec<String>,
    pub question: Option<String>,
    pub answer_form: Option<String>,
    pub model: String,
    pub fallback: bool,
}

impl TurnView {
    pub(crate) fn from_produced(turn: &Produced<Turn>) -> TurnView {
        TurnView {
            message: turn.value.message.clone(),
            hints: turn.value.hints.clone(),
            question: Some(turn.value.question.prompt.clone()),
            answer_form: Some(turn.value.question.answer_form.clone()),
            model: turn.model.clone(),
            fallback: turn.fallback,
        }
    }
}

/// A grading as reported to the student.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct GradingView {
    pub score: f64,
    pub confidence: f64,
    pub rationale: String,
    pub misconceptions: Vec<String>,
    pub model: String,
    pub fallback: bool,
}

impl GradingView {
    pub(crate) fn from_produced(grading: &Produced<Grading>) -> GradingView {
        GradingView {
            score: shown(grading.value.score),
            confidence: shown(grading.value.confidence),
            rationale: grading.value.rationale.clone(),
            misconceptions: grading.value.misconceptions.clone(),
            model: grading.model.clone(),
            fallback: grading.fallback,
        }
    }
}

/// The rung of the hint ladder given for a wrong reply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RemediationView {
    pub rung: u8,
    pub message: String,
    pub model: String,
    pub fallback: bool,
}

/// The answer to `POST /sessions/{id}/step`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StepResponse {
    pub session_id: SessionId,
    /// The step this reply answered.
    pub answered_step: u32,
    /// The step the session now waits for.
    pub step: u32,
    pub routing: Routing,
    pub grading: GradingView,
    pub remediation: Option<RemediationView>,
    pub mastery: f64,
    pub completed: bool,
    pub turn: TurnView,
}

/// The answer to `POST /sessions` and `GET /sessions/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SessionView {
    pub session_id: SessionId,
    pub student_id: UserId,
    pub guideline_id: String,
    pub subject: String,
    pub topic: String,
    pub subtopic: String,
    pub created_at: String,
    pub updated_at: String,
    /// The step the session waits for (replies applied so far).
    pub step: u32,
    pub mastery: f64,
    pub completed: bool,
    pub misconceptions: Vec<String>,
    pub turn: TurnView,
}

impl From<&SessionRecord> for SessionView {
    fn from(record: &SessionRecord) -> SessionView {
        SessionView {
            session_id: record.session_id.clone(),
            student_id: record.student_id.clone(),
            guideline_id: record.guideline.id.as_str().to_string(),
            subject: record.guideline.subject.as_str().to_string(),
            topic: record.guideline.topic.as_str().to_string(),
            subtopic: record.guideline.subtopic.as_str().to_string(),
            created_at: record.created_at.clone(),
            updated_at: record.updated_at.clone(),
            step: record.progress.step,
            mastery: shown(record.progress.mastery),
            completed: record.progress.completed,
            misconceptions: record.progress.evidence.clone(),
            turn: record.turn.clone(),
        }
    }
}

/// A misconception and how often it was seen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MisconceptionCount {
    pub label: String,
    pub count: u32,
}

/// The answer to `GET /sessions/{id}/summary`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SessionSummary {
    pub session_id: SessionId,
    pub subtopic: String,
    pub steps_completed: u32,
    pub mastery: f64,
    pub completed: bool,
    pub misconceptions_seen: Vec<MisconceptionCount>,
    pub suggestions: Vec<String>,
}

/// One page of `GET /students/{id}/sessions`, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SessionPage {
    pub sessions: Vec<SessionListEntry>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next: Option<String>,
}

/// A session in a student's list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SessionListEntry {
    pub session_id: SessionId,
    pub guideline_id: String,
    pub subtopic: String,
    pub created_at: String,
    pub step: u32,
    pub mastery: f64,
    pub completed: bool,
}

impl From<&SessionRecord> for SessionListEntry {
    fn from(record: &SessionRecord) -> SessionListEntry {
        SessionListEntry {
            session_id: record.session_id.clone(),
            guideline_id: record.guideline.id.as_str().to_string(),
            subtopic: record.guideline.subtopic.as_str().to_string(),
            created_at: record.created_at.clone(),
            step: record.progress.step,
            mastery: shown(record.progress.mastery),
            completed: record.progress.completed,
        }
    }
}
