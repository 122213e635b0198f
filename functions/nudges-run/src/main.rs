//! Lambda entry point of the nudge job: configuration read and clients built once, then a run
//! per scheduled invocation.

use lambda_http::lambda_runtime::{self, LambdaEvent, service_fn};
use nudges_run::{Event, NudgesRun};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    tutorbridge_lambda::init_tracing();
    let config = tutorbridge_lambda::Config::from_env()?;
    let wiring = tutorbridge_lambda::wiring(&config);
    let wiring = tutorbridge_lambda::with_mail(wiring, &config);
    let job = NudgesRun::build(&wiring)?;
    let job = &job;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Event>| async move {
        let allowance = tutorbridge_lambda::remaining(&event.context);
        Ok::<_, lambda_runtime::Error>(job.handle(event.payload, allowance).await?)
    }))
    .await
}
