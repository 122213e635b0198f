//! What people capabilities store: profiles, the activity marker, audit items.

use serde::{Deserialize, Serialize};
use tutorbridge_domain::people::Profile;
use tutorbridge_domain::{Role, UserId};
use tutorbridge_table::Key;

use crate::fingerprint::fingerprint;
use crate::keys::{self, entity};
use crate::records::Record;

/// Where a user's mail goes, read from their profile item without the rest of the profile (a
/// sender needs the address and the opt-out, not the time zone checked against the tz
/// database or the roles).
#[derive(Debug, Clone, Deserialize)]
pub struct Contact {
    email: Option<String>,
    nudges: ContactSettings,
}

#[derive(Debug, Clone, Deserialize)]
struct ContactSettings {
    email_opt_out: bool,
}

impl Contact {
    /// The address to write to: none without an email or after an opt-out.
    pub fn mail_to(&self) -> Option<&str> {
        if self.nudges.email_opt_out {
            return None;
        }
        self.email.as_deref()
    }
}

/// A profile with its optimistic-lock version. Students' profiles are listed for admins (GSI1).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ProfileRecord {
    #[serde(flatten)]
    pub profile: Profile,
    pub version: u64,
}

impl Record for ProfileRecord {
    const ENTITY: &'static str = entity::PROFILE;

    fn key(&self) -> Key {
        keys::profile(&self.profile.user_id)
    }

    fn gsi1(&self) -> Option<(String, String)> {
        self.profile
            .roles
            .contains(&Role::Student)
            .then(|| keys::student_profile_entry(&self.profile.user_id))
    }
}

/// When a student was last active; written whole (no read) by the practice and session writes
/// that are the activity, and indexed by shard and time for the inactivity scan (GSI2).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ActivityRecord {
    pub user_id: UserId,
    pub last_active_at: String,
    /// What the student last practised (the subject's display name), for nudges' wording.
    #[serde(default)]
    pub subject: Option<String>,
    /// Their streak in that subject as of that practice (days).
    #[serde(default)]
    pub streak_days: Option<u32>,
}

impl ActivityRecord {
    fn shard(&self) -> u64 {
        fingerprint(self.user_id.as_str()) % keys::ACTIVITY_SHARDS
    }
}

impl Record for ActivityRecord {
    const ENTITY: &'static str = entity::ACTIVITY;

    fn key(&self) -> Key {
        keys::activity(&self.user_id)
    }

    fn gsi2(&self) -> Option<(String, String)> {
        Some(keys::activity_entry(
            &self.user_id,
            self.shard(),
            &self.last_active_at,
        ))
    }
}

/// One audited action: who (and in which role) did what to whom, when, under which request.
/// The summary identifies the change, never answers, transcripts or emails.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuditEntry {
    pub audit_id: String,
    pub actor: UserId,
    pub actor_roles: Vec<Role>,
    /// `link.add`, `link.remove`, `profile.roles`, …
    pub action: String,
    pub target: UserId,
    pub summary: String,
    pub at: String,
}

impl Record for AuditEntry {
    const ENTITY: &'static str = entity::AUDIT;

    fn key(&self) -> Key {
        keys::audit(&self.target, &self.at, &self.audit_id)
    }

    fn gsi1(&self) -> Option<(String, String)> {
        Some(keys::audit_entry(&self.at, &self.audit_id))
    }

    fn gsi2(&self) -> Option<(String, String)> {
        Some(keys::audit_actor_entry(
            &self.actor,
            &self.at,
            &self.audit_id,
        ))
    }
}
