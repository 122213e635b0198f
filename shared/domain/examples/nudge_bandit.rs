//! Simulates nudging synthetic students to compare how the template is chosen:
//! uniformly at random, always the best template (no recovery), and the recovering-difference-
//! softmax bandit ([`tutorbridge_domain::nudges::bandit`]) learning from returns as it goes.
//!
//! Each synthetic student has a keenness; each template an appeal; the chance a nudge brings
//! the student back within a day is keenness × appeal × a novelty factor that drops when the
//! student saw the same template recently and recovers over days. Streak templates are only
//! eligible for students with a streak. Same seeds for every policy.
//!
//! `cargo run --release -p tutorbridge-domain --example nudge_bandit [-- --students N --days D --seeds S]`

use std::collections::BTreeMap;

use tutorbridge_domain::nudges::Trigger;
use tutorbridge_domain::nudges::bandit::{ArmStats, Bandit, credit};
use tutorbridge_domain::nudges::templates::{Slots, Template, eligible};

/// SplitMix64: a small seeded generator (the simulation must be reproducible).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// How much a template appeals (synthetic ground truth).
fn appeal(id: &str) -> f64 {
    match id {
        "away_gentle" => 0.55,
        "away_subject" => 0.70,
        "away_streak" => 0.85,
        "review_count" => 0.80,
        "review_memory" => 0.60,
        "review_streak" => 0.75,
        _ => 0.5,
    }
}

/// Share of the appeal lost when the same template was seen `days` ago (recovers by half every
/// 4 days).
fn novelty(days: Option<f64>) -> f64 {
    1.0 - days.map_or(0.0, |d| 0.6 * 0.5_f64.powf(d / 4.0))
}

#[derive(Clone, Copy, PartialEq)]
enum Policy {
    Uniform,
    BestNoRecovery,
    Bandit,
}

struct Student {
    keenness: f64,
    slots: Slots,
    trigger: Trigger,
    seen: BTreeMap<&'static str, u32>,
}

fn simulate(policy: Policy, students: usize, days: u32, seed: u64) -> (u64, u64) {
    let mut rng = Rng(seed);
    let mut people: Vec<Student> = (0..students)
        .map(|i| Student {
            keenness: 0.2 + 0.4 * rng.next(),
            slots: Slots {
                name: "S".into(),
                streak: if rng.next() < 0.4 { 5 } else { 0 },
                subject: Some("Maths".into()),
                next_step: None,
                due: 3,
            },
            trigger: if i % 2 == 0 {
                Trigger::Inactive
            } else {
                Trigger::ReviewDue
            },
            seen: BTreeMap::new(),
        })
        .collect();
    let bandit = Bandit::default();
    let mut stats: BTreeMap<String, ArmStats> = BTreeMap::new();
    let (mut sent, mut returned) = (0u64, 0u64);
    for day in 0..days {
        let mut today = Vec::new();
        for student in &mut people {
            // Nudged about every other day.
            if rng.next() >= 0.5 {
                continue;
            }
            let arms: Vec<&Template> = eligible(student.trigger, &student.slots);
            let since = |id: &str| {
                student
                    .seen
                    .get(id)
                    .map(|&d| f64::from(day.saturating_sub(d)))
            };
            let chosen = match policy {
                Policy::Uniform => ((rng.next() * arms.len() as f64) as usize).min(arms.len() - 1),
                Policy::BestNoRecovery => (0..arms.len())
                    .max_by(|&a, &b| appeal(arms[a].id).total_cmp(&appeal(arms[b].id)))
                    .unwrap_or(0),
                Policy::Bandit => bandit.choose(
                    &arms,
                    |id| stats.get(id).copied().unwrap_or_default(),
                    since,
                    rng.next(),
                ),
            };
            let template = arms[chosen];
            let p = student.keenness * appeal(template.id) * novelty(since(template.id));
            let back = rng.next() < p;
            student.seen.insert(template.id, day);
            sent += 1;
            returned += u64::from(back);
            today.push((
                template.id,
                arms.iter().map(|t| t.id.to_string()).collect::<Vec<_>>(),
                back,
            ));
        }
        // Returns are known a day later: the bandit learns from yesterday's nudges.
        for (chosen, others, back) in today {
            credit(&mut stats, chosen, &others, back);
        }
    }
    (sent, returned)
}

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let students = arg("--students", 2_000);
    let days = arg("--days", 90) as u32;
    let seeds = arg("--seeds", 5) as u64;
    println!(
        "{students} students, {days} days, {seeds} seeds; return rate = returns ÷ nudges sent\n"
    );
    println!("| Policy | Return rate (mean) | Range over seeds | vs uniform |");
    println!("|---|---|---|---|");
    let mut uniform_mean = 0.0;
    for (name, policy) in [
        ("Uniform random among eligible", Policy::Uniform),
        (
            "Always the best template, no recovery",
            Policy::BestNoRecovery,
        ),
        ("Recovering difference softmax (ours)", Policy::Bandit),
    ] {
        let rates: Vec<f64> = (0..seeds)
            .map(|seed| {
                let (sent, back) = simulate(policy, students, days, 42 + seed);
                back as f64 / sent.max(1) as f64
            })
            .collect();
        let mean = rates.iter().sum::<f64>() / rates.len() as f64;
        let (low, high) = rates
            .iter()
            .fold((f64::MAX, f64::MIN), |(l, h), r| (l.min(*r), h.max(*r)));
        if policy == Policy::Uniform {
            uniform_mean = mean;
        }
        println!(
            "| {name} | {:.2} % | {:.2}–{:.2} % | {:+.1} % |",
            mean * 100.0,
            low * 100.0,
            high * 100.0,
            (mean / uniform_mean - 1.0) * 100.0
        );
    }
}
