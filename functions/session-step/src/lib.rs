//! Session-step function: apply a student's reply to a step, exactly once.

mod handler;

pub use handler::{ROUTES, SessionStep, handle};
