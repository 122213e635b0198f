//! `tutorbridge-local`: the whole API on one machine, no AWS account needed.

use tracing_subscriber::EnvFilter;
use tutorbridge_local::{IssuerConfig, LocalConfig, start, system_clock};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_env("TUTORBRIDGE_LOG").unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    let config = LocalConfig::from_env()?;
    let gateway = start(config.clone(), system_clock()).await?;
    let url = gateway.url();
    println!(
        "TutorBridge is serving on {url} (data in {})",
        config.data_dir.display()
    );
    match (&config.issuer, gateway.demo_tokens()) {
        (IssuerConfig::Local, Some(Ok(tokens))) => {
            println!("\nDemo tokens (valid 24 h; fresh ones: curl -s {url}/local/tokens):");
            for (role, token) in &tokens {
                println!("  {role:<8} {token}");
            }
            println!("\nTry:\n  TOKEN=$(curl -s {url}/local/tokens/student)");
            println!(
                "  curl -s -H \"Authorization: Bearer $TOKEN\" '{url}/curriculum?country=India&board=CBSE&grade=3'"
            );
        }
        (IssuerConfig::External { issuer, .. }, _) => {
            println!("Accepting tokens issued by {issuer}")
        }
        (_, Some(Err(error))) => return Err(error),
        _ => {}
    }
    tokio::select! {
        result = gateway.wait() => result,
        _ = tokio::signal::ctrl_c() => {
            println!("\nstopping");
            Ok(())
        }
    }
}
