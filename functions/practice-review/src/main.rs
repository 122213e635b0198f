//! Lambda entry point: store and tutor built once, then the shared handler.

use lambda_http::Error;
use practice_review::{PracticeReview, handle};
use tutorbridge_app::Store;

tutorbridge_lambda::serve!(
    |store: Store| Ok::<_, Error>(PracticeReview::new(tutorbridge_lambda::practice(store)?)),
    handle
);
