//! People function: admins link tutors and parents to students (audited) and read the audit
//! trail; tutors, parents and admins list the students they oversee.

mod handler;

pub use handler::{People, ROUTES, handle};
