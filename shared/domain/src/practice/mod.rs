//! Practice's pure rules: which bank item to serve, how an answer is marked exactly, and what
//! a first attempt earns (streak, XP, goal progress). The use cases in `shared/app` read and
//! write; everything they decide is decided here, without I/O, and unit-tested.

mod ids;
pub mod reviews;

pub use ids::{AssignmentId, GoalId, MAX_SUBJECT_SLUG, SubjectSlug, TimeZoneName};

use std::borrow::Borrow;
use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::UserId;
use crate::bank::{BankItem, ItemBody, Review};
use crate::learner::p_correct;

/// Items remembered as recently seen (not assigned again while remembered).
pub const RECENT_ITEMS: usize = 20;
/// A bank item is suitable when its predicted success is within this of the target; else maths
/// generates one and other subjects have one written.
pub const SUITABLE_GAP: f64 = 0.1;
/// How much closer to the target an item on a preferred topic counts.
pub const TOPIC_PREFERENCE: f64 = 0.05;
/// Suitable items this close to the nearest one, and like it on a preferred topic or not, are
/// equally good, and one of them is drawn ("randomesque" exposure control, as adaptive tests do):
/// students of equal skill do not all get the same item, which they could pass around and whose
/// difficulty they would all race to update (docs/measurements.md, "Contention"). A preferred
/// topic wins exactly where it did: the draw never crosses from preferred to not.
pub const NEAR_TIE: f64 = 0.02;
/// Most near ties an item is drawn from (the nearest of them).
pub const NEAR_TIES: usize = 4;
/// XP for a correct and for a wrong first attempt.
pub const XP_CORRECT: u32 = 10;
pub const XP_WRONG: u32 = 2;

/// How a student's skill meets the bank: the target success, what they saw recently, the
/// topics they prefer (goals, the latest session, the last live session's summary) and the topic
/// they asked for.
#[derive(Debug, Clone, Copy)]
pub struct Ranking<'a> {
    pub skill: f64,
    pub target: f64,
    /// Item ids seen recently (avoided while anything else is suitable).
    pub recent: &'a [String],
    /// Item ids open in another of the student's assignments (never served twice at once).
    pub open: &'a [String],
    /// Preferred topics, lower-cased.
    pub preferred: &'a [String],
    /// The one topic asked for, if any.
    pub topic: Option<&'a str>,
    /// Which of the near ties to serve (a seed; 0 serves the nearest, the first of equals).
    pub draw: u64,
}

impl Ranking<'_> {
    /// Whether an item may be served at all: not rejected, not open elsewhere, on the asked
    /// topic.
    pub fn in_scope(&self, item: &BankItem) -> bool {
        item.review != Review::Rejected
            && !self.open.iter().any(|id| id == item.id.as_str())
            && self
                .topic
                .is_none_or(|topic| item.topic.eq_ignore_ascii_case(topic))
    }

    /// The most overdue review among `cards` that may be served now (in the bank, in scope),
    /// served before any new item. One pass over the bank, not one per due card (up to 50
    /// cards against a few hundred candidates).
    pub fn due_review<'b, I: Borrow<BankItem>>(
        &self,
        items: &'b [I],
        cards: &[reviews::ReviewCard],
        now_ms: i64,
    ) -> Option<&'b BankItem> {
        // Each due card's place in the order, by item (the first card of an item counts).
        let mut due: HashMap<&str, usize> = HashMap::new();
        for (place, card) in reviews::due(cards, now_ms).enumerate() {
            due.entry(card.item.as_str()).or_insert(place);
        }
        if due.is_empty() {
            return None;
        }
        items
            .iter()
            .map(Borrow::borrow)
            .filter_map(|item| due.get(item.id.as_str()).map(|place| (*place, item)))
            .filter(|(_, item)| self.in_scope(item))
            .min_by_key(|(place, _)| *place)
            .map(|(_, item)| item)
    }

    /// How far the predicted success is from the target.
    pub fn gap(&self, item: &BankItem) -> f64 {
        (p_correct(self.skill, item.difficulty, item.options()) - self.target).abs()
    }

    /// The gap, less a bonus for a preferred topic (what candidates are ordered by).
    pub fn distance(&self, item: &BankItem) -> f64 {
        preferred_distance(self.gap(item), self.prefers(&item.topic))
    }

    /// Whether `topic` is preferred (`preferred` holds lowercased topics); ASCII topics, nearly
    /// all of them, are compared without allocating (this runs for every candidate comparison).
    fn prefers(&self, topic: &str) -> bool {
        if topic.is_ascii() {
            self.preferred.iter().any(|p| p.eq_ignore_ascii_case(topic))
        } else {
            let lower = topic.to_lowercase();
            self.preferred.contains(&lower)
        }
    }

    fn seen(&self, item: &BankItem) -> bool {
        self.recent.iter().any(|id| id == item.id.as_str())
    }

    /// An unseen in-scope item within [`SUITABLE_GAP`] of the target: the nearest, or one of
    /// its up to [`NEAR_TIES`] near ties ([`NEAR_TIE`]), as `draw` picks.
    pub fn suitable<'b, I: Borrow<BankItem>>(&self, items: &'b [I]) -> Option<&'b BankItem> {
        // Each candidate's gap is computed once, not in every comparison.
        let mut suitable: Vec<(f64, bool, &BankItem)> = items
            .iter()
            .map(Borrow::borrow)
            .filter_map(|item| {
                let gap = self.gap(item);
                (gap <= SUITABLE_GAP && self.in_scope(item) && !self.seen(item)).then(|| {
                    let preferred = self.prefers(&item.topic);
                    (preferred_distance(gap, preferred), preferred, item)
                })
            })
            .collect();
        // Stable: equals keep the bank's order, so draw 0 is the first of the nearest.
        suitable.sort_by(|(a, ..), (b, ..)| a.total_cmp(b));
        let &(best, preferred, _) = suitable.first()?;
        let ties = suitable
            .iter()
            .take(NEAR_TIES)
            .take_while(|(distance, like, _)| *like == preferred && distance - best <= NEAR_TIE)
            .count();
        let drawn = (self.draw % ties as u64) as usize;
        suitable.get(drawn).map(|(.., item)| *item)
    }

    /// The least bad in-scope item, seen or not (when nothing suitable can be made either).
    pub fn closest<'b, I: Borrow<BankItem>>(&self, items: &'b [I]) -> Option<&'b BankItem> {
        nearest(
            items
                .iter()
                .map(Borrow::borrow)
                .filter(|item| self.in_scope(item))
                .map(|item| (self.distance(item), item)),
        )
    }

    /// Prompts a writer must not repeat: what the student saw recently first, then the rest.
    pub fn prompts_to_avoid<I: Borrow<BankItem>>(&self, items: &[I], max: usize) -> Vec<String> {
        let (seen, unseen): (Vec<&BankItem>, Vec<&BankItem>) = items
            .iter()
            .map(Borrow::borrow)
            .filter(|item| self.in_scope(item))
            .partition(|item| self.seen(item));
        seen.into_iter()
            .chain(unseen)
            .map(|item| item.prompt().to_string())
            .take(max)
            .collect()
    }
}

/// The gap, less [`TOPIC_PREFERENCE`] on a preferred topic ([`Ranking::distance`]).
fn preferred_distance(gap: f64, preferred: bool) -> f64 {
    if preferred {
        gap - TOPIC_PREFERENCE
    } else {
        gap
    }
}

/// The item of least distance (the first of equals, as `Iterator::min_by` picks).
fn nearest<'b>(candidates: impl Iterator<Item = (f64, &'b BankItem)>) -> Option<&'b BankItem> {
    candidates
        .min_by(|(a, _), (b, _)| a.total_cmp(b))
        .map(|(_, item)| item)
}

/// Whether a first attempt on `item` moves the ratings: not when the student answered the same
/// item within the recent window (a second first attempt would score one answer twice).
pub fn is_rated(recent: &[String], item: &str) -> bool {
    !recent.iter().any(|id| id == item)
}

/// Remember `item` as the newest seen, keeping at most [`RECENT_ITEMS`].
pub fn remember_seen(recent: &mut Vec<String>, item: &str) {
    recent.retain(|id| id != item);
    recent.push(item.to_string());
    let excess = recent.len().saturating_sub(RECENT_ITEMS);
    recent.drain(..excess);
}

/// A marked answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Marked {
    pub correct: bool,
    pub feedback: String,
    /// How sure the marker is (1 for exact marking).
    pub confidence: f64,
}

/// An answer in the wrong form: not an attempt, nothing is rated or written.
#[derive(Debug, Clone, PartialEq)]
pub enum Malformed {
    /// A choice item answered with no option's id (the ids it has).
    UnknownOption(Vec<String>),
    /// A maths item answered with something that is not a number (the feedback to show).
    NotANumber(String),
}

/// Whether `answer` is in the form `item` asks for.
pub fn malformed(item: &BankItem, answer: &str) -> Option<Malformed> {
    match &item.body {
        ItemBody::Choice { options, .. }
            if !options
                .iter()
                .any(|o| o.id.eq_ignore_ascii_case(answer.trim())) =>
        {
            Some(Malformed::UnknownOption(
                options.iter().map(|o| o.id.clone()).collect(),
            ))
        }
        ItemBody::Maths { question } if question.is_correct(answer).is_err() => {
            mark_exactly(item, answer).map(|marked| Malformed::NotANumber(marked.feedback))
        }
        _ => None,
    }
}

/// Mark `answer` to a maths or choice item exactly; `None` for a short item (the AI port
/// marks those).
pub fn mark_exactly(item: &BankItem, answer: &str) -> Option<Marked> {
    let exact = |correct: bool, feedback: String| Marked {
        correct,
        feedback,
        confidence: 1.0,
    };
    Some(match &item.body {
        ItemBody::Maths { question } => match question.is_correct(answer) {
            Ok(true) => exact(true, "Correct.".into()),
            Ok(false) => exact(
                false,
                match question.misconception(answer) {
                    Some((_, hint)) => format!("Not quite. {hint}"),
                    None => format!("Not quite. {}", question.nudge()),
                },
            ),
            Err(format) => exact(false, format!("That is not a number I can read: {format}.")),
        },
        ItemBody::Choice {
            answer: right,
            options,
            ..
        } => {
            let chosen = answer.trim().to_lowercase();
            if !options.iter().any(|o| o.id.to_lowercase() == chosen) {
                let ids: Vec<&str> = options.iter().map(|o| o.id.as_str()).collect();
                exact(
                    false,
                    format!("Answer with the id of one option: {}.", ids.join(", ")),
                )
            } else if chosen == right.to_lowercase() {
                exact(true, "Correct.".into())
            } else {
                exact(false, "Not that one: read each option again.".into())
            }
        }
        ItemBody::Short { .. } => return None,
    })
}

/// Consecutive practice days: the same day keeps the streak, the next day extends it, any gap
/// starts again at 1.
pub fn next_streak(
    last_day: Option<jiff::civil::Date>,
    streak: u32,
    today: jiff::civil::Date,
) -> u32 {
    match last_day {
        Some(day) if day == today => streak.max(1),
        Some(day) if day.tomorrow().ok() == Some(today) => streak + 1,
        _ => 1,
    }
}

/// XP a first attempt earns.
pub fn xp_for(correct: bool) -> u32 {
    if correct { XP_CORRECT } else { XP_WRONG }
}

/// A learning goal: `target` correct first attempts in a subject (optionally some topics).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Goal {
    pub goal_id: GoalId,
    pub student: UserId,
    /// The subject as the bank spells it.
    pub subject: String,
    /// Topics that count (empty: any topic of the subject).
    pub topics: Vec<String>,
    /// Correct first attempts to reach.
    pub target: u32,
    pub progress: u32,
    pub status: GoalStatus,
    pub created_at: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum GoalStatus {
    Active,
    Completed,
    Archived,
}

/// A goal's progress as a completion reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct GoalProgress {
    pub goal_id: GoalId,
    pub progress: u32,
    pub target: u32,
    pub status: GoalStatus,
}

/// Targets a goal may have.
pub const GOAL_TARGET_RANGE: std::ops::RangeInclusive<u32> = 1..=1000;
/// Active goals a student may have in one subject.
pub const MAX_ACTIVE_GOALS: usize = 10;
/// Goals (of any status) kept for one subject.
pub const MAX_GOALS: usize = 100;

/// Why a goal cannot be added or reactivated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GoalLimit {
    /// [`MAX_ACTIVE_GOALS`] are active in the subject already.
    TooManyActive,
    /// The subject holds [`MAX_GOALS`] goals already.
    TooMany,
}

impl std::fmt::Display for GoalLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GoalLimit::TooManyActive => write!(
                f,
                "at most {MAX_ACTIVE_GOALS} goals may be active in a subject: archive one first"
            ),
            GoalLimit::TooMany => write!(f, "a subject holds at most {MAX_GOALS} goals"),
        }
    }
}

/// One student's goals in one subject: stored as one item, so a completion updates all of
/// them with one write however many there are.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GoalSet {
    pub goals: Vec<Goal>,
}

impl GoalSet {
    fn active(&self) -> usize {
        self.goals
            .iter()
            .filter(|g| g.status == GoalStatus::Active)
            .count()
    }

    /// Add an active goal.
    ///
    /// # Errors
    /// When the subject is at one of its limits.
    pub fn add(&mut self, goal: Goal) -> Result<(), GoalLimit> {
        if self.goals.len() >= MAX_GOALS {
            return Err(GoalLimit::TooMany);
        }
        if goal.status == GoalStatus::Active && self.active() >= MAX_ACTIVE_GOALS {
            return Err(GoalLimit::TooManyActive);
        }
        self.goals.push(goal);
        Ok(())
    }

    /// Change a goal's status (archive or reactivate); reactivating respects the active limit.
    ///
    /// # Errors
    /// When reactivating would pass [`MAX_ACTIVE_GOALS`].
    pub fn set_status(&mut self, index: usize, status: GoalStatus) -> Result<(), GoalLimit> {
        let was_active = self
            .goals
            .get(index)
            .is_some_and(|g| g.status == GoalStatus::Active);
        if status == GoalStatus::Active && !was_active && self.active() >= MAX_ACTIVE_GOALS {
            return Err(GoalLimit::TooManyActive);
        }
        if let Some(goal) = self.goals.get_mut(index) {
            goal.status = status;
            goal.settle();
        }
        Ok(())
    }

    /// Credit a correct first attempt on an item of `subject`/`topic` to every goal it counts
    /// for; the progress of those goals.
    pub fn credit(&mut self, subject: &SubjectSlug, topic: &str) -> Vec<GoalProgress> {
        self.goals
            .iter_mut()
            .filter(|goal| goal.counts(subject, topic))
            .map(Goal::credit)
            .collect()
    }
}

impl Goal {
    /// Whether a correct first attempt on an item of `subject`/`topic` counts towards it.
    pub fn counts(&self, subject: &SubjectSlug, topic: &str) -> bool {
        self.is_active_in(subject)
            && (self.topics.is_empty() || self.topics.iter().any(|t| t.eq_ignore_ascii_case(topic)))
    }

    /// Whether the goal is active and in `subject`.
    pub fn is_active_in(&self, subject: &SubjectSlug) -> bool {
        self.status == GoalStatus::Active
            && SubjectSlug::parse(&self.subject).is_ok_and(|own| &own == subject)
    }

    /// One more correct answer; completes the goal at its target.
    pub fn credit(&mut self) -> GoalProgress {
        self.progress += 1;
        self.settle();
        self.progress()
    }

    /// An active goal at or past its target is completed.
    pub fn settle(&mut self) {
        if self.status == GoalStatus::Active && self.progress >= self.target {
            self.status = GoalStatus::Completed;
        }
    }

    pub fn progress(&self) -> GoalProgress {
        GoalProgress {
            goal_id: self.goal_id.clone(),
            progress: self.progress,
            target: self.target,
            status: self.status,
        }
    }
}

#[cfg(test)]
mod tests;
