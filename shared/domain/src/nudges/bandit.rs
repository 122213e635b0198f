//! Which eligible template to send: a recovering-difference-softmax bandit, after Yancey and
//! Settles, "A Sleeping, Recovering Bandit Algorithm for Optimizing Recurring Notifications"
//! (KDD 2020, Duolingo). Three ideas from it:
//!
//! - **Sleeping arms:** only templates eligible for this student and trigger compete.
//! - **Difference:** a template's score is its return rate when it was chosen minus the return
//!   rate of nudges where it was eligible but another was chosen — its lift over the alternative,
//!   which does not favour templates that merely tend to be eligible for keen students.
//! - **Recovery:** a template the student saw recently is worth less (novelty wears off); the
//!   penalty `weight · 0.5^(days since seen / half-life)` fades as the student goes without it.
//!
//! The choice is a softmax over the scores with a temperature, drawn with a number in [0, 1)
//! the caller supplies (from a seeded source, so a choice is reproducible). Reward: the student
//! practised within a day of the nudge.

use serde::{Deserialize, Serialize};

use super::templates::Template;

/// What is known of one template's returns.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArmStats {
    /// Nudges that used this template, and how many brought the student back.
    pub chosen: u64,
    pub chosen_returns: u64,
    /// Nudges where it was eligible but another was chosen, and their returns.
    pub passed: u64,
    pub passed_returns: u64,
}

impl ArmStats {
    /// Lift of choosing this template: smoothed return rate when chosen minus when passed over.
    pub fn difference(&self) -> f64 {
        let rate = |returns: u64, n: u64| (returns as f64 + 1.0) / (n as f64 + 2.0);
        rate(self.chosen_returns, self.chosen) - rate(self.passed_returns, self.passed)
    }
}

/// The bandit's settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bandit {
    /// Softmax temperature: lower is greedier.
    pub temperature: f64,
    /// The recency penalty just after a template was seen.
    pub recency_weight: f64,
    /// Days for the recency penalty to halve.
    pub half_life_days: f64,
}

impl Default for Bandit {
    fn default() -> Self {
        Bandit {
            temperature: 0.02,
            recency_weight: 0.1,
            half_life_days: 7.0,
        }
    }
}

impl Bandit {
    /// A template's score for a student who last saw it `days_since_seen` days ago (`None`:
    /// never).
    pub fn score(&self, stats: &ArmStats, days_since_seen: Option<f64>) -> f64 {
        let penalty = days_since_seen.map_or(0.0, |days| {
            self.recency_weight * 0.5_f64.powf(days.max(0.0) / self.half_life_days)
        });
        stats.difference() - penalty
    }

    /// The softmax probabilities of `scores`.
    pub fn probabilities(&self, scores: &[f64]) -> Vec<f64> {
        let top = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let weights: Vec<f64> = scores
            .iter()
            .map(|s| ((s - top) / self.temperature.max(1e-9)).exp())
            .collect();
        let total: f64 = weights.iter().sum();
        weights.iter().map(|w| w / total).collect()
    }

    /// Choose among `eligible` (non-empty) given each one's stats and when the student last saw
    /// it, drawing with `draw` in [0, 1). Returns the index chosen.
    pub fn choose(
        &self,
        eligible: &[&Template],
        stats: impl Fn(&str) -> ArmStats,
        days_since_seen: impl Fn(&str) -> Option<f64>,
        draw: f64,
    ) -> usize {
        let scores: Vec<f64> = eligible
            .iter()
            .map(|t| self.score(&stats(t.id), days_since_seen(t.id)))
            .collect();
        let mut left = draw.clamp(0.0, 1.0);
        for (i, p) in self.probabilities(&scores).into_iter().enumerate() {
            if left < p {
                return i;
            }
            left -= p;
        }
        eligible.len().saturating_sub(1)
    }
}

/// Credit one settled nudge: `chosen` was sent, `others` were eligible and passed over;
/// `returned` whether the student practised within a day.
pub fn credit(
    stats: &mut std::collections::BTreeMap<String, ArmStats>,
    chosen: &str,
    others: &[String],
    returned: bool,
) {
    let arm = stats.entry(chosen.to_string()).or_default();
    arm.chosen += 1;
    arm.chosen_returns += u64::from(returned);
    for other in others.iter().filter(|o| o.as_str() != chosen) {
        let arm = stats.entry(other.clone()).or_default();
        arm.passed += 1;
        arm.passed_returns += u64::from(returned);
    }
}

/// A number in [0, 1) from a text (a nudge id): the draw for a choice that is the same every
/// time the same nudge is decided.
pub fn draw_from(text: &str) -> f64 {
    // FNV-1a, then SplitMix64's finaliser (similar ids must not give similar draws), then the
    // top 53 bits.
    let hash = text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    let mut z = hash.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nudges::Trigger;
    use crate::nudges::templates::{Slots, eligible};

    fn arms() -> Vec<&'static Template> {
        eligible(
            Trigger::Inactive,
            &Slots {
                name: "A".into(),
                subject: Some("Maths".into()),
                streak: 5,
                ..Slots::default()
            },
        )
    }

    #[test]
    fn with_no_evidence_every_eligible_template_is_as_likely() {
        let bandit = Bandit::default();
        let p = bandit.probabilities(&[0.0, 0.0, 0.0]);
        assert!(p.iter().all(|x| (x - 1.0 / 3.0).abs() < 1e-9));
        let mut counts = [0; 3];
        for i in 0..3000 {
            counts[bandit.choose(
                &arms(),
                |_| ArmStats::default(),
                |_| None,
                draw_from(&i.to_string()),
            )] += 1;
        }
        assert!(
            counts.iter().all(|&c| (850..1150).contains(&c)),
            "{counts:?}"
        );
    }

    #[test]
    fn a_template_with_lift_is_preferred_and_a_recent_one_penalised() {
        let bandit = Bandit::default();
        let good = ArmStats {
            chosen: 1000,
            chosen_returns: 300,
            passed: 2000,
            passed_returns: 200,
        };
        let plain = ArmStats {
            chosen: 1000,
            chosen_returns: 100,
            passed: 2000,
            passed_returns: 400,
        };
        assert!(good.difference() > 0.15 && plain.difference() < -0.05);
        let fresh = bandit.score(&good, None);
        let seen_today = bandit.score(&good, Some(0.0));
        let seen_long_ago = bandit.score(&good, Some(60.0));
        assert!(seen_today < seen_long_ago && seen_long_ago < fresh);
        assert!((fresh - seen_today - bandit.recency_weight).abs() < 1e-9);
        let stats = |id: &str| if id == "away_gentle" { good } else { plain };
        let gentle = arms().iter().position(|t| t.id == "away_gentle").unwrap();
        let picks = (0..1000)
            .filter(|i| {
                bandit.choose(&arms(), stats, |_| None, draw_from(&format!("n{i}"))) == gentle
            })
            .count();
        assert!(picks > 950, "{picks}");
    }

    #[test]
    fn credit_counts_the_chosen_and_the_passed_over() {
        let mut stats = std::collections::BTreeMap::new();
        credit(&mut stats, "a", &["a".into(), "b".into()], true);
        credit(&mut stats, "b", &["a".into(), "b".into()], false);
        assert_eq!(
            stats["a"],
            ArmStats {
                chosen: 1,
                chosen_returns: 1,
                passed: 1,
                passed_returns: 0
            }
        );
        assert_eq!(
            stats["b"],
            ArmStats {
                chosen: 1,
                chosen_returns: 0,
                passed: 1,
                passed_returns: 1
            }
        );
    }

    #[test]
    fn draws_are_spread_over_the_unit_interval() {
        let draws: Vec<f64> = (0..10_000).map(|i| draw_from(&format!("{i:08}"))).collect();
        assert!(draws.iter().all(|d| (0.0..1.0).contains(d)));
        let low = draws.iter().filter(|d| **d < 0.5).count();
        assert!((4_700..5_300).contains(&low), "{low}");
    }
}
