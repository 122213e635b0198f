//! Applying the access policy: looks up the caller's links to a student only when the answer
//! depends on them, and records links (both directions in one transaction).

use serde::{Deserialize, Serialize};
use tutorbridge_domain::access::needs_relationships;
use tutorbridge_domain::{Access, Caller, Relationship, Role, UserId, may_access};
use tutorbridge_table::{Condition, Key, WriteOp};

use crate::keys::{self, entity};
use crate::records::{Placement, to_item};
use crate::{AppError, Store};

/// A link between a tutor or parent and a student, stored in both directions.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct LinkRecord {
    relationship: String,
    from: UserId,
    student: UserId,
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
    /// At most one table read per relationship role the caller holds; none for admins and for
    /// students acting on themselves.
    pub async fn authorize(
        &self,
        caller: &Caller,
        student: &UserId,
        access: Access,
    ) -> Result<(), AppError> {
        let mut relationships = Vec::new();
        if needs_relationships(caller, student) {
            for (role, relationship) in [
                (Role::Tutor, Relationship::Tutor),
                (Role::Parent, Relationship::Parent),
            ] {
                if caller.has(role) {
                    let (forward, _) = link_keys(relationship, &caller.user_id, student);
                    if self.store.get(&forward).await?.is_some() {
                        relationships.push(relationship);
                    }
                }
            }
        }
        if may_access(caller, student, &relationships, access) {
            Ok(())
        } else {
            Err(AppError::NotFound(format!(
                "no student '{student}' is visible to you"
            )))
        }
    }

    /// Record that `from` is `student`'s tutor or parent (idempotent).
    pub async fn link(
        &self,
        relationship: Relationship,
        from: &UserId,
        student: &UserId,
    ) -> Result<(), AppError> {
        let record = LinkRecord {
            relationship: match relationship {
                Relationship::Tutor => "tutor".into(),
                Relationship::Parent => "parent".into(),
            },
            from: from.clone(),
            student: student.clone(),
        };
        let (forward, reverse) = link_keys(relationship, from, student);
        let ops = [forward, reverse]
            .into_iter()
            .map(|key| {
                Ok(WriteOp::Put {
                    item: to_item(
                        &record,
                        Placement {
                            key,
                            entity: entity::LINK,
                            gsi1: None,
                        },
                    )?,
                    condition: Condition::None,
                })
            })
            .collect::<Result<Vec<_>, AppError>>()?;
        self.store.transact_write(ops).await?;
        Ok(())
    }
}
