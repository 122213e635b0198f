//! Test harness: each test gets its own gateway on a free port with its own data folder.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;
use tutorbridge_local::{Clock, Gateway, IssuerConfig, Limits, LocalConfig, start, system_clock};

/// A running gateway with an isolated data folder and an HTTP client.
pub struct TestApp {
    pub gateway: Gateway,
    pub url: String,
    pub client: reqwest::Client,
    /// Kept alive for the test's duration; removed on drop.
    pub data_dir: tempfile::TempDir,
}

/// What the harness can vary.
pub struct Options {
    pub issuer: IssuerConfig,
    pub clock: Clock,
    /// Reuse an existing data folder (restart tests) instead of a fresh one.
    pub data_dir: Option<tempfile::TempDir>,
    /// Listen here instead of a free loopback port.
    pub addr: Option<SocketAddr>,
    /// Allow a non-loopback listen address.
    pub allow_remote: bool,
    /// Connection limits other than the defaults.
    pub header_timeout: Option<Duration>,
    pub body_timeout: Option<Duration>,
    pub max_connections: Option<usize>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            issuer: IssuerConfig::Local,
            clock: system_clock(),
            data_dir: None,
            addr: None,
            allow_remote: false,
            header_timeout: None,
            body_timeout: None,
            max_connections: None,
        }
    }
}

impl TestApp {
    /// A gateway with the local issuer and a fresh data folder.
    pub async fn spawn() -> TestApp {
        TestApp::spawn_with(Options::default()).await
    }

    pub async fn spawn_with(options: Options) -> TestApp {
        TestApp::try_spawn_with(options)
            .await
            .expect("the gateway starts")
    }

    /// [`TestApp::spawn_with`], or why the gateway refused to start.
    pub async fn try_spawn_with(options: Options) -> anyhow::Result<TestApp> {
        let data_dir = match options.data_dir {
            Some(dir) => dir,
            None => tempfile::tempdir()?,
        };
        let defaults = Limits::default();
        let config = LocalConfig {
            addr: options
                .addr
                .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 0))),
            data_dir: PathBuf::from(data_dir.path()),
            issuer: options.issuer,
            settings: Default::default(),
            allow_remote: options.allow_remote,
            limits: Limits {
                header_timeout: options.header_timeout.unwrap_or(defaults.header_timeout),
                body_timeout: options.body_timeout.unwrap_or(defaults.body_timeout),
                max_connections: options.max_connections.unwrap_or(defaults.max_connections),
            },
            // Tests run the sweep when they mean to (POST /local/sweep).
            sweep_every: None,
        };
        let gateway = start(config, options.clock).await?;
        let url = match gateway.addr.ip().is_unspecified() {
            true => format!("http://127.0.0.1:{}", gateway.addr.port()),
            false => gateway.url(),
        };
        Ok(TestApp {
            gateway,
            url,
            client: reqwest::Client::new(),
            data_dir,
        })
    }

    /// The demo token of `role`, fetched the way a developer would: over HTTP.
    pub async fn token(&self, role: &str) -> String {
        let response = self
            .client
            .get(format!("{}/local/tokens/{role}", self.url))
            .send()
            .await
            .expect("tokens");
        assert_eq!(response.status(), StatusCode::OK);
        response.text().await.expect("token text")
    }

    /// GET `path` with an optional bearer token; the status and the JSON body.
    pub async fn get(&self, path: &str, token: Option<&str>) -> (StatusCode, Value) {
        let mut request = self.client.get(format!("{}{path}", self.url));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("request");
        let status = response.status();
        let body = response.json().await.unwrap_or(Value::Null);
        (status, body)
    }
}

/// Stores and callers for scenarios that run unchanged on both table backends.
pub mod budget;
pub mod mail;
pub mod practice;

pub mod backends {
    use std::collections::BTreeSet;
    use std::sync::Arc;

    use tutorbridge_app::Store;
    use tutorbridge_domain::{Caller, Role, UserId};

    pub fn caller(id: &str, role: Role) -> Caller {
        Caller {
            user_id: UserId::parse(id).expect("id"),
            roles: BTreeSet::from([role]),
            email: None,
        }
    }

    /// An id no other test (or earlier run against the emulator) uses.
    pub fn unique(prefix: &str) -> String {
        format!("{prefix}-{}", ulid::Ulid::new().to_string().to_lowercase())
    }

    /// A fresh embedded table in a temporary folder.
    pub async fn embedded() -> Store {
        Arc::new(tutorbridge_embedded_table::EmbeddedTable::temporary())
    }

    /// A fresh table in the AWS emulator, so scenarios never see each other's items. The
    /// emulator copies a whole table for every transaction (its rollback), so small tables also
    /// keep it fast.
    pub async fn dynamodb() -> Store {
        let sdk = tutorbridge_aws::emulator::config();
        let client = aws_sdk_dynamodb::Client::new(&sdk);
        let name = unique("scenario");
        tutorbridge_dynamodb_table::setup::ensure_table(&client, &name)
            .await
            .expect("table");
        Arc::new(tutorbridge_dynamodb_table::DynamoDbTable::new(client, name))
    }
}

/// Expand `async fn scenario(store: Store)` functions into one test per backend, in modules
/// named `$embedded` and `$dynamodb` (the test command's summary counts them by those names).
#[macro_export]
macro_rules! on_both_backends {
    ($embedded:ident, $dynamodb:ident; $($scenario:ident),* $(,)?) => {
        mod $embedded {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $scenario() {
                    super::$scenario($crate::backends::embedded().await).await;
                }
            )*
        }
        mod $dynamodb {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $scenario() {
                    super::$scenario($crate::backends::dynamodb().await).await;
                }
            )*
        }
    };
}

impl TestApp {
    /// `method path` with a bearer token and an optional JSON body; the status and the JSON body
    /// (null when there is none).
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.url))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request");
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }
}
