//! Summaries function: a student's live-session summaries.

mod handler;

pub use handler::{ROUTES, Summaries, handle};
