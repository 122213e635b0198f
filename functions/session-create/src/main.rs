//! Lambda entry point: store and tutor built once, then the shared handler.

use lambda_http::Error;
use session_create::{SessionCreate, handle};
use tutorbridge_app::Store;

tutorbridge_lambda::serve!(
    |store: Store| Ok::<_, Error>(SessionCreate::new(store, tutorbridge_lambda::tutor()?)),
    handle
);
