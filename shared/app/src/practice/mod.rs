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
    BankItem, ChoiceOption, ItemBody, ItemId, Provenance, Review, band_keys, difficulty_of_label,
};
use tutorbridge_domain::curriculum::{CurriculumName, Guideline};
use tutorbridge_domain::learner::{
    Estimate, Performance, constants::TARGET_SUCCESS, difficulty_for, difficulty_label,
    display_rating, p_correct, update,
};
use tutorbridge_domain::maths::{Family, Seed, generate};
use tutorbridge_domain::tutoring::Grading;
use tutorbridge_domain::tutoring::thresholds::{ADVANCE_MIN_CONFIDENCE, ADVANCE_MIN_SCORE};
use tutorbridge_domain::{Access, Caller, Role, UserId};
use tutorbridge_table::definition::GSI2;
use tutorbridge_table::{
    Condition, Index, Item, Query, SortKeyCondition, TableError, Value, WriteOp,
};

use crate::access::AccessService;
use crate::fingerprint::{digest, fingerprint};
use crate::keys::{self, entity, subject_slug as slug};
use crate::records::{Placement, from_item, to_item};
use crate::tutor_model::{Expected, ItemBrief, ItemKind, PracticeAnswer, Question, Tutor};
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
/// Targets of predicted success an operator may choose (see
/// [`PracticeService::with_target_success`]); outside it practice is boring or demoralising.
pub const TARGET_SUCCESS_RANGE: std::ops::RangeInclusive<f64> = 0.5..=0.95;
/// The environment variable that sets the target success (default 0.75).
pub const TARGET_SUCCESS_VAR: &str = "TUTORBRIDGE_PRACTICE_TARGET_SUCCESS";
/// Candidates read per difficulty band (more than [`RECENT_ITEMS`], so a band never runs dry
/// only because its items were seen recently).
pub const BAND_CANDIDATES: usize = 40;
/// A bank item is suitable when its predicted success is within this of the target; else maths
/// generates one and other subjects have one written.
pub const SUITABLE_GAP: f64 = 0.1;
/// How much closer to the target an item on a preferred topic counts.
const TOPIC_PREFERENCE: f64 = 0.05;
/// Guidelines read for a non-maths assignment (the sources of a written item).
const MAX_GUIDELINES: usize = 50;
/// Existing prompts the AI port is told not to repeat.
const MAX_AVOID: usize = 10;
/// Pending items listed per review-queue request.
pub const MAX_REVIEW_PAGE: usize = 100;
/// Reads of an item a review makes when completions keep changing it.
const MAX_REVIEW_ATTEMPTS: u32 = 5;
/// The subject whose items are generated rather than written.
const MATHEMATICS: &str = "mathematics";

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// A fresh item id: `<prefix>-<ulid>`.
fn new_item_id(prefix: &str) -> Result<ItemId, AppError> {
    Ok(ItemId::parse(&format!(
        "{prefix}-{}",
        ulid::Ulid::new().to_string().to_lowercase()
    ))?)
}

/// A bank item with its index entries: the subject's bank by difficulty (GSI1) and, while it
/// waits for review, the review queue (GSI2; replacing the item without it leaves the queue).
fn item_of(record: &ItemRecord) -> Result<Item, AppError> {
    let (partition, sort) = keys::bank_entry(
        &record.item.subject,
        record.item.difficulty,
        &record.item.id,
    );
    let mut item = to_item(
        record,
        Placement {
            key: keys::item(&record.item.id),
            entity: entity::ITEM,
            gsi1: Some((partition, sort)),
        },
    )?;
    if record.item.review == Review::Pending {
        let (partition, sort) = keys::review_entry(&record.item.subject, &record.item.id);
        item.insert(GSI2.partition_key.into(), Value::S(partition));
        item.insert(GSI2.sort_key.into(), Value::S(sort));
    }
    Ok(item)
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

/// A marked answer.
#[derive(Debug, Clone)]
struct Marked {
    correct: bool,
    feedback: String,
    /// How sure the marker is (1 for exact marking).
    confidence: f64,
}

/// Mark `answer` to a maths or choice item exactly; `None` for a short item (the AI port
/// marks those).
fn mark_exactly(item: &BankItem, answer: &str) -> Option<Marked> {
    let exact = |correct: bool, feedback: String| Marked {
        correct,
        feedback,
        confidence: 1.0,
    };
    Some(match &item.body {
        ItemBody::Maths { question } => match question.is_correct(answer) {
            Ok(true) => exact(true, "Correct.".into()),
            Ok(false) => exact(
                false,
                match question.misconception(answer) {
                    Some((_, hint)) => format!("Not quite. {hint}"),
                    None => format!("Not quite. {}", question.nudge()),
                },
            ),
            Err(format) => exact(false, format!("That is not a number I can read: {format}.")),
        },
        ItemBody::Choice {
            answer: right,
            options,
            ..
        } => {
            let chosen = answer.trim().to_lowercase();
            if !options.iter().any(|o| o.id.to_lowercase() == chosen) {
                let ids: Vec<&str> = options.iter().map(|o| o.id.as_str()).collect();
                return Some(exact(
                    false,
                    format!("Answer with the id of one option: {}.", ids.join(", ")),
                ));
            }
            if chosen == right.to_lowercase() {
                exact(true, "Correct.".into())
            } else {
                exact(false, "Not that one: read each option again.".into())
            }
        }
        ItemBody::Short { .. } => return None,
    })
}

/// Consecutive practice days, counted in the student's time zone.
fn next_streak(last_day: Option<&str>, streak: u32, today: jiff::civil::Date) -> u32 {
    match last_day.and_then(|day| day.parse::<jiff::civil::Date>().ok()) {
        Some(day) if day == today => streak.max(1),
        Some(day) if day.tomorrow().ok() == Some(today) => streak + 1,
        _ => 1,
    }
}

/// Store bank items (create or replace) and the list of subjects, 25 per transaction.
pub async fn import_bank(store: &Store, items: &[BankItem]) -> Result<usize, AppError> {
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
        store.transact_write(ops).await?;
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
    store.put(list, Condition::None).await?;
    Ok(items.len())
}

/// Practice use cases.
#[derive(Clone)]
pub struct PracticeService {
    store: Store,
    access: AccessService,
    tutor: Tutor,
    lifetime: Duration,
    target_success: f64,
    /// Completions of one student in this process run one at a time (striped by student), so
    /// they do not race each other through optimistic retries; races between processes (Lambda
    /// containers) are still settled by the version conditions.
    stripes: std::sync::Arc<Vec<tokio::sync::Mutex<()>>>,
}

const STRIPES: usize = 64;

impl PracticeService {
    pub fn new(store: Store, tutor: Tutor) -> Self {
        PracticeService {
            access: AccessService::new(store.clone()),
            store,
            tutor,
            lifetime: ASSIGNMENT_LIFETIME,
            target_success: TARGET_SUCCESS,
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

    /// Aim assignments at another predicted success than [`TARGET_SUCCESS`] (0.75).
    ///
    /// # Errors
    /// `Invalid` outside [`TARGET_SUCCESS_RANGE`].
    pub fn with_target_success(mut self, target: f64) -> Result<Self, AppError> {
        if !TARGET_SUCCESS_RANGE.contains(&target) {
            return Err(AppError::Invalid(format!(
                "the target success must lie in {}..={}, not {target}",
                TARGET_SUCCESS_RANGE.start(),
                TARGET_SUCCESS_RANGE.end()
            )));
        }
        self.target_success = target;
        Ok(self)
    }

    /// Apply [`TARGET_SUCCESS_VAR`] when it is set (what every process does at start).
    ///
    /// # Errors
    /// `Invalid` when it is not a number in [`TARGET_SUCCESS_RANGE`].
    pub fn with_target_success_from_env(self) -> Result<Self, AppError> {
        match std::env::var(TARGET_SUCCESS_VAR) {
            Ok(value) if !value.trim().is_empty() => {
                let target = value.trim().parse::<f64>().map_err(|_| {
                    AppError::Invalid(format!("{TARGET_SUCCESS_VAR} must be a number like 0.75"))
                })?;
                self.with_target_success(target)
            }
            _ => Ok(self),
        }
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

    /// Pick an item for the calling student in `subject` (optionally one `topic`): the
    /// candidate whose predicted success is closest to the target, skipping recently seen items
    /// and preferring goal topics and the latest session's topic. When no candidate is within
    /// [`SUITABLE_GAP`] of the target, maths generates an item and other subjects ask the AI
    /// port to write one from a guideline (stored with provenance `ai`, review `pending`).
    ///
    /// Two sequential round trips: one parallel read (subjects, rating, goals, latest session,
    /// one GSI query per difficulty band, and for non-maths subjects the subject's guidelines),
    /// then one transaction. The bank is read band by band because the student's skill, which
    /// would centre a single band, is only known once the first read returns.
    ///
    /// # Errors
    /// `Forbidden` for non-students; `NotFound` for an unknown subject (listing the subjects) or
    /// a topic with neither items nor a guideline.
    pub async fn assign(
        &self,
        caller: &Caller,
        subject: &str,
        topic: Option<&str>,
    ) -> Result<Assignment, AppError> {
        if !caller.has(Role::Student) {
            return Err(AppError::Forbidden("only students practise".into()));
        }
        // A topic names a curriculum topic (it may be stored on a generated item): validated.
        let topic_name = topic
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(|t| CurriculumName::parse("topic", t))
            .transpose()?;
        let topic = topic_name.as_ref().map(CurriculumName::as_str);
        let student = &caller.user_id;
        let asked = slug(subject);
        let is_maths = asked == MATHEMATICS;
        let bank_partition = keys::bank_partition(&asked);
        let bands = futures_util::future::join_all(band_keys().into_iter().map(|(low, high)| {
            let query = Query::partition(Index::Gsi1, bank_partition.clone())
                .sort(SortKeyCondition::Between(low, high))
                .limit(BAND_CANDIDATES as u32);
            async move { self.store.query(&query).await }
        }));
        let guidelines = async {
            if is_maths {
                return Ok(Vec::new());
            }
            let mut query = Query::partition(Index::Gsi2, keys::subject_guidelines(&asked))
                .limit(MAX_GUIDELINES as u32);
            if let Some(name) = &topic_name {
                query = query.sort(SortKeyCondition::BeginsWith(format!(
                    "{}#",
                    keys::curriculum_sort(&[name])
                )));
            }
            let page = self.store.query(&query).await?;
            page.items
                .into_iter()
                .map(from_item::<Guideline>)
                .collect::<Result<Vec<_>, _>>()
        };
        let rating_key = keys::rating(student, &asked);
        let latest_session = Query::partition(Index::Gsi1, keys::user(student))
            .sort(SortKeyCondition::BeginsWith("SESSION#".into()))
            .descending()
            .limit(1);
        let (subjects, rating, bands, goals, sessions, guidelines) = tokio::join!(
            self.subjects(),
            self.store.get(&rating_key),
            bands,
            self.goals_of(student),
            self.store.query(&latest_session),
            guidelines,
        );
        let subject = Self::resolve_subject(subjects, subject)?;
        let rating: Option<RatingRecord> = rating?.map(from_item).transpose()?;
        let skill = rating.as_ref().map_or(Estimate::new(0.0), |r| r.skill);
        let recent: Vec<String> = rating
            .as_ref()
            .map(|r| r.recent.clone())
            .unwrap_or_default();
        let mut bank: Vec<ItemRecord> = Vec::new();
        for band in bands {
            for item in band?.items {
                bank.push(from_item(item)?);
            }
        }
        let mut preferred: Vec<String> = goals?
            .iter()
            .filter(|g| g.status == GoalStatus::Active && slug(&g.subject) == asked)
            .flat_map(|g| g.topics.iter().map(|t| t.to_lowercase()))
            .collect();
        // The topic of the latest tutoring session in this subject, if any.
        if let Some(session) = sessions?.items.into_iter().next() {
            let session: serde_json::Value = from_item(session)?;
            let guideline = &session["guideline"];
            if guideline["subject"]
                .as_str()
                .is_some_and(|s| slug(s) == asked)
                && let Some(topic) = guideline["topic"].as_str()
            {
                preferred.push(topic.to_lowercase());
            }
        }

        let target = self.target_success;
        let in_scope: Vec<&ItemRecord> = bank
            .iter()
            .filter(|record| record.item.review != Review::Rejected)
            .filter(|record| topic.is_none_or(|t| record.item.topic.eq_ignore_ascii_case(t)))
            .collect();
        let gap = |record: &ItemRecord| {
            (p_correct(skill.value, record.item.difficulty, record.item.options()) - target).abs()
        };
        let distance = |record: &ItemRecord| {
            if preferred.contains(&record.item.topic.to_lowercase()) {
                gap(record) - TOPIC_PREFERENCE
            } else {
                gap(record)
            }
        };
        let suitable = in_scope
            .iter()
            .filter(|r| !recent.contains(&r.item.id.to_string()))
            .filter(|r| gap(r) <= SUITABLE_GAP)
            .min_by(|a, b| distance(a).total_cmp(&distance(b)))
            .copied();
        let label = difficulty_label(difficulty_for(skill.value, target));
        let new_item = match suitable {
            Some(_) => None,
            None if is_maths => self.generated_item(&subject, topic, label)?,
            None => {
                // What the student saw recently first, then the rest of what the bank has.
                let (seen, unseen): (Vec<&&ItemRecord>, Vec<&&ItemRecord>) = in_scope
                    .iter()
                    .partition(|r| recent.contains(&r.item.id.to_string()));
                let avoid: Vec<String> = seen
                    .into_iter()
                    .chain(unseen)
                    .map(|r| r.item.prompt().to_string())
                    .take(MAX_AVOID)
                    .collect();
                self.written_item(&subject, &guidelines?, topic, &preferred, label, avoid)
                    .await?
            }
        };
        let chosen: BankItem = match (&new_item, suitable) {
            (Some(record), _) => record.item.clone(),
            (None, Some(record)) => record.item.clone(),
            // Nothing near the target and nothing to write from: the least bad item in scope.
            (None, None) => in_scope
                .iter()
                .min_by(|a, b| distance(a).total_cmp(&distance(b)))
                .map(|r| r.item.clone())
                .ok_or_else(|| match topic {
                    Some(topic) => {
                        AppError::NotFound(format!("no {subject} items on topic '{topic}'"))
                    }
                    None => AppError::NotFound(format!("the {subject} bank is empty")),
                })?,
        };

        let issued = now_ms();
        let predicted = p_correct(skill.value, chosen.difficulty, chosen.options());
        let assignment_id = format!(
            "{}.{}.{}",
            asked,
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

    /// A new maths item at difficulty `label` (on `topic` if given), generated exactly; `None`
    /// when no family teaches the topic.
    fn generated_item(
        &self,
        subject: &str,
        topic: Option<&str>,
        label: u8,
    ) -> Result<Option<ItemRecord>, AppError> {
        let families = Family::for_practice(label, topic);
        if families.is_empty() {
            return Ok(None);
        }
        let mut seed = Seed::new(ulid::Ulid::new().random() as u64);
        let family = seed.pick(&families);
        let question = generate(family, label, seed.next_u64());
        Ok(Some(ItemRecord {
            item: BankItem {
                id: new_item_id("gen")?,
                subject: subject.to_string(),
                topic: family.topic().to_string(),
                difficulty: difficulty_of_label(label),
                expected_seconds: 45,
                body: ItemBody::Maths { question },
                provenance: Provenance::Generated,
                review: Review::Approved,
            },
            answers: 0,
            version: 1,
        }))
    }

    /// A new item written by the AI port from one of `guidelines` (the asked topic's, else a
    /// preferred topic's, else any), stored for a tutor's review. `None` without a guideline.
    async fn written_item(
        &self,
        subject: &str,
        guidelines: &[Guideline],
        topic: Option<&str>,
        preferred: &[String],
        label: u8,
        avoid: Vec<String>,
    ) -> Result<Option<ItemRecord>, AppError> {
        let on = |topic: &str| {
            guidelines
                .iter()
                .filter(|g| g.topic.as_str().eq_ignore_ascii_case(topic))
                .collect::<Vec<_>>()
        };
        let candidates: Vec<&Guideline> = match topic {
            Some(topic) => on(topic),
            None => {
                let liked: Vec<&Guideline> = preferred.iter().flat_map(|t| on(t)).collect();
                if liked.is_empty() {
                    guidelines.iter().collect()
                } else {
                    liked
                }
            }
        };
        let mut seed = Seed::new(ulid::Ulid::new().random() as u64);
        let Some(guideline) = candidates
            .get((seed.next_u64() % candidates.len().max(1) as u64) as usize)
            .copied()
        else {
            return Ok(None);
        };
        let kind = if label <= 5 && guideline.common_misconceptions.len() >= 2 {
            ItemKind::Choice
        } else {
            ItemKind::Short
        };
        let brief = ItemBrief {
            guideline: guideline.clone(),
            kind,
            difficulty_label: label,
            avoid,
            seed: seed.next_u64(),
        };
        let written = self
            .tutor
            .write_item(&brief)
            .await
            .map_err(AppError::internal)?;
        tracing::info!(
            model = %written.model,
            fallback = written.fallback,
            guideline = %guideline.id.as_str(),
            "wrote a practice item for review"
        );
        let item = written.value;
        let (body, expected_seconds) = match kind {
            ItemKind::Choice => {
                let options: Vec<ChoiceOption> = item
                    .options
                    .iter()
                    .zip('a'..='z')
                    .map(|(text, id)| ChoiceOption {
                        id: id.to_string(),
                        text: text.trim().to_string(),
                    })
                    .collect();
                let answer = options
                    .get(item.correct_option)
                    .map(|o| o.id.clone())
                    .ok_or_else(|| AppError::internal("written item without its right option"))?;
                (
                    ItemBody::Choice {
                        prompt: item.prompt,
                        options,
                        answer,
                    },
                    30,
                )
            }
            ItemKind::Short => (
                ItemBody::Short {
                    prompt: item.prompt,
                    answer: item.answer,
                    keywords: item.keywords,
                },
                90,
            ),
        };
        Ok(Some(ItemRecord {
            item: BankItem {
                id: new_item_id("ai")?,
                subject: subject.to_string(),
                topic: guideline.topic.as_str().to_string(),
                difficulty: difficulty_of_label(label),
                expected_seconds,
                body,
                provenance: Provenance::Ai,
                review: Review::Pending,
            },
            answers: 0,
            version: 1,
        }))
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
        let mut marked: Option<Marked> = None;
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
                    let feedback = mark_exactly(&assignment.item, answer)
                        .map(|m| m.feedback)
                        .unwrap_or_default();
                    let skill = rating.as_ref().map_or(Estimate::new(0.0), |r| r.skill);
                    return Ok(CompletionResponse {
                        assignment_id: assignment.assignment_id.clone(),
                        attempt: assignment.attempts,
                        correct: false,
                        feedback,
                        confidence: 1.0,
                        rated: false,
                        result: 0.0,
                        predicted_success: (assignment.predicted * 1000.0).round() / 1000.0,
                        rating: display_rating(skill.value),
                        rating_change: 0,
                        next_difficulty_label: difficulty_label(difficulty_for(
                            skill.value,
                            self.target_success,
                        )),
                        streak_days: rating.as_ref().map_or(0, |r| r.streak_days),
                        xp: rating.as_ref().map_or(0, |r| r.xp),
                        goals: vec![],
                    });
                }
                _ => {}
            }
            let item: Option<ItemRecord> = item?.map(from_item).transpose()?;
            // Marked once per request (a model call is slow); retries reuse the mark.
            let marked = match &marked {
                Some(marked) => marked,
                None => marked.insert(self.mark(&assignment.item, answer).await?),
            };
            let (ops, response) = self.decide(
                assignment, rating, item, goals?, answer, marked, hints_used, now, time_zone,
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
        marked: &Marked,
        hints_used: u32,
        now: u64,
        time_zone: Option<&str>,
    ) -> Result<(Vec<WriteOp>, CompletionResponse), AppError> {
        let student = assignment.student.clone();
        let correct = marked.correct;
        let feedback = marked.feedback.clone();
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
            confidence: (marked.confidence * 100.0).round() / 100.0,
            rated: first_attempt,
            result: (result * 1000.0).round() / 1000.0,
            predicted_success: (predicted * 1000.0).round() / 1000.0,
            rating: display_rating(rating.skill.value),
            rating_change: change,
            next_difficulty_label: difficulty_label(difficulty_for(
                rating.skill.value,
                self.target_success,
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
    /// Items waiting for review (oldest first, at most [`MAX_REVIEW_PAGE`]), in one subject or
    /// all, with their answers: for tutors and admins.
    ///
    /// # Errors
    /// `Forbidden` for students and parents.
    pub async fn review_queue(
        &self,
        caller: &Caller,
        subject: Option<&str>,
    ) -> Result<Vec<BankItem>, AppError> {
        Self::may_review(caller)?;
        let mut query =
            Query::partition(Index::Gsi2, keys::REVIEW_QUEUE).limit(MAX_REVIEW_PAGE as u32);
        if let Some(subject) = subject {
            query = query.sort(SortKeyCondition::BeginsWith(format!("{}#", slug(subject))));
        }
        let page = self.store.query(&query).await?;
        page.items
            .into_iter()
            .map(|item| from_item::<ItemRecord>(item).map(|record| record.item))
            .collect()
    }

    /// Approve or reject a pending item (a rejected item is never assigned again). One read
    /// and one versioned write, re-read if a completion updated the item's difficulty meanwhile.
    ///
    /// # Errors
    /// `Forbidden` for students and parents; `Invalid` for a decision of `pending`; `NotFound`
    /// for an unknown item; `Conflict` when the item is not pending.
    pub async fn review(
        &self,
        caller: &Caller,
        item_id: &str,
        decision: Review,
    ) -> Result<BankItem, AppError> {
        Self::may_review(caller)?;
        if decision == Review::Pending {
            return Err(AppError::Invalid(
                "a review decides: approved or rejected".into(),
            ));
        }
        let not_found = || AppError::NotFound(format!("no item '{item_id}'"));
        let item_id = ItemId::parse(item_id).map_err(|_| not_found())?;
        for _ in 0..MAX_REVIEW_ATTEMPTS {
            let mut record: ItemRecord = from_item(
                self.store
                    .get(&keys::item(&item_id))
                    .await?
                    .ok_or_else(not_found)?,
            )?;
            if record.item.review != Review::Pending {
                return Err(AppError::Conflict(format!(
                    "item '{item_id}' is not waiting for review"
                )));
            }
            let version = record.version;
            record.item.review = decision;
            record.version += 1;
            match self.store.put(item_of(&record)?, versioned(version)).await {
                Ok(()) => {
                    tracing::info!(item = %item_id, reviewer = %caller.user_id, ?decision, "practice item reviewed");
                    return Ok(record.item);
                }
                Err(TableError::Conflict(_)) => continue,
                Err(error) => return Err(error.into()),
            }
        }
        Err(AppError::Conflict(
            "the item keeps changing; try again".into(),
        ))
    }

    fn may_review(caller: &Caller) -> Result<(), AppError> {
        if caller.has(Role::Tutor) || caller.has(Role::Admin) {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                "only tutors and admins review practice items".into(),
            ))
        }
    }

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
