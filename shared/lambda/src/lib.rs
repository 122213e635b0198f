//! Cold-start wiring shared by every Lambda function: typed configuration read once from the
//! environment (SAM sets it), the AWS clients built once, and logging that honours Lambda's
//! log-level and JSON settings. Nothing here runs per request.

use std::sync::Arc;

pub use lambda_http;

use tutorbridge_app::Store;
use tutorbridge_dynamodb_table::DynamoDbTable;

/// Configuration every function reads at cold start.
#[derive(Debug, Clone)]
pub struct Config {
    /// The single table (`TUTORBRIDGE_TABLE`).
    pub table_name: String,
    /// Endpoint override for every AWS client (`TUTORBRIDGE_AWS_ENDPOINT`), for emulators.
    pub aws_endpoint: Option<String>,
}

impl Config {
    /// Read the configuration from the environment.
    ///
    /// # Errors
    /// When `TUTORBRIDGE_TABLE` is missing: the function cannot serve anything without it.
    pub fn from_env() -> Result<Config, ConfigError> {
        let table_name = std::env::var("TUTORBRIDGE_TABLE")
            .ok()
            .filter(|name| !name.is_empty())
            .ok_or(ConfigError::Missing("TUTORBRIDGE_TABLE"))?;
        let aws_endpoint = std::env::var(tutorbridge_aws::ENDPOINT_VAR)
            .ok()
            .filter(|e| !e.is_empty());
        Ok(Config {
            table_name,
            aws_endpoint,
        })
    }
}

/// Configuration that cannot work.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("environment variable {0} must be set")]
    Missing(&'static str),
}

/// The DynamoDB-backed store, with its client built once.
pub async fn dynamodb_store(config: &Config) -> Store {
    let sdk = tutorbridge_aws::sdk_config(config.aws_endpoint.as_deref()).await;
    let client = aws_sdk_dynamodb::Client::new(&sdk);
    Arc::new(DynamoDbTable::new(client, config.table_name.clone()))
}

/// The tutor (remote model in front of the offline tutor, or offline alone), from `TUTORBRIDGE_LLM_*`.
///
/// # Errors
/// When those variables are malformed.
pub fn tutor()
-> Result<tutorbridge_app::tutor_model::Tutor, tutorbridge_app::tutor_model::ModelError> {
    tutorbridge_ai::tutor_from_env()
}

/// The practice use cases: the store, the tutor from `TUTORBRIDGE_LLM_*` and the target success
/// from `TUTORBRIDGE_PRACTICE_TARGET_SUCCESS`.
///
/// # Errors
/// When any of those variables is malformed.
pub fn practice(
    store: Store,
) -> Result<tutorbridge_app::practice::PracticeService, lambda_http::Error> {
    Ok(
        tutorbridge_app::practice::PracticeService::new(store, tutor()?)
            .with_target_success_from_env()?,
    )
}

/// Structured logs as Lambda expects them (`AWS_LAMBDA_LOG_FORMAT`, `AWS_LAMBDA_LOG_LEVEL`).
pub fn init_tracing() {
    lambda_http::tracing::init_default_subscriber();
}

/// The whole `main` of a function: logging, config, the DynamoDB store built once, the app
/// built once from it by `$build` (a closure `Store -> Result<App, Error>`), then `$handle`
/// (`async fn(&App, Request) -> Response`) for every invocation.
#[macro_export]
macro_rules! serve {
    ($build:expr, $handle:path) => {
        #[tokio::main]
        async fn main() -> Result<(), $crate::lambda_http::Error> {
            $crate::init_tracing();
            let config = $crate::Config::from_env()?;
            let build = $build;
            let app = build($crate::dynamodb_store(&config).await)?;
            let app = &app;
            $crate::lambda_http::run($crate::lambda_http::service_fn(move |request| async move {
                Ok::<_, $crate::lambda_http::Error>($handle(app, request).await)
            }))
            .await
        }
    };
}
