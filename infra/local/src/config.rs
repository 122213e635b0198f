//! Local gateway settings, read once from the environment.

use std::net::SocketAddr;
use std::path::PathBuf;

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

/// Everything the gateway needs to start.
#[derive(Debug, Clone)]
pub struct LocalConfig {
    pub addr: SocketAddr,
    pub data_dir: PathBuf,
    pub issuer: IssuerConfig,
    /// The use cases' settings (`TUTORBRIDGE_PRACTICE_*`, `TUTORBRIDGE_LLM_*`), as in Lambda.
    pub settings: Settings,
}

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
        Ok(LocalConfig {
            addr,
            data_dir,
            issuer,
            settings,
        })
    }
}
