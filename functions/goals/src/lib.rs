//! Goals function: create, list and update learning goals.

mod handler;

pub use handler::{Goals, ROUTES, handle};
