//! Lambda entry point: store and (unused) tutor built once, then the shared handler.

use lambda_http::Error;
use session_read::{SessionRead, handle};
use tutorbridge_app::Store;

tutorbridge_lambda::serve!(
    |store: Store| Ok::<_, Error>(SessionRead::new(store, tutorbridge_lambda::tutor()?)),
    handle
);
