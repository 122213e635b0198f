//! Adaptive practice: assign an item near the target success rate, complete it (graded, rated
//! once, with streak, XP and goal progress), and learning goals.
//!
//! Assign is one parallel read (rating, the subject's bank in one GSI query, goals, the subject
//! list) and one transaction; complete is one parallel read (assignment, rating, item, goals) and
//! one transaction with a version condition on every item it changes. Concurrent completions
//! retry the whole read-decide-write on a conflict (bounded, jittered), so no update is lost and
//! the final rating equals applying the attempts in the order their transactions committed.

mod records;

pub use records::{Assignment, CompletionResponse, Goal, GoalProgress, GoalStatus, ItemView};

use std::time::Duration;

use tutorbridge_domain::bank::{
    BankItem, ItemBody, ItemId, Provenance, Review, difficulty_of_label,
};
use tutorbridge_domain::learner::{
    Estimate, Performance, constants::TARGET_SUCCESS, difficulty_for, difficulty_label,
    display_rating, p_correct, update,
};
use tutorbridge_domain::maths::{Family, Seed, generate};
use tutorbridge_domain::text::keyword_grade;
use tutorbridge_domain::tutoring::thresholds::{ADVANCE_MIN_CONFIDENCE, ADVANCE_MIN_SCORE};
use tutorbridge_domain::{Access, Caller, Role, UserId};
use tutorbridge_table::{Condition, Index, Item, Query, SortKeyCondition, TableError, WriteOp};

use crate::access::AccessService;
use crate::fingerprint::{digest, fingerprint};
use crate::keys::{self, entity};
use crate::records::{Placement, from_item, to_item};
use crate::{AppError, Store};
use records::{AssignmentRecord, AttemptRecord, ItemRecord, RatingRecord, StoredCompletion};

/// Items remembered as recently seen (not assigned again while remembered).
pub const RECENT_ITEMS: usize = 20;
/// How long an assignment may be answered.
pub const ASSIGNMENT_LIFETIME: Duration = Duration::from_secs(30 * 60);
/// Longest answer accepted.
pub const MAX_ANSWER_CHARS: usize = 1000;
/// Attempts at a contended completion before giving up with 409.
pub const MAX_WRITE_ATTEMPTS: u32 = 100;

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// The subject's key form: lower case letters and digits only (`Mathematics` → `mathematics`).
fn slug(subject: &str) -> String {
    subject
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_lowercase()
}

fn item_of(record: &ItemRecord) -> Result<Item, AppError> {
    let (partition, sort) = keys::bank_entry(
        &record.item.subject,
        record.item.difficulty,
        &record.item.id,
    );
    to_item(
        record,
        Placement {
            key: keys::item(&record.item.id),
            entity: entity::ITEM,
            gsi1: Some((partition, sort)),
        },
    )
}

/// The assignment's item, removed by the table's TTL a week after it could last be answered.
fn assignment_item(record: &AssignmentRecord) -> Result<Item, AppError> {
    let mut item = to_item(
        record,
        Placement {
            key: keys::assignment(&record.student, &record.assignment_id),
            entity: entity::ASSIGNMENT,
            gsi1: None,
        },
    )?;
    let cleanup = record.expires_at_ms / 1000 + 7 * 24 * 3600;
    item.insert(
        tutorbridge_table::definition::TTL_ATTRIBUTE.into(),
        tutorbridge_table::Value::N(cleanup.to_string()),
    );
    Ok(item)
}

fn versioned(version: u64) -> Condition {
    if version == 0 {
        Condition::NotExists
    } else {
        Condition::VersionEquals(version)
    }
}

/// Grade `answer` against `item`: (correct, feedback).
fn mark(item: &BankItem, answer: &str) -> (bool, String) {
    match &item.body {
        ItemBody::Maths { question } => match question.is_correct(answer) {
            Ok(true) => (true, "Correct.".into()),
            Ok(false) => (
                false,
                match question.misconception(answer) {
                    Some((_, hint)) => format!("Not quite. {hint}"),
                    None => format!("Not quite. {}", question.nudge()),
                },
            ),
            Err(format) => (false, format!("That is not a number I can read: {format}.")),
        },
        ItemBody::Choice {
            answer: right,
            options,
            ..
        } => {
            let chosen = answer.trim().to_lowercase();
            if !options.iter().any(|o| o.id.to_lowercase() == chosen) {
                let ids: Vec<&str> = options.iter().map(|o| o.id.as_str()).collect();
                return (
                    false,
                    format!("Answer with the id of one option: {}.", ids.join(", ")),
                );
            }
            if chosen == right.to_lowercase() {
                (true, "Correct.".into())
            } else {
                (false, "Not that one: read each option again.".into())
            }
        }
        ItemBody::Short { keywords, .. } => {
            let (score, confidence, matched) = keyword_grade(keywords, answer);
            let correct = score >= ADVANCE_MIN_SCORE && confidence >= ADVANCE_MIN_CONFIDENCE;
            let feedback = if correct {
                format!(
                    "Good: your answer uses the key ideas (marked offline by keyword overlap, confidence {confidence:.2})."
                )
            } else {
                format!(
                    "Your answer uses {matched} of the key ideas; say more, in full sentences (confidence {confidence:.2})."
                )
            };
            (correct, feedback)
        }
    }
}

/// Consecutive practice days, counted in the student's time zone.
fn next_streak(last_day: Option<&str>, streak: u32, today: jiff::civil::Date) -> u32 {
    match last_day.and_then(|day| day.parse::<jiff::civil::Date>().ok()) {
        Some(day) if day == today => streak.max(1),
        Some(day) if day.tomorrow().ok() == Some(today) => streak + 1,
        _ => 1,
    }
}

/// Practice use cases.
#[derive(Clone)]
pub struct PracticeService {
    store: Store,
    access: AccessService,
    lifetime: Duration,
    /// Completions of one student in this process run one at a time (striped by student), so
    /// they do not race each other through optimistic retries; races between processes (Lambda
    /// containers) are still settled by the version conditions.
    stripes: std::sync::Arc<Vec<tokio::sync::Mutex<()>>>,
}

const STRIPES: usize = 64;

impl PracticeService {
    pub fn new(store: Store) -> Self {
        PracticeService {
            access: AccessService::new(store.clone()),
            store,
            lifetime: ASSIGNMENT_LIFETIME,
            stripes: std::sync::Arc::new(
                (0..STRIPES).map(|_| tokio::sync::Mutex::new(())).collect(),
            ),
        }
    }

    /// Use another assignment lifetime than [`ASSIGNMENT_LIFETIME`].
    pub fn with_assignment_lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = lifetime;
        self
    }

    /// Store bank items (create or replace) and the list of subjects, 25 per transaction.
    pub async fn import(&self, items: &[BankItem]) -> Result<usize, AppError> {
        let mut subjects: Vec<String> = Vec::new();
        for chunk in items.chunks(tutorbridge_table::MAX_TRANSACTION_ITEMS) {
            let mut ops = Vec::new();
            for item in chunk {
                if !subjects.contains(&item.subject) {
                    subjects.push(item.subject.clone());
                }
                let record = ItemRecord {
                    item: item.clone(),
                    answers: 0,
                    version: 1,
                };
                ops.push(WriteOp::Put {
                    item: item_of(&record)?,
                    condition: Condition::None,
                });
            }
            self.store.transact_write(ops).await?;
        }
        subjects.sort();
        let list = to_item(
            &serde_json::json!({ "subjects": subjects }),
            Placement {
                key: keys::bank_subjects(),
                entity: entity::SUBJECTS,
                gsi1: None,
            },
        )?;
        self.store.put(list, Condition::None).await?;
        Ok(items.len())
    }

    /// The subject as the bank spells it, or `NotFound` listing the subjects there are.
    fn resolve_subject(
        subjects: Result<Vec<String>, AppError>,
        asked: &str,
    ) -> Result<String, AppError> {
        let subjects = subjects?;
        subjects
            .iter()
            .find(|s| slug(s) == slug(asked))
            .cloned()
            .ok_or_else(|| {
                AppError::NotFound(format!(
                    "no practice in subject '{asked}'; subjects: {}",
                    subjects.join(", ")
                ))
            })
    }

    async fn subjects(&self) -> Result<Vec<String>, AppError> {
        Ok(match self.store.get(&keys::bank_subjects()).await? {
            Some(item) => from_item::<serde_json::Value>(item)?["subjects"]
                .as_array()
                .map(|list| {
                    list.iter()
                        .filter_map(|s| s.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default(),
            None => Vec::new(),
        })
    }

    async fn goals_of(&self, student: &UserId) -> Result<Vec<Goal>, AppError> {
        let query = Query::partition(Index::Base, keys::user(student))
            .sort(SortKeyCondition::BeginsWith("GOAL#".into()));
        let page = self.store.query(&query).await?;
        page.items.into_iter().map(from_item).collect()
    }

    /// Pick an item for the calling student in `subject` (optionally one `topic`).
    ///
    /// # Errors
    /// `Forbidden` for non-students; `NotFound` for an unknown subject (listing the subjects) or
    /// a topic with no items.
    pub async fn assign(
        &self,
        caller: &Caller,
        subject: &str,
        topic: Option<&str>,
    ) -> Result<Assignment, AppError> {
        if !caller.has(Role::Student) {
            return Err(AppError::Forbidden("only students practise".into()));
        }
        let student = &caller.user_id;
        let bank_query =
            Query::partition(Index::Gsi1, keys::bank_partition(&slug(subject))).limit(1000);
        let rating_key = keys::rating(student, &slug(subject));
        let latest_session = Query::partition(Index::Gsi1, keys::user(student))
            .sort(SortKeyCondition::BeginsWith("SESSION#".into()))
            .descending()
            .limit(1);
        let (subjects, rating, bank, goals, sessions) = tokio::join!(
            self.subjects(),
            self.store.get(&rating_key),
            self.store.query(&bank_query),
            self.goals_of(student),
            self.store.query(&latest_session),
        );
        let subject = Self::resolve_subject(subjects, subject)?;
        let rating: Option<RatingRecord> = rating?.map(from_item).transpose()?;
        let skill = rating.as_ref().map_or(Estimate::new(0.0), |r| r.skill);
        let recent: Vec<String> = rating
            .as_ref()
            .map(|r| r.recent.clone())
            .unwrap_or_default();
        let bank: Vec<ItemRecord> = bank?
            .items
            .into_iter()
            .map(from_item)
            .collect::<Result<_, _>>()?;
        let mut preferred: Vec<String> = goals?
            .iter()
            .filter(|g| g.status == GoalStatus::Active && slug(&g.subject) == slug(&subject))
            .flat_map(|g| g.topics.iter().map(|t| t.to_lowercase()))
            .collect();
        // The topic of the latest tutoring session in this subject, if any.
        if let Some(session) = sessions?.items.into_iter().next() {
            let session: serde_json::Value = from_item(session)?;
            let guideline = &session["guideline"];
            if guideline["subject"]
                .as_str()
                .is_some_and(|s| slug(s) == slug(&subject))
                && let Some(topic) = guideline["topic"].as_str()
            {
                preferred.push(topic.to_lowercase());
            }
        }

        let on_topic = |record: &&ItemRecord| {
            topic.is_none_or(|t| record.item.topic.eq_ignore_ascii_case(t.trim()))
        };
        let in_scope: Vec<&ItemRecord> = bank
            .iter()
            .filter(|r| r.item.review == Review::Approved)
            .filter(on_topic)
            .collect();
        if in_scope.is_empty() && topic.is_some() && slug(&subject) != "mathematics" {
            return Err(AppError::NotFound(format!(
                "no {subject} items on topic '{}'",
                topic.unwrap_or_default()
            )));
        }
        let distance = |record: &ItemRecord| {
            let gap = (p_correct(skill.value, record.item.difficulty, record.item.options())
                - TARGET_SUCCESS)
                .abs();
            if preferred.contains(&record.item.topic.to_lowercase()) {
                gap - 0.05
            } else {
                gap
            }
        };
        let fresh = in_scope
            .iter()
            .filter(|r| !recent.contains(&r.item.id.to_string()));
        let best = fresh
            .min_by(|a, b| distance(a).total_cmp(&distance(b)))
            .copied();
        let is_maths = slug(&subject) == "mathematics";
        let mut new_item = None;
        let chosen: BankItem = match best {
            Some(record) if !is_maths || distance(record) <= 0.1 => record.item.clone(),
            _ if is_maths => {
                let label = difficulty_label(difficulty_for(skill.value, TARGET_SUCCESS));
                let mut seed = Seed::new(ulid::Ulid::new().random() as u64);
                let family = seed.pick(Family::at_difficulty(label));
                let question = generate(family, label, seed.next_u64());
                let item = BankItem {
                    id: ItemId::parse(&format!(
                        "gen-{}",
                        ulid::Ulid::new().to_string().to_lowercase()
                    ))?,
                    subject: subject.clone(),
                    topic: topic
                        .map(str::to_string)
                        .unwrap_or_else(|| "Generated".into()),
                    difficulty: difficulty_of_label(label),
                    expected_seconds: 45,
                    body: ItemBody::Maths { question },
                    provenance: Provenance::Generated,
                    review: Review::Approved,
                };
                new_item = Some(ItemRecord {
                    item: item.clone(),
                    answers: 0,
                    version: 1,
                });
                item
            }
            // Everything was seen recently: the least bad of the whole scope.
            _ => in_scope
                .iter()
                .min_by(|a, b| distance(a).total_cmp(&distance(b)))
                .map(|r| r.item.clone())
                .ok_or_else(|| AppError::NotFound(format!("the {subject} bank is empty")))?,
        };

        let issued = now_ms();
        let predicted = p_correct(skill.value, chosen.difficulty, chosen.options());
        let assignment_id = format!(
            "{}.{}.{}",
            slug(&subject),
            chosen.id,
            ulid::Ulid::new().to_string().to_lowercase()
        );
        let record = AssignmentRecord {
            assignment_id: assignment_id.clone(),
            student: student.clone(),
            subject: subject.clone(),
            item: chosen.clone(),
            predicted,
            issued_at_ms: issued,
            expires_at_ms: issued + self.lifetime.as_millis() as u64,
            attempts: 0,
            first: None,
            solved: None,
            version: 1,
        };
        let state = assignment_item(&record)?;
        let mut ops = vec![WriteOp::Put {
            item: state,
            condition: Condition::NotExists,
        }];
        if let Some(new_item) = &new_item {
            ops.push(WriteOp::Put {
                item: item_of(new_item)?,
                condition: Condition::NotExists,
            });
        }
        self.store.transact_write(ops).await?;
        Ok(Assignment {
            assignment_id,
            item: ItemView::from(&chosen),
            difficulty_label: difficulty_label(chosen.difficulty),
            predicted_success: (predicted * 1000.0).round() / 1000.0,
            rating: display_rating(skill.value),
            expires_at_ms: record.expires_at_ms,
        })
    }

    /// Answer an assignment. Only the first attempt moves ratings; a wrong answer may be retried
    /// for feedback; a repeat of the first attempt or any completion after a correct one returns
    /// the stored answer.
    ///
    /// # Errors
    /// `Invalid` for an over-long answer; `NotFound` unless the assignment is the caller's;
    /// `Gone` after expiry; `Conflict` when contention outlasts the retries.
    pub async fn complete(
        &self,
        caller: &Caller,
        assignment_id: &str,
        answer: &str,
        hints_used: u32,
    ) -> Result<CompletionResponse, AppError> {
        self.complete_in(caller, assignment_id, answer, hints_used, None)
            .await
    }

    /// [`PracticeService::complete`], counting the daily streak in the student's IANA time zone
    /// (`Asia/Kolkata`); without one, the zone remembered from earlier answers, else UTC.
    pub async fn complete_in(
        &self,
        caller: &Caller,
        assignment_id: &str,
        answer: &str,
        hints_used: u32,
        time_zone: Option<&str>,
    ) -> Result<CompletionResponse, AppError> {
        if let Some(zone) = time_zone
            && jiff::tz::TimeZone::get(zone).is_err()
        {
            return Err(AppError::Invalid(format!(
                "'{zone}' is not an IANA time zone such as Europe/London"
            )));
        }
        if answer.chars().count() > MAX_ANSWER_CHARS {
            return Err(AppError::Invalid(format!(
                "answers are limited to {MAX_ANSWER_CHARS} characters"
            )));
        }
        if answer.trim().is_empty() {
            return Err(AppError::Invalid("answer must not be empty".into()));
        }
        let not_found = || AppError::NotFound(format!("no assignment '{assignment_id}' is yours"));
        let mut parts = assignment_id.splitn(3, '.');
        let (Some(subject_slug), Some(item_id), Some(_)) =
            (parts.next(), parts.next(), parts.next())
        else {
            return Err(not_found());
        };
        let item_id = ItemId::parse(item_id).map_err(|_| not_found())?;
        let student = &caller.user_id;
        let stripe = fingerprint(student.as_str()) as usize % STRIPES;
        let _serialised = self.stripes[stripe].lock().await;
        for attempt in 0..MAX_WRITE_ATTEMPTS {
            let (assignment_key, rating_key, item_key) = (
                keys::assignment(student, assignment_id),
                keys::rating(student, subject_slug),
                keys::item(&item_id),
            );
            let (assignment, rating, item, goals) = tokio::join!(
                self.store.get(&assignment_key),
                self.store.get(&rating_key),
                self.store.get(&item_key),
                self.goals_of(student),
            );
            let assignment: AssignmentRecord = from_item(assignment?.ok_or_else(not_found)?)?;
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
            let now = now_ms();
            if assignment.first.is_none() && now > assignment.expires_at_ms {
                return Err(AppError::Gone(format!(
                    "assignment '{assignment_id}' expired; ask for a new one"
                )));
            }
            let rating: Option<RatingRecord> = rating?.map(from_item).transpose()?;
            // Answers in the wrong form are not attempts: nothing is written or rated.
            match &assignment.item.body {
                ItemBody::Choice { options, .. }
                    if !options
                        .iter()
                        .any(|o| o.id.eq_ignore_ascii_case(answer.trim())) =>
                {
                    let ids: Vec<&str> = options.iter().map(|o| o.id.as_str()).collect();
                    return Err(AppError::Invalid(format!(
                        "answer with the id of one option: {}",
                        ids.join(", ")
                    )));
                }
                ItemBody::Maths { .. }
                    if tutorbridge_domain::maths::Rational::parse(answer).is_err() =>
                {
                    let (_, feedback) = mark(&assignment.item, answer);
                    let skill = rating.as_ref().map_or(Estimate::new(0.0), |r| r.skill);
                    return Ok(CompletionResponse {
                        assignment_id: assignment.assignment_id.clone(),
                        attempt: assignment.attempts,
                        correct: false,
                        feedback,
                        rated: false,
                        result: 0.0,
                        predicted_success: (assignment.predicted * 1000.0).round() / 1000.0,
                        rating: display_rating(skill.value),
                        rating_change: 0,
                        next_difficulty_label: difficulty_label(difficulty_for(
                            skill.value,
                            TARGET_SUCCESS,
                        )),
                        streak_days: rating.as_ref().map_or(0, |r| r.streak_days),
                        xp: rating.as_ref().map_or(0, |r| r.xp),
                        goals: vec![],
                    });
                }
                _ => {}
            }
            let item: Option<ItemRecord> = item?.map(from_item).transpose()?;
            let (ops, response) = self.decide(
                assignment, rating, item, goals?, answer, hints_used, now, time_zone,
            )?;
            match self.store.transact_write(ops).await {
                Ok(()) => return Ok(response),
                Err(TableError::Conflict(_)) => {
                    // Someone changed the rating, item, goal or assignment since we read: re-read.
                    let ceiling = 1u64 << attempt.min(6);
                    let jitter = (ulid::Ulid::new().random() % (ceiling as u128 * 1000)) as u64;
                    tokio::time::sleep(Duration::from_micros(jitter)).await;
                }
                Err(error) => return Err(error.into()),
            }
        }
        Err(AppError::Conflict(
            "too many simultaneous changes; try again".into(),
        ))
    }

    /// Grade and compute every change of one completion, as one transaction.
    #[allow(clippy::too_many_arguments)]
    fn decide(
        &self,
        mut assignment: AssignmentRecord,
        rating: Option<RatingRecord>,
        item: Option<ItemRecord>,
        goals: Vec<Goal>,
        answer: &str,
        hints_used: u32,
        now: u64,
        time_zone: Option<&str>,
    ) -> Result<(Vec<WriteOp>, CompletionResponse), AppError> {
        let student = assignment.student.clone();
        let (correct, feedback) = mark(&assignment.item, answer);
        let subject_slug = slug(&assignment.subject);
        let mut rating = rating.unwrap_or(RatingRecord {
            student: student.clone(),
            subject: assignment.subject.clone(),
            skill: Estimate::new(0.0),
            recent: Vec::new(),
            xp: 0,
            streak_days: 0,
            last_day: None,
            time_zone: None,
            version: 0,
        });
        if let Some(zone) = time_zone {
            rating.time_zone = Some(zone.to_string());
        }
        let expected_assignment_version = assignment.version;
        assignment.version += 1;
        assignment.attempts += 1;
        let mut ops = Vec::new();
        let first_attempt = assignment.first.is_none();
        let mut goal_progress = Vec::new();
        let (result, predicted, change);
        if first_attempt {
            let performance = Performance {
                correct,
                elapsed_seconds: now.saturating_sub(assignment.issued_at_ms) as f64 / 1000.0,
                expected_seconds: f64::from(assignment.item.expected_seconds),
                hints_used,
            };
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
            rating.recent.retain(|id| *id != item.item.id.to_string());
            rating.recent.push(item.item.id.to_string());
            let excess = rating.recent.len().saturating_sub(RECENT_ITEMS);
            rating.recent.drain(..excess);
            rating.xp += if correct { 10 } else { 2 };
            let today = jiff::Timestamp::from_millisecond(now as i64)
                .map(|t| t.to_zoned(jiff::tz::TimeZone::UTC).date())
                .map_err(AppError::internal)?;
            rating.streak_days = next_streak(rating.last_day.as_deref(), rating.streak_days, today);
            rating.last_day = Some(today.to_string());
            let rating_version = rating.version;
            rating.version += 1;
            let attempt = AttemptRecord {
                assignment_id: assignment.assignment_id.clone(),
                item_id: item.item.id.to_string(),
                correct,
                result,
                predicted,
                skill_before: before,
                skill_after: rating.skill.value,
                rating_version: rating.version,
                at_ms: now,
            };
            let item_version = item.version;
            item.item.difficulty = step.difficulty.value;
            item.answers = step.difficulty.answers;
            item.version += 1;
            ops.push(WriteOp::Put {
                item: to_item(
                    &rating,
                    Placement {
                        key: keys::rating(&student, &subject_slug),
                        entity: entity::RATING,
                        gsi1: None,
                    },
                )?,
                condition: versioned(rating_version),
            });
            ops.push(WriteOp::Put {
                item: item_of(&item)?,
                condition: versioned(item_version),
            });
            ops.push(WriteOp::Put {
                item: to_item(
                    &attempt,
                    Placement {
                        key: keys::attempt(&student, &subject_slug, now, &assignment.assignment_id),
                        entity: entity::ATTEMPT,
                        gsi1: None,
                    },
                )?,
                condition: Condition::NotExists,
            });
            for mut goal in goals {
                let counts = goal.status == GoalStatus::Active
                    && slug(&goal.subject) == subject_slug
                    && (goal.topics.is_empty()
                        || goal
                            .topics
                            .iter()
                            .any(|t| t.eq_ignore_ascii_case(&assignment.item.topic)));
                if counts && correct {
                    let version = goal.version;
                    goal.progress += 1;
                    goal.version += 1;
                    if goal.progress >= goal.target {
                        goal.status = GoalStatus::Completed;
                    }
                    goal_progress.push(GoalProgress {
                        goal_id: goal.goal_id.clone(),
                        progress: goal.progress,
                        target: goal.target,
                        status: goal.status,
                    });
                    ops.push(WriteOp::Put {
                        item: to_item(
                            &goal,
                            Placement {
                                key: keys::goal(&student, &goal.goal_id),
                                entity: entity::GOAL,
                                gsi1: None,
                            },
                        )?,
                        condition: Condition::VersionEquals(version),
                    });
                }
            }
        } else {
            result = if correct { 1.0 } else { 0.0 };
            predicted = assignment.predicted;
            change = 0;
        }
        let response = CompletionResponse {
            assignment_id: assignment.assignment_id.clone(),
            attempt: assignment.attempts,
            correct,
            feedback,
            rated: first_attempt,
            result: (result * 1000.0).round() / 1000.0,
            predicted_success: (predicted * 1000.0).round() / 1000.0,
            rating: display_rating(rating.skill.value),
            rating_change: change,
            next_difficulty_label: difficulty_label(difficulty_for(
                rating.skill.value,
                TARGET_SUCCESS,
            )),
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
        let state = assignment_item(&assignment)?;
        ops.insert(
            0,
            WriteOp::Put {
                item: state,
                condition: Condition::VersionEquals(expected_assignment_version),
            },
        );
        Ok((ops, response))
    }

    /// A student's first attempts in a subject, oldest first (for history and audits).
    pub async fn attempts(
        &self,
        caller: &Caller,
        student: &UserId,
        subject: &str,
    ) -> Result<Vec<serde_json::Value>, AppError> {
        self.access.authorize(caller, student, Access::Read).await?;
        let query = Query::partition(Index::Base, keys::user(student)).sort(
            SortKeyCondition::BeginsWith(format!("PRACTICE#{}#ATTEMPT#", slug(subject))),
        );
        let mut out = Vec::new();
        let mut cursor = None;
        loop {
            let page = self.store.query(&query.clone().after(cursor)).await?;
            for item in page.items {
                out.push(from_item::<serde_json::Value>(item)?);
            }
            match page.next {
                Some(next) => cursor = Some(next),
                None => return Ok(out),
            }
        }
    }

    /// The student's current skill in a subject (display rating and raw estimate).
    pub async fn rating(
        &self,
        caller: &Caller,
        student: &UserId,
        subject: &str,
    ) -> Result<serde_json::Value, AppError> {
        self.access.authorize(caller, student, Access::Read).await?;
        let record: Option<RatingRecord> = self
            .store
            .get(&keys::rating(student, &slug(subject)))
            .await?
            .map(from_item)
            .transpose()?;
        let skill = record.as_ref().map_or(Estimate::new(0.0), |r| r.skill);
        Ok(serde_json::json!({
            "subject": subject,
            "skill": skill.value,
            "answers": skill.answers,
            "rating": display_rating(skill.value),
            "streak_days": record.as_ref().map_or(0, |r| r.streak_days),
            "xp": record.as_ref().map_or(0, |r| r.xp),
        }))
    }

    /// Set a goal for `student` (the caller themself, or a student they may write for).
    pub async fn create_goal(
        &self,
        caller: &Caller,
        student: &UserId,
        subject: &str,
        topics: Vec<String>,
        target: u32,
    ) -> Result<Goal, AppError> {
        self.access
            .authorize(caller, student, Access::Write)
            .await?;
        if !(1..=1000).contains(&target) {
            return Err(AppError::Invalid(
                "target must be 1 to 1000 correct answers".into(),
            ));
        }
        if topics.len() > 20 || topics.iter().any(|t| t.trim().is_empty() || t.len() > 80) {
            return Err(AppError::Invalid(
                "topics: at most 20, each 1-80 characters".into(),
            ));
        }
        let subject = Self::resolve_subject(self.subjects().await, subject)?;
        let goal = Goal {
            goal_id: ulid::Ulid::new().to_string().to_lowercase(),
            student: student.clone(),
            subject,
            topics,
            target,
            progress: 0,
            status: GoalStatus::Active,
            created_at: jiff::Timestamp::now().to_string(),
            version: 1,
        };
        let item = to_item(
            &goal,
            Placement {
                key: keys::goal(student, &goal.goal_id),
                entity: entity::GOAL,
                gsi1: None,
            },
        )?;
        self.store.put(item, Condition::NotExists).await?;
        Ok(goal)
    }

    pub async fn goals(&self, caller: &Caller, student: &UserId) -> Result<Vec<Goal>, AppError> {
        self.access.authorize(caller, student, Access::Read).await?;
        self.goals_of(student).await
    }

    /// Change a goal's target or archive/reactivate it.
    pub async fn update_goal(
        &self,
        caller: &Caller,
        student: &UserId,
        goal_id: &str,
        target: Option<u32>,
        status: Option<GoalStatus>,
    ) -> Result<Goal, AppError> {
        self.access
            .authorize(caller, student, Access::Write)
            .await?;
        let key = keys::goal(student, goal_id);
        let mut goal: Goal = match self.store.get(&key).await? {
            Some(item) => from_item(item)?,
            None => return Err(AppError::NotFound(format!("no goal '{goal_id}'"))),
        };
        let version = goal.version;
        if let Some(target) = target {
            if !(1..=1000).contains(&target) {
                return Err(AppError::Invalid(
                    "target must be 1 to 1000 correct answers".into(),
                ));
            }
            goal.target = target;
        }
        match status {
            Some(GoalStatus::Completed) => {
                return Err(AppError::Invalid(
                    "goals complete by practice, not by request".into(),
                ));
            }
            Some(status) => goal.status = status,
            None => {}
        }
        if goal.status == GoalStatus::Active && goal.progress >= goal.target {
            goal.status = GoalStatus::Completed;
        }
        goal.version += 1;
        let item = to_item(
            &goal,
            Placement {
                key,
                entity: entity::GOAL,
                gsi1: None,
            },
        )?;
        self.store
            .put(item, Condition::VersionEquals(version))
            .await?;
        Ok(goal)
    }
}
