//! `tutorbridge-local`: the whole API on one machine, no AWS account needed.

use tracing_subscriber::EnvFilter;
use tutorbridge_local::{IssuerConfig, LocalConfig, start, system_clock};

/// mimalloc: a request allocates and frees many small strings and maps (decoded items, JSON);
/// glibc's malloc was a quarter of the gateway's CPU under load (docs/measurements.md). Built without
/// transparent huge pages, which held ~12 MB more resident for nothing here.
#[cfg(not(feature = "dhat-heap"))]
mod allocator {
    #[global_allocator]
    static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

    /// mimalloc's `purge_delay` option (the same index in its v2 and v3 headers).
    const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

    /// Memory freed back to mimalloc goes back to the system at once instead of after its
    /// default second. A delayed purge only runs on a later allocation, so a gateway that falls
    /// idle after a burst kept everything the burst freed: 42-46 MB resident after 256 students,
    /// against 33-34 MB this way (idle 14-17 MB), at the same throughput within noise
    /// (docs/measurements.md, "Memory after the load"). `MIMALLOC_PURGE_DELAY` in the
    /// environment still wins. Called first thing in `main`.
    pub fn configure() {
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            // SAFETY: mi_option_set stores an integer in mimalloc's option table for an index
            // it checks (15 is in range). It runs first thing in main, before the runtime and
            // its threads exist, so nothing reads the option while it is written.
            unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0) };
        }
    }

    /// No heap profile in this build.
    pub struct HeapProfile;

    impl HeapProfile {
        pub fn start() -> Self {
            HeapProfile
        }

        pub fn write(self) {}
    }
}

/// `--features dhat-heap`: every allocation counted by site; the profile is written when the
/// gateway stops on Ctrl-C, while the gateway still holds what it holds (docs/measurements.md).
#[cfg(feature = "dhat-heap")]
mod allocator {
    #[global_allocator]
    static ALLOCATOR: dhat::Alloc = dhat::Alloc;

    pub fn configure() {}

    pub struct HeapProfile(dhat::Profiler);

    impl HeapProfile {
        pub fn start() -> Self {
            HeapProfile(dhat::Profiler::new_heap())
        }

        /// Writes dhat-heap.json (when the profiler drops).
        pub fn write(self) {
            drop(self.0);
        }
    }
}

fn main() -> anyhow::Result<()> {
    allocator::configure();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(serve())
}

async fn serve() -> anyhow::Result<()> {
    let heap_profile = allocator::HeapProfile::start();
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
            heap_profile.write();
            println!("\nstopping");
            Ok(())
        }
    }
}
