//! The people an adult oversees: admins link tutors and parents to students (audited), tutors
//! and parents list their students, admins read the audit trail.

use serde::Serialize;
use tutorbridge_domain::{Caller, Relationship, Role, UserId};
use tutorbridge_table::Condition;

use super::records::AuditEntry;
use super::store::{self, AuditScope};
use crate::access::{link_ops, unlink_ops};
use crate::keys;
use crate::records::{Record, decode_page_token, encode_page_token};
use crate::{AppError, Ports};

/// Largest page of students or audit entries.
pub const MAX_PAGE: u32 = 100;
/// Page size when none is asked for.
pub const DEFAULT_PAGE: u32 = 50;

/// One page of students.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct StudentPage {
    pub students: Vec<UserId>,
    /// Pass as `cursor` for the next page; absent on the last.
    pub next: Option<String>,
}

/// One page of the audit trail, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    pub next: Option<String>,
}

/// Which audit entries to read.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: Option<UserId>,
    pub target: Option<UserId>,
    /// An RFC 3339 time: entries at or after it.
    pub since: Option<jiff::Timestamp>,
}

fn page_size(limit: Option<u32>) -> Result<u32, AppError> {
    let limit = limit.unwrap_or(DEFAULT_PAGE);
    if (1..=MAX_PAGE).contains(&limit) {
        Ok(limit)
    } else {
        Err(AppError::Invalid(format!("limit must be 1 to {MAX_PAGE}")))
    }
}

fn admin_only(caller: &Caller) -> Result<(), AppError> {
    if caller.has(Role::Admin) {
        Ok(())
    } else {
        Err(AppError::Forbidden("only admins manage people".into()))
    }
}

/// People oversight.
#[derive(Clone)]
pub struct PeopleService {
    ports: Ports,
}

impl PeopleService {
    pub fn new(ports: impl Into<Ports>) -> Self {
        PeopleService {
            ports: ports.into(),
        }
    }

    fn audit(&self, caller: &Caller, action: &str, target: &UserId, summary: String) -> AuditEntry {
        AuditEntry {
            audit_id: self.ports.ids.lower(),
            actor: caller.user_id.clone(),
            actor_roles: caller.roles.iter().copied().collect(),
            action: action.into(),
            target: target.clone(),
            summary,
            at: self.ports.clock.now().to_string(),
        }
    }

    /// Link an adult to a student as their tutor or parent: both directions and the audit
    /// entry in one transaction (idempotent).
    ///
    /// # Errors
    /// `Forbidden` unless the caller is an admin; `Invalid` when adult and student are one.
    pub async fn link(
        &self,
        caller: &Caller,
        relationship: Relationship,
        adult: &UserId,
        student: &UserId,
    ) -> Result<AuditEntry, AppError> {
        self.change_link(caller, relationship, adult, student, true)
            .await
    }

    /// Remove a link, both directions and the audit entry in one transaction (idempotent).
    ///
    /// # Errors
    /// `Forbidden` unless the caller is an admin.
    pub async fn unlink(
        &self,
        caller: &Caller,
        relationship: Relationship,
        adult: &UserId,
        student: &UserId,
    ) -> Result<AuditEntry, AppError> {
        self.change_link(caller, relationship, adult, student, false)
            .await
    }

    async fn change_link(
        &self,
        caller: &Caller,
        relationship: Relationship,
        adult: &UserId,
        student: &UserId,
        add: bool,
    ) -> Result<AuditEntry, AppError> {
        admin_only(caller)?;
        if adult == student {
            return Err(AppError::Invalid(
                "a user cannot be linked to themself".into(),
            ));
        }
        let (action, verb, mut ops) = if add {
            ("link.add", "now", link_ops(relationship, adult, student)?)
        } else {
            (
                "link.remove",
                "no longer",
                unlink_ops(relationship, adult, student),
            )
        };
        let entry = self.audit(
            caller,
            action,
            student,
            format!("{adult} is {verb} the student's {}", name(relationship)),
        );
        ops.push(entry.put(Condition::NotExists)?);
        self.ports.store.transact_write(ops).await?;
        Ok(entry)
    }

    /// The caller's students: a tutor's assigned students, a parent's children, every student
    /// for an admin (one query per page).
    ///
    /// # Errors
    /// `Forbidden` for students and callers without a role; `Invalid` for a bad limit or cursor.
    pub async fn students(
        &self,
        caller: &Caller,
        limit: Option<u32>,
        cursor: Option<&str>,
    ) -> Result<StudentPage, AppError> {
        let limit = page_size(limit)?;
        let store = &self.ports.store;
        let (owner, ids, next) = if caller.has(Role::Admin) {
            let owner = keys::STUDENT_PROFILES.to_string();
            let cursor = cursor.map(|t| decode_page_token(t, &owner)).transpose()?;
            let (records, next) = store::student_profiles(store, limit, cursor).await?;
            let ids = records.into_iter().map(|r| r.profile.user_id).collect();
            (owner, ids, next)
        } else {
            let prefix = if caller.has(Role::Tutor) {
                keys::TUTOR_STUDENTS
            } else if caller.has(Role::Parent) {
                keys::PARENT_CHILDREN
            } else {
                return Err(AppError::Forbidden(
                    "only tutors, parents and admins have students".into(),
                ));
            };
            let owner = format!("{}{prefix}", keys::user(&caller.user_id));
            let cursor = cursor.map(|t| decode_page_token(t, &owner)).transpose()?;
            let (raw, next) =
                store::linked_students(store, &caller.user_id, prefix, limit, cursor).await?;
            let ids = raw.iter().filter_map(|id| UserId::parse(id).ok()).collect();
            (owner, ids, next)
        };
        Ok(StudentPage {
            students: ids,
            next: next.map(|next| encode_page_token(&next, &owner)),
        })
    }

    /// The audit trail, newest first, by actor, by target, or all (admins).
    ///
    /// # Errors
    /// `Forbidden` unless the caller is an admin; `Invalid` for both actor and target, or a bad
    /// limit or cursor.
    pub async fn audit_trail(
        &self,
        caller: &Caller,
        filter: &AuditFilter,
        limit: Option<u32>,
        cursor: Option<&str>,
    ) -> Result<AuditPage, AppError> {
        admin_only(caller)?;
        let limit = page_size(limit)?;
        let (scope, owner) = match (&filter.actor, &filter.target) {
            (Some(_), Some(_)) => {
                return Err(AppError::Invalid(
                    "filter by actor or by target, not both".into(),
                ));
            }
            (Some(actor), None) => (AuditScope::Actor(actor), keys::audit_actor_partition(actor)),
            (None, Some(target)) => (AuditScope::Target(target), keys::user(target)),
            (None, None) => (AuditScope::All, keys::AUDIT_TRAIL.to_string()),
        };
        let cursor = cursor.map(|t| decode_page_token(t, &owner)).transpose()?;
        let since = filter.since.map(|since| since.to_string());
        let (entries, next) =
            store::audit_page(&self.ports.store, scope, since.as_deref(), limit, cursor).await?;
        Ok(AuditPage {
            entries,
            next: next.map(|next| encode_page_token(&next, &owner)),
        })
    }
}

/// `POST /admin/users`.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Invitation {
    #[schema(max_length = 254)]
    pub email: String,
    pub role: Role,
    /// For a tutor or parent: the student to link them to.
    #[schema(value_type = Option<String>)]
    pub student: Option<UserId>,
}

/// The answer to an invitation.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Invited {
    pub user_id: UserId,
    pub email: String,
    pub role: Role,
    pub linked_student: Option<UserId>,
    pub audit: AuditEntry,
}

impl PeopleService {
    /// Invite a user: created in the directory with their role, then their profile, the link to
    /// a student (for a tutor or parent) and the audit entry in one transaction.
    ///
    /// # Errors
    /// `Forbidden` unless the caller is an admin; `Invalid` for a bad email, or a student to
    /// link for a student or admin; `Conflict` when the email is taken.
    pub async fn invite(
        &self,
        caller: &Caller,
        directory: &dyn crate::directory::Directory,
        invitation: &Invitation,
    ) -> Result<Invited, AppError> {
        use crate::directory::{DirectoryError, Email};
        admin_only(caller)?;
        let email = Email::parse(&invitation.email)?;
        let relationship = match (invitation.role, &invitation.student) {
            (_, None) => None,
            (Role::Tutor, Some(_)) => Some(Relationship::Tutor),
            (Role::Parent, Some(_)) => Some(Relationship::Parent),
            (role, Some(_)) => {
                return Err(AppError::Invalid(format!(
                    "a {} is not linked to a student",
                    role.group()
                )));
            }
        };
        let user_id =
            directory
                .invite(&email, invitation.role)
                .await
                .map_err(|error| match error {
                    DirectoryError::Exists => AppError::Conflict(format!(
                        "a user with the email {} exists",
                        email.as_str()
                    )),
                    other => AppError::internal(other),
                })?;
        let profile = super::records::ProfileRecord {
            profile: tutorbridge_domain::people::Profile::new(
                user_id.clone(),
                vec![invitation.role],
                Some(email.as_str().to_string()),
                self.ports.clock.now().to_string(),
            ),
            version: 1,
        };
        let audit = self.audit(
            caller,
            "user.invite",
            &user_id,
            format!("invited as {}", invitation.role.group()),
        );
        let mut ops = vec![
            profile.put(Condition::NotExists)?,
            audit.put(Condition::NotExists)?,
        ];
        if let (Some(relationship), Some(student)) = (relationship, &invitation.student) {
            ops.extend(link_ops(relationship, &user_id, student)?);
        }
        self.ports.store.transact_write(ops).await?;
        Ok(Invited {
            user_id,
            email: email.as_str().to_string(),
            role: invitation.role,
            linked_student: relationship.and(invitation.student.clone()),
            audit,
        })
    }
}

fn name(relationship: Relationship) -> &'static str {
    match relationship {
        Relationship::Tutor => "tutor",
        Relationship::Parent => "parent",
    }
}
