//! The use-case error: the expected failures a caller can act on, plus one opaque `Internal`.

use tutorbridge_domain::ValidationError;
use tutorbridge_table::TableError;

/// What went wrong in a use case. The HTTP edge maps each variant to one status code.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The input is malformed or out of range (400).
    #[error("{0}")]
    Invalid(String),
    /// The thing does not exist — or the caller may not know that it does (404).
    #[error("{0}")]
    NotFound(String),
    /// The request clashes with the current state, e.g. a concurrent change (409).
    #[error("{0}")]
    Conflict(String),
    /// The thing existed but is no longer usable, e.g. an expired assignment (410).
    #[error("{0}")]
    Gone(String),
    /// Well-formed but about something this system does not know, e.g. an unknown student
    /// (422).
    #[error("{0}")]
    Unprocessable(String),
    /// The caller has used up a quota, e.g. open assignments or sessions started today (429).
    #[error("{0}")]
    TooMany(String),
    /// The caller is over a rate budget; they may try again after `retry_after` seconds (429
    /// with `Retry-After`).
    #[error("{detail}")]
    RateLimited { detail: String, retry_after: u64 },
    /// The caller is known but their role does not allow this action (403).
    #[error("{0}")]
    Forbidden(String),
    /// Anything unexpected; logged with its cause, answered opaquely (500).
    #[error("internal error: {0}")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl AppError {
    pub fn internal(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        AppError::Internal(error.into())
    }
}

impl From<ValidationError> for AppError {
    fn from(error: ValidationError) -> Self {
        AppError::Invalid(error.0)
    }
}

impl From<TableError> for AppError {
    fn from(error: TableError) -> Self {
        match error {
            TableError::Conflict(_) => {
                AppError::Conflict("the data changed while this request was applied; retry".into())
            }
            TableError::BadCursor => {
                AppError::Invalid("cursor is not a page token from this list".into())
            }
            // An invalid table request is our bug, not the caller's.
            other => AppError::internal(other),
        }
    }
}

impl From<serde_dynamo::Error> for AppError {
    fn from(error: serde_dynamo::Error) -> Self {
        AppError::internal(error)
    }
}

/// An error with its sources, outermost first ("client error (Connect): tcp connect error:
/// Connection refused"): what a log line or an adapter's error message should say.
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
