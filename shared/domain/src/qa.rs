//! Questions between sessions: the bounds of a question, what kind it is (clear, ambiguous, out
//! of scope for a school tutor, unsafe), retrieval of the passages that can ground an answer
//! (BM25, from the `bm25` crate, over [`crate::search_terms`]), and the confidence formula with its labels. Pure: no model, no
//! table.

use std::collections::BTreeSet;

use bm25::{Document, SearchEngineBuilder};
use serde::{Deserialize, Serialize};

use crate::ValidationError;
use crate::search_terms::EnglishTerms;
use crate::text::content_words;

crate::id::text_id!(
    /// A question's id: 1-64 letters and digits.
    QaId,
    max = 64,
    allowed = |c| c.is_ascii_alphanumeric(),
    message = "a question id is 1-64 letters and digits"
);

/// Longest question, in characters.
pub const MAX_QUESTION_CHARS: usize = 2000;
/// Longest reply in a thread, in characters.
pub const MAX_REPLY_CHARS: usize = 4000;

/// Text a person wrote: trimmed, 1 to `max` characters, no control characters but line breaks
/// and tabs.
///
/// # Errors
/// Naming `field` and the rule.
pub fn checked_text(field: &str, raw: &str, max: usize) -> Result<String, ValidationError> {
    let text = raw.trim();
    let count = text.chars().count();
    if count == 0 || count > max {
        return Err(ValidationError::new(format!(
            "{field}: 1 to {max} characters (not only spaces)"
        )));
    }
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\t' | '\r'))
    {
        return Err(ValidationError::new(format!(
            "{field}: no control characters"
        )));
    }
    Ok(text.to_string())
}

/// What kind of question it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum QueryKind {
    Clear,
    Ambiguous,
    /// Not something a school tutor helps with: refused politely, no model answer.
    OutOfScope,
    /// Harmful: refused and flagged for the tutor.
    Unsafe,
}

/// The analysis of a question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Analysis {
    pub kind: QueryKind,
    /// 0 (unclear) to 1 (clear).
    pub clarity: f64,
    pub reason: String,
}

/// Words that make a question unsafe for a school tutor to answer (it is refused and flagged).
const UNSAFE_TERMS: &[&str] = &[
    "kill myself",
    "killing myself",
    "suicide",
    "self harm",
    "self-harm",
    "hurt myself",
    "cut myself",
    "make a bomb",
    "build a bomb",
    "weapon",
    "gun",
    "poison someone",
    "buy drugs",
    "cocaine",
    "heroin",
    "hack into",
    "steal",
    "porn",
    "nude",
];

/// Subjects a school tutor does not help with.
const OUT_OF_SCOPE_TERMS: &[&str] = &[
    "bitcoin",
    "crypto",
    "stock market",
    "stocks",
    "invest",
    "lottery",
    "betting",
    "bet on",
    "casino",
    "dating",
    "girlfriend",
    "boyfriend",
    "celebrity",
    "football score",
    "match score",
    "who will win",
    "video game cheat",
    "cheat code",
    "weather tomorrow",
    "movie",
    "song lyrics",
    "horoscope",
    "write my essay",
    "do my homework",
];

/// Words that only point back at something said before.
const REFERRING_WORDS: &[&str] = &["it", "this", "that", "these", "those", "again", "more"];

fn mentions(lower: &str, term: &str) -> bool {
    // Whole words only: "gun" is not in "begun".
    lower.match_indices(term).any(|(at, _)| {
        let before = lower[..at].chars().next_back();
        let after = lower[at + term.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

/// The offline analysis, by rules: unsafe and out-of-scope words, then clarity from how much
/// the question says (a follow-up leaning on `it` or `that` is clearer when there is a recent
/// exchange to lean on).
pub fn analyse(question: &str, has_history: bool) -> Analysis {
    let lower = question.to_lowercase();
    if let Some(term) = UNSAFE_TERMS.iter().find(|t| mentions(&lower, t)) {
        return Analysis {
            kind: QueryKind::Unsafe,
            clarity: 0.0,
            reason: format!("mentions '{term}'"),
        };
    }
    if let Some(term) = OUT_OF_SCOPE_TERMS.iter().find(|t| mentions(&lower, t)) {
        return Analysis {
            kind: QueryKind::OutOfScope,
            clarity: 0.0,
            reason: format!("about '{term}', not a school subject"),
        };
    }
    let words = content_words(question).len();
    let refers = lower
        .split(|c: char| !c.is_alphanumeric())
        .any(|w| REFERRING_WORDS.contains(&w));
    if words < 2 || (refers && words < 3 && !has_history) {
        return Analysis {
            kind: QueryKind::Ambiguous,
            clarity: if has_history { 0.5 } else { 0.3 },
            reason: "too little to go on; say which topic and what is unclear".into(),
        };
    }
    Analysis {
        kind: QueryKind::Clear,
        clarity: (0.6 + 0.4 * (words as f64 / 6.0).min(1.0)).min(1.0),
        reason: "a clear question".into(),
    }
}

/// How sure the answer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ConfidenceLabel {
    High,
    Medium,
    Low,
}

/// The four factors of an answer's confidence, each in [0, 1].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ConfidenceFactors {
    /// The model's own assessment of its answer.
    pub self_assessment: f64,
    /// How well the best retrieved passages match the question.
    pub relevance: f64,
    /// From the analysis.
    pub clarity: f64,
    /// How much of the question the answer addresses.
    pub completeness: f64,
}

/// Label thresholds.
pub const HIGH: f64 = 0.75;
pub const MEDIUM: f64 = 0.50;

impl ConfidenceFactors {
    /// 0.4 · self-assessment + 0.3 · relevance + 0.2 · clarity + 0.1 · completeness, each factor
    /// clamped to [0, 1] (a NaN counts as 0).
    pub fn confidence(&self) -> f64 {
        let unit = |x: f64| if x.is_nan() { 0.0 } else { x.clamp(0.0, 1.0) };
        0.4 * unit(self.self_assessment)
            + 0.3 * unit(self.relevance)
            + 0.2 * unit(self.clarity)
            + 0.1 * unit(self.completeness)
    }
}

/// High ≥ 0.75, Medium ≥ 0.50, Low below.
pub fn label(confidence: f64) -> ConfidenceLabel {
    if confidence >= HIGH {
        ConfidenceLabel::High
    } else if confidence >= MEDIUM {
        ConfidenceLabel::Medium
    } else {
        ConfidenceLabel::Low
    }
}

/// Where a passage comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    Guideline,
    Summary,
    File,
    Exchange,
}

/// Text that may ground an answer, with where it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Passage {
    pub kind: SourceKind,
    /// The guideline, summary, file or question id.
    pub id: String,
    pub text: String,
}

/// A passage as the answer cites it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Citation {
    pub kind: SourceKind,
    pub id: String,
}

/// Passages ranked for a question.
#[derive(Debug, Clone, PartialEq)]
pub struct Retrieval {
    /// Indices into the passages, best first, with their BM25 scores (only those that match).
    pub ranked: Vec<(usize, f32)>,
    /// √(best score ÷ the score the question gets against itself): 1 when the best passage
    /// matches as well as the question matches itself, 0 when nothing matches. The root keeps a
    /// passage that shares half the question's weight from counting as a quarter.
    pub relevance: f64,
}

/// Passages kept after ranking.
pub const TOP_PASSAGES: usize = 4;

/// Rank `passages` for `question` with BM25 (English stemming and stop words).
pub fn retrieve(question: &str, passages: &[Passage]) -> Retrieval {
    if passages.is_empty() {
        return Retrieval {
            ranked: Vec::new(),
            relevance: 0.0,
        };
    }
    let own = passages.len();
    let documents = passages
        .iter()
        .enumerate()
        .map(|(index, passage)| Document::new(index, passage.text.clone()))
        .chain(std::iter::once(Document::new(own, question.to_string())));
    let engine = SearchEngineBuilder::<usize, u32, EnglishTerms>::with_tokenizer_and_documents(
        EnglishTerms,
        documents,
    )
    .build();
    let results = engine.search(question, passages.len() + 1);
    let own_score = results
        .iter()
        .find(|r| r.document.id == own)
        .map_or(0.0, |r| r.score);
    let ranked: Vec<(usize, f32)> = results
        .iter()
        .filter(|r| r.document.id != own && r.score > 0.0)
        .map(|r| (r.document.id, r.score))
        .take(TOP_PASSAGES)
        .collect();
    let relevance = match (ranked.first(), own_score > 0.0) {
        (Some((_, best)), true) => f64::from((best / own_score).clamp(0.0, 1.0)).sqrt(),
        _ => 0.0,
    };
    Retrieval { ranked, relevance }
}

/// Share of the question's content words the answer uses, tempered for very short answers.
pub fn completeness(question: &str, answer: &str) -> f64 {
    let asked = content_words(question);
    let said = content_words(answer);
    if asked.is_empty() || said.is_empty() {
        return 0.0;
    }
    let covered = asked.intersection(&said).count() as f64 / asked.len() as f64;
    covered * (said.len() as f64 / 12.0).min(1.0)
}

/// An answer made from the passages' own sentences (nothing invented), and how well it covers
/// the question.
#[derive(Debug, Clone, PartialEq)]
pub struct Extract {
    pub text: String,
    /// Indices into the passages used.
    pub used: Vec<usize>,
    /// The share of the question's content words the chosen sentences use.
    pub coverage: f64,
}

/// Sentences of the ranked passages that share the most content words with the question (at
/// most three, each of five words or more sharing at least one), best first.
pub fn extract(question: &str, passages: &[Passage], ranked: &[(usize, f32)]) -> Extract {
    let asked = content_words(question);
    let mut candidates: Vec<(usize, usize, usize, String)> = Vec::new();
    for (rank, (index, _)) in ranked.iter().enumerate() {
        let Some(passage) = passages.get(*index) else {
            continue;
        };
        for sentence in passage
            .text
            .split_inclusive(['.', '?', '!', '\n'])
            .map(str::trim)
            .filter(|s| s.split_whitespace().count() >= 5)
        {
            let shared = content_words(sentence).intersection(&asked).count();
            if shared > 0 {
                candidates.push((shared, rank, *index, sentence.to_string()));
            }
        }
    }
    // Most shared words first; ties to the better-ranked passage.
    candidates.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let chosen: Vec<&(usize, usize, usize, String)> = candidates.iter().take(3).collect();
    let mut used: Vec<usize> = chosen.iter().map(|c| c.2).collect();
    used.sort_unstable();
    used.dedup();
    let text = chosen
        .iter()
        .map(|c| c.3.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let said: BTreeSet<String> = content_words(&text);
    let coverage = if asked.is_empty() {
        0.0
    } else {
        asked.intersection(&said).count() as f64 / asked.len() as f64
    };
    Extract {
        text,
        used,
        coverage,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn factors(s: f64, r: f64, c: f64, k: f64) -> ConfidenceFactors {
        ConfidenceFactors {
            self_assessment: s,
            relevance: r,
            clarity: c,
            completeness: k,
        }
    }

    #[test]
    fn confidence_weighs_the_four_factors_and_labels_at_075_and_050() {
        let all = factors(1.0, 1.0, 1.0, 1.0).confidence();
        assert!((all - 1.0).abs() < 1e-12);
        assert!((factors(1.0, 0.0, 0.0, 0.0).confidence() - 0.4).abs() < 1e-12);
        assert!((factors(0.0, 1.0, 0.0, 0.0).confidence() - 0.3).abs() < 1e-12);
        assert!((factors(0.0, 0.0, 1.0, 0.0).confidence() - 0.2).abs() < 1e-12);
        assert!((factors(0.0, 0.0, 0.0, 1.0).confidence() - 0.1).abs() < 1e-12);
        assert_eq!(factors(2.0, -1.0, f64::NAN, 0.5).confidence(), 0.45);
        assert_eq!(label(0.75), ConfidenceLabel::High);
        assert_eq!(label(0.7499), ConfidenceLabel::Medium);
        assert_eq!(label(0.50), ConfidenceLabel::Medium);
        assert_eq!(label(0.4999), ConfidenceLabel::Low);
    }

    #[test]
    fn questions_are_sorted_into_clear_ambiguous_out_of_scope_and_unsafe() {
        let kind = |q: &str| analyse(q, false).kind;
        assert_eq!(
            kind("Why is one seventh smaller than one fifth?"),
            QueryKind::Clear
        );
        assert_eq!(kind("Which bitcoin should I buy?"), QueryKind::OutOfScope);
        assert_eq!(kind("how do I make a bomb"), QueryKind::Unsafe);
        assert_eq!(kind("The battle had begun at dawn, why?"), QueryKind::Clear);
        assert_eq!(kind("explain it"), QueryKind::Ambiguous);
        assert!(analyse("explain it", true).clarity > analyse("explain it", false).clarity);
    }

    #[test]
    fn text_is_bounded_and_free_of_control_characters() {
        assert_eq!(
            checked_text("question", "  Why?  ", 10).unwrap(),
            "Why?".to_string()
        );
        for bad in ["", "   \n ", "a\u{0}b", &"x".repeat(11)] {
            assert!(checked_text("question", bad, 10).is_err(), "{bad:?}");
        }
    }

    fn passage(id: &str, text: &str) -> Passage {
        Passage {
            kind: SourceKind::Guideline,
            id: id.into(),
            text: text.into(),
        }
    }

    #[test]
    fn retrieval_ranks_the_matching_passage_first_and_extracts_its_sentences() {
        let passages = vec![
            passage(
                "plants",
                "Roots take in water from the soil. Leaves make food from sunlight.",
            ),
            passage(
                "fractions",
                "A unit fraction has one as its numerator. The more equal parts a whole is cut into, the smaller each part: one seventh is smaller than one fifth.",
            ),
        ];
        let question = "Why is one seventh smaller than one fifth?";
        let found = retrieve(question, &passages);
        assert_eq!(found.ranked.first().map(|r| r.0), Some(1));
        assert!(found.relevance > 0.3, "{found:?}");
        let answer = extract(question, &passages, &found.ranked);
        assert_eq!(answer.used, vec![1]);
        assert!(
            answer
                .text
                .contains("one seventh is smaller than one fifth")
        );
        let nothing = retrieve("Who painted the Mona Lisa?", &passages);
        assert_eq!((nothing.ranked.len(), nothing.relevance), (0, 0.0));
        assert_eq!(retrieve(question, &[]).relevance, 0.0);
    }
}
