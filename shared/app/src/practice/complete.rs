//! Completing an assignment: marked (exactly, or by the AI port for written answers), rated
//! once, with streak, XP and goal progress, in one transaction.

use std::time::Duration;

use tutorbridge_domain::Caller;
use tutorbridge_domain::bank::{BankItem, ItemBody};
use tutorbridge_domain::learner::{
    Estimate, Performance, difficulty_for, difficulty_label, display_rating, update,
};
use tutorbridge_domain::practice::{
    AssignmentId, GoalStatus, Malformed, Marked, TimeZoneName, is_rated, malformed, mark_exactly,
    next_streak, remember_seen, reviews, xp_for,
};
use tutorbridge_domain::tutoring::Grading;
use tutorbridge_domain::tutoring::thresholds::{ADVANCE_MIN_CONFIDENCE, ADVANCE_MIN_SCORE};
use tutorbridge_table::{Condition, TableError, WriteOp};

use super::records::{
    AssignmentRecord, AttemptRecord, CompletionResponse, GoalsRecord, ItemRecord, RatingRecord,
    StoredCompletion,
};
use super::{MAX_ANSWER_CHARS, MAX_WRITE_ATTEMPTS, PracticeService, shown, store};
use crate::fingerprint::digest;
use crate::nudges::cues;
use crate::people::activity_put;
use crate::records::{Record, versioned};
use crate::tutor_model::{Expected, PracticeAnswer, Question};
use crate::{AppError, keys};

impl PracticeService {
    /// Answer an assignment. Only the first attempt moves ratings; a wrong answer may be retried
    /// for feedback; a repeat of the first attempt or any completion after a correct one returns
    /// the stored answer. The daily streak counts days in `time_zone` (remembered for later
    /// answers); without one, in the zone remembered from earlier answers, else UTC.
    ///
    /// # Errors
    /// `Invalid` for an empty or over-long answer or an answer in the wrong form; `NotFound`
    /// unless the assignment is the caller's; `Gone` after expiry; `Conflict` when contention
    /// outlasts the retries.
    pub async fn complete(
        &self,
        caller: &Caller,
        assignment_id: &AssignmentId,
        answer: &str,
        hints_used: u32,
        time_zone: Option<&TimeZoneName>,
    ) -> Result<CompletionResponse, AppError> {
        if answer.chars().count() > MAX_ANSWER_CHARS {
            return Err(AppError::Invalid(format!(
                "answers are limited to {MAX_ANSWER_CHARS} characters"
            )));
        }
        if answer.trim().is_empty() {
            return Err(AppError::Invalid("answer must not be empty".into()));
        }
        let not_found = || AppError::NotFound(format!("no assignment '{assignment_id}' is yours"));
        let student = &caller.user_id;
        let subject = assignment_id.subject();
        let store = &self.ports.store;
        let _serialised = self.stripe(student).lock().await;
        let mut marked: Option<Marked> = None;
        for attempt in 0..MAX_WRITE_ATTEMPTS {
            let (assignment, rating, item, goals) = tokio::join!(
                store::assignment_of(store, student, assignment_id),
                store::rating_of(store, student, subject),
                store::bank_item(store, assignment_id.item()),
                store::goals_in_subject(store, student, subject),
            );
            let assignment = assignment?.ok_or_else(not_found)?;
            if &assignment.student != student {
                return Err(not_found());
            }
            if let Some(solved) = &assignment.solved {
                return Ok(solved.clone());
            }
            if let Some(first) = &assignment.first
                && assignment.attempts == 1
                && first.answer_digest == digest(answer.trim())
            {
                return Ok(first.response.clone());
            }
            let now = self.ports.clock.now_ms();
            if assignment.first.is_none() && now > assignment.expires_at_ms {
                return Err(AppError::Gone(format!(
                    "assignment '{assignment_id}' expired; ask for a new one"
                )));
            }
            let rating = rating?;
            // Answers in the wrong form are not attempts: nothing is written or rated.
            match malformed(&assignment.item, answer) {
                Some(Malformed::UnknownOption(ids)) => {
                    return Err(AppError::Invalid(format!(
                        "answer with the id of one option: {}",
                        ids.join(", ")
                    )));
                }
                Some(Malformed::NotANumber(feedback)) => {
                    return Ok(self.unrated(&assignment, rating.as_ref(), feedback));
                }
                None => {}
            }
            // Marked once per request (a model call is slow); retries reuse the mark.
            let marked = match &marked {
                Some(marked) => marked,
                None => marked.insert(self.mark(&assignment.item, answer).await?),
            };
            let (ops, response) = decide(Completion {
                assignment,
                rating,
                item: item?,
                goals: goals?,
                answer,
                marked,
                hints_used,
                now_ms: now,
                time_zone,
                target_success: self.settings.target_success,
            })?;
            match store.transact_write(ops).await {
                Ok(()) => return Ok(response),
                Err(TableError::Conflict(conflict)) => {
                    // Someone changed the rating, item, goal or assignment since we read: re-read.
                    // Under load it is nearly always the item, whose difficulty every student
                    // answering it moves (docs/measurements.md, "Contention").
                    tracing::debug!(
                        assignment = %assignment_id,
                        attempt,
                        failed = ?conflict.failed,
                        "completion raced another write; reading again"
                    );
                    let ceiling = 1u64 << attempt.min(6);
                    let jitter = self.ports.ids.seed() % (ceiling * 1000);
                    tokio::time::sleep(Duration::from_micros(jitter)).await;
                }
                Err(error) => return Err(error.into()),
            }
        }
        tracing::warn!(
            assignment = %assignment_id,
            attempts = MAX_WRITE_ATTEMPTS,
            "completion gave up after racing other writes"
        );
        Err(AppError::Conflict(
            "too many simultaneous changes; try again".into(),
        ))
    }

    /// The answer to a reply in the wrong form: feedback, nothing rated.
    fn unrated(
        &self,
        assignment: &AssignmentRecord,
        rating: Option<&RatingRecord>,
        feedback: String,
    ) -> CompletionResponse {
        let skill = rating.map_or(Estimate::new(0.0), |r| r.skill);
        CompletionResponse {
            assignment_id: assignment.assignment_id.clone(),
            attempt: assignment.attempts,
            correct: false,
            feedback,
            confidence: 1.0,
            rated: false,
            result: 0.0,
            predicted_success: shown(assignment.predicted),
            rating: display_rating(skill.value),
            rating_change: 0,
            next_difficulty_label: difficulty_label(difficulty_for(
                skill.value,
                self.settings.target_success,
            )),
            streak_days: rating.map_or(0, |r| r.streak_days),
            xp: rating.map_or(0, |r| r.xp),
            goals: vec![],
        }
    }

    /// Mark `answer` to `item`: exactly for maths and choice items, by the AI port's grader for
    /// short written answers.
    async fn mark(&self, item: &BankItem, answer: &str) -> Result<Marked, AppError> {
        if let Some(marked) = mark_exactly(item, answer) {
            return Ok(marked);
        }
        let ItemBody::Short {
            prompt,
            answer: model_answer,
            keywords,
        } = &item.body
        else {
            return Err(AppError::internal("an item no marker knows"));
        };
        let question = Question {
            prompt: prompt.clone(),
            answer_form: "a sentence or two".into(),
            expected: Expected::Text {
                answer: model_answer.clone(),
                keywords: keywords.clone(),
            },
        };
        let task = PracticeAnswer {
            subject: &item.subject,
            topic: &item.topic,
            question: &question,
        };
        let grading = self
            .tutor
            .mark(&task, answer)
            .await
            .map_err(AppError::internal)?;
        let Grading {
            score, confidence, ..
        } = grading.value;
        let correct = score >= ADVANCE_MIN_SCORE && confidence >= ADVANCE_MIN_CONFIDENCE;
        let verdict = if correct { "Good" } else { "Not yet" };
        Ok(Marked {
            correct,
            feedback: format!(
                "{verdict}: {} (marked by {}, confidence {confidence:.2})",
                grading.value.rationale.trim_end_matches('.'),
                grading.model
            ),
            confidence,
        })
    }
}

/// Everything one completion decides from.
pub(crate) struct Completion<'a> {
    pub assignment: AssignmentRecord,
    pub rating: Option<RatingRecord>,
    pub item: Option<ItemRecord>,
    /// The student's goals in the assignment's subject.
    pub goals: Option<GoalsRecord>,
    pub answer: &'a str,
    pub marked: &'a Marked,
    pub hints_used: u32,
    pub now_ms: u64,
    /// The zone the request named, if any.
    pub time_zone: Option<&'a TimeZoneName>,
    pub target_success: f64,
}

/// Every change of one completion, as one transaction, and the response: a pure function of
/// what was read (the rules it applies are the domain's).
pub(crate) fn decide(
    input: Completion<'_>,
) -> Result<(Vec<WriteOp>, CompletionResponse), AppError> {
    let Completion {
        mut assignment,
        rating,
        item,
        goals,
        answer,
        marked,
        hints_used,
        now_ms,
        time_zone,
        target_success,
    } = input;
    let student = assignment.student.clone();
    let subject = assignment.assignment_id.subject().clone();
    let correct = marked.correct;
    let mut rating = rating.unwrap_or_else(|| {
        RatingRecord::new(student.clone(), subject.clone(), assignment.subject.clone())
    });
    if let Some(zone) = time_zone {
        rating.time_zone = Some(zone.clone());
    }
    let expected_assignment_version = assignment.version;
    assignment.version += 1;
    assignment.attempts += 1;
    let mut ops = Vec::new();
    let first_attempt = assignment.first.is_none();
    let item_id = assignment.item.id.clone();
    // Only one first attempt per item per student counts within the recent window.
    let rated = first_attempt && is_rated(&rating.recent, item_id.as_str());
    if first_attempt {
        // The item is no longer open: it may be assigned again once it leaves the recent window.
        ops.push(WriteOp::Delete {
            key: keys::open_item(&student, &item_id),
            condition: Condition::None,
        });
    }
    let now = jiff::Timestamp::from_millisecond(now_ms as i64).map_err(AppError::internal)?;
    let mut goal_progress = Vec::new();
    let performance = Performance {
        correct,
        elapsed_seconds: now_ms.saturating_sub(assignment.issued_at_ms) as f64 / 1000.0,
        expected_seconds: f64::from(assignment.item.expected_seconds),
        hints_used,
    };
    // Every first attempt at an item moves its review date (a missed or shaky one gets one).
    let reviews_changed = first_attempt
        && reviews::record(
            &mut rating.reviews,
            item_id.as_str(),
            reviews::grade(correct, performance.result()),
            now_ms as i64,
        );
    let (result, predicted, change);
    if rated {
        result = performance.result();
        let mut item = item.unwrap_or(ItemRecord {
            item: assignment.item.clone(),
            answers: 0,
            version: 0,
        });
        let step = update(
            rating.skill,
            Estimate {
                value: item.item.difficulty,
                answers: item.answers,
            },
            item.item.options(),
            result,
            correct,
        );
        predicted = step.predicted;
        let before = rating.skill.value;
        change = display_rating(step.skill.value) as i32 - display_rating(before) as i32;
        rating.skill = step.skill;
        remember_seen(&mut rating.recent, item.item.id.as_str());
        rating.xp += xp_for(correct);
        let zone = rating.time_zone.clone().unwrap_or_else(TimeZoneName::utc);
        let today = zone.date_at(now);
        rating.streak_days = next_streak(rating.last_day, rating.streak_days, today);
        rating.last_day = Some(today);
        let rating_version = rating.version;
        rating.version += 1;
        let attempt = AttemptRecord {
            student: student.clone(),
            subject: subject.clone(),
            assignment_id: assignment.assignment_id.clone(),
            item_id: item.item.id.to_string(),
            correct,
            result,
            predicted,
            skill_before: before,
            skill_after: rating.skill.value,
            rating_version: rating.version,
            at_ms: now_ms,
        };
        let item_version = item.version;
        item.item.difficulty = step.difficulty.value;
        item.answers = step.difficulty.answers;
        item.version += 1;
        ops.push(rating.put(versioned(rating_version))?);
        ops.push(item.put(versioned(item_version))?);
        ops.push(attempt.put(Condition::NotExists)?);
        if correct && let Some(mut goals) = goals {
            // Every goal of the subject lives in one item: one write however many count.
            goal_progress = goals.set.credit(&subject, &assignment.item.topic);
            if !goal_progress.is_empty() {
                let version = goals.version;
                goals.version += 1;
                ops.push(goals.put(versioned(version))?);
            }
        }
    } else {
        result = if correct { 1.0 } else { 0.0 };
        predicted = assignment.predicted;
        change = 0;
        if reviews_changed {
            let version = rating.version;
            rating.version += 1;
            ops.push(rating.put(versioned(version))?);
        }
    }
    // What the nudge job will want to know, in this same transaction (no extra round trip): the
    // student was active now (with what and their streak), their reviews' next date, a goal
    // just completed.
    ops.push(activity_put(
        &student,
        now,
        Some(&rating.subject),
        Some(rating.streak_days),
    )?);
    if reviews_changed {
        ops.push(cues::review_cue(
            &student,
            subject.as_str(),
            &rating.subject,
            rating.streak_days,
            &rating.reviews,
            now,
        )?);
    }
    if goal_progress
        .iter()
        .any(|g| g.status == GoalStatus::Completed && g.progress == g.target)
    {
        ops.push(cues::goal_cue(
            &student,
            subject.as_str(),
            &rating.subject,
            rating.streak_days,
            now,
        )?);
    }
    let response = CompletionResponse {
        assignment_id: assignment.assignment_id.clone(),
        attempt: assignment.attempts,
        correct,
        feedback: marked.feedback.clone(),
        confidence: (marked.confidence * 100.0).round() / 100.0,
        rated,
        result: shown(result),
        predicted_success: shown(predicted),
        rating: display_rating(rating.skill.value),
        rating_change: change,
        next_difficulty_label: difficulty_label(difficulty_for(rating.skill.value, target_success)),
        streak_days: rating.streak_days,
        xp: rating.xp,
        goals: goal_progress,
    };
    if first_attempt {
        assignment.first = Some(StoredCompletion {
            answer_digest: digest(answer.trim()),
            response: response.clone(),
        });
    }
    if correct {
        assignment.solved = Some(response.clone());
    }
    ops.insert(
        0,
        assignment.put(Condition::VersionEquals(expected_assignment_version))?,
    );
    Ok((ops, response))
}
