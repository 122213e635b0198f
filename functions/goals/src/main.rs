//! Lambda entry point: store and tutor built once, then the shared handler.

use goals::{Goals, handle};
use lambda_http::Error;
use tutorbridge_app::Store;

tutorbridge_lambda::serve!(
    |store: Store| Ok::<_, Error>(Goals::new(tutorbridge_lambda::practice(store)?)),
    handle
);
