//! The tutoring session state machine.
//!
//! Each student reply is one step: **check** grades it; with score ≥ 0.8 *and* confidence ≥ 0.6
//! the session **advances** to a new question, otherwise it **remediates** (next rung of the hint
//! ladder) and **diagnoses** (records misconception evidence); then it **presents** the next
//! turn. Mastery is an exponential moving average of scores; the session completes after
//! [`thresholds::MAX_STEPS`] steps or at [`thresholds::COMPLETE_MASTERY`].

use serde::{Deserialize, Serialize};

/// Every number that shapes a session, in one place.
pub mod thresholds {
    /// Minimum grading score to advance.
    pub const ADVANCE_MIN_SCORE: f64 = 0.8;
    /// Minimum grading confidence to advance (an unsure grader never advances a student).
    pub const ADVANCE_MIN_CONFIDENCE: f64 = 0.6;
    /// Weight of the newest score in the mastery average: `mastery = 0.6·mastery + 0.4·score`.
    pub const MASTERY_ALPHA: f64 = 0.4;
    /// Mastery at which the session completes.
    pub const COMPLETE_MASTERY: f64 = 0.85;
    /// Steps after which the session completes whatever the mastery.
    pub const MAX_STEPS: u32 = 10;
    /// Misconception labels kept as evidence (the most recent).
    pub const MISCONCEPTION_WINDOW: usize = 10;
    /// Rungs of the hint ladder: nudge, targeted hint, worked example.
    pub const HINT_RUNGS: u8 = 3;
    /// Most hints a turn may offer.
    pub const MAX_HINTS: usize = 3;
    /// Longest student reply accepted, in characters.
    pub const MAX_REPLY_CHARS: usize = 4000;
}

use thresholds::*;

/// A grader's verdict on one reply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Grading {
    pub score: f64,
    pub confidence: f64,
    pub rationale: String,
    pub misconceptions: Vec<String>,
}

impl Grading {
    /// Scores and confidences outside [0, 1] (or NaN) from any grader are brought into range.
    pub fn clamped(mut self) -> Grading {
        let unit = |x: f64| if x.is_nan() { 0.0 } else { x.clamp(0.0, 1.0) };
        self.score = unit(self.score);
        self.confidence = unit(self.confidence);
        self
    }
}

/// Where a step goes after checking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Routing {
    Advance,
    Remediate,
}

/// The nodes of the graph, as recorded in the session's event log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Node {
    Present,
    Check,
    Advance,
    Remediate,
    Diagnose,
}

/// Advance only on a good score from a confident grader.
pub fn route(grading: &Grading) -> Routing {
    if grading.score >= ADVANCE_MIN_SCORE && grading.confidence >= ADVANCE_MIN_CONFIDENCE {
        Routing::Advance
    } else {
        Routing::Remediate
    }
}

/// The mastery after a reply scored `score`.
pub fn next_mastery(mastery: f64, score: f64) -> f64 {
    ((1.0 - MASTERY_ALPHA) * mastery + MASTERY_ALPHA * score).clamp(0.0, 1.0)
}

/// Why a step cannot be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StepError {
    #[error("the session is complete")]
    Completed,
}

/// A session's learning progress.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Progress {
    /// Replies applied so far (the index of the next step).
    pub step: u32,
    pub mastery: f64,
    /// The most recent misconception labels, oldest first.
    pub evidence: Vec<String>,
    /// The current rung of the hint ladder (0 = no hint given for the current question).
    pub rung: u8,
    pub completed: bool,
}

/// What applying one graded reply decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub routing: Routing,
    /// The hint rung to give (1..=3) when remediating; 0 when advancing.
    pub rung: u8,
    pub completed: bool,
}

impl Decision {
    /// The nodes this step executes, in order.
    pub fn nodes(&self) -> Vec<Node> {
        let mut nodes = vec![Node::Check];
        match self.routing {
            Routing::Advance => nodes.push(Node::Advance),
            Routing::Remediate => nodes.extend([Node::Remediate, Node::Diagnose]),
        }
        if !self.completed {
            nodes.push(Node::Present);
        }
        nodes
    }
}

impl Progress {
    /// Apply a graded reply.
    ///
    /// # Errors
    /// [`StepError::Completed`] once the session is complete.
    pub fn apply(&mut self, grading: &Grading) -> Result<Decision, StepError> {
        if self.completed {
            return Err(StepError::Completed);
        }
        let grading = grading.clone().clamped();
        let routing = route(&grading);
        self.step += 1;
        self.mastery = next_mastery(self.mastery, grading.score);
        self.evidence.extend(grading.misconceptions.iter().cloned());
        let excess = self.evidence.len().saturating_sub(MISCONCEPTION_WINDOW);
        self.evidence.drain(..excess);
        self.rung = match routing {
            Routing::Advance => 0,
            Routing::Remediate => (self.rung + 1).min(HINT_RUNGS),
        };
        self.completed = self.step >= MAX_STEPS || self.mastery >= COMPLETE_MASTERY;
        Ok(Decision {
            routing,
            rung: self.rung,
            completed: self.completed,
        })
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn grading(score: f64, confidence: f64) -> Grading {
        Grading {
            score,
            confidence,
            rationale: String::new(),
            misconceptions: vec![],
        }
    }

    #[test]
    fn advancing_needs_both_a_good_score_and_a_confident_grader() {
        assert_eq!(route(&grading(0.8, 0.6)), Routing::Advance);
        assert_eq!(route(&grading(0.79, 1.0)), Routing::Remediate);
        assert_eq!(route(&grading(1.0, 0.59)), Routing::Remediate);
    }

    #[test]
    fn mastery_is_the_seed_moving_average() {
        let mut progress = Progress::default();
        progress.apply(&grading(1.0, 1.0)).expect("step");
        assert!((progress.mastery - 0.4).abs() < 1e-12);
        progress.apply(&grading(0.5, 1.0)).expect("step");
        assert!((progress.mastery - (0.6 * 0.4 + 0.4 * 0.5)).abs() < 1e-12);
    }

    #[test]
    fn perfect_answers_complete_at_the_fourth_step_and_then_refuse_more() {
        let mut progress = Progress::default();
        let decisions: Vec<_> = (0..4)
            .map(|_| progress.apply(&grading(1.0, 1.0)).expect("step"))
            .collect();
        assert!(
            decisions[..3]
                .iter()
                .all(|d| !d.completed && d.nodes() == [Node::Check, Node::Advance, Node::Present])
        );
        assert!(decisions[3].completed, "0.4, 0.64, 0.784, 0.8704 ≥ 0.85");
        assert_eq!(decisions[3].nodes(), [Node::Check, Node::Advance]);
        assert_eq!(
            progress.apply(&grading(1.0, 1.0)),
            Err(StepError::Completed)
        );
    }

    #[test]
    fn wrong_answers_climb_the_hint_ladder_then_stay_on_the_worked_example() {
        let mut progress = Progress::default();
        let rungs: Vec<u8> = (0..5)
            .map(|_| progress.apply(&grading(0.0, 1.0)).expect("step").rung)
            .collect();
        assert_eq!(rungs, [1, 2, 3, 3, 3]);
        let decision = progress.apply(&grading(1.0, 1.0)).expect("step");
        assert_eq!((decision.routing, decision.rung), (Routing::Advance, 0));
    }

    #[test]
    fn evidence_keeps_the_last_ten_labels() {
        let mut progress = Progress::default();
        for i in 0..7 {
            let mut g = grading(0.2, 0.9);
            g.misconceptions = vec![format!("m{i}a"), format!("m{i}b")];
            progress.apply(&g).expect("step");
        }
        assert_eq!(progress.evidence.len(), MISCONCEPTION_WINDOW);
        assert_eq!(progress.evidence.first().map(String::as_str), Some("m2a"));
        assert_eq!(progress.evidence.last().map(String::as_str), Some("m6b"));
        assert!(
            !progress.completed,
            "seven low scores: neither the step limit nor the mastery bar"
        );
    }

    proptest! {
        #[test]
        fn mastery_stays_in_the_unit_interval(scores in prop::collection::vec(-2.0f64..3.0, 1..40), confidence in -1.0f64..2.0) {
            let mut progress = Progress::default();
            for score in scores {
                if progress.apply(&grading(score, confidence)).is_err() { break; }
                prop_assert!((0.0..=1.0).contains(&progress.mastery));
            }
        }

        #[test]
        fn a_run_of_wrong_answers_never_advances(scores in prop::collection::vec(0.0f64..0.8, 1..10), confidence in 0.0f64..=1.0) {
            let mut progress = Progress::default();
            for score in scores {
                let decision = progress.apply(&grading(score, confidence)).expect("fewer than ten steps");
                prop_assert_eq!(decision.routing, Routing::Remediate);
            }
        }

        #[test]
        fn a_run_of_perfect_answers_completes(start in 0u32..6) {
            let mut progress = Progress { step: start, ..Progress::default() };
            let mut steps = 0;
            while !progress.completed {
                progress.apply(&grading(1.0, 1.0)).expect("step");
                steps += 1;
                prop_assert!(steps <= 4);
            }
        }
    }
}

crate::id::text_id!(
    /// A tutoring session's id (a ULID): letters and digits only.
    SessionId,
    max = 64,
    allowed = |c| c.is_ascii_alphanumeric(),
    message = "a session id is 1-64 letters or digits"
);
