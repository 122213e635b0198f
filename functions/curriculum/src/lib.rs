//! Curriculum function: browse country → board → grade → subject → topic → subtopic, and read
//! the teaching guideline of a subtopic. The Lambda binary (`main.rs`) and the local gateway
//! both call [`handle`].

mod handler;

pub use handler::{Curriculum, ROUTES, handle};
