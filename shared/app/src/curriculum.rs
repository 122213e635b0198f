//! Browsing the curriculum and reading guidelines.
//!
//! Guidelines sit in GSI1 under `CURRICULUM#<country>#<board>#<grade>` with the sort key
//! `<subject>#<topic>#<subtopic>` (names in key form), so every listing is one GSI query:
//! the whole partition for subjects, a `begins_with` prefix for topics and subtopics.

use serde::Deserialize;
use tutorbridge_domain::curriculum::{
    CurriculumName, Guideline, GuidelineId, Level, SubtopicEntry,
};
use tutorbridge_domain::practice::SubjectSlug;
use tutorbridge_table::{Condition, Index, Key, Query, SortKeyCondition};

use crate::keys::{self, entity};
use crate::records::{Record, query_all, query_page, read};
use crate::{AppError, Store};

/// A guideline is listed twice: in its curriculum (GSI1) and under its subject across curricula
/// (GSI2, what practice asks for when the AI writes an item).
impl Record for Guideline {
    const ENTITY: &'static str = entity::GUIDELINE;

    fn key(&self) -> Key {
        keys::guideline(&self.id)
    }

    fn gsi1(&self) -> Option<(String, String)> {
        Some((
            keys::curriculum_partition(&self.level),
            keys::curriculum_sort(&[&self.subject, &self.topic, &self.subtopic]),
        ))
    }

    fn gsi2(&self) -> Option<(String, String)> {
        keys::subject_guideline(self)
    }
}

/// Up to `limit` guidelines of a subject across curricula, optionally of one topic (one GSI2
/// query).
pub(crate) async fn guidelines_of_subject(
    store: &Store,
    subject: &SubjectSlug,
    topic: Option<&CurriculumName>,
    limit: usize,
) -> Result<Vec<Guideline>, AppError> {
    let mut query =
        Query::partition(Index::Gsi2, keys::subject_guidelines(subject)).limit(limit as u32);
    if let Some(topic) = topic {
        query = query.sort(SortKeyCondition::BeginsWith(keys::curriculum_prefix(&[
            topic,
        ])));
    }
    Ok(query_page(store, &query).await?.0)
}

/// What to list: subjects of a level, topics of a subject, or subtopics of a topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListingRequest {
    pub level: Level,
    pub subject: Option<CurriculumName>,
    pub topic: Option<CurriculumName>,
}

/// One level of the curriculum tree, names as the curriculum spells them, in key order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Listing {
    Subjects(Vec<String>),
    Topics(Vec<String>),
    Subtopics(Vec<SubtopicEntry>),
}

/// The fields a listing needs from a guideline item.
#[derive(Deserialize)]
struct ListingFields {
    id: String,
    subject: String,
    topic: String,
    subtopic: String,
}

/// Curriculum use cases.
#[derive(Clone)]
pub struct CurriculumService {
    store: Store,
}

impl CurriculumService {
    pub fn new(store: Store) -> Self {
        CurriculumService { store }
    }

    /// List one level of the tree.
    ///
    /// # Errors
    /// `Invalid` for a topic without a subject; `NotFound` when nothing matches (an unknown
    /// country, board, grade, subject or topic).
    pub async fn list(&self, request: &ListingRequest) -> Result<Listing, AppError> {
        let prefix = match (&request.subject, &request.topic) {
            (None, Some(_)) => {
                return Err(AppError::Invalid("topic needs a subject".into()));
            }
            (None, None) => None,
            (Some(subject), None) => Some(keys::curriculum_prefix(&[subject])),
            (Some(subject), Some(topic)) => Some(keys::curriculum_prefix(&[subject, topic])),
        };
        let mut query = Query::partition(Index::Gsi1, keys::curriculum_partition(&request.level));
        if let Some(prefix) = prefix {
            query = query.sort(SortKeyCondition::BeginsWith(prefix));
        }
        let entries: Vec<ListingFields> = query_all(&self.store, query).await?;
        if entries.is_empty() {
            return Err(AppError::NotFound(describe_missing(request)));
        }
        Ok(match (&request.subject, &request.topic) {
            (None, _) => Listing::Subjects(distinct(entries.into_iter().map(|e| e.subject))),
            (Some(_), None) => Listing::Topics(distinct(entries.into_iter().map(|e| e.topic))),
            (Some(_), Some(_)) => Listing::Subtopics(
                entries
                    .into_iter()
                    .map(|e| SubtopicEntry {
                        subtopic: e.subtopic,
                        guideline_id: e.id,
                    })
                    .collect(),
            ),
        })
    }

    /// One guideline by id (one table read).
    ///
    /// # Errors
    /// `NotFound` when no guideline has this id.
    pub async fn guideline(&self, id: &GuidelineId) -> Result<Guideline, AppError> {
        read(&self.store, &keys::guideline(id))
            .await?
            .ok_or_else(|| AppError::NotFound(format!("no guideline has the id '{}'", id.as_str())))
    }

    /// Store guidelines (create or replace), 25 to a transaction.
    pub async fn import(&self, guidelines: &[Guideline]) -> Result<usize, AppError> {
        for chunk in guidelines.chunks(tutorbridge_table::MAX_TRANSACTION_ITEMS) {
            let ops = chunk
                .iter()
                .map(|guideline| guideline.put(Condition::None))
                .collect::<Result<Vec<_>, AppError>>()?;
            self.store.transact_write(ops).await?;
        }
        Ok(guidelines.len())
    }
}

/// Names in first-seen order (the index order), without repeats.
fn distinct(names: impl Iterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for name in names {
        if !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

fn describe_missing(request: &ListingRequest) -> String {
    let level = &request.level;
    let mut place = format!(
        "country '{}', board '{}', grade {}",
        level.country.as_str(),
        level.board.as_str(),
        level.grade.value()
    );
    if let Some(subject) = &request.subject {
        place.push_str(&format!(", subject '{}'", subject.as_str()));
    }
    if let Some(topic) = &request.topic {
        place.push_str(&format!(", topic '{}'", topic.as_str()));
    }
    format!("no curriculum matches {place}")
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use tutorbridge_domain::curriculum::Grade;
    use tutorbridge_embedded_table::EmbeddedTable;
    use tutorbridge_table::CountingTable;

    use super::*;

    async fn seeded() -> (Arc<CountingTable<EmbeddedTable>>, CurriculumService) {
        let table = EmbeddedTable::temporary();
        let counting = Arc::new(CountingTable::new(table));
        let store: Store = counting.clone();
        crate::seed::ensure_demo_curriculum(&store)
            .await
            .expect("seed");
        counting.take();
        (counting, CurriculumService::new(store))
    }

    fn name(raw: &str) -> CurriculumName {
        CurriculumName::parse("name", raw).expect("name")
    }

    fn request(subject: Option<&str>, topic: Option<&str>) -> ListingRequest {
        ListingRequest {
            level: Level {
                country: name("india"),
                board: name("cbse"),
                grade: Grade::parse("3").expect("grade"),
            },
            subject: subject.map(name),
            topic: topic.map(name),
        }
    }

    #[tokio::test]
    async fn each_level_of_the_tree_is_one_index_query() {
        let (counting, service) = seeded().await;
        let subjects = service.list(&request(None, None)).await.expect("subjects");
        assert_eq!(
            subjects,
            Listing::Subjects(vec![
                "English".into(),
                "Mathematics".into(),
                "Science".into()
            ])
        );
        assert_eq!(counting.take(), 1);

        let topics = service
            .list(&request(Some("MATHEMATICS"), None))
            .await
            .expect("topics");
        assert_eq!(
            topics,
            Listing::Topics(vec!["Fractions".into(), "Multiplication".into()])
        );
        assert_eq!(counting.take(), 1);

        let Listing::Subtopics(subtopics) = service
            .list(&request(Some("Mathematics"), Some("fractions")))
            .await
            .expect("subtopics")
        else {
            panic!("expected subtopics");
        };
        assert_eq!(counting.take(), 1);
        assert_eq!(subtopics.len(), 2);
        let guideline = service
            .guideline(&GuidelineId::parse(&subtopics[0].guideline_id).expect("id"))
            .await
            .expect("guideline");
        assert_eq!(guideline.subtopic.as_str(), subtopics[0].subtopic);
        assert!(!guideline.common_misconceptions.is_empty());
        assert_eq!(counting.take(), 1);
    }

    #[tokio::test]
    async fn unknown_places_in_the_tree_are_not_found_and_a_bare_topic_is_invalid() {
        let (_, service) = seeded().await;
        let error = service
            .list(&request(Some("Astrology"), None))
            .await
            .expect_err("unknown");
        assert!(
            matches!(error, AppError::NotFound(ref m) if m.contains("Astrology")),
            "{error:?}"
        );
        assert!(matches!(
            service.list(&request(None, Some("Fractions"))).await,
            Err(AppError::Invalid(_))
        ));
        let missing = GuidelineId::parse("no-such-guideline").expect("id");
        assert!(matches!(
            service.guideline(&missing).await,
            Err(AppError::NotFound(_))
        ));
    }

    #[tokio::test]
    async fn the_demo_curriculum_meets_its_promise_and_seeds_once() {
        let guidelines = crate::seed::demo_curriculum().expect("parse");
        assert!(guidelines.len() >= 12);
        let subjects: std::collections::BTreeSet<_> =
            guidelines.iter().map(|g| g.subject.key()).collect();
        assert!(subjects.len() >= 3 && subjects.contains("mathematics"));
        let levels: std::collections::BTreeSet<_> = guidelines
            .iter()
            .map(|g| keys::curriculum_partition(&g.level))
            .collect();
        assert!(levels.len() >= 2);
        for guideline in &guidelines {
            assert!(
                guideline.overview.len() > 100,
                "{} needs real teaching text",
                guideline.id.as_str()
            );
            for list in [
                &guideline.objectives,
                &guideline.common_misconceptions,
                &guideline.scaffolding_strategies,
                &guideline.assessment_criteria,
            ] {
                assert!(list.len() >= 2, "{}", guideline.id.as_str());
            }
        }
        let (_, service) = seeded().await;
        let store = service.store.clone();
        assert_eq!(
            crate::seed::ensure_demo_curriculum(&store)
                .await
                .expect("again"),
            0
        );
    }
}
