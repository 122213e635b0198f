//! The nudge job at scale on the embedded default: N inactive students (default 100,000, with
//! email addresses, default settings) in a fresh table file, then one run with the local
//! outbox as the mailer, timed, with its peak memory and the table reads it made per evaluated
//! student; then a second run a minute later (the cap holds: nothing is sent).
//!
//! `cargo run --release -p tutorbridge-local --example nudge_scale [-- --students N] [-- --no-email]`

use std::sync::Arc;
use std::time::Instant;

use tutorbridge_app::clock::FixedClock;
use tutorbridge_app::config::Secret;
use tutorbridge_app::mailer::Mailer;
use tutorbridge_app::nudges::NudgeService;
use tutorbridge_app::{Ports, Store};
use tutorbridge_embedded_table::EmbeddedTable;
use tutorbridge_local::outbox::LocalOutbox;

/// Peak resident memory of this process so far (`VmHWM`), MB.
fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with("VmHWM:"))
                .and_then(|line| line.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let students = args
        .iter()
        .position(|a| a == "--students")
        .and_then(|i| args.get(i + 1)?.parse().ok())
        .unwrap_or(100_000usize);
    let email = !args.iter().any(|a| a == "--no-email");
    let dir = tempfile::tempdir()?;
    // The page cache this run was measured with (docs/nudges.md): 100,000 students' items are a
    // larger working set than the default cache is sized for.
    let store: Store = Arc::new(EmbeddedTable::open_with_cache(
        dir.path().join("table.redb"),
        32 * 1024 * 1024,
    )?);
    let now: jiff::Timestamp = "2099-03-10T12:00:00Z".parse()?;
    let clock = Arc::new(FixedClock::at(now));
    let loading = Instant::now();
    tutorbridge_app::seed::inactive_students(
        &store,
        "scale",
        students,
        now - jiff::SignedDuration::from_hours(8 * 24),
    )
    .await?;
    println!(
        "loaded {students} inactive students in {:.1} s",
        loading.elapsed().as_secs_f64()
    );
    let mailer = email
        .then(|| LocalOutbox::open(&dir.path().join("outbox")))
        .transpose()?
        .map(|outbox| Arc::new(outbox) as Arc<dyn Mailer>);
    let nudges = NudgeService::new(
        Ports::new(store).with_clock(clock.clone()),
        mailer,
        "https://app.example.com",
        Secret::new("scale-run-link-secret"),
    );
    let before = peak_rss_mb();
    let started = Instant::now();
    let report = nudges.run().await?;
    let took = started.elapsed().as_secs_f64();
    println!(
        "run: {took:.1} s for {} evaluated, {} sent, {} emails; {:.0} students/s",
        report.evaluated,
        report.sent,
        report.emails_sent,
        f64::from(report.evaluated) / took
    );
    println!(
        "table calls per evaluated student: {:.2} reads, {:.2} writes",
        f64::from(report.reads) / f64::from(report.evaluated.max(1)),
        f64::from(report.writes) / f64::from(report.evaluated.max(1)),
    );
    println!(
        "peak RSS: {:.0} MB (after loading: {before:.0} MB)",
        peak_rss_mb()
    );
    clock.advance(std::time::Duration::from_secs(60));
    let started = Instant::now();
    let again = nudges.run().await?;
    println!(
        "second run a minute later: {:.1} s, {} sent (the cap holds); peak RSS {:.0} MB",
        started.elapsed().as_secs_f64(),
        again.sent,
        peak_rss_mb()
    );
    Ok(())
}
