//! What practice stores (each a [`Record`] that knows its keys) and what its endpoints answer.

use serde::{Deserialize, Serialize};
use tutorbridge_domain::UserId;
use tutorbridge_domain::bank::{BankItem, ChoiceOption, ItemBody, ItemId, Provenance, Review};
use tutorbridge_domain::learner::Estimate;
use tutorbridge_domain::practice::reviews::{self, ReviewCard};
use tutorbridge_domain::practice::{
    AssignmentId, GoalProgress, GoalSet, SubjectSlug, TimeZoneName,
};
use tutorbridge_table::{Item, Key};

use crate::AppError;
use crate::keys::{self, entity};
use crate::records::{Record, from_item};

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

impl ItemRecord {
    /// The item's subject slug (bank items are validated on import, so this always parses).
    fn slug(&self) -> Option<SubjectSlug> {
        SubjectSlug::parse(&self.item.subject).ok()
    }
}

/// Listed in its subject's bank by difficulty (GSI1) and, while it waits for review, in the
/// review queue (GSI2; replacing the item without it leaves the queue).
impl Record for ItemRecord {
    const ENTITY: &'static str = entity::ITEM;

    fn key(&self) -> Key {
        keys::item(&self.item.id)
    }

    fn gsi1(&self) -> Option<(String, String)> {
        let subject = self.slug()?;
        Some(keys::bank_entry(
            &subject,
            self.item.difficulty,
            &self.item.id,
        ))
    }

    fn gsi2(&self) -> Option<(String, String)> {
        let subject = self.slug()?;
        (self.item.review == Review::Pending).then(|| keys::review_entry(&subject, &self.item.id))
    }
}

/// A student's practice state in one subject.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct RatingRecord {
    pub student: UserId,
    pub slug: SubjectSlug,
    /// The subject as the bank spells it.
    pub subject: String,
    pub skill: Estimate,
    /// Items seen most recently, newest last (at most
    /// [`tutorbridge_domain::practice::RECENT_ITEMS`]).
    pub recent: Vec<String>,
    pub xp: u32,
    pub streak_days: u32,
    /// The last day (in `time_zone`, `YYYY-MM-DD`) with a completed first attempt.
    pub last_day: Option<jiff::civil::Date>,
    /// The student's IANA time zone for streak days (UTC until one is given).
    #[serde(default)]
    pub time_zone: Option<TimeZoneName>,
    /// Missed or shaky items and when each is due for review (FSRS), soonest first; stored
    /// packed in one binary attribute (see [`reviews::packed`]; rows and maps still read).
    #[serde(
        default,
        serialize_with = "reviews::packed",
        deserialize_with = "reviews::cards"
    )]
    pub reviews: Vec<ReviewCard>,
    pub version: u64,
}

impl RatingRecord {
    /// A student's state before their first answer in `subject`.
    pub fn new(student: UserId, slug: SubjectSlug, subject: String) -> RatingRecord {
        RatingRecord {
            student,
            slug,
            subject,
            skill: Estimate::new(0.0),
            recent: Vec::new(),
            xp: 0,
            streak_days: 0,
            last_day: None,
            time_zone: None,
            reviews: Vec::new(),
            version: 0,
        }
    }
}

impl Record for RatingRecord {
    const ENTITY: &'static str = entity::RATING;

    fn key(&self) -> Key {
        keys::rating(&self.student, &self.slug)
    }
}

/// A stored rating as the privacy export shows it: its review cards as cards, whatever form they
/// are stored in (JSON has no form for the packed bytes).
pub(crate) fn exported_rating(mut item: Item) -> Result<serde_json::Value, AppError> {
    let cards = item
        .remove("reviews")
        .map(|stored| reviews::cards(serde_dynamo::Deserializer::from_attribute_value(stored)))
        .transpose()
        .map_err(AppError::internal)?;
    let mut record: serde_json::Value = from_item(item)?;
    if let Some(cards) = cards {
        record["reviews"] = serde_json::to_value(cards).map_err(AppError::internal)?;
    }
    Ok(record)
}

/// How long after its last chance to be answered an assignment stays in the table.
const ASSIGNMENT_RETENTION_SECONDS: u64 = 7 * 24 * 3600;

/// An assignment: the item as issued, with its answer (never sent to the client).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct AssignmentRecord {
    pub assignment_id: AssignmentId,
    pub student: UserId,
    /// The subject as the bank spells it.
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

/// Removed by the table's TTL a week after it could last be answered.
impl Record for AssignmentRecord {
    const ENTITY: &'static str = entity::ASSIGNMENT;

    fn key(&self) -> Key {
        keys::assignment(&self.student, &self.assignment_id)
    }

    fn expires_at(&self) -> Option<u64> {
        Some(self.expires_at_ms / 1000 + ASSIGNMENT_RETENTION_SECONDS)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct StoredCompletion {
    pub answer_digest: String,
    pub response: CompletionResponse,
}

/// One first attempt, in the student's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AttemptRecord {
    pub student: UserId,
    pub subject: SubjectSlug,
    pub assignment_id: AssignmentId,
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

impl Record for AttemptRecord {
    const ENTITY: &'static str = entity::ATTEMPT;

    fn key(&self) -> Key {
        keys::attempt(
            &self.student,
            &self.subject,
            self.at_ms,
            &self.assignment_id,
        )
    }
}

/// A student's goals in one subject (one item, so a completion's write does not grow with
/// the number of goals).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct GoalsRecord {
    pub student: UserId,
    pub subject: SubjectSlug,
    #[serde(flatten)]
    pub set: GoalSet,
    pub version: u64,
}

impl GoalsRecord {
    pub fn empty(student: UserId, subject: SubjectSlug) -> GoalsRecord {
        GoalsRecord {
            student,
            subject,
            set: GoalSet::default(),
            version: 0,
        }
    }
}

impl Record for GoalsRecord {
    const ENTITY: &'static str = entity::GOALS;

    fn key(&self) -> Key {
        keys::goals(&self.student, &self.subject)
    }
}

/// An item open in one of the student's assignments; it expires with the assignment.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct OpenItemRecord {
    pub student: UserId,
    pub item_id: ItemId,
    pub assignment_id: AssignmentId,
    pub expires_at_ms: u64,
}

impl Record for OpenItemRecord {
    const ENTITY: &'static str = entity::OPEN_ITEM;

    fn key(&self) -> Key {
        keys::open_item(&self.student, &self.item_id)
    }

    fn expires_at(&self) -> Option<u64> {
        Some(self.expires_at_ms.div_ceil(1000))
    }
}

/// The subjects practice offers, as the bank spells them.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct SubjectsRecord {
    pub subjects: Vec<String>,
}

impl Record for SubjectsRecord {
    const ENTITY: &'static str = entity::SUBJECTS;

    fn key(&self) -> Key {
        keys::bank_subjects()
    }
}

/// A student's standing in a subject (`GET /students/{id}/practice`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Standing {
    pub subject: String,
    pub skill: f64,
    pub answers: u32,
    pub rating: u32,
    pub streak_days: u32,
    pub xp: u32,
}

/// The item as the student sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Assignment {
    pub assignment_id: AssignmentId,
    pub item: ItemView,
    pub difficulty_label: u8,
    pub predicted_success: f64,
    pub rating: u32,
    pub expires_at_ms: u64,
    /// The item is a due review of one the student missed or found shaky.
    pub review: bool,
}

/// The answer to `POST /practice/complete`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CompletionResponse {
    pub assignment_id: AssignmentId,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::from_item;
    use tutorbridge_domain::practice::reviews::{grade, record};
    use tutorbridge_table::Value;

    fn rating_with_cards() -> RatingRecord {
        let mut rating = RatingRecord::new(
            UserId::parse("stu-1").expect("id"),
            SubjectSlug::parse("Mathematics").expect("slug"),
            "Mathematics".into(),
        );
        record(
            &mut rating.reviews,
            "item-a",
            grade(false, 0.0),
            1_790_000_000_000,
        );
        record(
            &mut rating.reviews,
            "item-b",
            grade(true, 0.75),
            1_790_000_000_000,
        );
        rating
    }

    #[test]
    fn review_cards_are_stored_packed_and_read_back() {
        let rating = rating_with_cards();
        let item = rating.to_item().expect("an item");
        let Some(Value::B(packed)) = item.get("reviews") else {
            panic!("reviews stored as one binary: {:?}", item.get("reviews"));
        };
        assert_eq!(reviews::unpack(packed).expect("cards"), rating.reviews);
        let read: RatingRecord = from_item(item).expect("the record");
        assert_eq!(read.reviews, rating.reviews);
        assert_eq!(read.reviews.len(), 2);
    }

    #[test]
    fn records_written_with_row_cards_still_read() {
        let rating = rating_with_cards();
        let mut item = rating.to_item().expect("an item");
        let rows: Vec<_> = rating
            .reviews
            .iter()
            .map(|c| {
                (
                    &c.item,
                    c.due_ms,
                    c.stability,
                    c.difficulty,
                    c.reps,
                    c.lapses,
                    c.last_review_ms,
                    c.scheduled_days,
                    c.state,
                )
            })
            .collect();
        let rows = serde_dynamo::to_attribute_value(rows).expect("rows");
        assert!(matches!(&rows, Value::L(cards) if matches!(cards[0], Value::L(_))));
        item.insert("reviews".into(), rows);
        let read: RatingRecord = from_item(item).expect("the record");
        assert_eq!(read.reviews, rating.reviews);
    }

    #[test]
    fn damaged_packed_cards_are_an_error() {
        let mut item = rating_with_cards().to_item().expect("an item");
        item.insert("reviews".into(), Value::B(vec![1, 200]));
        assert!(from_item::<RatingRecord>(item).is_err());
    }

    #[test]
    fn records_written_with_map_cards_still_read() {
        let rating = rating_with_cards();
        let mut item = rating.to_item().expect("an item");
        let maps: Value = serde_dynamo::to_attribute_value(&rating.reviews).expect("maps");
        assert!(matches!(&maps, Value::L(cards) if matches!(cards[0], Value::M(_))));
        item.insert("reviews".into(), maps);
        let read: RatingRecord = from_item(item).expect("the record");
        assert_eq!(read.reviews, rating.reviews);
    }
}
