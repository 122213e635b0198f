//! Tutoring sessions: create one on a guideline, step it reply by reply (exactly once), read it,
//! summarise it, list a student's sessions.
//!
//! A step is one read of the state item and one transaction (the state with a version
//! condition, its event items and the stored result): two table round trips. The client names
//! the step it answers; a retry of an applied step with the same reply gets the stored answer,
//! a different reply to an applied step gets 409, and of two concurrent replies to one step
//! exactly one is applied.

mod read;
mod records;
pub(crate) mod store;

pub use records::{
    GradingView, MisconceptionCount, RemediationView, SessionListEntry, SessionPage,
    SessionSummary, SessionView, StepResponse, TurnView,
};

use serde_json::json;
use tutorbridge_domain::curriculum::GuidelineId;
use tutorbridge_domain::maths::{MathsQuestion, family_for, generate};
use tutorbridge_domain::tutoring::thresholds::MAX_REPLY_CHARS;
use tutorbridge_domain::tutoring::{Node, Routing, SessionId};
use tutorbridge_domain::{Caller, Role};
use tutorbridge_table::{Condition, TableError, WriteOp};

use crate::access::AccessService;
use crate::curriculum::CurriculumService;
use crate::fingerprint::{digest, fingerprint};
use crate::people::activity_put;
use crate::records::Record;
use crate::tutor_model::{LessonContext, ModelError, Produced, Tutor};
use crate::{AppError, Ports};
pub(crate) use records::SessionRecord;
use records::{EventRecord, StoredResult, shown};

/// Largest page of a student's session list.
pub const MAX_PAGE: u32 = 100;
/// Sessions a student may start in any 24 hours (the AI behind each one costs money).
pub const MAX_SESSIONS_PER_DAY: usize = 50;
/// Page size when none is asked for.
pub const DEFAULT_PAGE: u32 = 20;

/// A reply to one step.
#[derive(Debug, Clone)]
pub struct StepRequest {
    /// The step the client answers (the session's `step` when it asked).
    pub step: u32,
    pub reply: String,
}

impl From<ModelError> for AppError {
    fn from(error: ModelError) -> Self {
        AppError::internal(error)
    }
}

fn seed(id: &SessionId, step: u32) -> u64 {
    fingerprint(id.as_str()) ^ (u64::from(step) + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

fn lesson_for(record: &SessionRecord, step: u32) -> LessonContext {
    LessonContext {
        guideline: record.guideline.clone(),
        step,
        mastery: record.progress.mastery,
        evidence: record.progress.evidence.clone(),
        seed: seed(&record.session_id, step),
    }
}

/// The next maths question for a maths guideline: harder with the grade and with mastery.
fn maths_question(lesson: &LessonContext) -> Option<MathsQuestion> {
    let guideline = &lesson.guideline;
    let family = family_for(
        guideline.subject.as_str(),
        guideline.topic.as_str(),
        guideline.subtopic.as_str(),
    )?;
    let difficulty = 1 + guideline.level.grade.value() / 3 + (lesson.mastery * 4.0).round() as u8;
    Some(generate(family, difficulty.clamp(1, 10), lesson.seed))
}

/// Builds the event items of one step in node order.
struct EventLog<'a> {
    session: &'a SessionId,
    step: u32,
    at: String,
    items: Vec<WriteOp>,
}

impl<'a> EventLog<'a> {
    fn new(session: &'a SessionId, step: u32, at: String) -> Self {
        EventLog {
            session,
            step,
            at,
            items: Vec::new(),
        }
    }

    fn record<T>(
        &mut self,
        node: Node,
        produced: Option<&Produced<T>>,
        inputs: serde_json::Value,
        outputs: serde_json::Value,
    ) -> Result<(), AppError> {
        let seq = self.items.len() as u32 + 1;
        let (model, fallback, elapsed_ms) = produced.map_or(("rules".to_string(), false, 0), |p| {
            (p.model.clone(), p.fallback, p.elapsed_ms)
        });
        let event = EventRecord {
            session_id: self.session.clone(),
            step: self.step,
            seq,
            node,
            model,
            fallback,
            elapsed_ms,
            at: self.at.clone(),
            inputs,
            outputs,
        };
        self.items.push(event.put(Condition::NotExists)?);
        Ok(())
    }
}

/// Tutoring session use cases.
#[derive(Clone)]
pub struct SessionService {
    ports: Ports,
    tutor: Tutor,
    curriculum: CurriculumService,
    access: AccessService,
    /// Per-user budget of steps (each asks the model).
    quota: crate::quota::QuotaSettings,
}

impl SessionService {
    pub fn new(ports: impl Into<Ports>, tutor: Tutor) -> Self {
        let ports = ports.into();
        SessionService {
            curriculum: CurriculumService::new(ports.store.clone()),
            access: AccessService::new(ports.store.clone()),
            ports,
            tutor,
            quota: crate::quota::QuotaSettings::default(),
        }
    }

    /// The same service with per-user budgets of steps.
    pub fn with_quota(mut self, quota: crate::quota::QuotaSettings) -> Self {
        self.quota = quota;
        self
    }

    /// Start a session for the calling student on a guideline.
    ///
    /// Two round trips: the guideline and the student's sessions of the last 24 hours in
    /// parallel, then one transaction.
    ///
    /// # Errors
    /// `Forbidden` for callers who are not students; `NotFound` for an unknown guideline
    /// (before anything is written); `TooMany` past [`MAX_SESSIONS_PER_DAY`].
    pub async fn create(
        &self,
        caller: &Caller,
        guideline_id: &GuidelineId,
    ) -> Result<SessionView, AppError> {
        if !caller.has(Role::Student) {
            return Err(AppError::Forbidden(
                "only students start tutoring sessions".into(),
            ));
        }
        let now = self.ports.clock.now();
        let day_ago = now
            .checked_sub(jiff::SignedDuration::from_hours(24))
            .map_err(AppError::internal)?
            .to_string();
        let (guideline, started) = tokio::join!(
            self.curriculum.guideline(guideline_id),
            store::sessions_created_since(
                &self.ports.store,
                &caller.user_id,
                &day_ago,
                MAX_SESSIONS_PER_DAY as u32,
            ),
        );
        if started? >= MAX_SESSIONS_PER_DAY {
            return Err(AppError::TooMany(format!(
                "at most {MAX_SESSIONS_PER_DAY} sessions may be started in 24 hours"
            )));
        }
        let guideline = guideline?;
        let session_id = SessionId::parse(&self.ports.ids.ulid().to_string())?;
        let created_at = now.to_string();
        let mut record = SessionRecord {
            session_id: session_id.clone(),
            student_id: caller.user_id.clone(),
            guideline,
            created_at: created_at.clone(),
            updated_at: created_at.clone(),
            version: 1,
            progress: Default::default(),
            question: None,
            turn: TurnView {
                message: String::new(),
                hints: vec![],
                question: None,
                answer_form: None,
                model: String::new(),
                fallback: false,
            },
            last_result: None,
        };
        let lesson = lesson_for(&record, 0);
        let maths = maths_question(&lesson);
        let turn = self.tutor.teach(&lesson, maths.as_ref()).await?;
        record.turn = TurnView::from_produced(&turn);
        record.question = Some(turn.value.question.clone());

        let mut log = EventLog::new(&session_id, 0, created_at.clone());
        log.record(
            Node::Present,
            Some(&turn),
            json!({ "guideline_id": record.guideline.id }),
            json!({ "question": turn.value.question.prompt, "hints": turn.value.hints.len() }),
        )?;
        let mut ops = vec![record.put(Condition::NotExists)?];
        ops.extend(log.items);
        self.ports.store.transact_write(ops).await?;
        Ok(SessionView::from(&record))
    }

    async fn load(&self, id: &SessionId) -> Result<SessionRecord, AppError> {
        store::session(&self.ports.store, id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("no session '{id}' is visible to you")))
    }

    /// Apply the student's reply to a step, exactly once.
    ///
    /// # Errors
    /// `Invalid` for an empty or over-long reply; `NotFound` unless the caller is the session's
    /// student; `Conflict` for a completed session, a step other than the one the session waits
    /// for, a different reply to an applied step, or a concurrent reply that won.
    pub async fn step(
        &self,
        caller: &Caller,
        id: &SessionId,
        request: StepRequest,
    ) -> Result<StepResponse, AppError> {
        let reply = request.reply.trim();
        if reply.is_empty() {
            return Err(AppError::Invalid("student_reply must not be empty".into()));
        }
        if reply.chars().count() > MAX_REPLY_CHARS {
            return Err(AppError::Invalid(format!(
                "student_reply is limited to {MAX_REPLY_CHARS} characters"
            )));
        }
        let now = self.ports.clock.now();
        let (record, used) = tokio::join!(
            self.load(id),
            crate::quota::usage(&self.ports.store, &caller.user_id, now, self.quota)
        );
        let record = record?;
        if record.student_id != caller.user_id {
            return Err(AppError::NotFound(format!(
                "no session '{id}' is visible to you"
            )));
        }
        let reply_digest = digest(reply);
        if request.step < record.progress.step {
            return self.replay(&record, request.step, &reply_digest).await;
        }
        if record.progress.completed {
            return Err(AppError::Conflict(
                "the session is complete; start a new one".into(),
            ));
        }
        if request.step > record.progress.step {
            return Err(AppError::Conflict(format!(
                "the session is waiting for step {}",
                record.progress.step
            )));
        }
        // A replay above is free; a new step asks the model and counts against the budget.
        let used = used?;
        used.check()?;
        let (mut ops, response) = self.advance(record, reply, reply_digest.clone()).await?;
        ops.extend(used.charge()?);
        match self.ports.store.transact_write(ops).await {
            Ok(()) => Ok(response),
            Err(TableError::Conflict(_)) => {
                // Someone else applied this step first. Same reply: a duplicate; answer as they were.
                let current = self.load(id).await?;
                match self.replay(&current, request.step, &reply_digest).await {
                    Err(AppError::Conflict(_)) => Err(AppError::Conflict(format!(
                        "another reply to step {} was applied first",
                        request.step
                    ))),
                    other => other,
                }
            }
            Err(error) => Err(error.into()),
        }
    }

    /// The stored answer to an applied step, if `reply_digest` matches the reply it answered.
    async fn replay(
        &self,
        record: &SessionRecord,
        step: u32,
        reply_digest: &str,
    ) -> Result<StepResponse, AppError> {
        let stored = match &record.last_result {
            Some(last) if last.response.answered_step == step => last.clone(),
            _ => match store::step_result(&self.ports.store, &record.session_id, step).await? {
                Some(stored) => stored,
                None => {
                    return Err(AppError::Conflict(format!(
                        "the session is waiting for step {}",
                        record.progress.step
                    )));
                }
            },
        };
        if stored.reply_digest == reply_digest {
            Ok(stored.response)
        } else {
            Err(AppError::Conflict(format!(
                "step {step} was already answered with a different reply"
            )))
        }
    }

    /// Grade, route and present: the new state, its events and the stored result, as one
    /// transaction, and the response.
    async fn advance(
        &self,
        mut record: SessionRecord,
        reply: &str,
        reply_digest: String,
    ) -> Result<(Vec<WriteOp>, StepResponse), AppError> {
        let step = record.progress.step;
        let question = record
            .question
            .clone()
            .ok_or_else(|| AppError::internal("an open session has no question"))?;
        let lesson = lesson_for(&record, step);
        // The log numbers steps from the session's start (0) to the n-th reply (n).
        let now = self.ports.clock.now();
        let mut log = EventLog::new(&record.session_id, step + 1, now.to_string());

        let grading = self.tutor.grade(&lesson, &question, reply).await?;
        let decision = record
            .progress
            .apply(&grading.value)
            .map_err(|_| AppError::Conflict("the session is complete; start a new one".into()))?;
        log.record(Node::Check, Some(&grading), json!({ "reply_chars": reply.chars().count() }), json!({ "score": grading.value.score, "confidence": grading.value.confidence, "misconceptions": grading.value.misconceptions }))?;

        let mut remediation = None;
        let mut next_turn = None;
        match decision.routing {
            Routing::Advance => {
                log.record::<()>(
                    Node::Advance,
                    None,
                    json!({}),
                    json!({ "mastery": record.progress.mastery }),
                )?;
                if !decision.completed {
                    // `record.progress` already holds this step's mastery and evidence.
                    let next_lesson = lesson_for(&record, step + 1);
                    let maths = maths_question(&next_lesson);
                    next_turn = Some(self.tutor.teach(&next_lesson, maths.as_ref()).await?);
                }
            }
            Routing::Remediate => {
                let hint = self
                    .tutor
                    .remediate(&lesson, &question, reply, &grading.value, decision.rung)
                    .await?;
                log.record(
                    Node::Remediate,
                    Some(&hint),
                    json!({ "rung": decision.rung }),
                    json!({ "chars": hint.value.chars().count() }),
                )?;
                log.record::<()>(
                    Node::Diagnose,
                    None,
                    json!({ "labels": grading.value.misconceptions.len() }),
                    json!({ "evidence": record.progress.evidence }),
                )?;
                remediation = Some(RemediationView {
                    rung: decision.rung,
                    message: hint.value.clone(),
                    model: hint.model.clone(),
                    fallback: hint.fallback,
                });
            }
        }

        let turn = if decision.completed {
            record.question = None;
            TurnView {
                message: format!(
                    "That's the end of this session: {} steps, mastery {:.0}%. Look at the summary for what to do next.",
                    record.progress.step,
                    record.progress.mastery * 100.0
                ),
                hints: vec![],
                question: None,
                answer_form: None,
                model: "rules".into(),
                fallback: false,
            }
        } else if let Some(turn) = &next_turn {
            record.question = Some(turn.value.question.clone());
            TurnView::from_produced(turn)
        } else {
            // Remediating: the same question again, led by the hint.
            match &remediation {
                Some(hint) => TurnView {
                    message: hint.message.clone(),
                    model: hint.model.clone(),
                    fallback: hint.fallback,
                    ..record.turn.clone()
                },
                None => record.turn.clone(),
            }
        };
        if !decision.completed {
            let outputs = json!({ "question": record.question.as_ref().map(|q| q.prompt.clone()) });
            log.record(
                Node::Present,
                next_turn.as_ref(),
                json!({ "routing": decision.routing }),
                outputs,
            )?;
        }

        let response = StepResponse {
            session_id: record.session_id.clone(),
            answered_step: step,
            step: record.progress.step,
            routing: decision.routing,
            grading: GradingView::from_produced(&grading),
            remediation,
            mastery: shown(record.progress.mastery),
            completed: decision.completed,
            turn: turn.clone(),
        };
        let stored = StoredResult {
            reply_digest,
            response: response.clone(),
        };
        let expected_version = record.version;
        record.version += 1;
        record.turn = turn;
        record.updated_at = log.at.clone();
        record.last_result = Some(stored.clone());

        let mut ops = vec![
            record.put(Condition::VersionEquals(expected_version))?,
            stored.put(Condition::NotExists)?,
        ];
        ops.extend(log.items);
        // The student was active now: recorded in this same transaction.
        ops.push(activity_put(
            &record.student_id,
            now,
            Some(record.guideline.subject.as_str()),
            None,
        )?);
        Ok((ops, response))
    }
}
