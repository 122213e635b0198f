//! Files function: uploads through presigned forms, their completion, and reading or deleting
//! files.

mod handler;

pub use handler::{Files, ROUTES, handle};
