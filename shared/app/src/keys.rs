//! Key builders for every entity of the single table, in one place (see `docs/data-model.md`).

use tutorbridge_domain::UserId;
use tutorbridge_domain::curriculum::{CurriculumName, GuidelineId, Level};
use tutorbridge_domain::tutoring::SessionId;
use tutorbridge_table::Key;

/// Entity names stored in the `entity` attribute.
pub mod entity {
    pub const GUIDELINE: &str = "GUIDELINE";
    pub const LINK: &str = "LINK";
    pub const SEED: &str = "SEED";
    pub const SESSION: &str = "SESSION";
    pub const SESSION_EVENT: &str = "SESSION_EVENT";
    pub const SESSION_RESULT: &str = "SESSION_RESULT";
    pub const ITEM: &str = "ITEM";
    pub const RATING: &str = "RATING";
    pub const ATTEMPT: &str = "ATTEMPT";
    pub const ASSIGNMENT: &str = "ASSIGNMENT";
    pub const GOAL: &str = "GOAL";
    pub const SUBJECTS: &str = "SUBJECTS";
}

pub fn user(id: &UserId) -> String {
    format!("USER#{id}")
}

pub fn guideline(id: &GuidelineId) -> Key {
    Key::new(format!("GUIDELINE#{}", id.as_str()), "GUIDELINE")
}

/// GSI1 partition of one curriculum: `CURRICULUM#<country>#<board>#<grade>`.
pub fn curriculum_partition(level: &Level) -> String {
    format!(
        "CURRICULUM#{}#{}#{:02}",
        level.country.key(),
        level.board.key(),
        level.grade.value()
    )
}

/// GSI1 sort key of a guideline, and its prefixes for topic and subtopic listings.
pub fn curriculum_sort(parts: &[&CurriculumName]) -> String {
    parts
        .iter()
        .map(|name| name.key())
        .collect::<Vec<_>>()
        .join("#")
}

/// `USER#<tutor>` / `STUDENT#<student>`: the tutor is assigned to the student.
pub fn tutor_link(tutor: &UserId, student: &UserId) -> Key {
    Key::new(user(tutor), format!("STUDENT#{student}"))
}

/// `USER#<student>` / `TUTOR#<tutor>`: the reverse of [`tutor_link`].
pub fn tutor_link_reverse(tutor: &UserId, student: &UserId) -> Key {
    Key::new(user(student), format!("TUTOR#{tutor}"))
}

/// `USER#<parent>` / `CHILD#<child>`: the parent is linked to the child.
pub fn parent_link(parent: &UserId, child: &UserId) -> Key {
    Key::new(user(parent), format!("CHILD#{child}"))
}

/// `USER#<child>` / `PARENT#<parent>`: the reverse of [`parent_link`].
pub fn parent_link_reverse(parent: &UserId, child: &UserId) -> Key {
    Key::new(user(child), format!("PARENT#{parent}"))
}

/// Marker recording that a seed data set was loaded: `SEED#<name>` / `VERSION#<n>`.
pub fn seed_marker(name: &str, version: u32) -> Key {
    Key::new(format!("SEED#{name}"), format!("VERSION#{version}"))
}

/// `SESSION#<id>` / `STATE`: a tutoring session's state (versioned).
pub fn session_state(id: &SessionId) -> Key {
    Key::new(format!("SESSION#{id}"), "STATE")
}

/// `SESSION#<id>` / `EVENT#<step:04>#<seq:02>`: one node execution.
pub fn session_event(id: &SessionId, step: u32, seq: u32) -> Key {
    Key::new(format!("SESSION#{id}"), format!("EVENT#{step:04}#{seq:02}"))
}

/// `SESSION#<id>` / `RESULT#<step:04>`: the stored answer to a step, for exact replays.
pub fn session_result(id: &SessionId, step: u32) -> Key {
    Key::new(format!("SESSION#{id}"), format!("RESULT#{step:04}"))
}

/// GSI1 entry of a session in its student's list: `USER#<student>` / `SESSION#<created_at>#<id>`.
pub fn student_session(student: &UserId, created_at: &str, id: &SessionId) -> (String, String) {
    (user(student), format!("SESSION#{created_at}#{id}"))
}

/// `ITEM#<id>` / `ITEM`: a bank item (versioned difficulty).
pub fn item(id: &tutorbridge_domain::bank::ItemId) -> Key {
    Key::new(format!("ITEM#{id}"), "ITEM")
}

/// GSI1 entry of a bank item: `BANK#<subject>` / `<difficulty key>#<id>`.
pub fn bank_entry(
    subject: &str,
    difficulty: f64,
    id: &tutorbridge_domain::bank::ItemId,
) -> (String, String) {
    (
        bank_partition(subject),
        format!(
            "{}#{id}",
            tutorbridge_domain::bank::difficulty_key(difficulty)
        ),
    )
}

/// GSI1 partition of a subject's bank.
pub fn bank_partition(subject: &str) -> String {
    format!("BANK#{}", subject.trim().to_lowercase())
}

/// `BANK` / `SUBJECTS`: the subjects practice offers.
pub fn bank_subjects() -> Key {
    Key::new("BANK", "SUBJECTS")
}

/// `USER#<id>` / `PRACTICE#<subject>#RATING`: a student's skill in a subject.
pub fn rating(student: &UserId, subject: &str) -> Key {
    Key::new(
        user(student),
        format!("PRACTICE#{}#RATING", subject.trim().to_lowercase()),
    )
}

/// `USER#<id>` / `PRACTICE#<subject>#ATTEMPT#<ts>#<assignment>`: one first attempt.
pub fn attempt(student: &UserId, subject: &str, at_ms: u64, assignment: &str) -> Key {
    Key::new(
        user(student),
        format!(
            "PRACTICE#{}#ATTEMPT#{at_ms:013}#{assignment}",
            subject.trim().to_lowercase()
        ),
    )
}

/// `USER#<id>` / `ASSIGNMENT#<id>`.
pub fn assignment(student: &UserId, id: &str) -> Key {
    Key::new(user(student), format!("ASSIGNMENT#{id}"))
}

/// `USER#<id>` / `GOAL#<id>`.
pub fn goal(student: &UserId, id: &str) -> Key {
    Key::new(user(student), format!("GOAL#{id}"))
}

/// The key form of a subject: lower-case letters and digits only (`Mathematics` → `mathematics`).
pub fn subject_slug(subject: &str) -> String {
    subject
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_lowercase()
}

/// GSI2 partition of a subject's guidelines across curricula: `SUBJECT#<slug>`.
pub fn subject_guidelines(subject: &str) -> String {
    format!("SUBJECT#{}", subject_slug(subject))
}

/// GSI2 entry of a guideline: `SUBJECT#<slug>` / `<topic>#<subtopic>#<id>`.
pub fn subject_guideline(
    guideline: &tutorbridge_domain::curriculum::Guideline,
) -> (String, String) {
    (
        subject_guidelines(guideline.subject.as_str()),
        format!(
            "{}#{}",
            curriculum_sort(&[&guideline.topic, &guideline.subtopic]),
            guideline.id.as_str()
        ),
    )
}

/// GSI2 partition of the items waiting for a tutor's review.
pub const REVIEW_QUEUE: &str = "REVIEW#pending";

/// GSI2 entry of a pending item: `REVIEW#pending` / `<subject slug>#<id>` (AI items' ids are
/// time-ordered, so each subject's queue is oldest first).
pub fn review_entry(subject: &str, id: &tutorbridge_domain::bank::ItemId) -> (String, String) {
    (
        REVIEW_QUEUE.to_string(),
        format!("{}#{id}", subject_slug(subject)),
    )
}
