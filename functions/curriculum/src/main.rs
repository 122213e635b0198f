//! Lambda entry point: build the store once, then serve requests with the shared handler.

use curriculum::{Curriculum, handle};
use lambda_http::Error;
use tutorbridge_app::Store;

tutorbridge_lambda::serve!(
    |store: Store| Ok::<_, Error>(Curriculum::new(store)),
    handle
);
