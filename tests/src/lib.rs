//! Test harness: each test gets its own gateway on a free port with its own data folder.

use std::path::PathBuf;

use reqwest::StatusCode;
use serde_json::Value;
use tutorbridge_local::{Clock, Gateway, IssuerConfig, LocalConfig, start, system_clock};

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
}

impl Default for Options {
    fn default() -> Self {
        Options {
            issuer: IssuerConfig::Local,
            clock: system_clock(),
            data_dir: None,
        }
    }
}

impl TestApp {
    /// A gateway with the local issuer and a fresh data folder.
    pub async fn spawn() -> TestApp {
        TestApp::spawn_with(Options::default()).await
    }

    pub async fn spawn_with(options: Options) -> TestApp {
        let data_dir = match options.data_dir {
            Some(dir) => dir,
            None => tempfile::tempdir().expect("a temporary data folder"),
        };
        let config = LocalConfig {
            addr: "127.0.0.1:0".parse().expect("address"),
            data_dir: PathBuf::from(data_dir.path()),
            issuer: options.issuer,
        };
        let gateway = start(config, options.clock)
            .await
            .expect("the gateway starts");
        let url = gateway.url();
        TestApp {
            gateway,
            url,
            client: reqwest::Client::new(),
            data_dir,
        }
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
