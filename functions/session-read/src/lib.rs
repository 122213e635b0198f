//! Session-read function: a session, its summary, and a student's sessions.

mod handler;

pub use handler::{ROUTES, SessionRead, handle};
