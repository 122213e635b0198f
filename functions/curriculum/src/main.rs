//! Lambda entry point: build the store once, then serve requests with the shared handler.

use curriculum::{Curriculum, handle};
use lambda_http::{Error, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    tutorbridge_lambda::init_tracing();
    let config = tutorbridge_lambda::Config::from_env()?;
    let app = Curriculum::new(tutorbridge_lambda::dynamodb_store(&config).await);
    let app = &app;
    lambda_http::run(service_fn(move |request| async move {
        Ok::<_, Error>(handle(app, request).await)
    }))
    .await
}
