//! Practice-complete function: grade an answer and update the learner model, exactly once.

mod handler;

pub use handler::{PracticeComplete, ROUTES, handle};
