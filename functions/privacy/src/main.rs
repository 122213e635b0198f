//! Lambda entry point: configuration read, the DynamoDB store and the bucket's client built
//! once (erasure removes uploaded objects too), then the shared handler.

use std::sync::Arc;

use privacy::Privacy;
use tutorbridge_lambda::lambda_http::{self, Error, service_fn};
use tutorbridge_lambda::{Config, Function, init_tracing, wiring};

#[tokio::main]
async fn main() -> Result<(), Error> {
    init_tracing();
    let config = Config::from_env()?;
    let sdk = tutorbridge_aws::sdk_config(config.aws_endpoint.as_deref()).await;
    let mut wiring = wiring(&config).await;
    if let Some(files) = tutorbridge_aws::s3::from_env(&sdk, config.aws_endpoint.as_deref()) {
        wiring.files = Some(Arc::new(files));
    }
    let app = Privacy::build(&wiring)?;
    let app = &app;
    lambda_http::run(service_fn(move |request| async move {
        Ok::<_, Error>(app.handle(request).await)
    }))
    .await
}
