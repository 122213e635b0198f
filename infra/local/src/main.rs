//! `tutorbridge-local`: the whole API on one machine, no AWS account needed.

use tracing_subscriber::EnvFilter;
use tutorbridge_local::{IssuerConfig, LocalConfig, start, system_clock};

/// mimalloc: a request allocates and frees many small strings and maps (decoded items, JSON);
/// glibc's malloc was a quarter of the gateway's CPU under load (docs/measurements.md). Built without
/// transparent huge pages, which held ~12 MB more resident for nothing here.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // Colours only for a person at a terminal: piped or redirected, a log line is plain text.
    tracing_subscriber::fmt()
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
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
