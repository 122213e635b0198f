//! Who is calling: the identity API Gateway's JWT authorizer vouched for.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::ValidationError;

crate::id::text_id!(
    /// A user's stable id (the Cognito `sub`): 1-128 letters, digits, `-` or `_` (Cognito subs
    /// are UUIDs), so it can never break out of a table key like `USER#<id>`.
    UserId,
    max = 128,
    allowed = |c| c.is_ascii_alphanumeric() || c == '-' || c == '_',
    message = "a user id is 1-128 letters, digits, '-' or '_'"
);

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
