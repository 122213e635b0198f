//! People: profiles (`/me`), created by the identity provider's confirmation trigger or on first
//! use; the activity marker the practice and session writes keep; and the admin's view of
//! people — links, the student list, the audit trail (see [`admin`]).

pub mod admin;
pub(crate) mod records;
pub(crate) mod store;

pub use records::{AuditEntry, Contact};

use serde::Serialize;
use tutorbridge_domain::people::{Profile, ProfileChange};
use tutorbridge_domain::{Caller, UserId};
use tutorbridge_table::{Condition, TableError, WriteOp};

use crate::records::{Record, versioned};
use crate::{AppError, Ports};
use records::{ActivityRecord, ProfileRecord};

/// Writes of a profile a request makes when it keeps changing underneath.
const MAX_WRITE_ATTEMPTS: u32 = 5;

/// The answer to `GET /me` and `PATCH /me`.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Me {
    #[serde(flatten)]
    pub profile: Profile,
    /// When the student last practised or stepped a session (absent until they have).
    pub last_active_at: Option<String>,
}

/// The write that records a student's activity at `at`, for the transaction of the practice or
/// session write that is the activity (no read needed: the item is written whole).
/// Times are kept to the second in one fixed form, so the index's text order is time order.
/// `subject` and `streak_days` (what was practised, the streak it left) give nudges their words.
pub fn activity_put(
    student: &UserId,
    at: jiff::Timestamp,
    subject: Option<&str>,
    streak_days: Option<u32>,
) -> Result<WriteOp, AppError> {
    ActivityRecord {
        user_id: student.clone(),
        last_active_at: at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
        subject: subject.map(str::to_string),
        streak_days,
    }
    .put(Condition::None)
}

/// Profiles.
#[derive(Clone)]
pub struct ProfileService {
    ports: Ports,
}

impl ProfileService {
    pub fn new(ports: impl Into<Ports>) -> Self {
        ProfileService {
            ports: ports.into(),
        }
    }

    /// Create the profile of a newly confirmed user, unless it exists (the trigger may run more
    /// than once). `true` when this call created it.
    ///
    /// # Errors
    /// A table failure (the trigger then fails and the identity provider retries it).
    pub async fn confirmed(&self, user: &UserId, email: Option<&str>) -> Result<bool, AppError> {
        let profile = Profile::new(
            user.clone(),
            Vec::new(),
            email.map(str::to_string),
            self.ports.clock.now().to_string(),
        );
        let record = ProfileRecord {
            profile,
            version: 1,
        };
        match self
            .ports
            .store
            .put(record.to_item()?, Condition::NotExists)
            .await
        {
            Ok(()) => Ok(true),
            Err(TableError::Conflict(_)) => Ok(false),
            Err(error) => Err(error.into()),
        }
    }

    /// A user's stored profile, if any (one read; nothing is created).
    ///
    /// # Errors
    /// A table failure.
    pub async fn profile(&self, user: &UserId) -> Result<Option<Profile>, AppError> {
        Ok(store::profile_of(&self.ports.store, user)
            .await?
            .map(|record| record.profile))
    }

    /// Whether the user has a profile (one read; nothing of it is decoded).
    ///
    /// # Errors
    /// A table failure.
    pub async fn exists(&self, user: &UserId) -> Result<bool, AppError> {
        store::profile_exists(&self.ports.store, user).await
    }

    /// Where a user's mail goes, if they have a profile (one read of the profile item, decoding
    /// only the address and the opt-out).
    ///
    /// # Errors
    /// A table failure.
    pub async fn contact(&self, user: &UserId) -> Result<Option<Contact>, AppError> {
        store::contact_of(&self.ports.store, user).await
    }

    /// The caller's profile, created from the token's claims on first use, with its roles kept
    /// in step with the token's groups. One parallel read (and one write when it had to be
    /// created or its roles changed).
    ///
    /// # Errors
    /// A table failure.
    pub async fn me(&self, caller: &Caller) -> Result<Me, AppError> {
        let store = &self.ports.store;
        let (profile, activity) = tokio::join!(
            store::profile_of(store, &caller.user_id),
            store::activity_of(store, &caller.user_id),
        );
        let record = self.current(caller, profile?).await?;
        Ok(Me {
            profile: record.profile,
            last_active_at: activity?.map(|a| a.last_active_at),
        })
    }

    /// Change the caller's own profile (not their roles).
    ///
    /// # Errors
    /// `Invalid` naming the field for a value out of range (nothing is written); `Conflict`
    /// when the profile keeps changing underneath.
    pub async fn update_me(&self, caller: &Caller, change: &ProfileChange) -> Result<Me, AppError> {
        let store = &self.ports.store;
        for _ in 0..MAX_WRITE_ATTEMPTS {
            let (profile, activity) = tokio::join!(
                store::profile_of(store, &caller.user_id),
                store::activity_of(store, &caller.user_id),
            );
            let record = self.current(caller, profile?).await?;
            let next = ProfileRecord {
                profile: change.apply(&record.profile)?,
                version: record.version + 1,
            };
            match store.put(next.to_item()?, versioned(record.version)).await {
                Ok(()) => {
                    return Ok(Me {
                        profile: next.profile,
                        last_active_at: activity?.map(|a| a.last_active_at),
                    });
                }
                Err(TableError::Conflict(_)) => continue,
                Err(error) => return Err(error.into()),
            }
        }
        Err(AppError::Conflict(
            "the profile keeps changing; try again".into(),
        ))
    }

    /// Opt `user` out of nudge emails (the unsubscribe link); idempotent, and a user without a
    /// profile has nothing to opt out of.
    ///
    /// # Errors
    /// `Conflict` when the profile keeps changing underneath.
    pub async fn opt_out_of_email(&self, user: &UserId) -> Result<(), AppError> {
        let store = &self.ports.store;
        for _ in 0..MAX_WRITE_ATTEMPTS {
            let Some(record) = store::profile_of(store, user).await? else {
                return Ok(());
            };
            if record.profile.nudges.email_opt_out {
                return Ok(());
            }
            let mut next = record.clone();
            next.profile.nudges.email_opt_out = true;
            next.version += 1;
            match store.put(next.to_item()?, versioned(record.version)).await {
                Ok(()) => return Ok(()),
                Err(TableError::Conflict(_)) => continue,
                Err(error) => return Err(error.into()),
            }
        }
        Err(AppError::Conflict(
            "the profile keeps changing; try again".into(),
        ))
    }

    /// `stored`, or a new profile from the caller's claims; the roles brought up to date with
    /// the token's groups (the identity provider owns roles).
    async fn current(
        &self,
        caller: &Caller,
        stored: Option<ProfileRecord>,
    ) -> Result<ProfileRecord, AppError> {
        let roles: Vec<_> = caller.roles.iter().copied().collect();
        let mut audit = None;
        let (record, expected) = match stored {
            Some(record) if record.profile.roles == roles => return Ok(record),
            Some(mut record) => {
                let version = record.version;
                // The identity provider changed the user's groups: audited.
                let before: Vec<&str> = record.profile.roles.iter().map(|r| r.group()).collect();
                let after: Vec<&str> = roles.iter().map(|r| r.group()).collect();
                audit = Some(AuditEntry {
                    audit_id: self.ports.ids.lower(),
                    actor: caller.user_id.clone(),
                    actor_roles: roles.clone(),
                    action: "profile.roles".into(),
                    target: caller.user_id.clone(),
                    summary: format!("roles {before:?} -> {after:?} (from the identity provider)"),
                    at: self.ports.clock.now().to_string(),
                });
                record.profile.roles = roles;
                record.version += 1;
                (record, versioned(version))
            }
            None => {
                let profile = Profile::new(
                    caller.user_id.clone(),
                    roles,
                    caller.email.clone(),
                    self.ports.clock.now().to_string(),
                );
                (
                    ProfileRecord {
                        profile,
                        version: 1,
                    },
                    Condition::NotExists,
                )
            }
        };
        let mut ops = vec![record.put(expected)?];
        if let Some(audit) = &audit {
            ops.push(audit.put(Condition::NotExists)?);
        }
        match self.ports.store.transact_write(ops).await {
            Ok(()) => Ok(record),
            // Created or changed meanwhile (another request, the trigger): read what won.
            Err(TableError::Conflict(_)) => store::profile_of(&self.ports.store, &caller.user_id)
                .await?
                .ok_or_else(|| AppError::Conflict("the profile keeps changing; try again".into())),
            Err(error) => Err(error.into()),
        }
    }
}
