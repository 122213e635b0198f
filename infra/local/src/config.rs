//! Local gateway settings, read once from the environment.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use tutorbridge_app::config::Settings;

/// Who issues the tokens the gateway accepts.
#[derive(Debug, Clone)]
pub enum IssuerConfig {
    /// The gateway's own issuer (key kept in the data folder) with demo users.
    Local,
    /// An external OpenID issuer such as a Cognito user pool. Issuer and JWKS URL are separate
    /// because an emulator serves the JWKS at a local address while naming the AWS issuer.
    External {
        issuer: String,
        jwks_url: String,
        audience: String,
    },
}

/// What one client may hold of the gateway: slow or idle clients are cut off, and connections
/// beyond the limit are refused at once instead of starving everyone else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Time to receive a request's headers (from the connection's start, or between requests).
    pub header_timeout: Duration,
    /// Time to receive a request's body once its headers are in.
    pub body_timeout: Duration,
    /// Open connections served at once.
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            max_connections: 1024,
        }
    }
}

/// The variable that allows a non-loopback listen address.
pub const ALLOW_REMOTE_VAR: &str = "TUTORBRIDGE_ALLOW_REMOTE";

/// Everything the gateway needs to start.
#[derive(Debug, Clone)]
pub struct LocalConfig {
    pub addr: SocketAddr,
    pub data_dir: PathBuf,
    pub issuer: IssuerConfig,
    /// The use cases' settings (`TUTORBRIDGE_PRACTICE_*`, `TUTORBRIDGE_LLM_*`), as in Lambda.
    pub settings: Settings,
    /// Whether `addr` may be other than loopback (`TUTORBRIDGE_ALLOW_REMOTE=1`): the gateway
    /// hands out demo tokens and has no TLS, so serving a network is an explicit choice.
    pub allow_remote: bool,
    pub limits: Limits,
    /// How often the sweep runs on its own (`TUTORBRIDGE_SWEEP_EVERY_SECONDS`, default 300;
    /// 0 turns the timer off). `POST /local/sweep` runs it at once either way.
    pub sweep_every: Option<std::time::Duration>,
}

/// The sweep timer's period unless configured.
pub const DEFAULT_SWEEP_EVERY_SECONDS: u64 = 300;

impl LocalConfig {
    /// `TUTORBRIDGE_ADDR` (default `127.0.0.1:3000`), `TUTORBRIDGE_DATA_DIR` (default
    /// `./.tutorbridge`), and for an external issuer all of `TUTORBRIDGE_JWT_ISSUER`,
    /// `TUTORBRIDGE_JWKS_URL` and `TUTORBRIDGE_JWT_AUDIENCE`.
    pub fn from_env() -> anyhow::Result<LocalConfig> {
        let var = |name: &str| std::env::var(name).ok().filter(|value| !value.is_empty());
        let addr = var("TUTORBRIDGE_ADDR")
            .unwrap_or_else(|| "127.0.0.1:3000".into())
            .parse()
            .context("TUTORBRIDGE_ADDR must be host:port, e.g. 127.0.0.1:3000")?;
        let data_dir = var("TUTORBRIDGE_DATA_DIR")
            .unwrap_or_else(|| ".tutorbridge".into())
            .into();
        let external = (
            var("TUTORBRIDGE_JWT_ISSUER"),
            var("TUTORBRIDGE_JWKS_URL"),
            var("TUTORBRIDGE_JWT_AUDIENCE"),
        );
        let issuer = match external {
            (None, None, None) => IssuerConfig::Local,
            (Some(issuer), Some(jwks_url), Some(audience)) => IssuerConfig::External {
                issuer,
                jwks_url,
                audience,
            },
            _ => bail!(
                "set all of TUTORBRIDGE_JWT_ISSUER, TUTORBRIDGE_JWKS_URL and TUTORBRIDGE_JWT_AUDIENCE to use an \
                 external issuer, or none of them for the local one"
            ),
        };
        let settings = Settings::from_lookup(|name| std::env::var(name).ok())
            .context("configuring the use cases")?;
        let allow_remote = matches!(var(ALLOW_REMOTE_VAR).as_deref(), Some("1" | "true" | "yes"));
        let sweep_seconds = match var("TUTORBRIDGE_SWEEP_EVERY_SECONDS") {
            Some(raw) => raw
                .trim()
                .parse::<u64>()
                .context("TUTORBRIDGE_SWEEP_EVERY_SECONDS must be whole seconds (0: off)")?,
            None => DEFAULT_SWEEP_EVERY_SECONDS,
        };
        let sweep_every =
            (sweep_seconds > 0).then(|| std::time::Duration::from_secs(sweep_seconds));
        Ok(LocalConfig {
            addr,
            data_dir,
            issuer,
            settings,
            allow_remote,
            limits: Limits::default(),
            sweep_every,
        })
    }
}
