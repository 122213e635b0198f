//! Lambda entry point: store and tutor built once, then the shared handler.

use lambda_http::{Error, service_fn};
use session_step::{SessionStep, handle};

#[tokio::main]
async fn main() -> Result<(), Error> {
    tutorbridge_lambda::init_tracing();
    let config = tutorbridge_lambda::Config::from_env()?;
    let app = SessionStep::new(
        tutorbridge_lambda::dynamodb_store(&config).await,
        tutorbridge_lambda::tutor()?,
    );
    let app = &app;
    lambda_http::run(service_fn(move |request| async move {
        Ok::<_, Error>(handle(app, request).await)
    }))
    .await
}
