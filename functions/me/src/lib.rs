//! Me function: the caller's own profile.

mod handler;

pub use handler::{Me, ROUTES, handle};
