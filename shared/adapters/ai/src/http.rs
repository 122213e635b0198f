//! The model client's HTTP: hyper's pooled client over rustls (aws-lc, the system's root
//! certificates) — the stack the AWS SDK's clients already link, so a function that calls both
//! DynamoDB and the model carries one HTTP client, not two (reqwest was ~0.2 MB of each such
//! bootstrap; docs/measurements.md, "Lambda packages").

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use hyper::{Method, Request, StatusCode, Uri};
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use rustls::{ClientConfig, RootCertStore};
use tutorbridge_app::error_chain;

/// The most of a reply body read: a chat completion is a few KiB; anything near this is not one.
pub const MAX_REPLY_BYTES: usize = 1 << 20;

/// A reply: its status, `Retry-After` in whole seconds when given, and its body.
pub struct Reply {
    pub status: StatusCode,
    pub retry_after: Option<u64>,
    pub body: Bytes,
}

/// Why no reply was read.
#[derive(Debug)]
pub enum Failure {
    /// The whole exchange, body included, took longer than the timeout.
    Timeout,
    /// Connecting, sending or reading failed, or the body was over [`MAX_REPLY_BYTES`].
    Transport(String),
}

/// A client for one endpoint; build once, share.
pub struct JsonClient {
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    uri: Uri,
    authorization: Option<HeaderValue>,
    timeout: Duration,
}

impl JsonClient {
    /// A client posting to `url`, with `Authorization: Bearer <key>` when a key is given.
    ///
    /// # Errors
    /// When the URL is not an absolute `http`/`https` URL, the key is not a valid header value,
    /// or (for `https`) the system's root certificates cannot be loaded.
    pub fn new(url: &str, bearer: Option<&str>, timeout: Duration) -> Result<Self, String> {
        let uri: Uri = url
            .parse()
            .map_err(|e| format!("invalid URL {url:?}: {e}"))?;
        let https = match uri.scheme_str() {
            Some("https") => true,
            Some("http") => false,
            _ => return Err(format!("{url:?} is not an http or https URL")),
        };
        if uri.host().is_none() {
            return Err(format!("{url:?} has no host"));
        }
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let builder = HttpsConnectorBuilder::new();
        // Root certificates only where they are used: a plain-HTTP model (a local llama.cpp
        // server) works on a machine without a certificate bundle.
        let builder = if https {
            builder
                .with_provider_and_native_roots(provider)
                .map_err(|e| format!("cannot load the system's root certificates: {e}"))?
        } else {
            builder.with_tls_config(
                ClientConfig::builder_with_provider(provider)
                    .with_safe_default_protocol_versions()
                    .map_err(|e| format!("TLS setup: {e}"))?
                    .with_root_certificates(RootCertStore::empty())
                    .with_no_client_auth(),
            )
        };
        let connector = builder.https_or_http().enable_http1().build();
        let authorization = bearer
            .map(|key| {
                let mut value = HeaderValue::try_from(format!("Bearer {key}"))
                    .map_err(|_| "the API key is not a valid header value".to_string())?;
                value.set_sensitive(true);
                Ok::<_, String>(value)
            })
            .transpose()?;
        Ok(JsonClient {
            client: Client::builder(TokioExecutor::new()).build(connector),
            uri,
            authorization,
            timeout,
        })
    }

    /// POST `body` as JSON and read the whole reply, within the timeout (a retry passes the
    /// same bytes again: `Bytes` clones without copying).
    pub async fn post(&self, body: Bytes) -> Result<Reply, Failure> {
        tokio::time::timeout(self.timeout, self.exchange(body))
            .await
            .unwrap_or(Err(Failure::Timeout))
    }

    async fn exchange(&self, body: Bytes) -> Result<Reply, Failure> {
        let mut request = Request::new(Full::new(body));
        *request.method_mut() = Method::POST;
        *request.uri_mut() = self.uri.clone();
        let headers = request.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        if let Some(authorization) = &self.authorization {
            headers.insert(AUTHORIZATION, authorization.clone());
        }
        let response = self
            .client
            .request(request)
            .await
            .map_err(|e| Failure::Transport(format!("request failed: {}", error_chain(&e))))?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse().ok());
        let body = Limited::new(response.into_body(), MAX_REPLY_BYTES)
            .collect()
            .await
            .map_err(|e| Failure::Transport(format!("reading the reply failed: {e}")))?
            .to_bytes();
        Ok(Reply {
            status,
            retry_after,
            body,
        })
    }
}
