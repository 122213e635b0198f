//! Transcripts-webhook function: the Rails app posts each finished live session's transcript,
//! signed; it becomes a stored summary exactly once.

mod handler;

pub use handler::{ROUTES, TranscriptsWebhook, handle};
