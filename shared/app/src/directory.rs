//! The Directory port: where users and their roles live (a Cognito user pool in AWS, the local
//! issuer's own list on the embedded default). Inviting a user creates them there with their
//! role; the profile and audit entry are the use case's.

use async_trait::async_trait;
use tutorbridge_domain::{Role, UserId, ValidationError};

/// An email address as the directory's user name: trimmed, lower-cased, `local@domain`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// # Errors
    /// When `raw` is not a plausible address (one `@`, a dot in the domain, 3-254 characters,
    /// no spaces or control characters).
    pub fn parse(raw: &str) -> Result<Email, ValidationError> {
        let email = raw.trim().to_lowercase();
        let valid = (3..=254).contains(&email.len())
            && !email.chars().any(|c| c.is_whitespace() || c.is_control())
            && email.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            });
        if valid {
            Ok(Email(email))
        } else {
            Err(ValidationError::new(format!(
                "'{raw}' is not an email address"
            )))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Why a directory could not create a user.
#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    /// A user with this email exists already.
    #[error("a user with this email exists already")]
    Exists,
    #[error("the user directory failed: {0}")]
    Unavailable(String),
}

/// Where users are created.
#[async_trait]
pub trait Directory: Send + Sync {
    /// Create a user with `email` in `role`'s group and send them an invitation; their id (the
    /// identity provider's `sub`).
    ///
    /// # Errors
    /// `Exists` when the email is taken; `Unavailable` when the directory failed.
    async fn invite(&self, email: &Email, role: Role) -> Result<UserId, DirectoryError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_checked_and_normalised() {
        assert_eq!(
            Email::parse(" Ada@Example.COM ").unwrap().as_str(),
            "ada@example.com"
        );
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "a b@example.com",
            "ada@example",
            "a@b@c.d",
            "ada@.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }
}
