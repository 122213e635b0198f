//! Session-create function: a student starts a tutoring session on a guideline.

mod handler;

pub use handler::{ROUTES, SessionCreate, handle};
