//! Load benchmark over HTTP. N concurrent students (one per loop) practise — assign, then complete
//! with an answer that is sometimes right — and now and then read the curriculum and their
//! dashboard and run a tutoring session step; for each concurrency level it reports items/s
//! (one item = assign + complete), calls/s, p50/p99/max per route, errors and rate limits, and,
//! given the server's pids (`--server-pid PID[,PID...]`, each with its descendants: a database
//! server's backends), its CPU per item and its memory (from `/proc`).
//!
//! ```sh
//! tutorbridge-bench --url http://127.0.0.1:3000 --students 1,8,32,256 --seconds 20 --server-pid PID
//! tutorbridge-bench --target python --url http://127.0.0.1:8000 --tokens ids.txt --students 1,8   # the Python system
//! tutorbridge-bench --reads --students 8 --server-pid PID   # authenticated reads only
//! ```
//!
//! `--practice-only` leaves out the reads and sessions around the practice loop (the workload the
//! Python system gets, which has only its two practice routes measured).
//!
//! `--reads` measures the edge and one table read alone: each student only reads the curriculum
//! (`GET /curriculum`, one table round trip); an "item" is then one read.
//!
//! Students: against the local gateway they are invited through `POST /admin/users` with the
//! local admin token and their tokens read from `/local/tokens/{id}`; against a deployed stack
//! pass `--tokens FILE` (one `user_id token` per line; for the Python system, which takes no token,
//! one user id per line).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// What the benchmark runs against.
#[derive(Clone, Copy, PartialEq)]
enum Target {
    TutorBridge,
    /// The FastAPI system it replaces: `POST /api/v1/practice/assign?student_id&subject&num_items`
    /// and `POST /api/v1/practice/complete?assignment_id&item_id`.
    Python,
}

struct Args {
    url: String,
    levels: Vec<usize>,
    seconds: u64,
    /// Server processes to account (each with its descendants: a database's backends).
    server_pids: Vec<u32>,
    target: Target,
    tokens: Option<String>,
    subject: String,
    /// Only authenticated reads of the curriculum.
    reads: bool,
    /// Only assign and complete, no reads or sessions around them.
    practice_only: bool,
}

fn args() -> Result<Args, String> {
    let raw: Vec<String> = std::env::args().skip(1).collect();
    let value = |name: &str| {
        raw.iter()
            .position(|a| a == name)
            .and_then(|i| raw.get(i + 1).cloned())
    };
    let levels = value("--students")
        .unwrap_or_else(|| "1,8,32".into())
        .split(',')
        .map(|n| {
            n.trim()
                .parse::<usize>()
                .map_err(|e| format!("--students: {e}"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    if levels.is_empty() || levels.contains(&0) {
        return Err("--students needs positive numbers".into());
    }
    Ok(Args {
        url: value("--url")
            .unwrap_or_else(|| "http://127.0.0.1:3000".into())
            .trim_end_matches('/')
            .to_string(),
        levels,
        seconds: value("--seconds")
            .map(|s| s.parse().map_err(|e| format!("--seconds: {e}")))
            .transpose()?
            .unwrap_or(10),
        server_pids: value("--server-pid")
            .map(|list| {
                list.split(',')
                    .map(|p| p.trim().parse().map_err(|e| format!("--server-pid: {e}")))
                    .collect::<Result<Vec<u32>, _>>()
            })
            .transpose()?
            .unwrap_or_default(),
        target: match value("--target").as_deref() {
            None | Some("tutorbridge") => Target::TutorBridge,
            Some("python") => Target::Python,
            Some(other) => return Err(format!("--target tutorbridge|python, not {other}")),
        },
        tokens: value("--tokens"),
        subject: value("--subject").unwrap_or_else(|| "Mathematics".into()),
        reads: raw.iter().any(|a| a == "--reads"),
        practice_only: raw.iter().any(|a| a == "--practice-only"),
    })
}

/// One student: an id and (for TutorBridge) a bearer token.
#[derive(Clone)]
struct Student {
    id: String,
    token: String,
}

async fn text(response: reqwest::Response) -> Result<String, String> {
    let status = response.status();
    let body = response.text().await.map_err(|e| e.to_string())?;
    if status.is_success() {
        Ok(body)
    } else {
        Err(format!("{status}: {body}"))
    }
}

/// `count` students: from `--tokens`, or invited on the local gateway.
async fn students(
    client: &reqwest::Client,
    args: &Args,
    count: usize,
) -> Result<Vec<Student>, String> {
    if args.target == Target::Python && args.tokens.is_none() {
        return Err(
            "--target python needs --tokens FILE: the students' user ids, one per line".into(),
        );
    }
    if let Some(path) = &args.tokens {
        let listed: Vec<Student> = std::fs::read_to_string(path)
            .map_err(|e| format!("{path}: {e}"))?
            .lines()
            .filter_map(|line| {
                // `id token`, or for the Python system (no tokens) the id alone.
                let line = line.trim();
                let (id, token) = line.split_once(' ').unwrap_or((line, ""));
                (!id.is_empty()).then(|| Student {
                    id: id.into(),
                    token: token.trim().into(),
                })
            })
            .collect();
        if listed.len() < count {
            return Err(format!(
                "{path} lists {} students, {count} needed",
                listed.len()
            ));
        }
        return Ok(listed.into_iter().take(count).collect());
    }
    let admin = text(
        client
            .get(format!("{}/local/tokens/admin", args.url))
            .send()
            .await
            .map_err(|e| e.to_string())?,
    )
    .await?;
    let run = std::process::id();
    let mut out = Vec::with_capacity(count);
    for i in 0..count {
        let invited: Value = serde_json::from_str(
            &text(
                client
                    .post(format!("{}/admin/users", args.url))
                    .bearer_auth(&admin)
                    .json(&json!({"email": format!("bench-{run}-{i}@example.com"), "role": "student"}))
                    .send()
                    .await
                    .map_err(|e| e.to_string())?,
            )
            .await?,
        )
        .map_err(|e| e.to_string())?;
        let id = invited["user_id"]
            .as_str()
            .ok_or("no user_id in the invitation")?
            .to_string();
        let token = text(
            client
                .get(format!("{}/local/tokens/{id}", args.url))
                .send()
                .await
                .map_err(|e| e.to_string())?,
        )
        .await?;
        out.push(Student { id, token });
    }
    Ok(out)
}

/// Latencies (µs) and outcomes per route.
#[derive(Default)]
struct Tally {
    latencies: BTreeMap<&'static str, Vec<u32>>,
    errors: BTreeMap<String, u64>,
    limited: u64,
    items: u64,
}

impl Tally {
    fn merge(&mut self, other: Tally) {
        for (route, mut values) in other.latencies {
            self.latencies.entry(route).or_default().append(&mut values);
        }
        for (error, n) in other.errors {
            *self.errors.entry(error).or_default() += n;
        }
        self.limited += other.limited;
        self.items += other.items;
    }
}

/// One call: its body as JSON when it succeeded, `None` (counted) otherwise.
async fn call(
    tally: &mut Tally,
    route: &'static str,
    request: reqwest::RequestBuilder,
) -> Option<Value> {
    let started = Instant::now();
    let outcome = request.send().await;
    let response = match outcome {
        Ok(response) => response,
        Err(error) => {
            *tally.errors.entry(format!("{route}: {error}")).or_default() += 1;
            return None;
        }
    };
    let status = response.status();
    let body = response.bytes().await.ok();
    tally
        .latencies
        .entry(route)
        .or_default()
        .push(started.elapsed().as_micros().min(u128::from(u32::MAX)) as u32);
    if status.as_u16() == 429 {
        tally.limited += 1;
        return None;
    }
    if !status.is_success() {
        *tally
            .errors
            .entry(format!("{route}: {status}"))
            .or_default() += 1;
        return None;
    }
    body.and_then(|b| serde_json::from_slice(&b).ok())
        .or(Some(Value::Null))
}

/// A small deterministic generator per student (answers and choices).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

/// One student's loop until `until`.
/// What every student's loop at one level does.
struct Workload {
    url: String,
    target: Target,
    subject: String,
    until: Instant,
    reads: bool,
    practice_only: bool,
}

async fn practise(
    client: reqwest::Client,
    work: Arc<Workload>,
    student: Student,
    seed: u64,
) -> Tally {
    let (url, subject, until, target, reads) = (
        &work.url,
        &work.subject,
        work.until,
        work.target,
        work.reads,
    );
    let mut tally = Tally::default();
    let mut rng = Rng(seed | 1);
    let mut round = 0u64;
    while Instant::now() < until {
        round += 1;
        match target {
            Target::TutorBridge if reads => {
                if call(
                    &mut tally,
                    "GET /curriculum",
                    client
                        .get(format!("{url}/curriculum?country=India&board=CBSE&grade=3"))
                        .bearer_auth(&student.token),
                )
                .await
                .is_some()
                {
                    tally.items += 1;
                }
            }
            Target::TutorBridge => {
                let Some(assigned) = call(
                    &mut tally,
                    "POST /practice/assign",
                    client
                        .post(format!("{url}/practice/assign"))
                        .bearer_auth(&student.token)
                        .json(&json!({"subject": subject})),
                )
                .await
                else {
                    continue;
                };
                let options = assigned["item"]["options"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                let answer = if options.is_empty() {
                    rng.below(20).to_string()
                } else {
                    options[rng.below(options.len() as u64) as usize]["id"]
                        .as_str()
                        .unwrap_or("A")
                        .to_string()
                };
                if call(
                    &mut tally,
                    "POST /practice/complete",
                    client
                        .post(format!("{url}/practice/complete"))
                        .bearer_auth(&student.token)
                        .json(
                            &json!({"assignment_id": assigned["assignment_id"], "answer": answer}),
                        ),
                )
                .await
                .is_some()
                {
                    tally.items += 1;
                }
                if work.practice_only {
                    continue;
                }
                if round.is_multiple_of(10) {
                    call(
                        &mut tally,
                        "GET /curriculum",
                        client
                            .get(format!("{url}/curriculum?country=India&board=CBSE&grade=3"))
                            .bearer_auth(&student.token),
                    )
                    .await;
                    call(
                        &mut tally,
                        "GET /students/{id}/progress",
                        client
                            .get(format!("{url}/students/{}/progress", student.id))
                            .bearer_auth(&student.token),
                    )
                    .await;
                }
                if round.is_multiple_of(50)
                    && let Some(session) = call(
                        &mut tally,
                        "POST /sessions",
                        client
                            .post(format!("{url}/sessions"))
                            .bearer_auth(&student.token)
                            .json(&json!({"goal": {"guideline_id": "cbse3-maths-multiplication-repeated-addition"}})),
                    )
                    .await
                {
                    let id = session["session_id"].as_str().unwrap_or_default().to_string();
                    call(
                        &mut tally,
                        "POST /sessions/{id}/step",
                        client
                            .post(format!("{url}/sessions/{id}/step"))
                            .bearer_auth(&student.token)
                            .json(&json!({"step": session["step"].as_u64().unwrap_or(0), "student_reply": rng.below(30).to_string()})),
                    )
                    .await;
                }
            }
            Target::Python => {
                let Some(assigned) = call(
                    &mut tally,
                    "POST /practice/assign",
                    client.post(format!(
                        "{url}/api/v1/practice/assign?student_id={}&subject={subject}&num_items=1",
                        student.id
                    )),
                )
                .await
                else {
                    continue;
                };
                // `{"data": {"assignment_id", "items": [{"item_id", "choices", "correct_answer"}]}}`;
                // the answer is one of the four choices at random, as against TutorBridge.
                let data = &assigned["data"];
                let item = &data["items"][0];
                let choices = item["choices"].as_array().map_or(0, Vec::len) as u64;
                let letter = ["A", "B", "C", "D"][rng.below(choices.clamp(1, 4)) as usize];
                let correct = item["correct_answer"].as_str() == Some(letter);
                if call(
                    &mut tally,
                    "POST /practice/complete",
                    client
                        .post(format!(
                            "{url}/api/v1/practice/complete?assignment_id={}&item_id={}",
                            data["assignment_id"].as_str().unwrap_or_default(),
                            item["item_id"].as_str().unwrap_or_default()
                        ))
                        .json(&json!({
                            "student_answer": letter,
                            "correct": correct,
                            "time_taken_seconds": 20 + rng.below(60),
                            "hints_used": 0
                        })),
                )
                .await
                .is_some()
                {
                    tally.items += 1;
                }
            }
        }
    }
    tally
}

/// One process's parent pid and CPU time (ms, its own and its reaped children's), from
/// `/proc/PID/stat`.
fn process_stat(pid: u32) -> Option<(u32, f64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command's closing parenthesis: ppid is the 2nd, utime, stime, cutime and
    // cstime the 12th to 15th.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ppid = fields.get(1)?.parse().ok()?;
    let mut ticks = 0.0;
    for field in 11..15 {
        ticks += fields.get(field)?.parse::<f64>().ok()?;
    }
    // Linux reports CPU in clock ticks of 10 ms (USER_HZ = 100).
    Some((ppid, ticks * 10.0))
}

/// A `/proc` status or smaps_rollup field in MB.
fn proc_field_mb(path: &str, field: &str) -> Option<f64> {
    let kb: f64 = std::fs::read_to_string(path)
        .ok()?
        .lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

/// CPU time (ms) the server has used and its memory (MB), from `/proc`: the given processes and
/// their descendants (a database server's backends). Memory is the resident set of a single
/// process, or the proportional set (shared pages split between sharers) summed over several.
fn process_usage(roots: &[u32]) -> Option<(f64, f64)> {
    if roots.is_empty() {
        return None;
    }
    // One pass over /proc: every process's parent and CPU time.
    let processes: Vec<(u32, u32, f64)> = std::fs::read_dir("/proc")
        .ok()?
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let (ppid, cpu) = process_stat(pid)?;
            Some((pid, ppid, cpu))
        })
        .collect();
    let mut tree: Vec<u32> = roots.to_vec();
    let mut i = 0;
    while let Some(&pid) = tree.get(i) {
        tree.extend(
            processes
                .iter()
                .filter(|(_, ppid, _)| *ppid == pid)
                .map(|(child, ..)| *child),
        );
        i += 1;
    }
    let cpu = processes
        .iter()
        .filter(|(pid, ..)| tree.contains(pid))
        .map(|(.., cpu)| cpu)
        .sum();
    let memory = if let [only] = tree[..] {
        proc_field_mb(&format!("/proc/{only}/status"), "VmRSS:")?
    } else {
        tree.iter()
            .filter_map(|p| proc_field_mb(&format!("/proc/{p}/smaps_rollup"), "Pss:"))
            .sum()
    };
    Some((cpu, memory))
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * (sorted.len() as f64 - 1.0)).round() as usize;
    f64::from(sorted[rank.min(sorted.len() - 1)]) / 1000.0
}

#[tokio::main]
async fn main() {
    let args = match args() {
        Ok(args) => args,
        Err(error) => {
            eprintln!("{error}");
            std::process::exit(2);
        }
    };
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(1024)
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap_or_default();
    let most = args.levels.iter().copied().max().unwrap_or(1);
    let students = match students(&client, &args, most).await {
        Ok(students) => students,
        Err(error) => {
            eprintln!("could not prepare {most} students: {error}");
            std::process::exit(1);
        }
    };
    println!(
        "{} at {}, {} s per level, subject {}\n",
        if args.target == Target::Python {
            "Python system"
        } else {
            "TutorBridge"
        },
        args.url,
        args.seconds,
        args.subject
    );
    if args.reads {
        println!("Workload: reads only (one item = one GET /curriculum)\n");
    } else if args.practice_only {
        println!("Workload: practice only (assign + complete, no reads or sessions)\n");
    }
    println!(
        "| Students | Items/s | Calls/s | assign p50 / p99 / max ms | complete p50 / p99 / max ms | curriculum p50 / p99 ms | Errors | 429s | Server CPU ms/item | Server RSS MB |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    let mut errors_seen = BTreeMap::new();
    for &level in &args.levels {
        let before = process_usage(&args.server_pids);
        let started = Instant::now();
        let until = started + Duration::from_secs(args.seconds);
        let work = Arc::new(Workload {
            url: args.url.clone(),
            target: args.target,
            subject: args.subject.clone(),
            until,
            reads: args.reads,
            practice_only: args.practice_only,
        });
        let tasks: Vec<_> = students
            .iter()
            .take(level)
            .enumerate()
            .map(|(i, student)| {
                tokio::spawn(practise(
                    client.clone(),
                    Arc::clone(&work),
                    student.clone(),
                    0x9e37_79b9 ^ ((i as u64 + 1) * 0x85eb_ca6b),
                ))
            })
            .collect();
        let mut tally = Tally::default();
        for task in tasks {
            if let Ok(part) = task.await {
                tally.merge(part);
            }
        }
        let elapsed = started.elapsed().as_secs_f64();
        let after = process_usage(&args.server_pids);
        let calls: usize = tally.latencies.values().map(Vec::len).sum();
        for values in tally.latencies.values_mut() {
            values.sort_unstable();
        }
        let route = |name: &str| tally.latencies.get(name).map(Vec::as_slice).unwrap_or(&[]);
        let triple = |values: &[u32]| {
            format!(
                "{:.1} / {:.1} / {:.1}",
                percentile(values, 50.0),
                percentile(values, 99.0),
                percentile(values, 100.0)
            )
        };
        let (cpu, rss) = match (before, after) {
            (Some((cpu0, _)), Some((cpu1, rss))) => (
                format!("{:.2}", (cpu1 - cpu0) / tally.items.max(1) as f64),
                format!("{rss:.0}"),
            ),
            _ => ("-".into(), "-".into()),
        };
        let errors: u64 = tally.errors.values().sum();
        println!(
            "| {level} | {:.0} | {:.0} | {} | {} | {:.1} / {:.1} | {errors} | {} | {cpu} | {rss} |",
            tally.items as f64 / elapsed,
            calls as f64 / elapsed,
            triple(route("POST /practice/assign")),
            triple(route("POST /practice/complete")),
            percentile(route("GET /curriculum"), 50.0),
            percentile(route("GET /curriculum"), 99.0),
            tally.limited,
        );
        for (error, n) in tally.errors {
            *errors_seen.entry(error).or_insert(0) += n;
        }
    }
    if !args.server_pids.is_empty() {
        // Close the benchmark's connections first: idle keep-alive connections would hold the
        // server's per-connection buffers and make this a reading under load.
        drop(client);
        tokio::time::sleep(Duration::from_secs(3)).await;
        if let Some((_, rss)) = process_usage(&args.server_pids) {
            println!("\nServer RSS 3 s after the load (connections closed): {rss:.0} MB");
        }
    }
    if !errors_seen.is_empty() {
        println!("\nErrors:");
        for (error, n) in errors_seen.iter().take(10) {
            println!("  {n} × {}", error.chars().take(200).collect::<String>());
        }
    }
}
