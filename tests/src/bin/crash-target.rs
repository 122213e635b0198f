//! The local gateway as a child process for the crash-safety test: configured by the same
//! environment as `tutorbridge-local`, it prints its URL on the first line of standard output and
//! serves until killed.

use std::io::Write;

use tutorbridge_local::{LocalConfig, start, system_clock};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = LocalConfig::from_env()?;
    let gateway = start(config, system_clock()).await?;
    let mut out = std::io::stdout();
    writeln!(out, "{}", gateway.url())?;
    out.flush()?;
    gateway.wait().await
}
