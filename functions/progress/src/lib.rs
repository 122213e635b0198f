//! Progress function: a student's dashboard, and tutor overrides with their audit trail.

mod handler;

pub use handler::{Progress, ROUTES, handle};
