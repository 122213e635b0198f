//! Practice-assign function: an item near the student's target success rate.

mod handler;

pub use handler::{PracticeAssign, ROUTES, handle};
