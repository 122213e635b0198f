//! Q&A threads function: escalation to the tutor, replies and closing, the student's history,
//! the tutor's list of escalations.

mod handler;

pub use handler::{QaThreads, ROUTES, handle};
