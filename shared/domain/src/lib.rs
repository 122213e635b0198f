//! TutorBridge's pure rules: who the caller is and what they may see, and the curriculum's
//! vocabulary. No I/O, no async, no storage or HTTP types — everything here is unit-testable
//! in isolation and shared by every function.

pub mod access;
pub mod bank;
pub mod curriculum;
pub mod files;
mod id;
pub mod identity;
pub mod learner;
pub mod maths;
pub mod nudges;
pub mod people;
pub mod practice;
pub mod qa;
pub mod search_terms;
pub mod summaries;
pub mod text;
pub mod tutoring;

pub use access::{Access, Relationship, may_access};
pub use identity::{Caller, Role, UserId};

/// A value from outside failed validation; the message says what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ValidationError(pub String);

impl ValidationError {
    pub fn new(message: impl Into<String>) -> Self {
        ValidationError(message.into())
    }
}
