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
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
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

/// The groups of a `cognito:groups` claim as API Gateway's JWT authorizer renders it: an array
/// as `[a b c]` (Cognito group names contain no white space), a single string as itself.
/// Nothing else is split or unquoted, so a group named `reader,admin` or `[admin]` stays one
/// unknown group.
fn parse_groups(raw: &str) -> Vec<String> {
    match raw
        .strip_prefix('[')
        .and_then(|rest| rest.strip_suffix(']'))
    {
        Some(inner) => inner
            .split(' ')
            .filter(|group| !group.is_empty())
            .map(str::to_string)
            .collect(),
        None if raw.is_empty() => Vec::new(),
        None => vec![raw.to_string()],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_are_read_exactly_as_api_gateway_renders_cognitos_array() {
        let roles = |raw: &str| {
            Caller::from_claims(Some("u-1"), Some(raw), None)
                .expect("caller")
                .roles
        };
        assert_eq!(
            roles("[tutor admin]"),
            BTreeSet::from([Role::Tutor, Role::Admin])
        );
        assert_eq!(roles("[student]"), BTreeSet::from([Role::Student]));
        assert_eq!(
            roles("parent"),
            BTreeSet::from([Role::Parent]),
            "a single string claim"
        );
        // One group whose name merely contains a role's name is not that role.
        for forged in [
            "[reader,admin]",
            "[[admin]]",
            "[admin]]",
            "[\"admin\"]",
            "reader,admin",
            "[admin",
            "[ADMIN]",
        ] {
            assert!(
                !roles(forged).contains(&Role::Admin),
                "{forged} must not make an admin"
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
