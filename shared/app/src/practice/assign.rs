//! Assigning an item near the target success.

use tutorbridge_domain::curriculum::CurriculumName;
use tutorbridge_domain::learner::{
    Estimate, difficulty_for, difficulty_label, display_rating, p_correct,
};
use tutorbridge_domain::practice::{AssignmentId, Ranking, SubjectSlug};
use tutorbridge_domain::{Caller, Role};
use tutorbridge_table::Condition;

use super::bank::{WritingBrief, generated_item, written_item};
use super::records::{Assignment, AssignmentRecord, ItemView, OpenItemRecord};
use super::{PracticeService, resolve_subject, shown, store};
use crate::AppError;
use crate::curriculum::guidelines_of_subject;
use crate::records::Record;
use crate::sessions::store::latest_session_topic;
use crate::summaries::latest_summary_topics;

/// Guidelines read for a non-maths assignment (the sources of a written item).
const MAX_GUIDELINES: usize = 50;
/// Existing prompts the AI port is told not to repeat.
const MAX_AVOID: usize = 10;

impl PracticeService {
    /// Pick an item for the calling student in `subject` (optionally one `topic`): the
    /// candidate whose predicted success is closest to the target, skipping recently seen items
    /// and preferring goal topics, the latest session's topic and the topics the latest live
    /// session's summary covered (all in this subject). When no candidate is within
    /// [`tutorbridge_domain::practice::SUITABLE_GAP`] of the target, maths generates an item
    /// and other subjects ask the AI port to write one from a guideline (stored with provenance
    /// `ai`, review `pending`).
    ///
    /// An item already open in another of the student's assignments is never chosen, so one
    /// answer cannot be scored on many assignments.
    ///
    /// Two sequential round trips: one parallel read (subjects, rating, the subject's goals,
    /// open items, latest session, latest summary, one GSI query per difficulty band unless the
    /// bank's candidates are kept, and for non-maths subjects the subject's guidelines and the
    /// student's model budget), then one transaction (the assignment, its open-item marker, and
    /// a new item if one was made).
    ///
    /// # Errors
    /// `Forbidden` for non-students; `NotFound` for an unknown subject (listing the subjects) or
    /// a topic with neither items nor a guideline.
    pub async fn assign(
        &self,
        caller: &Caller,
        subject: &SubjectSlug,
        topic: Option<&CurriculumName>,
    ) -> Result<Assignment, AppError> {
        if !caller.has(Role::Student) {
            return Err(AppError::Forbidden("only students practise".into()));
        }
        let store = &self.ports.store;
        let student = &caller.user_id;
        let guidelines = async {
            if subject.is_mathematics() {
                return Ok(Vec::new());
            }
            guidelines_of_subject(store, subject, topic, MAX_GUIDELINES).await
        };
        let now = self.ports.clock.now();
        // The model writes items only outside maths: the budget it charges is read only there.
        let budget = async {
            if subject.is_mathematics() {
                return Ok(None);
            }
            crate::quota::usage(store, student, now, self.quota)
                .await
                .map(Some)
        };
        let (subjects, rating, bank, goals, open, session, summary, guidelines, used) = tokio::join!(
            store::subject_list(store),
            store::rating_of(store, student, subject),
            self.ports
                .bank
                .of(store, self.ports.clock.as_ref(), subject),
            store::goals_in_subject(store, student, subject),
            store::open_items_of_student(store, student),
            latest_session_topic(store, student),
            latest_summary_topics(store, student),
            guidelines,
            budget,
        );
        let subject_name = resolve_subject(&subjects?, subject)?;
        let rating = rating?;
        let skill = rating.as_ref().map_or(Estimate::new(0.0), |r| r.skill);
        let (recent, reviews) = rating.map(|r| (r.recent, r.reviews)).unwrap_or_default();
        let bank = bank?;
        let open: Vec<String> = open?
            .into_iter()
            .map(|record| record.item_id.to_string())
            .collect();
        let quota = self
            .settings
            .max_open_assignments
            .min(crate::config::MAX_OPEN_ASSIGNMENTS);
        if open.len() >= quota {
            return Err(AppError::TooMany(format!(
                "at most {quota} assignments may be open at once: answer some, or let them expire"
            )));
        }
        let mut preferred: Vec<String> = goals?
            .map(|record| record.set.goals)
            .unwrap_or_default()
            .iter()
            .filter(|g| g.is_active_in(subject))
            .flat_map(|g| g.topics.iter().map(|t| t.to_lowercase()))
            .collect();
        // The topic of the latest tutoring session in this subject, if any.
        if let Some(session) = session?
            && SubjectSlug::parse(&session.guideline.subject).is_ok_and(|s| &s == subject)
        {
            preferred.push(session.guideline.topic.to_lowercase());
        }
        // The topics the human tutor covered in the latest live session, if it was this subject.
        if let Some(summary) = summary?
            && SubjectSlug::parse(&summary.subject).is_ok_and(|s| &s == subject)
        {
            preferred.extend(summary.key_topics.iter().map(|t| t.to_lowercase()));
        }

        let target = self.settings.target_success;
        let topic = topic.map(CurriculumName::as_str);
        let ranking = Ranking {
            skill: skill.value,
            target,
            recent: &recent,
            open: &open,
            preferred: &preferred,
            topic,
            draw: self.ports.ids.seed(),
        };
        // A due review comes first; else an item nearest the target.
        let review = ranking.due_review(&bank, &reviews, now.as_millisecond());
        let suitable = review.or_else(|| ranking.suitable(&bank));
        let label = difficulty_label(difficulty_for(skill.value, target));
        let ids = self.ports.ids.as_ref();
        // Writing an item asks the model: it counts against the student's budget.
        let mut charge = None;
        let new_item = match suitable {
            Some(_) => None,
            None => match used? {
                // Maths: generated here, without the model.
                None => generated_item(ids, &subject_name, topic, label)?,
                Some(used) => {
                    used.check()?;
                    charge = Some(used);
                    let brief = WritingBrief {
                        subject: &subject_name,
                        guidelines: &guidelines?,
                        topic,
                        preferred: &preferred,
                        label,
                        avoid: ranking.prompts_to_avoid(&bank, MAX_AVOID),
                    };
                    written_item(ids, &self.tutor, brief).await?
                }
            },
        };
        let chosen = match (&new_item, suitable) {
            (Some(record), _) => record.item.clone(),
            (None, Some(item)) => item.clone(),
            // Nothing near the target and nothing to write from: the least bad item in scope.
            (None, None) => ranking.closest(&bank).cloned().ok_or_else(|| match topic {
                Some(topic) => {
                    AppError::NotFound(format!("no {subject_name} items on topic '{topic}'"))
                }
                None => AppError::NotFound(format!("the {subject_name} bank is empty")),
            })?,
        };

        let issued = self.ports.clock.now_ms();
        let predicted = p_correct(skill.value, chosen.difficulty, chosen.options());
        let assignment_id = AssignmentId::new(subject.clone(), chosen.id.clone(), &ids.lower())?;
        let record = AssignmentRecord {
            assignment_id: assignment_id.clone(),
            student: student.clone(),
            subject: subject_name,
            item: chosen.clone(),
            predicted,
            issued_at_ms: issued,
            expires_at_ms: issued + self.settings.assignment_lifetime.as_millis() as u64,
            attempts: 0,
            first: None,
            solved: None,
            version: 1,
        };
        // The item is now open in this assignment: create-only, so a concurrent assign that chose
        // the same item fails instead of opening it twice.
        let marker = OpenItemRecord {
            student: student.clone(),
            item_id: chosen.id.clone(),
            assignment_id: assignment_id.clone(),
            expires_at_ms: record.expires_at_ms,
        };
        let mut ops = vec![
            record.put(Condition::NotExists)?,
            marker.put(Condition::NotExists)?,
        ];
        if let Some(new_item) = &new_item {
            ops.push(new_item.put(Condition::NotExists)?);
            if let Some(used) = &charge {
                ops.extend(used.charge()?);
            }
        }
        store.transact_write(ops).await?;
        if let Some(new_item) = &new_item {
            self.ports.bank.added(subject, &new_item.item);
        }
        Ok(Assignment {
            assignment_id,
            item: ItemView::from(&chosen),
            difficulty_label: difficulty_label(chosen.difficulty),
            predicted_success: shown(predicted),
            rating: display_rating(skill.value),
            expires_at_ms: record.expires_at_ms,
            review: review.is_some() && new_item.is_none(),
        })
    }
}
