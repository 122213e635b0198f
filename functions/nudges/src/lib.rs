//! Nudges function: a student's nudges (in-app), opens and clicks, and the one-click
//! unsubscribe link of nudge emails.

mod handler;

pub use handler::{Nudges, ROUTES, handle};
