//! Q&A query function: a student's question answered from their lessons, with a calibrated
//! confidence label; a low-confidence or unsafe question goes to the tutor.

mod handler;

pub use handler::{QaQuery, ROUTES, handle};
