//! Durable-write throughput and latency of the embedded table (a benchmark, not a test).
//!
//! `cargo run --release -p tutorbridge-embedded-table --example throughput [-- DIR]`
//!
//! Measures, on a fresh file with fsync on every commit (redb's default durability):
//! versioned conditional puts, 3-item transactions (the shape of a practice completion or a
//! session step), point reads and GSI queries — sequentially and from 8 concurrent tasks —
//! with the process's CPU time per operation (every thread's, the writer's included).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tutorbridge_embedded_table::EmbeddedTable;
use tutorbridge_table::{
    Condition, Index, Item, Key, Query, SortKeyCondition, Table, Value, WriteOp,
};

fn item(pk: &str, sk: &str, version: u64) -> Item {
    Item::from(HashMap::from([
        ("PK".to_string(), Value::S(pk.into())),
        ("SK".to_string(), Value::S(sk.into())),
        ("GSI1PK".to_string(), Value::S("BENCH".into())),
        ("GSI1SK".to_string(), Value::S(format!("{sk}#{pk}"))),
        ("version".to_string(), Value::N(version.to_string())),
        ("payload".to_string(), Value::S("x".repeat(200))),
    ]))
}

/// CPU time of every thread of this process so far (the kernel's per-thread run time in
/// nanoseconds, `/proc/self/task/*/schedstat`), when the system shows it.
fn process_cpu() -> Option<Duration> {
    let mut total = 0u64;
    for task in std::fs::read_dir("/proc/self/task").ok()? {
        let stat = std::fs::read_to_string(task.ok()?.path().join("schedstat")).ok()?;
        total += stat.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(Duration::from_nanos(total))
}

fn report(name: &str, mut samples: Vec<Duration>, wall: Duration, cpu: Option<Duration>) {
    samples.sort();
    let at = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize];
    let cpu = cpu.map_or("-".to_string(), |cpu| {
        format!("{:.1}", cpu.as_secs_f64() * 1e6 / samples.len() as f64)
    });
    println!(
        "{name:<44} {:>7.0} ops/s   median {:>7.3} ms   p99 {:>7.3} ms   CPU {cpu:>6} µs/op",
        samples.len() as f64 / wall.as_secs_f64(),
        at(0.5).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3
    );
}

async fn run<F, Fut>(name: &str, tasks: usize, per_task: usize, op: F)
where
    F: Fn(usize, usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let op = Arc::new(op);
    let cpu_before = process_cpu();
    let start = Instant::now();
    let handles: Vec<_> = (0..tasks)
        .map(|task| {
            let op = Arc::clone(&op);
            tokio::spawn(async move {
                let mut samples = Vec::with_capacity(per_task);
                for i in 0..per_task {
                    let t = Instant::now();
                    op(task, i).await;
                    samples.push(t.elapsed());
                }
                samples
            })
        })
        .collect();
    let mut samples = Vec::new();
    for handle in handles {
        samples.extend(handle.await.expect("task"));
    }
    let wall = start.elapsed();
    let cpu = process_cpu()
        .zip(cpu_before)
        .map(|(after, before)| after.saturating_sub(before));
    report(name, samples, wall, cpu);
}

#[tokio::main]
async fn main() {
    let dir = std::env::args()
        .nth(1)
        .map(std::path::PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    let path = dir.join(format!("tutorbridge-bench-{}.redb", std::process::id()));
    let table = Arc::new(EmbeddedTable::open(&path).expect("open"));
    println!("embedded table at {} (fsync per commit)", path.display());

    for (tasks, label) in [(1, "sequential"), (8, "8 concurrent tasks")] {
        let t = Arc::clone(&table);
        run(
            &format!("versioned put, {label}"),
            tasks,
            400,
            move |task, i| {
                let t = Arc::clone(&t);
                async move {
                    let pk = format!("USER#{tasks}-{task}");
                    let condition = if i == 0 {
                        Condition::NotExists
                    } else {
                        Condition::VersionEquals(i as u64)
                    };
                    t.put(item(&pk, "RATING", i as u64 + 1), condition)
                        .await
                        .expect("put");
                }
            },
        )
        .await;
        let t = Arc::clone(&table);
        run(
            &format!("3-item transaction, {label}"),
            tasks,
            400,
            move |task, i| {
                let t = Arc::clone(&t);
                async move {
                    let pk = format!("TXN#{tasks}-{task}");
                    let ops = vec![
                        WriteOp::Put {
                            item: item(&pk, "STATE", i as u64 + 1),
                            condition: if i == 0 {
                                Condition::NotExists
                            } else {
                                Condition::VersionEquals(i as u64)
                            },
                        },
                        WriteOp::Put {
                            item: item(&pk, &format!("EVENT#{i:06}#01"), 0),
                            condition: Condition::NotExists,
                        },
                        WriteOp::Put {
                            item: item(&pk, &format!("EVENT#{i:06}#02"), 0),
                            condition: Condition::NotExists,
                        },
                    ];
                    t.transact_write(ops).await.expect("transaction");
                }
            },
        )
        .await;
        let t = Arc::clone(&table);
        run(&format!("get, {label}"), tasks, 2000, move |_, _| {
            let t = Arc::clone(&t);
            async move {
                // Written by the sequential put run above.
                let key = Key::new("USER#1-0", "RATING");
                t.get(&key).await.expect("get");
            }
        })
        .await;
        let t = Arc::clone(&table);
        run(
            &format!("GSI query (limit 20), {label}"),
            tasks,
            1000,
            move |_, _| {
                let t = Arc::clone(&t);
                async move {
                    let query = Query::partition(Index::Gsi1, "BENCH")
                        .sort(SortKeyCondition::BeginsWith("EVENT#".into()))
                        .limit(20);
                    t.query(&query).await.expect("query");
                }
            },
        )
        .await;
    }
    drop(table);
    let _ = std::fs::remove_file(&path);
}
