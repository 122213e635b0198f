//! A student's data under GDPR: one export document with everything stored about them, and
//! erasure that leaves only an audit entry saying it happened.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;
use tutorbridge_domain::{Access, Caller, Role, UserId};
use tutorbridge_table::definition::{ENTITY_ATTRIBUTE, PARTITION_KEY, SORT_KEY};
use tutorbridge_table::{
    Condition, Index, Item, Key, MAX_TRANSACTION_ITEMS, Query, Value as TableValue, WriteOp,
};

use crate::access::AccessService;
use crate::keys::{self, entity};
use crate::people::AuditEntry;
use crate::practice::records::exported_rating;
use crate::records::{Record, from_item};
use crate::{AppError, Ports, Store};

/// `GET /students/{id}/export`: every stored record about the student, grouped by kind.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Export {
    pub student: UserId,
    pub exported_at: String,
    /// The student's own records by entity (PROFILE, RATING, ATTEMPT, GOALS, LINK, …).
    #[schema(value_type = Object)]
    pub records: BTreeMap<String, Vec<Value>>,
    /// Each tutoring session with its event log and stored results.
    #[schema(value_type = Vec<Object>)]
    pub sessions: Vec<BTreeMap<String, Vec<Value>>>,
    /// Each question with its escalations and replies.
    #[schema(value_type = Vec<Object>)]
    pub questions: Vec<BTreeMap<String, Vec<Value>>>,
}

/// The answer to an erasure.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Erasure {
    pub student: UserId,
    /// Items deleted.
    pub deleted: usize,
    pub audit: AuditEntry,
}

/// Every item of `partition` in `index` (page by page).
async fn partition_in(
    store: &Store,
    index: Index,
    partition: String,
) -> Result<Vec<Item>, AppError> {
    let mut items = Vec::new();
    let mut cursor = None;
    loop {
        let page = store
            .query(&Query::partition(index, partition.clone()).after(cursor))
            .await?;
        items.extend(page.items);
        match page.next {
            Some(next) => cursor = Some(next),
            None => return Ok(items),
        }
    }
}

fn text(item: &Item, attribute: &str) -> Option<String> {
    match item.get(attribute) {
        Some(TableValue::S(value)) => Some(value.clone()),
        _ => None,
    }
}

fn grouped(items: &[Item]) -> Result<BTreeMap<String, Vec<Value>>, AppError> {
    let mut groups: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for item in items {
        let kind = text(item, ENTITY_ATTRIBUTE).unwrap_or_else(|| "OTHER".into());
        let record = if kind == entity::RATING {
            exported_rating(item.clone())?
        } else {
            from_item(item.clone())?
        };
        groups.entry(kind).or_default().push(record);
    }
    Ok(groups)
}

/// What is stored about a student: their partition and their sessions' partitions.
struct Holdings {
    own: Vec<Item>,
    sessions: Vec<(String, Vec<Item>)>,
    /// Each question's partition: the exchange, its escalations and replies.
    questions: Vec<(String, Vec<Item>)>,
}

impl Holdings {
    /// Anything but audit entries (after erasure only those remain).
    fn is_empty(&self) -> bool {
        self.sessions.is_empty()
            && self.questions.is_empty()
            && self
                .own
                .iter()
                .all(|item| text(item, ENTITY_ATTRIBUTE).as_deref() == Some(entity::AUDIT))
    }
}

/// Export and erasure.
#[derive(Clone)]
pub struct PrivacyService {
    ports: Ports,
    access: AccessService,
    /// Where the student's uploads are, so erasure removes the objects too.
    files: Option<std::sync::Arc<dyn crate::file_store::FileStore>>,
}

impl PrivacyService {
    pub fn new(ports: impl Into<Ports>) -> Self {
        let ports = ports.into();
        PrivacyService {
            access: AccessService::new(ports.store.clone()),
            ports,
            files: None,
        }
    }

    /// Erasure also removes the student's uploaded objects from `files`.
    pub fn with_files(mut self, files: std::sync::Arc<dyn crate::file_store::FileStore>) -> Self {
        self.files = Some(files);
        self
    }

    /// The student themself, a linked parent, or an admin; tutors are refused (403).
    async fn may(&self, caller: &Caller, student: &UserId, erase: bool) -> Result<(), AppError> {
        if caller.has(Role::Admin) {
            return Ok(());
        }
        let own = caller.has(Role::Student) && &caller.user_id == student;
        if caller.has(Role::Parent) && !own {
            return self.access.authorize(caller, student, Access::Read).await;
        }
        if own && !erase {
            return Ok(());
        }
        if caller.has(Role::Student) && !own {
            // Another student's data does not exist for a student.
            return Err(AppError::NotFound(format!(
                "no student '{student}' is visible to you"
            )));
        }
        Err(AppError::Forbidden(if erase {
            "only an admin or the student's parent erases a student".into()
        } else {
            "only the student, their parent or an admin exports their data".into()
        }))
    }

    async fn holdings(&self, student: &UserId) -> Result<Holdings, AppError> {
        let store = &self.ports.store;
        // The student's own partition, and the sessions listed under them in GSI1 (each lives
        // in its own partition).
        let (own, listed) = tokio::join!(
            partition_in(store, Index::Base, keys::user(student)),
            partition_in(store, Index::Gsi1, keys::user(student)),
        );
        let (own, listed) = (own?, listed?);
        let partitions_of = |kind: &str| {
            let mut partitions: Vec<String> = listed
                .iter()
                .filter(|item| text(item, ENTITY_ATTRIBUTE).as_deref() == Some(kind))
                .filter_map(|item| text(item, PARTITION_KEY))
                .collect();
            partitions.sort();
            partitions.dedup();
            partitions
        };
        let read_all = |partitions: Vec<String>| {
            futures_util::future::try_join_all(partitions.into_iter().map(|pk| async move {
                Ok::<_, AppError>((pk.clone(), partition_in(store, Index::Base, pk).await?))
            }))
        };
        let (sessions, questions) = tokio::join!(
            read_all(partitions_of(entity::SESSION)),
            read_all(partitions_of(entity::QA_EXCHANGE)),
        );
        Ok(Holdings {
            own,
            sessions: sessions?,
            questions: questions?,
        })
    }

    /// Everything stored about the student, as one document.
    ///
    /// # Errors
    /// `NotFound` when nothing is stored (never was, or erased) or the caller may not see the
    /// student; `Forbidden` for tutors.
    pub async fn export(&self, caller: &Caller, student: &UserId) -> Result<Export, AppError> {
        self.may(caller, student, false).await?;
        let holdings = self.holdings(student).await?;
        if holdings.is_empty() {
            return Err(AppError::NotFound(format!(
                "nothing is stored about '{student}'"
            )));
        }
        let audit = AuditEntry {
            audit_id: self.ports.ids.lower(),
            actor: caller.user_id.clone(),
            actor_roles: caller.roles.iter().copied().collect(),
            action: "privacy.export".into(),
            target: student.clone(),
            summary: format!("exported {} records", holdings.own.len()),
            at: self.ports.clock.now().to_string(),
        };
        self.ports
            .store
            .put(audit.to_item()?, Condition::NotExists)
            .await?;
        tracing::info!(actor = %caller.user_id, student = %student, "data exported");
        Ok(Export {
            student: student.clone(),
            exported_at: self.ports.clock.now().to_string(),
            records: grouped(&holdings.own)?,
            sessions: holdings
                .sessions
                .iter()
                .map(|(_, items)| grouped(items))
                .collect::<Result<_, _>>()?,
            questions: holdings
                .questions
                .iter()
                .map(|(_, items)| grouped(items))
                .collect::<Result<_, _>>()?,
        })
    }

    /// Erase everything stored about the student — their partition, their sessions, both
    /// directions of their links — keeping one audit entry saying who erased them. Deleted in
    /// transactions of 25; a failure part-way is finished by calling it again.
    ///
    /// # Errors
    /// `NotFound` when nothing is stored or the caller may not see the student; `Forbidden`
    /// for students and tutors.
    pub async fn erase(&self, caller: &Caller, student: &UserId) -> Result<Erasure, AppError> {
        self.may(caller, student, true).await?;
        let holdings = self.holdings(student).await?;
        if holdings.is_empty() {
            return Err(AppError::NotFound(format!(
                "nothing is stored about '{student}'"
            )));
        }
        let mut doomed: Vec<Key> = Vec::new();
        for item in &holdings.own {
            let Some(sort) = text(item, SORT_KEY) else {
                continue;
            };
            doomed.push(Key::new(keys::user(student), sort.clone()));
            // A summary's delivery receipt lives under the Rails session id.
            if text(item, ENTITY_ATTRIBUTE).as_deref() == Some(entity::SUMMARY) {
                let summary: crate::summaries::Summary = from_item(item.clone())?;
                doomed.push(keys::receipt(&summary.rails_session_id));
            }
            // The other direction of a link lives in the adult's partition.
            if text(item, ENTITY_ATTRIBUTE).as_deref() == Some(entity::LINK) {
                let adult = |prefix: &str| {
                    sort.strip_prefix(prefix)
                        .and_then(|id| UserId::parse(id).ok())
                };
                if let Some(tutor) = adult(keys::STUDENT_TUTORS) {
                    doomed.push(keys::tutor_link(&tutor, student));
                }
                if let Some(parent) = adult(keys::STUDENT_PARENTS) {
                    doomed.push(keys::parent_link(&parent, student));
                }
            }
        }
        for (pk, items) in holdings.sessions.iter().chain(&holdings.questions) {
            doomed.extend(
                items
                    .iter()
                    .filter_map(|item| text(item, SORT_KEY).map(|sk| Key::new(pk.clone(), sk))),
            );
        }
        // Uploaded objects and kept transcripts go first: once their records are gone nothing
        // points at them.
        if let Some(files) = &self.files {
            for item in &holdings.own {
                let object = match text(item, ENTITY_ATTRIBUTE).as_deref() {
                    Some(entity::FILE) => {
                        let file: crate::files::FileRecord = from_item(item.clone())?;
                        keys::object(file.purpose, &file.owner, &file.file_id)
                    }
                    Some(entity::SUMMARY) => {
                        let summary: crate::summaries::Summary = from_item(item.clone())?;
                        keys::transcript_object(&summary.rails_session_id)
                    }
                    _ => continue,
                };
                files.delete(&object).await.map_err(AppError::internal)?;
            }
        }
        let deleted = doomed.len();
        for chunk in doomed.chunks(MAX_TRANSACTION_ITEMS) {
            let ops = chunk
                .iter()
                .map(|key| WriteOp::Delete {
                    key: key.clone(),
                    condition: Condition::None,
                })
                .collect();
            self.ports.store.transact_write(ops).await?;
        }
        let audit = AuditEntry {
            audit_id: self.ports.ids.lower(),
            actor: caller.user_id.clone(),
            actor_roles: caller.roles.iter().copied().collect(),
            action: "privacy.erase".into(),
            target: student.clone(),
            summary: format!("erased {deleted} records"),
            at: self.ports.clock.now().to_string(),
        };
        self.ports
            .store
            .put(audit.to_item()?, Condition::NotExists)
            .await?;
        tracing::info!(actor = %caller.user_id, student = %student, deleted, "student erased");
        Ok(Erasure {
            student: student.clone(),
            deleted,
            audit,
        })
    }
}
