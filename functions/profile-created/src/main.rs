//! Lambda entry point of the Cognito post-confirmation trigger: configuration read and clients
//! built once, then the trigger for every event.

use lambda_http::lambda_runtime::{self, LambdaEvent, service_fn};
use profile_created::{Event, ProfileCreated};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    tutorbridge_lambda::init_tracing();
    let config = tutorbridge_lambda::Config::from_env()?;
    let wiring = tutorbridge_lambda::wiring(&config);
    let trigger = ProfileCreated::new(wiring.ports.clone());
    let trigger = &trigger;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Event>| async move {
        Ok::<_, lambda_runtime::Error>(trigger.handle(event.payload).await)
    }))
    .await
}
