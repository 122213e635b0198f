//! Privacy function: a student's data under GDPR — export and erasure.

mod handler;

pub use handler::{Privacy, ROUTES, handle};
