//! Key builders for every entity of the single table, in one place (see `docs/data-model.md`).
//! No other module spells a key or a key prefix: records get their keys from here (through
//! [`crate::records::Record`]) and access patterns their partitions and prefixes.

use tutorbridge_domain::UserId;
use tutorbridge_domain::bank::{ItemId, difficulty_key};
use tutorbridge_domain::curriculum::{CurriculumName, Guideline, GuidelineId, Level};
use tutorbridge_domain::practice::{AssignmentId, SubjectSlug};
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
    pub const GOALS: &str = "GOALS";
    pub const OPEN_ITEM: &str = "OPEN_ITEM";
    pub const PROFILE: &str = "PROFILE";
    pub const ACTIVITY: &str = "ACTIVITY";
    pub const AUDIT: &str = "AUDIT";
    pub const FILE: &str = "FILE";
    pub const SUMMARY: &str = "SUMMARY";
    pub const RECEIPT: &str = "RECEIPT";
    pub const SUBJECTS: &str = "SUBJECTS";
    pub const QA_EXCHANGE: &str = "QA_EXCHANGE";
    pub const QA_ESCALATION: &str = "QA_ESCALATION";
    pub const QA_REPLY: &str = "QA_REPLY";
    pub const MAIL_RETRY: &str = "MAIL_RETRY";
    pub const QUOTA: &str = "QUOTA";
    pub const NUDGE: &str = "NUDGE";
    pub const NUDGE_LOCK: &str = "NUDGE_LOCK";
    pub const JOB_CHECKPOINT: &str = "JOB_CHECKPOINT";
    pub const NUDGE_CUE: &str = "NUDGE_CUE";
    pub const NUDGE_BANDIT: &str = "NUDGE_BANDIT";
    pub const NUDGE_SETTLED: &str = "NUDGE_SETTLED";
}

/// `USER#<id>`: the partition of everything a user owns.
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

/// A sort-key prefix that matches exactly the children of `parts` (`<parts>#`).
pub fn curriculum_prefix(parts: &[&CurriculumName]) -> String {
    format!("{}#", curriculum_sort(parts))
}

/// `USER#<tutor>` / `STUDENT#<student>`: the tutor is assigned to the student.
pub fn tutor_link(tutor: &UserId, student: &UserId) -> Key {
    Key::new(user(tutor), format!("{TUTOR_STUDENTS}{student}"))
}

/// `USER#<student>` / `TUTOR#<tutor>`: the reverse of [`tutor_link`].
pub fn tutor_link_reverse(tutor: &UserId, student: &UserId) -> Key {
    Key::new(user(student), format!("{STUDENT_TUTORS}{tutor}"))
}

/// Sort-key prefix of a student's tutors (the reverse links, in the student's partition).
pub const STUDENT_TUTORS: &str = "TUTOR#";
/// Sort-key prefix of a student's parents (the reverse links, in the student's partition).
pub const STUDENT_PARENTS: &str = "PARENT#";

/// `USER#<parent>` / `CHILD#<child>`: the parent is linked to the child.
pub fn parent_link(parent: &UserId, child: &UserId) -> Key {
    Key::new(user(parent), format!("{PARENT_CHILDREN}{child}"))
}

/// `USER#<child>` / `PARENT#<parent>`: the reverse of [`parent_link`].
pub fn parent_link_reverse(parent: &UserId, child: &UserId) -> Key {
    Key::new(user(child), format!("{STUDENT_PARENTS}{parent}"))
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

/// GSI1 sort-key prefix of a student's sessions (in [`user`]'s partition).
pub const STUDENT_SESSIONS: &str = "SESSION#";

/// GSI1 sort-key range of a student's sessions created at or after `since` (an RFC 3339 UTC
/// time, the form `created_at` is stored in, so text order is time order).
pub fn student_sessions_since(since: &str) -> (String, String) {
    (
        format!("{STUDENT_SESSIONS}{since}"),
        format!("{STUDENT_SESSIONS}~"),
    )
}

/// `ITEM#<id>` / `ITEM`: a bank item (versioned difficulty).
pub fn item(id: &ItemId) -> Key {
    Key::new(format!("ITEM#{id}"), "ITEM")
}

/// GSI1 entry of a bank item: `BANK#<subject>` / `<difficulty key>#<id>`.
pub fn bank_entry(subject: &SubjectSlug, difficulty: f64, id: &ItemId) -> (String, String) {
    (
        bank_partition(subject),
        format!("{}#{id}", difficulty_key(difficulty)),
    )
}

/// GSI1 partition of a subject's bank: `BANK#<subject slug>`.
pub fn bank_partition(subject: &SubjectSlug) -> String {
    format!("BANK#{subject}")
}

/// `BANK` / `SUBJECTS`: the subjects practice offers.
pub fn bank_subjects() -> Key {
    Key::new("BANK", "SUBJECTS")
}

/// `USER#<id>` / `PRACTICE#<subject>#RATING`: a student's skill in a subject.
pub fn rating(student: &UserId, subject: &SubjectSlug) -> Key {
    Key::new(user(student), format!("PRACTICE#{subject}#RATING"))
}

/// `USER#<id>` / `PRACTICE#<subject>#ATTEMPT#<ms:013>#<assignment>`: one first attempt.
pub fn attempt(
    student: &UserId,
    subject: &SubjectSlug,
    at_ms: u64,
    assignment: &AssignmentId,
) -> Key {
    Key::new(
        user(student),
        format!("{}{at_ms:013}#{assignment}", attempts_prefix(subject)),
    )
}

/// Sort-key prefix of a student's first attempts in a subject, oldest first.
pub fn attempts_prefix(subject: &SubjectSlug) -> String {
    format!("PRACTICE#{subject}#ATTEMPT#")
}

/// `USER#<id>` / `ASSIGNMENT#<id>`.
pub fn assignment(student: &UserId, id: &AssignmentId) -> Key {
    Key::new(user(student), format!("ASSIGNMENT#{id}"))
}

/// `USER#<id>` / `GOALS#<subject>`: a student's goals in one subject, one item.
pub fn goals(student: &UserId, subject: &SubjectSlug) -> Key {
    Key::new(user(student), format!("{GOAL_SETS}{subject}"))
}

/// Sort-key prefix of a student's goal sets (one per subject).
pub const GOAL_SETS: &str = "GOALS#";

/// `USER#<id>` / `OPEN#<item>`: the item is open in one of the student's assignments (create-only,
/// so it never is in two; gone when the first attempt is made or the assignment expires).
pub fn open_item(student: &UserId, item: &ItemId) -> Key {
    Key::new(user(student), format!("{OPEN_ITEMS}{item}"))
}

/// Sort-key prefix of a student's open items.
pub const OPEN_ITEMS: &str = "OPEN#";

/// GSI2 partition of a subject's guidelines across curricula: `SUBJECT#<slug>`.
pub fn subject_guidelines(subject: &SubjectSlug) -> String {
    format!("SUBJECT#{subject}")
}

/// GSI2 entry of a guideline: `SUBJECT#<slug>` / `<topic>#<subtopic>#<id>`; `None` for a
/// subject with no letters or digits (it cannot be practised).
pub fn subject_guideline(guideline: &Guideline) -> Option<(String, String)> {
    let subject = SubjectSlug::parse(guideline.subject.as_str()).ok()?;
    Some((
        subject_guidelines(&subject),
        format!(
            "{}{}",
            curriculum_prefix(&[&guideline.topic, &guideline.subtopic]),
            guideline.id.as_str()
        ),
    ))
}

/// GSI2 partition of the items waiting for a tutor's review.
pub const REVIEW_QUEUE: &str = "REVIEW#pending";

/// GSI2 entry of a pending item: `REVIEW#pending` / `<subject slug>#<id>` (AI items' ids are
/// time-ordered, so each subject's queue is oldest first).
pub fn review_entry(subject: &SubjectSlug, id: &ItemId) -> (String, String) {
    (
        REVIEW_QUEUE.to_string(),
        format!("{}{id}", review_prefix(subject)),
    )
}

/// Sort-key prefix of one subject's pending items.
pub fn review_prefix(subject: &SubjectSlug) -> String {
    format!("{subject}#")
}

/// `USER#<id>` / `PROFILE`: who a user is and how they want to be nudged (versioned).
pub fn profile(user: &UserId) -> Key {
    Key::new(user_partition(user), "PROFILE")
}

fn user_partition(id: &UserId) -> String {
    user(id)
}

/// GSI1 entry of a student's profile: `ROLE#student` / `<id>` (every student, for admins).
pub fn student_profile_entry(student: &UserId) -> (String, String) {
    (STUDENT_PROFILES.to_string(), student.to_string())
}

/// GSI1 partition of every student's profile.
pub const STUDENT_PROFILES: &str = "ROLE#student";

/// `USER#<id>` / `ACTIVITY`: when a student last practised or stepped a session (written whole
/// by those writes, so no read is needed).
pub fn activity(user: &UserId) -> Key {
    Key::new(user_partition(user), "ACTIVITY")
}

/// Shards of the activity index (the nudge job scans them in parallel).
pub const ACTIVITY_SHARDS: u64 = 8;

/// GSI2 entry of a student's activity: `ACTIVITY#<shard>` / `<last_active_at>#<id>`, so the
/// inactive are the oldest entries of each shard.
pub fn activity_entry(user: &UserId, shard: u64, last_active_at: &str) -> (String, String) {
    (
        format!("ACTIVITY#{shard}"),
        format!("{last_active_at}#{user}"),
    )
}

/// `USER#<target>` / `AUDIT#<at>#<id>`: who did what to the target, newest last.
pub fn audit(target: &UserId, at: &str, id: &str) -> Key {
    Key::new(user_partition(target), format!("{AUDIT}{at}#{id}"))
}

/// Sort-key prefix of a user's audit trail.
pub const AUDIT: &str = "AUDIT#";

/// GSI1 entry of an audit item in the whole trail: `AUDIT` / `<at>#<id>`.
pub fn audit_entry(at: &str, id: &str) -> (String, String) {
    (AUDIT_TRAIL.to_string(), format!("{at}#{id}"))
}

/// GSI1 partition of the whole audit trail.
pub const AUDIT_TRAIL: &str = "AUDIT";

/// GSI2 entry of an audit item under its actor: `ACTOR#<actor>` / `<at>#<id>`.
pub fn audit_actor_entry(actor: &UserId, at: &str, id: &str) -> (String, String) {
    (audit_actor_partition(actor), format!("{at}#{id}"))
}

/// GSI2 partition of one actor's audit items.
pub fn audit_actor_partition(actor: &UserId) -> String {
    format!("ACTOR#{actor}")
}

/// Sort-key prefix of the students a tutor coaches (in the tutor's partition).
pub const TUTOR_STUDENTS: &str = "STUDENT#";
/// Sort-key prefix of a parent's children (in the parent's partition).
pub const PARENT_CHILDREN: &str = "CHILD#";

/// `LOCALUSER#<email>` / `USER`: a user the local gateway's directory created (create-only, so
/// an email is taken once). Never written in AWS, where Cognito holds users.
pub fn local_user(email: &str) -> Key {
    Key::new(format!("LOCALUSER#{email}"), "USER")
}

/// The object key of a file: `<purpose folder>/<owner>/<file id>` (no part can hold a `/`, so a
/// key never reaches outside its folder).
pub fn object(
    purpose: tutorbridge_domain::files::Purpose,
    owner: &UserId,
    file: &tutorbridge_domain::files::FileId,
) -> String {
    format!("{}/{owner}/{file}", purpose.folder())
}

/// `USER#<owner>` / `FILE#<id>`: a file's metadata.
pub fn file(owner: &UserId, id: &tutorbridge_domain::files::FileId) -> Key {
    Key::new(user(owner), format!("FILE#{id}"))
}

/// GSI1 entry of a file, to find it by id: `FILE#<id>` / `FILE`.
pub fn file_entry(id: &tutorbridge_domain::files::FileId) -> (String, String) {
    (format!("FILE#{id}"), "FILE".to_string())
}

/// `USER#<student>` / `SUMMARY#<ended_at>#<id>`: a live session's summary, newest last.
pub fn summary(
    student: &UserId,
    ended_at: &str,
    id: &tutorbridge_domain::summaries::SummaryId,
) -> Key {
    Key::new(user(student), format!("{SUMMARIES}{ended_at}#{id}"))
}

/// Sort-key prefix of a student's summaries.
pub const SUMMARIES: &str = "SUMMARY#";

/// GSI1 entry of a summary, to find it by id: `SUMMARY#<id>` / `SUMMARY`.
pub fn summary_entry(id: &tutorbridge_domain::summaries::SummaryId) -> (String, String) {
    (format!("SUMMARY#{id}"), "SUMMARY".to_string())
}

/// `WEBHOOK#<rails session id>` / `RECEIPT`: a delivery (create-only: idempotency).
pub fn receipt(id: &tutorbridge_domain::summaries::RailsSessionId) -> Key {
    Key::new(format!("WEBHOOK#{id}"), "RECEIPT")
}

/// The object a delivered transcript is kept at: `transcripts/<rails session id>.json`.
pub fn transcript_object(id: &tutorbridge_domain::summaries::RailsSessionId) -> String {
    format!(
        "{}/{id}.json",
        tutorbridge_domain::files::Purpose::Transcript.folder()
    )
}

/// GSI2 partition of the summaries the sweep should retry with the model (a sparse index:
/// only receipts whose summary is an offline fallback are listed).
pub const SUMMARY_RETRIES: &str = "SWEEP#SUMMARIES";

/// GSI2 entry of a receipt awaiting a retry, oldest first: `SWEEP#SUMMARIES` /
/// `<received_at>#<rails session id>`.
pub fn summary_retry(
    received_at: &str,
    id: &tutorbridge_domain::summaries::RailsSessionId,
) -> (String, String) {
    (SUMMARY_RETRIES.to_string(), format!("{received_at}#{id}"))
}

/// GSI2 partition of pending uploads, by when they lapse (a sparse index: ready files leave it).
pub const LAPSING_UPLOADS: &str = "SWEEP#UPLOADS";

/// GSI2 entry of a pending upload: `SWEEP#UPLOADS` / `<lapses at, 12 digits>#<file id>`.
pub fn lapsing_upload(lapses_at: u64, id: &tutorbridge_domain::files::FileId) -> (String, String) {
    (LAPSING_UPLOADS.to_string(), format!("{lapses_at:012}#{id}"))
}

/// The GSI2 sort key bounding the uploads lapsed at or before `now` (seconds).
pub fn lapsed_by(now: u64) -> String {
    format!("{now:012}#~")
}

/// `QA#<id>`: the partition of one question: the exchange, its escalations and its replies.
pub fn qa_partition(id: &tutorbridge_domain::qa::QaId) -> String {
    format!("QA#{id}")
}

/// `QA#<id>` / `EXCHANGE`: a question and its answer.
pub fn qa_exchange(id: &tutorbridge_domain::qa::QaId) -> Key {
    Key::new(qa_partition(id), "EXCHANGE")
}

/// GSI1 entry of an exchange in its student's history: `USER#<student>` / `QA#<at>#<id>`.
pub fn student_question(
    student: &UserId,
    at: &str,
    id: &tutorbridge_domain::qa::QaId,
) -> (String, String) {
    (user(student), format!("{STUDENT_QUESTIONS}{at}#{id}"))
}

/// GSI1 sort-key prefix of a student's questions (in [`user`]'s partition).
pub const STUDENT_QUESTIONS: &str = "QA#";

/// `QA#<id>` / `ESCALATION#<tutor>`: the question escalated to one tutor.
pub fn qa_escalation(id: &tutorbridge_domain::qa::QaId, tutor: &UserId) -> Key {
    Key::new(qa_partition(id), format!("ESCALATION#{tutor}"))
}

/// GSI2 entry of an escalation in its tutor's list, open first, oldest first:
/// `ESCALATIONS#<tutor>` / `<0 open | 1 closed>#<at>#<id>`.
pub fn tutor_escalation(
    tutor: &UserId,
    open: bool,
    at: &str,
    id: &tutorbridge_domain::qa::QaId,
) -> (String, String) {
    (
        tutor_escalations(tutor),
        format!("{}#{at}#{id}", if open { 0 } else { 1 }),
    )
}

/// GSI2 partition of a tutor's escalations.
pub fn tutor_escalations(tutor: &UserId) -> String {
    format!("ESCALATIONS#{tutor}")
}

/// GSI2 sort-key prefix of a tutor's open (`0#`) or closed (`1#`) escalations.
pub fn escalation_status_prefix(open: bool) -> &'static str {
    if open { "0#" } else { "1#" }
}

/// `QA#<id>` / `REPLY#<at>#<reply id>`: one reply in a question's thread.
pub fn qa_reply(id: &tutorbridge_domain::qa::QaId, at: &str, reply: &str) -> Key {
    Key::new(qa_partition(id), format!("{QA_REPLIES}{at}#{reply}"))
}

/// Sort-key prefix of a thread's replies.
pub const QA_REPLIES: &str = "REPLY#";

/// `MAIL#<id>` / `RETRY`: a message that could not be sent, for the sweep to send again.
pub fn mail_retry(id: &str) -> Key {
    Key::new(format!("MAIL#{id}"), "RETRY")
}

/// GSI2 partition of mail the sweep should send again (sparse).
pub const MAIL_RETRIES: &str = "SWEEP#MAIL";

/// `USER#<id>` / `QUOTA#<YYYYMMDD>`: how many AI-backed requests a user made in one UTC day
/// (and in its latest minute), expiring a day after it.
pub fn quota(user_id: &UserId, day: &str) -> Key {
    Key::new(user(user_id), format!("QUOTA#{day}"))
}

/// Sort-key prefix of a student's nudges (newest last by creation time).
pub const NUDGES: &str = "NUDGE#";

/// `USER#<student>` / `NUDGE#<id>`: one nudge, in-app and by email. Ids begin with the
/// creation time (milliseconds, 13 digits), so the student's nudges sort oldest first.
pub fn nudge(student: &UserId, id: &str) -> Key {
    Key::new(user(student), format!("{NUDGES}{id}"))
}

/// GSI1 entry of a nudge in its UTC day's list, for the statistics and the settling of
/// returns: `NUDGES#<YYYY-MM-DD>` / `<id>`.
pub fn nudge_day_entry(day: &str, id: &str) -> (String, String) {
    (nudge_day(day), id.to_string())
}

/// GSI1 partition of the nudges created on a UTC day.
pub fn nudge_day(day: &str) -> String {
    format!("NUDGES#{day}")
}

/// `USER#<student>` / `NUDGECUE#<trigger>#<subject slug or ->`: something worth a nudge once
/// it is due (a goal completed, reviews due, a summary's next step).
pub fn nudge_cue(student: &UserId, trigger: &str, slug: &str) -> Key {
    Key::new(user(student), format!("NUDGECUE#{trigger}#{slug}"))
}

/// GSI2 partition of the cues, by when they fall due (sparse).
pub const NUDGE_CUES: &str = "NUDGE#CUES";

/// GSI2 entry of a cue: `NUDGE#CUES` / `<due_at>#<student>#<trigger>#<slug>`.
pub fn nudge_cue_entry(
    due_at: &str,
    student: &UserId,
    trigger: &str,
    slug: &str,
) -> (String, String) {
    (
        NUDGE_CUES.to_string(),
        format!("{due_at}#{student}#{trigger}#{slug}"),
    )
}

/// `JOB#nudges` / `BANDIT`: what each template has earned (the bandit's statistics).
pub fn nudge_bandit() -> Key {
    Key::new("JOB#nudges", "BANDIT")
}

/// `JOB#nudges` / `SETTLED`: nudges created up to this time have had their returns counted.
pub fn nudge_settled() -> Key {
    Key::new("JOB#nudges", "SETTLED")
}

/// `USER#<student>` / `NUDGELOCK#<local day>#<slot>`: the `slot`-th nudge of the student's
/// local day is taken (create-only: a rerun or a concurrent run cannot send it twice).
pub fn nudge_lock(student: &UserId, local_day: &str, slot: u32) -> Key {
    Key::new(user(student), format!("NUDGELOCK#{local_day}#{slot}"))
}

/// GSI2 partition of nudges whose email is still to be sent (sparse).
pub const NUDGE_MAIL: &str = "SWEEP#NUDGEMAIL";

/// `JOB#nudges` / `CHECKPOINT`: where an unfinished nudge run stopped.
pub fn nudge_checkpoint() -> Key {
    Key::new("JOB#nudges", "CHECKPOINT")
}
