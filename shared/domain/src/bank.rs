//! Practice items: the bank's records and how each kind is marked.

use serde::{Deserialize, Serialize};

use crate::maths::MathsQuestion;

crate::id::text_id!(
    /// An item's id: 1-64 letters, digits, `-` or `_`.
    ItemId,
    max = 64,
    allowed = |c| c.is_ascii_alphanumeric() || c == '-' || c == '_',
    message = "an item id is 1-64 letters, digits, '-' or '_'"
);

/// One option of a multiple-choice item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ChoiceOption {
    pub id: String,
    pub text: String,
}

/// What the student is asked, with how it is marked (kept server-side).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ItemBody {
    /// Generated maths, marked exactly.
    Maths { question: MathsQuestion },
    /// Multiple choice, marked by option id.
    Choice {
        prompt: String,
        options: Vec<ChoiceOption>,
        answer: String,
    },
    /// Short text, marked by the grader (offline: keyword overlap) with its confidence.
    Short {
        prompt: String,
        answer: String,
        keywords: Vec<String>,
    },
}

/// Where an item came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Provenance {
    #[default]
    Seed,
    Generated,
    Ai,
}

/// Whether a tutor has approved the item. Pending items (written by the AI port) are served
/// until reviewed; rejected ones never again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Review {
    #[default]
    Approved,
    Pending,
    Rejected,
}

/// A bank item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BankItem {
    pub id: ItemId,
    pub subject: String,
    pub topic: String,
    /// Difficulty b on the learner model's logistic scale.
    pub difficulty: f64,
    pub expected_seconds: u32,
    /// What the student is asked and how it is marked (`kind`: maths, choice or short).
    #[schema(value_type = Object)]
    pub body: ItemBody,
    #[serde(default)]
    pub provenance: Provenance,
    #[serde(default)]
    pub review: Review,
}

impl BankItem {
    /// k for a k-option multiple-choice item (the learner model's guessing floor).
    pub fn options(&self) -> Option<u32> {
        match &self.body {
            ItemBody::Choice { options, .. } => Some(options.len() as u32),
            _ => None,
        }
    }

    pub fn prompt(&self) -> &str {
        match &self.body {
            ItemBody::Maths { question } => &question.prompt,
            ItemBody::Choice { prompt, .. } | ItemBody::Short { prompt, .. } => prompt,
        }
    }
}

/// The difficulty b of a 1–10 label's centre (1 → −3, 10 → +3).
pub fn difficulty_of_label(label: u8) -> f64 {
    f64::from(label.clamp(1, 10) - 1) / 9.0 * 6.0 - 3.0
}

/// A sortable key for a difficulty (GSI1 sort key of the bank): `b` in [−6, 6] as five digits.
pub fn difficulty_key(difficulty: f64) -> String {
    let scaled = ((difficulty.clamp(-6.0, 6.0) + 6.0) * 1000.0).round() as u32;
    format!("{scaled:05}")
}

/// How many difficulty bands the bank is read in (label pairs 1–2, 3–4, …, 9–10).
pub const BANDS: usize = 5;

/// The bank's difficulty bands as sort-key ranges for an inclusive BETWEEN: `(low, high)` with
/// `low` a bare [`difficulty_key`] and `high` the next band's bare key, so an item key
/// `<difficulty key>#<id>` falls in exactly one band (the first starts at −6, the last ends after
/// every key).
pub fn band_keys() -> Vec<(String, String)> {
    let edge = |label: u8| (difficulty_of_label(label) + difficulty_of_label(label + 1)) / 2.0;
    (0..BANDS as u8)
        .map(|band| {
            let low = if band == 0 {
                difficulty_key(-6.0)
            } else {
                difficulty_key(edge(2 * band))
            };
            let high = if band as usize == BANDS - 1 {
                "~".to_string()
            } else {
                difficulty_key(edge(2 * band + 2))
            };
            (low, high)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn difficulty_keys_sort_like_difficulties() {
        let values = [-6.5, -3.0, -0.001, 0.0, 0.5, 2.999, 6.0, 9.0];
        let keys: Vec<String> = values.iter().map(|b| difficulty_key(*b)).collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted);
        assert_eq!(crate::learner::difficulty_label(difficulty_of_label(7)), 7);
    }

    #[test]
    fn every_item_key_falls_in_exactly_one_band() {
        let bands = band_keys();
        assert_eq!(bands.len(), BANDS);
        for step in -700..=700 {
            let b = f64::from(step) / 100.0;
            let key = format!("{}#item-1", difficulty_key(b));
            let hits = bands
                .iter()
                .filter(|(low, high)| key.as_str() >= low.as_str() && key.as_str() <= high.as_str())
                .count();
            assert_eq!(hits, 1, "difficulty {b} ({key}) is in {hits} bands");
        }
        // The bands follow the labels: label 1-2 items in the first, 9-10 in the last.
        let band_of = |label: u8| {
            let key = format!("{}#x", difficulty_key(difficulty_of_label(label)));
            bands
                .iter()
                .position(|(low, high)| key >= *low && key <= *high)
        };
        let labels: Vec<Option<usize>> = (1..=10).map(band_of).collect();
        assert_eq!(labels, [0, 0, 1, 1, 2, 2, 3, 3, 4, 4].map(Some).to_vec());
    }
}
