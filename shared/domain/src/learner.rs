//! The learner model for adaptive practice.
//!
//! A student's skill θ (per subject) and an item's difficulty b live on one logistic scale:
//! P(correct) = g + (1 − g)·σ(θ − b), with the guessing floor g = 1/k for k-option multiple
//! choice (0 otherwise). After a student's first attempt at an item, both move by K·(r − P) in
//! opposite directions, where K comes from an uncertainty function of how many answers that
//! student (or item) already has, U(n) = α / (1 + β·n): large while little is known, shrinking
//! with evidence (Pelánek 2016, β = 0.05; α chosen with the simulation harness in
//! `examples/learner_simulation.rs`). The seed system's fixed K = 32 never stops jumping and
//! never learns item difficulties; this one converges and calibrates both.
//!
//! The result r blends correctness (0.7), speed relative to the item's expected time (0.2) and
//! hints not used (0.1). Speed and hints only add to a correct answer, and a correct answer never
//! lowers a skill (nor a wrong one raises it): the update keeps the sign of correctness.

use serde::{Deserialize, Serialize};

/// Every number of the model, in one place.
pub mod constants {
    /// α of the uncertainty function U(n) = α / (1 + β·n) (chosen by the simulation harness).
    pub const UNCERTAINTY_ALPHA: f64 = 0.4;
    /// β of the uncertainty function (Pelánek 2016).
    pub const UNCERTAINTY_BETA: f64 = 0.05;
    /// Estimates are kept within ±this bound (finite, and beyond any real learner).
    pub const BOUND: f64 = 6.0;
    /// The predicted success practice aims for.
    pub const TARGET_SUCCESS: f64 = 0.75;
    /// Weights of the result blend.
    pub const WEIGHT_CORRECT: f64 = 0.7;
    pub const WEIGHT_SPEED: f64 = 0.2;
    pub const WEIGHT_HINTS: f64 = 0.1;
    /// Hints an item can offer; using all of them leaves no hint credit.
    pub const MAX_HINTS: u32 = 3;
    /// Answers slower than this many expected times earn no speed credit.
    pub const SLOW_FACTOR: f64 = 3.0;
}

use constants::*;

/// The logistic function.
pub fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// Predicted probability of a correct answer, strictly inside (0, 1).
pub fn p_correct(skill: f64, difficulty: f64, options: Option<u32>) -> f64 {
    let guess = match options {
        Some(k) if k >= 2 => 1.0 / f64::from(k),
        _ => 0.0,
    };
    (guess + (1.0 - guess) * sigmoid(skill - difficulty)).clamp(1e-9, 1.0 - 1e-9)
}

/// The uncertainty function's parameters; [`Model::default`] is the one TutorBridge uses.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Model {
    pub alpha: f64,
    pub beta: f64,
}

impl Default for Model {
    fn default() -> Self {
        Model {
            alpha: UNCERTAINTY_ALPHA,
            beta: UNCERTAINTY_BETA,
        }
    }
}

impl Model {
    /// The step size for an estimate backed by `answers` answers.
    pub fn uncertainty(&self, answers: u32) -> f64 {
        self.alpha / (1.0 + self.beta * f64::from(answers))
    }

    /// Apply a first attempt: skill up and difficulty down by the surprise, or the reverse.
    pub fn update(
        &self,
        skill: Estimate,
        difficulty: Estimate,
        options: Option<u32>,
        result: f64,
        correct: bool,
    ) -> Update {
        let predicted = p_correct(skill.value, difficulty.value, options);
        let result = if result.is_finite() {
            result.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let surprise = result - predicted;
        // Keep the sign of correctness: a slow correct answer on an easy item is not evidence of
        // lower skill, and a wrong answer is never evidence of higher skill.
        let surprise = if correct {
            surprise.max(0.0)
        } else {
            surprise.min(0.0)
        };
        let moved = |estimate: Estimate, direction: f64| Estimate {
            value: (estimate.value + direction * self.uncertainty(estimate.answers) * surprise)
                .clamp(-BOUND, BOUND),
            answers: estimate.answers.saturating_add(1),
        };
        Update {
            predicted,
            result,
            skill: moved(skill, 1.0),
            difficulty: moved(difficulty, -1.0),
        }
    }
}

/// The step size for an estimate backed by `answers` answers, with TutorBridge's parameters.
pub fn uncertainty(answers: u32) -> f64 {
    Model::default().uncertainty(answers)
}

/// How an attempt went.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Performance {
    pub correct: bool,
    /// Server-measured time from assignment to answer.
    pub elapsed_seconds: f64,
    /// The item's expected time.
    pub expected_seconds: f64,
    pub hints_used: u32,
}

impl Performance {
    /// The result r in [0, 1]: 0 for a wrong answer; 0.7 to 1 for a correct one, more for a
    /// quick answer and for fewer hints.
    pub fn result(&self) -> f64 {
        if !self.correct {
            return 0.0;
        }
        let expected = self.expected_seconds.max(1.0);
        let elapsed = if self.elapsed_seconds.is_finite() {
            self.elapsed_seconds.max(0.0)
        } else {
            f64::MAX
        };
        let speed =
            ((SLOW_FACTOR * expected - elapsed) / ((SLOW_FACTOR - 1.0) * expected)).clamp(0.0, 1.0);
        let hints = 1.0 - f64::from(self.hints_used.min(MAX_HINTS)) / f64::from(MAX_HINTS);
        WEIGHT_CORRECT + WEIGHT_SPEED * speed + WEIGHT_HINTS * hints
    }
}

/// An estimate (a skill or a difficulty) and the evidence behind it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
pub struct Estimate {
    pub value: f64,
    pub answers: u32,
}

impl Estimate {
    pub fn new(value: f64) -> Self {
        Estimate {
            value: value.clamp(-BOUND, BOUND),
            answers: 0,
        }
    }
}

/// The outcome of one first attempt.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Update {
    pub predicted: f64,
    pub result: f64,
    pub skill: Estimate,
    pub difficulty: Estimate,
}

/// Apply a first attempt with TutorBridge's parameters (see [`Model::update`]).
pub fn update(
    skill: Estimate,
    difficulty: Estimate,
    options: Option<u32>,
    result: f64,
    correct: bool,
) -> Update {
    Model::default().update(skill, difficulty, options, result, correct)
}

/// The seed's 400–2000 display rating for a skill.
pub fn display_rating(skill: f64) -> u32 {
    (1200.0 + skill * 800.0 / 3.0).clamp(400.0, 2000.0).round() as u32
}

/// A 1–10 label for an item difficulty (−3 → 1, +3 → 10).
pub fn difficulty_label(difficulty: f64) -> u8 {
    (((difficulty + 3.0) / 6.0 * 9.0).round() + 1.0).clamp(1.0, 10.0) as u8
}

/// The difficulty at which a student of `skill` succeeds with probability `target`
/// (ignoring guessing), for choosing items.
pub fn difficulty_for(skill: f64, target: f64) -> f64 {
    let target = target.clamp(0.01, 0.99);
    skill - (target / (1.0 - target)).ln()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn the_result_blends_correctness_speed_and_hints() {
        let perf = |correct, elapsed, hints| {
            Performance {
                correct,
                elapsed_seconds: elapsed,
                expected_seconds: 30.0,
                hints_used: hints,
            }
            .result()
        };
        assert_eq!(perf(false, 1.0, 0), 0.0);
        assert!((perf(true, 20.0, 0) - 1.0).abs() < 1e-12);
        assert!((perf(true, 90.0, 3) - 0.7).abs() < 1e-12);
        assert!((perf(true, 60.0, 0) - (0.7 + 0.2 * 0.5 + 0.1)).abs() < 1e-12);
    }

    #[test]
    fn guessing_sets_a_floor_for_multiple_choice() {
        assert!((p_correct(-6.0, 6.0, Some(4)) - 0.25).abs() < 1e-4);
        assert!(p_correct(-6.0, 6.0, None) < 0.001);
        assert!((p_correct(1.0, 1.0, None) - 0.5).abs() < 1e-12);
    }

    #[test]
    fn new_estimates_move_fast_and_settled_ones_slowly() {
        let fresh = update(Estimate::new(0.0), Estimate::new(0.0), None, 1.0, true);
        let mut settled = Estimate::new(0.0);
        settled.answers = 200;
        let late = update(settled, Estimate::new(0.0), None, 1.0, true);
        assert!(fresh.skill.value > 5.0 * late.skill.value);
        assert!(fresh.difficulty.value < 0.0, "a solved item gets easier");
    }

    #[test]
    fn display_scales_match_the_seed_ranges() {
        assert_eq!(display_rating(0.0), 1200);
        assert_eq!((display_rating(-9.0), display_rating(9.0)), (400, 2000));
        assert_eq!(
            (
                difficulty_label(-3.0),
                difficulty_label(0.0),
                difficulty_label(3.0)
            ),
            (1, 6, 10)
        );
        assert!((p_correct(1.0, difficulty_for(1.0, 0.75), None) - 0.75).abs() < 1e-9);
    }

    proptest! {
        #[test]
        fn ratings_stay_finite_and_bounded(
            answers in prop::collection::vec((any::<bool>(), -10.0f64..10.0, 0u32..500), 1..200),
            options in prop::option::of(2u32..6),
        ) {
            let (mut skill, mut difficulty) = (Estimate::new(0.0), Estimate::new(0.0));
            for (correct, raw, count) in answers {
                difficulty.answers = count;
                let next = update(skill, difficulty, options, raw, correct);
                prop_assert!(next.predicted > 0.0 && next.predicted < 1.0);
                prop_assert!(next.skill.value.is_finite() && next.skill.value.abs() <= BOUND);
                prop_assert!(next.difficulty.value.is_finite() && next.difficulty.value.abs() <= BOUND);
                skill = next.skill;
                difficulty = next.difficulty;
            }
        }

        #[test]
        fn a_correct_answer_never_lowers_skill_and_a_wrong_one_never_raises_it(
            skill in -6.0f64..6.0, difficulty in -6.0f64..6.0, n in 0u32..1000,
            elapsed in 0.0f64..500.0, hints in 0u32..5, options in prop::option::of(2u32..6),
        ) {
            let perf = Performance { correct: true, elapsed_seconds: elapsed, expected_seconds: 30.0, hints_used: hints };
            let before = Estimate { value: skill, answers: n };
            let right = update(before, Estimate::new(difficulty), options, perf.result(), true);
            prop_assert!(right.skill.value >= before.value);
            let wrong = update(before, Estimate::new(difficulty), options, 0.0, false);
            prop_assert!(wrong.skill.value <= before.value);
        }

        #[test]
        fn predictions_are_probabilities(skill in -1e6f64..1e6, difficulty in -1e6f64..1e6, options in prop::option::of(0u32..10)) {
            let p = p_correct(skill, difficulty, options);
            prop_assert!(p > 0.0 && p < 1.0);
        }
    }
}
