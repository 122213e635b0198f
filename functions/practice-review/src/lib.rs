//! Practice-review function: tutors and admins list the AI-written items waiting for review and
//! approve or reject them.

mod handler;

pub use handler::{PracticeReview, ROUTES, handle};
