//! Lambda entry point of the scheduled sweep: configuration read and clients built once, then a
//! run within each invocation's remaining time.

use lambda_http::lambda_runtime::{self, LambdaEvent, service_fn};
use summaries_sweep::{Event, SummariesSweep};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    tutorbridge_lambda::init_tracing();
    let config = tutorbridge_lambda::Config::from_env()?;
    let wiring = tutorbridge_lambda::wiring_with_files(&config);
    let wiring = tutorbridge_lambda::with_mail(wiring, &config);
    let sweep = SummariesSweep::build(&wiring)?;
    let sweep = &sweep;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Event>| async move {
        let allowance = tutorbridge_lambda::remaining(&event.context);
        let report = sweep.handle(event.payload, allowance).await?;
        Ok::<_, lambda_runtime::Error>(report)
    }))
    .await
}
