//! Word-level text comparison for grading free-text answers offline.

use std::collections::BTreeSet;

const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "because", "by", "can", "do", "does", "for", "from",
    "has", "have", "how", "i", "in", "is", "it", "its", "of", "on", "or", "so", "that", "the",
    "their", "them", "then", "there", "they", "this", "to", "was", "we", "what", "when", "which",
    "who", "why", "with", "you", "your",
];

/// `text` cut to at most `max` characters at a word boundary (with "…" when cut), trailing
/// punctuation dropped.
pub fn shortened(text: &str, max: usize) -> String {
    let text = text.trim().trim_end_matches(['.', '!', '?', ';', ':', ',']);
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out = String::new();
    for word in text.split_whitespace() {
        if out.chars().count() + word.chars().count() + 2 > max {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out.push('…');
    out
}

/// Content words in a normal form: lower case, letters and digits only, a plural `s` dropped.
pub fn content_words(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .map(str::to_lowercase)
        .filter(|word| word.len() > 2 && !STOP_WORDS.contains(&word.as_str()))
        .map(|word| match word.strip_suffix('s') {
            Some(stem) if stem.len() > 3 && !stem.ends_with('s') => stem.to_string(),
            _ => word,
        })
        .collect()
}

/// Does `reply` use `keyword` (a word or a short phrase)?
pub fn uses(reply: &BTreeSet<String>, keyword: &str) -> bool {
    let words = content_words(keyword);
    !words.is_empty() && words.iter().all(|word| reply.contains(word))
}

/// Keyword-overlap marking of a free-text reply: (score, confidence). Keyword overlap is a blunt
/// instrument, so the confidence is never high and is lowest for short replies.
pub fn keyword_grade(keywords: &[String], reply: &str) -> (f64, f64, usize) {
    let words = content_words(reply);
    let matched = keywords
        .iter()
        .filter(|keyword| uses(&words, keyword))
        .count();
    let needed = keywords.len().clamp(1, 3);
    let coverage = (matched as f64 / needed as f64).min(1.0);
    let length_factor = (words.len() as f64 / 6.0).min(1.0);
    (coverage, 0.35 + 0.35 * coverage * length_factor, matched)
}

#[cfg(test)]
mod shortening {
    use super::shortened;

    #[test]
    fn long_text_is_cut_at_a_word_and_marked() {
        assert_eq!(shortened("Order fractions.", 120), "Order fractions");
        let long = "Next time try ordering three fractions at once and then explain why";
        let cut = shortened(long, 30);
        assert!(cut.chars().count() <= 30, "{cut}");
        assert_eq!(cut, "Next time try ordering three…");
    }
}
