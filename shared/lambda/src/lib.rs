//! Cold-start wiring shared by every Lambda function: typed configuration read once from the
//! environment (SAM sets it), the AWS clients built once, and logging that honours Lambda's
//! log-level and JSON settings. Nothing here runs per request.

use std::sync::Arc;

pub use lambda_http;
pub use tutorbridge_http::{Function, Reply, Wiring};

use tutorbridge_app::config::{ConfigError, Settings};
use tutorbridge_app::{Ports, Store};
use tutorbridge_dynamodb_table::DynamoDbTable;

/// Everything a function reads from its environment, once, at cold start.
#[derive(Debug, Clone)]
pub struct Config {
    /// The single table (`TUTORBRIDGE_TABLE`).
    pub table_name: String,
    /// Region, credentials and the endpoint override (`TUTORBRIDGE_AWS_ENDPOINT`, an emulator)
    /// for every AWS client, read once ([`tutorbridge_aws::sdk_config`]).
    pub aws: tutorbridge_aws::SdkConfig,
    /// The use cases' settings (`TUTORBRIDGE_PRACTICE_*`, `TUTORBRIDGE_LLM_*`).
    pub settings: Settings,
}

/// The variable naming the table.
pub const TABLE_VAR: &str = "TUTORBRIDGE_TABLE";

impl Config {
    /// Read the configuration from the environment.
    ///
    /// # Errors
    /// When `TUTORBRIDGE_TABLE`, the region or the credentials are missing, or a setting is
    /// malformed: the function should not start half-configured.
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    /// [`Config::from_env`] over any source of variables.
    ///
    /// # Errors
    /// As [`Config::from_env`].
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let table_name = lookup(TABLE_VAR)
            .filter(|name| !name.is_empty())
            .ok_or(ConfigError {
                variable: TABLE_VAR,
                why: "must be set to the table's name".into(),
            })?;
        let aws = tutorbridge_aws::sdk_config(&lookup).map_err(
            |tutorbridge_aws::MissingVariable(variable)| ConfigError {
                variable,
                why: "must be set (Lambda sets it)".into(),
            },
        )?;
        Ok(Config {
            table_name,
            aws,
            settings: Settings::from_lookup(&lookup)?,
        })
    }
}

/// The DynamoDB-backed store, with its client built once.
pub fn dynamodb_store(config: &Config) -> Store {
    let client = aws_sdk_dynamodb::Client::new(&config.aws);
    Arc::new(DynamoDbTable::new(client, config.table_name.clone()))
}

/// What every function is built from in Lambda: the DynamoDB store, the wall clock, ULIDs and
/// the settings.
pub fn wiring(config: &Config) -> Wiring {
    Wiring {
        ports: Ports::new(dynamodb_store(config)),
        settings: config.settings.clone(),
        directory: None,
        files: None,
        mailer: None,
    }
}

/// `wiring` with the bucket named by `TUTORBRIDGE_BUCKET` as the file store (built once).
#[cfg(feature = "files")]
pub fn with_files(mut wiring: Wiring, config: &Config) -> Wiring {
    if let Some(files) = tutorbridge_aws::s3::from_env(&config.aws) {
        wiring.files = Some(Arc::new(files));
    }
    wiring
}

/// [`wiring`] with the file store ([`with_files`]).
#[cfg(feature = "files")]
pub fn wiring_with_files(config: &Config) -> Wiring {
    with_files(wiring(config), config)
}

/// `wiring` with SES v2 as the mailer when `TUTORBRIDGE_MAIL_FROM` is set (built once).
#[cfg(feature = "mail")]
pub fn with_mail(mut wiring: Wiring, config: &Config) -> Wiring {
    if let Some(mailer) = tutorbridge_aws::ses::from_env(&config.aws) {
        wiring.mailer = Some(Arc::new(mailer));
    }
    wiring
}

/// The time an invocation has left before Lambda stops it (zero when the deadline has passed):
/// the allowance a scheduled job plans its work within.
pub fn remaining(context: &lambda_http::lambda_runtime::Context) -> std::time::Duration {
    context
        .deadline()
        .duration_since(std::time::SystemTime::now())
        .unwrap_or(std::time::Duration::ZERO)
}

/// Structured logs as Lambda expects them: JSON when `AWS_LAMBDA_LOG_FORMAT` is `JSON`, at the
/// level `AWS_LAMBDA_LOG_LEVEL` (else `RUST_LOG`, else `INFO`) names; no colours, no
/// timestamps (CloudWatch adds them). The same as `lambda_http`'s own default subscriber, but
/// a level rather than `EnvFilter` directives, which would link regex into every bootstrap.
pub fn init_tracing() {
    let format = std::env::var("AWS_LAMBDA_LOG_FORMAT").unwrap_or_default();
    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .or_else(|_| std::env::var("RUST_LOG"))
        .ok();
    let subscriber = tracing_subscriber::fmt()
        .with_target(false)
        .without_time()
        .with_ansi(false)
        .with_max_level(log_level(level.as_deref()));
    // `try_init`: a second call (tests) keeps the first subscriber.
    let _ = if format.eq_ignore_ascii_case("json") {
        subscriber.json().try_init()
    } else {
        subscriber.try_init()
    };
}

fn log_level(level: Option<&str>) -> tracing_subscriber::filter::LevelFilter {
    level
        .and_then(|level| level.trim().parse().ok())
        .unwrap_or(tracing_subscriber::filter::LevelFilter::INFO)
}

/// The whole `main` of a function: logging, configuration, the wiring built once, the
/// function built once from it ([`Function::build`]), then [`Function::handle`] for every
/// invocation.
///
/// `serve!(Type, files)` also builds the file store (the crate's `files` feature), `mail` the
/// mailer (`mail`); both may be named.
#[macro_export]
macro_rules! serve {
    (@extra files, $wiring:expr, $config:expr) => {
        $crate::with_files($wiring, $config)
    };
    (@extra mail, $wiring:expr, $config:expr) => {
        $crate::with_mail($wiring, $config)
    };
    ($function:ty $(, $extra:ident)*) => {
        #[tokio::main]
        async fn main() -> Result<(), $crate::lambda_http::Error> {
            $crate::init_tracing();
            let config = $crate::Config::from_env()?;
            let wiring = $crate::wiring(&config);
            $(let wiring = $crate::serve!(@extra $extra, wiring, &config);)*
            let app = <$function as $crate::Function>::build(&wiring)?;
            let app = &app;
            $crate::lambda_http::run($crate::lambda_http::service_fn(move |request| async move {
                let response = $crate::Function::handle(app, request).await;
                Ok::<_, $crate::lambda_http::Error>($crate::Reply(response))
            }))
            .await
        }
    };
}

#[cfg(test)]
mod tests {
    use super::{Config, log_level};
    use tracing_subscriber::filter::LevelFilter;

    #[test]
    fn the_aws_configuration_is_read_once_with_the_rest_and_a_missing_piece_is_named() {
        let environment = |skip: &str| {
            let skip = skip.to_string();
            move |name: &str| {
                let value = match name {
                    "TUTORBRIDGE_TABLE" => "tutorbridge",
                    "TUTORBRIDGE_AWS_ENDPOINT" => "http://127.0.0.1:5000",
                    "AWS_REGION" => "eu-west-2",
                    "AWS_ACCESS_KEY_ID" => "AKID",
                    "AWS_SECRET_ACCESS_KEY" => "wJalrXUtnFEMIK7MDENG",
                    _ => return None,
                };
                (name != skip).then(|| value.to_string())
            }
        };
        let config = Config::from_lookup(environment("")).expect("config");
        assert_eq!(config.table_name, "tutorbridge");
        assert_eq!(config.aws.region().map(|r| r.as_ref()), Some("eu-west-2"));
        assert_eq!(config.aws.endpoint_url(), Some("http://127.0.0.1:5000"));
        assert!(
            !format!("{config:?}").contains("wJalrXUtnFEMIK7MDENG"),
            "no secret in logs"
        );
        for missing in ["AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"] {
            let error = Config::from_lookup(environment(missing)).expect_err(missing);
            assert_eq!(error.variable, missing);
        }
    }

    #[test]
    fn the_log_level_comes_from_lambdas_setting_and_defaults_to_info() {
        assert_eq!(log_level(Some("DEBUG")), LevelFilter::DEBUG);
        assert_eq!(log_level(Some("warn")), LevelFilter::WARN);
        assert_eq!(log_level(Some(" error ")), LevelFilter::ERROR);
        assert_eq!(log_level(Some("tutorbridge=debug")), LevelFilter::INFO);
        assert_eq!(log_level(None), LevelFilter::INFO);
    }
}
