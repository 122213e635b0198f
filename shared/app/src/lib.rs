//! TutorBridge's use cases, one module per capability, over the storage port.
//!
//! Each service takes its ports (a [`Store`]) at construction — built once per cold start — and
//! exposes the operations the functions call. Typed records become table items here, through
//! the key builders in [`keys`] and `serde_dynamo`, so no function ever spells a key.

pub mod access;
pub mod curriculum;
mod error;
mod fingerprint;
pub mod keys;
pub mod practice;
mod records;
pub mod seed;
pub mod sessions;
pub mod tutor_model;

pub use error::AppError;

use std::sync::Arc;

/// The table every use case shares.
pub type Store = Arc<dyn tutorbridge_table::Table>;
