//! Simulation harness: TutorBridge's learner model against the seed's fixed-K Elo (a benchmark,
//! not a test).
//!
//! `cargo run --release -p tutorbridge-domain --example learner_simulation [-- SEED]`
//!
//! A population of students with known true skills answers items with known true difficulties,
//! correct with the logistic probability (with a guessing floor for 4-option items), quick or
//! slow at random, sometimes with hints. Both models see the same answers in the same order and
//! start from the same author-estimated item difficulties (true difficulty + noise). Reported:
//! Spearman correlation of estimated with true skill after 10 and 30 answers, AUC of each
//! model's prediction of the next answer (made before seeing it), and the mean absolute error of
//! item difficulties after 200 students. The baseline is the seed's: 10-base Elo, 400-point
//! scale, K = 32, students start at 1000, item ratings never updated.

use tutorbridge_domain::learner::{Estimate, Model, Performance, p_correct};
use tutorbridge_domain::maths::Seed;

const STUDENTS: usize = 200;
const ITEMS: usize = 120;
const ANSWERS: usize = 30;
/// Logistic units per Elo point (10-base, 400-point scale).
const ELO_SCALE: f64 = std::f64::consts::LN_10 / 400.0;

struct Rng(Seed);

impl Rng {
    fn uniform(&mut self) -> f64 {
        (self.0.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform().max(1e-12), self.uniform());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

#[derive(Clone, Copy)]
struct Item {
    difficulty: f64,
    initial: f64,
    options: Option<u32>,
    expected_seconds: f64,
}

/// Spearman's rank correlation.
fn spearman(a: &[f64], b: &[f64]) -> f64 {
    fn ranks(values: &[f64]) -> Vec<f64> {
        let mut order: Vec<usize> = (0..values.len()).collect();
        order.sort_by(|&i, &j| values[i].total_cmp(&values[j]));
        let mut ranks = vec![0.0; values.len()];
        let mut start = 0;
        while start < order.len() {
            let mut end = start;
            while end + 1 < order.len() && values[order[end + 1]] == values[order[start]] {
                end += 1;
            }
            for &index in &order[start..=end] {
                ranks[index] = (start + end) as f64 / 2.0;
            }
            start = end + 1;
        }
        ranks
    }
    let (ra, rb) = (ranks(a), ranks(b));
    let mean = (a.len() as f64 - 1.0) / 2.0;
    let cov: f64 = ra
        .iter()
        .zip(&rb)
        .map(|(x, y)| (x - mean) * (y - mean))
        .sum();
    let var_a: f64 = ra.iter().map(|x| (x - mean).powi(2)).sum();
    let var_b: f64 = rb.iter().map(|y| (y - mean).powi(2)).sum();
    cov / (var_a * var_b).sqrt()
}

/// Area under the ROC curve of predictions for binary outcomes (ties count half).
fn auc(predictions: &[(f64, bool)]) -> f64 {
    let mut sorted = predictions.to_vec();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    let positives = sorted.iter().filter(|(_, y)| *y).count() as f64;
    let negatives = sorted.len() as f64 - positives;
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < sorted.len() {
        let mut j = i;
        while j + 1 < sorted.len() && sorted[j + 1].0 == sorted[i].0 {
            j += 1;
        }
        let average_rank = (i + j) as f64 / 2.0 + 1.0;
        rank_sum += average_rank * sorted[i..=j].iter().filter(|(_, y)| *y).count() as f64;
        i = j + 1;
    }
    (rank_sum - positives * (positives + 1.0) / 2.0) / (positives * negatives)
}

struct Metrics {
    spearman_10: f64,
    spearman_30: f64,
    auc: f64,
    item_mae: f64,
}

/// Run both models over one simulated population; returns (TutorBridge, baseline).
fn simulate(model: Model, seed: u64) -> (Metrics, Metrics) {
    let mut rng = Rng(Seed::new(seed));
    let items: Vec<Item> = (0..ITEMS)
        .map(|i| {
            let difficulty = 1.2 * rng.normal();
            Item {
                difficulty,
                // Authors estimate difficulty roughly.
                initial: difficulty + 0.8 * rng.normal(),
                options: if i % 3 == 0 { Some(4) } else { None },
                expected_seconds: 20.0 + 40.0 * rng.uniform(),
            }
        })
        .collect();
    let skills: Vec<f64> = (0..STUDENTS).map(|_| rng.normal()).collect();

    let mut item_estimates: Vec<Estimate> = items
        .iter()
        .map(|item| Estimate::new(item.initial))
        .collect();
    let item_elo: Vec<f64> = items
        .iter()
        .map(|item| 1000.0 + item.initial / ELO_SCALE)
        .collect();
    let (mut ours_10, mut ours_30, mut base_10, mut base_30) = (vec![], vec![], vec![], vec![]);
    let (mut ours_predictions, mut base_predictions) = (vec![], vec![]);

    for &true_skill in &skills {
        let mut skill = Estimate::new(0.0);
        let mut elo = 1000.0;
        for answer in 0..ANSWERS {
            let index = (rng.0.next_u64() % ITEMS as u64) as usize;
            let item = items[index];
            let correct = rng.uniform() < p_correct(true_skill, item.difficulty, item.options);
            // Stronger students answer faster and need fewer hints.
            let pace = (1.0 - 0.3 * (true_skill - item.difficulty)).clamp(0.3, 3.0);
            let performance = Performance {
                correct,
                elapsed_seconds: item.expected_seconds * pace * (0.7 + 0.6 * rng.uniform()),
                expected_seconds: item.expected_seconds,
                hints_used: if correct {
                    u32::from(rng.uniform() < 0.2)
                } else {
                    (rng.uniform() * 3.0) as u32
                },
            };
            let result = performance.result();

            let step = model.update(skill, item_estimates[index], item.options, result, correct);
            ours_predictions.push((step.predicted, correct));
            skill = step.skill;
            item_estimates[index] = step.difficulty;

            let expected = 1.0 / (1.0 + 10f64.powf((item_elo[index] - elo) / 400.0));
            base_predictions.push((expected, correct));
            elo += 32.0 * (result - expected);

            if answer + 1 == 10 {
                ours_10.push(skill.value);
                base_10.push(elo);
            }
        }
        ours_30.push(skill.value);
        base_30.push(elo);
    }
    let mae = |estimates: &dyn Fn(usize) -> f64| {
        items
            .iter()
            .enumerate()
            .map(|(i, item)| (estimates(i) - item.difficulty).abs())
            .sum::<f64>()
            / ITEMS as f64
    };
    let ours = Metrics {
        spearman_10: spearman(&ours_10, &skills),
        spearman_30: spearman(&ours_30, &skills),
        auc: auc(&ours_predictions),
        item_mae: mae(&|i| item_estimates[i].value),
    };
    let base = Metrics {
        spearman_10: spearman(&base_10, &skills),
        spearman_30: spearman(&base_30, &skills),
        auc: auc(&base_predictions),
        item_mae: mae(&|i| (item_elo[i] - 1000.0) * ELO_SCALE),
    };
    (ours, base)
}

fn main() {
    let first_seed: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(2026);
    let runs = 20;
    if std::env::args().any(|arg| arg == "--sweep") {
        println!("alpha | spearman@10 | spearman@30 | AUC | item MAE");
        for alpha in [0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0, 1.5] {
            let model = Model {
                alpha,
                ..Model::default()
            };
            let mut sums = [0.0; 4];
            for run in 0..runs {
                let (ours, _) = simulate(model, first_seed + run);
                for (sum, value) in sums.iter_mut().zip([
                    ours.spearman_10,
                    ours.spearman_30,
                    ours.auc,
                    ours.item_mae,
                ]) {
                    *sum += value / runs as f64;
                }
            }
            println!(
                "{alpha:>5} | {:.3} | {:.3} | {:.3} | {:.3}",
                sums[0], sums[1], sums[2], sums[3]
            );
        }
        return;
    }
    let mut totals = [[0.0f64; 4]; 2];
    let mut wins = [0u32; 4];
    for run in 0..runs {
        let (ours, base) = simulate(Model::default(), first_seed + run);
        let ours = [ours.spearman_10, ours.spearman_30, ours.auc, -ours.item_mae];
        let base = [base.spearman_10, base.spearman_30, base.auc, -base.item_mae];
        for metric in 0..4 {
            totals[0][metric] += ours[metric] / runs as f64;
            totals[1][metric] += base[metric] / runs as f64;
            wins[metric] += u32::from(ours[metric] > base[metric]);
        }
    }
    println!(
        "{STUDENTS} students × {ANSWERS} answers over {ITEMS} items, mean of {runs} populations (seeds {first_seed}..{}):",
        first_seed + runs - 1
    );
    println!(
        "| Metric | TutorBridge (U(n)=α/(1+βn)) | Seed baseline (Elo K=32) | TutorBridge better in |"
    );
    println!("|---|---|---|---|");
    let names = [
        "Spearman with true skill, 10 answers",
        "Spearman with true skill, 30 answers",
        "AUC, next-answer prediction",
        "Item difficulty MAE after 200 students",
    ];
    for (metric, name) in names.iter().enumerate() {
        let sign = if metric == 3 { -1.0 } else { 1.0 };
        println!(
            "| {name} | {:.3} | {:.3} | {}/{runs} |",
            sign * totals[0][metric],
            sign * totals[1][metric],
            wins[metric]
        );
    }
}
