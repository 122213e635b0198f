//! Lambda entry point: configuration read, the DynamoDB store and the Cognito directory built
//! once (the one function that may call Cognito's admin APIs), then the shared handler.

use std::sync::Arc;

use admin_users::AdminUsers;
use tutorbridge_aws::cognito::{CognitoDirectory, USER_POOL_VAR};
use tutorbridge_lambda::lambda_http::{self, Error, service_fn};
use tutorbridge_lambda::{Config, Function, Reply, init_tracing, wiring};

#[tokio::main]
async fn main() -> Result<(), Error> {
    init_tracing();
    let config = Config::from_env()?;
    let pool = std::env::var(USER_POOL_VAR).map_err(|_| format!("{USER_POOL_VAR} must be set"))?;
    let cognito = aws_sdk_cognitoidentityprovider::Client::new(&config.aws);
    let mut wiring = wiring(&config);
    wiring.directory = Some(Arc::new(CognitoDirectory::new(cognito, pool)));
    let app = AdminUsers::build(&wiring)?;
    let app = &app;
    lambda_http::run(service_fn(move |request| async move {
        Ok::<_, Error>(Reply(app.handle(request).await))
    }))
    .await
}
