//! Who is calling: the identity API Gateway's JWT authorizer vouched for.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ValidationError;

/// A user's stable id (the Cognito `sub`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct UserId(String);

impl UserId {
    /// Ids are 1–128 characters of letters, digits, `-` and `_` (Cognito subs are UUIDs), so
    /// they can never break out of a table key like `USER#<id>`.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let valid = !raw.is_empty()
            && raw.len() <= 128
            && raw
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if valid {
            Ok(UserId(raw.to_string()))
        } else {
            Err(ValidationError::new(
                "a user id is 1-128 letters, digits, '-' or '_'",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for UserId {
    type Error = ValidationError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        UserId::parse(&raw)
    }
}

impl From<UserId> for String {
    fn from(id: UserId) -> String {
        id.0
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The four roles, one Cognito group each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Student,
    Tutor,
    Parent,
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Student, Role::Tutor, Role::Parent, Role::Admin];

    /// The Cognito group name of this role.
    pub fn group(self) -> &'static str {
        match self {
            Role::Student => "student",
            Role::Tutor => "tutor",
            Role::Parent => "parent",
            Role::Admin => "admin",
        }
    }

    /// The role of a Cognito group name; unknown groups are not roles.
    pub fn from_group(group: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.group() == group)
    }
}

/// The authenticated caller of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub user_id: UserId,
    pub roles: BTreeSet<Role>,
    pub email: Option<String>,
}

impl Caller {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// Build a caller from the JWT claims API Gateway passes on: `sub`, `cognito:groups` and
    /// `email`. API Gateway HTTP APIs flatten a list claim into the text `[a b]`; a JSON array
    /// or a comma-separated list is accepted too. Groups that are not roles are ignored.
    pub fn from_claims(
        sub: Option<&str>,
        groups: Option<&str>,
        email: Option<&str>,
    ) -> Result<Caller, ValidationError> {
        let sub = sub.ok_or_else(|| ValidationError::new("the token has no subject"))?;
        let user_id = UserId::parse(sub)?;
        let roles = groups
            .map(parse_groups)
            .unwrap_or_default()
            .iter()
            .filter_map(|group| Role::from_group(group))
            .collect();
        Ok(Caller {
            user_id,
            roles,
            email: email.filter(|e| !e.is_empty()).map(str::to_string),
        })
    }
}

fn parse_groups(raw: &str) -> Vec<String> {
    raw.trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .split([' ', ','])
        .map(|group| group.trim().trim_matches('"'))
        .filter(|group| !group.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_in_every_shape_api_gateway_or_a_client_may_send_become_roles() {
        for raw in [
            "[tutor admin]",
            "[\"tutor\",\"admin\"]",
            "tutor,admin",
            "tutor admin",
        ] {
            let caller = Caller::from_claims(Some("u-1"), Some(raw), None).expect("caller");
            assert_eq!(
                caller.roles,
                BTreeSet::from([Role::Tutor, Role::Admin]),
                "{raw}"
            );
        }
    }

    #[test]
    fn unknown_groups_are_ignored_and_a_missing_subject_is_refused() {
        let caller =
            Caller::from_claims(Some("u-1"), Some("[beta-testers]"), None).expect("caller");
        assert!(caller.roles.is_empty());
        assert!(Caller::from_claims(None, Some("[admin]"), None).is_err());
    }

    #[test]
    fn user_ids_cannot_smuggle_key_separators() {
        assert!(UserId::parse("3f1c-22_ab").is_ok());
        for bad in ["", "a#b", "a b", "ü", &"x".repeat(129)] {
            assert!(UserId::parse(bad).is_err(), "{bad:?}");
        }
    }
}
