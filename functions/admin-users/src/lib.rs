//! Admin-users function: admins invite users into the identity provider with their role.

mod handler;

pub use handler::{AdminUsers, ROUTES, handle};
