//! Applying the access policy: looks up the caller's links to a student only when the answer
//! depends on them, and records links (both directions in one transaction).

use futures_util::future::try_join_all;
use serde::{Deserialize, Serialize};
use tutorbridge_domain::access::needs_relationships;
use tutorbridge_domain::{Access, Caller, Relationship, Role, UserId, may_access};
use tutorbridge_table::{Condition, Key, WriteOp};

use crate::keys::{self, entity};
use crate::records::Record;
use crate::{AppError, Store};

/// A link between a tutor or parent and a student, stored in both directions.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct LinkRecord {
    relationship: String,
    from: UserId,
    student: UserId,
    /// False for the forward item (`USER#<adult>`), true for the reverse (`USER#<student>`).
    #[serde(default)]
    reverse: bool,
}

impl LinkRecord {
    fn kind(&self) -> Relationship {
        if self.relationship == "parent" {
            Relationship::Parent
        } else {
            Relationship::Tutor
        }
    }
}

impl Record for LinkRecord {
    const ENTITY: &'static str = entity::LINK;

    fn key(&self) -> Key {
        let (forward, reverse) = link_keys(self.kind(), &self.from, &self.student);
        if self.reverse { reverse } else { forward }
    }
}

fn link_keys(relationship: Relationship, from: &UserId, student: &UserId) -> (Key, Key) {
    match relationship {
        Relationship::Tutor => (
            keys::tutor_link(from, student),
            keys::tutor_link_reverse(from, student),
        ),
        Relationship::Parent => (
            keys::parent_link(from, student),
            keys::parent_link_reverse(from, student),
        ),
    }
}

/// Access checks and relationship records.
#[derive(Clone)]
pub struct AccessService {
    store: Store,
}

impl AccessService {
    pub fn new(store: Store) -> Self {
        AccessService { store }
    }

    /// Succeed when `caller` may perform `access` on `student`'s data.
    ///
    /// # Errors
    /// `NotFound` otherwise: callers without access cannot learn whether the student exists.
    /// One round trip at most (a read per relationship role the caller holds, in parallel);
    /// none for admins and for students acting on themselves. A table failure is `Internal`.
    pub async fn authorize(
        &self,
        caller: &Caller,
        student: &UserId,
        access: Access,
    ) -> Result<(), AppError> {
        let roles: Vec<Relationship> = if needs_relationships(caller, student) {
            [
                (Role::Tutor, Relationship::Tutor),
                (Role::Parent, Relationship::Parent),
            ]
            .into_iter()
            .filter(|(role, _)| caller.has(*role))
            .map(|(_, relationship)| relationship)
            .collect()
        } else {
            Vec::new()
        };
        let found = try_join_all(roles.iter().map(|relationship| async move {
            let (forward, _) = link_keys(*relationship, &caller.user_id, student);
            Ok::<_, AppError>(self.store.get(&forward).await?.map(|_| *relationship))
        }))
        .await?;
        let relationships: Vec<Relationship> = found.into_iter().flatten().collect();
        if may_access(caller, student, &relationships, access) {
            Ok(())
        } else {
            Err(AppError::NotFound(format!(
                "no student '{student}' is visible to you"
            )))
        }
    }

    /// Record that `from` is `student`'s tutor or parent (idempotent; both directions in one
    /// transaction).
    pub async fn link(
        &self,
        relationship: Relationship,
        from: &UserId,
        student: &UserId,
    ) -> Result<(), AppError> {
        self.store
            .transact_write(link_ops(relationship, from, student)?)
            .await?;
        Ok(())
    }

    /// Remove a link in both directions, in one transaction (idempotent).
    pub async fn unlink(
        &self,
        relationship: Relationship,
        from: &UserId,
        student: &UserId,
    ) -> Result<(), AppError> {
        self.store
            .transact_write(unlink_ops(relationship, from, student))
            .await?;
        Ok(())
    }
}

/// The writes of a link, both directions (for a transaction that may carry more).
pub(crate) fn link_ops(
    relationship: Relationship,
    from: &UserId,
    student: &UserId,
) -> Result<Vec<WriteOp>, AppError> {
    [false, true]
        .into_iter()
        .map(|reverse| {
            LinkRecord {
                relationship: match relationship {
                    Relationship::Tutor => "tutor".into(),
                    Relationship::Parent => "parent".into(),
                },
                from: from.clone(),
                student: student.clone(),
                reverse,
            }
            .put(Condition::None)
        })
        .collect()
}

/// The deletes of a link, both directions.
pub(crate) fn unlink_ops(
    relationship: Relationship,
    from: &UserId,
    student: &UserId,
) -> Vec<WriteOp> {
    let (forward, reverse) = link_keys(relationship, from, student);
    [forward, reverse]
        .into_iter()
        .map(|key| WriteOp::Delete {
            key,
            condition: Condition::None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::sync::Arc;

    use tutorbridge_embedded_table::EmbeddedTable;
    use tutorbridge_table::CountingTable;

    use super::*;

    fn id(raw: &str) -> UserId {
        UserId::parse(raw).expect("id")
    }

    fn caller(raw: &str, roles: &[Role]) -> Caller {
        Caller {
            user_id: id(raw),
            roles: roles.iter().copied().collect::<BTreeSet<_>>(),
            email: None,
        }
    }

    async fn service() -> (Arc<CountingTable<EmbeddedTable>>, AccessService) {
        let table = EmbeddedTable::temporary();
        let counting = Arc::new(CountingTable::new(table));
        let service = AccessService::new(counting.clone());
        service
            .link(Relationship::Tutor, &id("tutor-1"), &id("stu-1"))
            .await
            .expect("tutor link");
        service
            .link(Relationship::Parent, &id("parent-1"), &id("stu-1"))
            .await
            .expect("parent link");
        counting.take();
        (counting, service)
    }

    #[tokio::test]
    async fn linked_tutors_and_parents_get_their_access_and_strangers_a_404() {
        let (_, service) = service().await;
        let student = id("stu-1");
        let tutor = caller("tutor-1", &[Role::Tutor]);
        let parent = caller("parent-1", &[Role::Parent]);
        service
            .authorize(&tutor, &student, Access::Write)
            .await
            .expect("tutor writes");
        service
            .authorize(&parent, &student, Access::Read)
            .await
            .expect("parent reads");
        let refused = [
            (caller("parent-1", &[Role::Parent]), Access::Write),
            (caller("tutor-2", &[Role::Tutor]), Access::Read),
            (caller("stu-2", &[Role::Student]), Access::Read),
        ];
        for (who, access) in refused {
            let error = service
                .authorize(&who, &student, access)
                .await
                .expect_err("refused");
            assert!(matches!(error, AppError::NotFound(_)), "{who:?} {access:?}");
        }
    }

    #[tokio::test]
    async fn the_check_costs_at_most_one_read_and_none_when_the_role_decides() {
        let (counting, service) = service().await;
        let student = id("stu-1");
        service
            .authorize(&caller("stu-1", &[Role::Student]), &student, Access::Write)
            .await
            .expect("self");
        service
            .authorize(&caller("admin", &[Role::Admin]), &student, Access::Write)
            .await
            .expect("admin");
        assert_eq!(counting.take(), 0);
        service
            .authorize(&caller("tutor-1", &[Role::Tutor]), &student, Access::Read)
            .await
            .expect("tutor");
        assert_eq!(counting.take(), 1);
    }

    #[tokio::test]
    async fn links_are_written_in_both_directions() {
        let (counting, service) = service().await;
        let store: &CountingTable<EmbeddedTable> = &counting;
        for key in [
            keys::tutor_link(&id("tutor-1"), &id("stu-1")),
            keys::tutor_link_reverse(&id("tutor-1"), &id("stu-1")),
            keys::parent_link(&id("parent-1"), &id("stu-1")),
            keys::parent_link_reverse(&id("parent-1"), &id("stu-1")),
        ] {
            assert!(
                tutorbridge_table::Table::get(store, &key)
                    .await
                    .expect("get")
                    .is_some(),
                "{key:?}"
            );
        }
        drop(service);
    }
}
