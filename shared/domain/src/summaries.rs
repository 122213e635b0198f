//! Live tutoring sessions as the Rails app reports them (a transcript of turns), and the
//! summary made from one: extractive offline, every sentence traceable to a turn.

use serde::{Deserialize, Serialize};

use crate::{UserId, ValidationError};

crate::id::text_id!(
    /// The Rails app's id of a live session: 1-64 letters, digits, `-` or `_`.
    RailsSessionId,
    max = 64,
    allowed = |c| c.is_ascii_alphanumeric() || c == '-' || c == '_',
    message = "rails_session_id: 1-64 letters, digits, '-' or '_'"
);

crate::id::text_id!(
    /// A summary's id: 1-64 letters and digits.
    SummaryId,
    max = 64,
    allowed = |c| c.is_ascii_alphanumeric(),
    message = "a summary id is 1-64 letters and digits"
);

/// Who spoke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Speaker {
    Tutor,
    Student,
}

/// One turn of the conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Turn {
    pub speaker: Speaker,
    #[schema(max_length = 4000)]
    pub text: String,
}

/// Most turns, and longest turn.
pub const MAX_TURNS: usize = 2000;
pub const MAX_TURN_CHARS: usize = 4000;

/// A finished live session, as posted by the Rails app.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Transcript {
    #[schema(value_type = String)]
    pub rails_session_id: RailsSessionId,
    #[schema(value_type = String)]
    pub student_id: UserId,
    #[schema(value_type = String)]
    pub tutor_id: UserId,
    #[schema(max_length = 80)]
    pub subject: String,
    /// RFC 3339.
    pub started_at: String,
    /// RFC 3339.
    pub ended_at: String,
    /// The conversation inline — or empty, with `transcript_key` naming where the Rails app
    /// staged it.
    #[serde(default)]
    pub turns: Vec<Turn>,
    /// The object the Rails app uploaded the turns to (`{"turns": [...]}`, at most 256 KiB),
    /// under `transcripts/staged/`. Either this or `turns`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 200)]
    pub transcript_key: Option<String>,
}

/// The prefix under which the Rails app stages transcripts it uploads itself.
pub const STAGED_PREFIX: &str = "transcripts/staged/";
/// Longest staged key.
pub const MAX_STAGED_KEY: usize = 200;

/// Turns the Rails app staged in the file store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StagedTurns {
    pub turns: Vec<Turn>,
}

/// A staged transcript's key: under [`STAGED_PREFIX`], at most [`MAX_STAGED_KEY`] characters of
/// letters, digits, `-`, `_`, `.` and `/`, with no empty or dot segment (nothing can climb out of
/// the prefix).
///
/// # Errors
/// Naming `transcript_key` and the rule.
pub fn check_staged_key(key: &str) -> Result<(), ValidationError> {
    let rule = || {
        ValidationError::new(format!(
            "transcript_key: under '{STAGED_PREFIX}', at most {MAX_STAGED_KEY} letters, digits, '-', '_', '.' or '/', no empty or dot segments"
        ))
    };
    let rest = key.strip_prefix(STAGED_PREFIX).ok_or_else(rule)?;
    let safe = key.len() <= MAX_STAGED_KEY
        && rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
        && rest
            .split('/')
            .all(|segment| !segment.is_empty() && segment != "." && segment != "..");
    if safe { Ok(()) } else { Err(rule()) }
}

impl Transcript {
    /// Checks a transcript whose turns are all here (a staged one's, once read).
    ///
    /// # Errors
    /// An empty or over-long transcript, an empty or over-long turn, a bad subject, or times
    /// that are not RFC 3339 with the end after the start (naming the field).
    pub fn validate(&self) -> Result<(), ValidationError> {
        if self.turns.is_empty() || self.turns.len() > MAX_TURNS {
            return Err(ValidationError::new(format!("turns: 1 to {MAX_TURNS}")));
        }
        if self
            .turns
            .iter()
            .any(|t| t.text.trim().is_empty() || t.text.chars().count() > MAX_TURN_CHARS)
        {
            return Err(ValidationError::new(format!(
                "turns: each text 1-{MAX_TURN_CHARS} characters"
            )));
        }
        crate::practice::SubjectSlug::parse(&self.subject)
            .map_err(|e| ValidationError::new(format!("subject: {}", e.0)))?;
        let time = |field: &str, raw: &str| {
            raw.parse::<jiff::Timestamp>()
                .map_err(|_| ValidationError::new(format!("{field}: an RFC 3339 time")))
        };
        let (start, end) = (
            time("started_at", &self.started_at)?,
            time("ended_at", &self.ended_at)?,
        );
        if end < start {
            return Err(ValidationError::new("ended_at: after started_at"));
        }
        Ok(())
    }
}

/// What a summary says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SummaryText {
    /// 3-6 sentences.
    pub narrative: String,
    /// Curriculum topics of the subject the session touched.
    pub key_topics: Vec<String>,
    pub misconceptions: Vec<String>,
    pub next_steps: Vec<String>,
}

fn sentences(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split_inclusive(['.', '?', '!'])
        .map(str::trim)
        .filter(|s| s.split_whitespace().count() >= 3)
        .map(str::to_string)
}

const NEXT_STEP_WORDS: [&str; 5] = ["next", "practice", "homework", "try", "revise"];
const MISCONCEPTION_WORDS: [&str; 5] = ["mistake", "confus", "wrong", "careful", "remember"];

/// The offline summary: sentences taken from the tutor's turns (nothing invented) — the first
/// few as the narrative, those about next steps and mistakes as such — and the `topics` of the
/// subject whose names the conversation mentions.
pub fn summarise_extractively(transcript: &Transcript, topics: &[String]) -> SummaryText {
    let tutor: Vec<String> = transcript
        .turns
        .iter()
        .filter(|t| t.speaker == Speaker::Tutor)
        .flat_map(|t| sentences(&t.text).collect::<Vec<_>>())
        .collect();
    let mentions = |sentence: &str, words: &[&str]| {
        let lower = sentence.to_lowercase();
        words.iter().any(|w| lower.contains(w))
    };
    let mut narrative: Vec<String> = tutor.iter().take(4).cloned().collect();
    if narrative.is_empty() {
        narrative = transcript
            .turns
            .iter()
            .flat_map(|t| sentences(&t.text).collect::<Vec<_>>())
            .take(3)
            .collect();
    }
    let all_text = transcript
        .turns
        .iter()
        .map(|t| t.text.to_lowercase())
        .collect::<Vec<_>>()
        .join(" ");
    SummaryText {
        narrative: narrative.join(" "),
        key_topics: topics
            .iter()
            .filter(|topic| all_text.contains(&topic.to_lowercase()))
            .cloned()
            .collect(),
        misconceptions: tutor
            .iter()
            .filter(|s| mentions(s, &MISCONCEPTION_WORDS))
            .take(3)
            .cloned()
            .collect(),
        next_steps: tutor
            .iter()
            .filter(|s| mentions(s, &NEXT_STEP_WORDS))
            .take(3)
            .cloned()
            .collect(),
    }
}

/// Sentences a model's narrative must have.
pub const NARRATIVE_SENTENCES: std::ops::RangeInclusive<usize> = 3..=6;
/// Longest narrative, list entry and key topic a model may write; most entries per list.
pub const MAX_NARRATIVE_CHARS: usize = 1500;
pub const MAX_ENTRY_CHARS: usize = 300;
pub const MAX_TOPIC_CHARS: usize = 80;
pub const MAX_ENTRIES: usize = 6;

impl SummaryText {
    /// A model's summary made fit to store: 3-6 sentences of narrative, key topics mapped to the
    /// subject's `topics` where they match (case and spacing aside) and deduplicated, lists
    /// trimmed and bounded.
    ///
    /// # Errors
    /// Why the output is unusable: a narrative of the wrong length, an empty or over-long entry.
    pub fn checked_against(self, topics: &[String]) -> Result<SummaryText, String> {
        let narrative = self
            .narrative
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let count = sentences(&narrative).count();
        if !NARRATIVE_SENTENCES.contains(&count) || narrative.chars().count() > MAX_NARRATIVE_CHARS
        {
            return Err(format!(
                "the narrative has {count} sentences; 3-6 and at most {MAX_NARRATIVE_CHARS} characters"
            ));
        }
        let entries = |list: Vec<String>, max_chars: usize| -> Result<Vec<String>, String> {
            let mut kept: Vec<String> = Vec::new();
            for entry in list {
                let entry = entry.split_whitespace().collect::<Vec<_>>().join(" ");
                if entry.is_empty() || entry.chars().count() > max_chars {
                    return Err(format!("an entry is empty or over {max_chars} characters"));
                }
                if !kept.iter().any(|k| k.eq_ignore_ascii_case(&entry)) {
                    kept.push(entry);
                }
            }
            kept.truncate(MAX_ENTRIES);
            Ok(kept)
        };
        let key_topics = entries(self.key_topics, MAX_TOPIC_CHARS)?
            .into_iter()
            .map(|topic| {
                topics
                    .iter()
                    .find(|known| known.eq_ignore_ascii_case(&topic))
                    .cloned()
                    .unwrap_or(topic)
            })
            .collect();
        Ok(SummaryText {
            narrative,
            key_topics,
            misconceptions: entries(self.misconceptions, MAX_ENTRY_CHARS)?,
            next_steps: entries(self.next_steps, MAX_ENTRY_CHARS)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn transcript() -> Transcript {
        Transcript {
            rails_session_id: RailsSessionId::parse("rails-42").unwrap(),
            student_id: UserId::parse("stu-1").unwrap(),
            tutor_id: UserId::parse("tut-1").unwrap(),
            subject: "Mathematics".into(),
            started_at: "2026-12-01T16:00:00Z".into(),
            ended_at: "2026-12-01T16:45:00Z".into(),
            transcript_key: None,
            turns: vec![
                Turn { speaker: Speaker::Tutor, text: "Today we compared fractions with the same numerator. Remember that a bigger bottom number means smaller pieces.".into() },
                Turn { speaker: Speaker::Student, text: "So one seventh is smaller than one fifth?".into() },
                Turn { speaker: Speaker::Tutor, text: "Exactly right, well done. Next time try ordering three fractions at once.".into() },
            ],
        }
    }

    #[test]
    fn the_offline_summary_only_uses_what_was_said() {
        let t = transcript();
        t.validate().unwrap();
        let summary = summarise_extractively(&t, &["Fractions".into(), "Decimals".into()]);
        assert_eq!(summary.key_topics, vec!["Fractions".to_string()]);
        for sentence in summary.narrative.split_inclusive('.') {
            let sentence = sentence.trim();
            assert!(
                t.turns.iter().any(|turn| turn.text.contains(sentence)),
                "{sentence}"
            );
        }
        assert_eq!(
            summary.next_steps,
            vec!["Next time try ordering three fractions at once.".to_string()]
        );
        assert_eq!(summary.misconceptions.len(), 1);
    }

    #[test]
    fn bad_transcripts_name_their_field() {
        let mut t = transcript();
        t.turns.clear();
        assert!(t.validate().unwrap_err().0.starts_with("turns"));
        let mut t = transcript();
        t.ended_at = "yesterday".into();
        assert!(t.validate().unwrap_err().0.starts_with("ended_at"));
        let mut t = transcript();
        t.ended_at = "2026-12-01T15:00:00Z".into();
        assert!(t.validate().is_err());
    }

    #[test]
    fn staged_keys_stay_under_the_prefix() {
        for good in [
            "transcripts/staged/abc.json",
            "transcripts/staged/2026/12/01/r-1.json",
        ] {
            assert!(check_staged_key(good).is_ok(), "{good}");
        }
        let long = format!("{STAGED_PREFIX}{}", "a".repeat(MAX_STAGED_KEY));
        for bad in [
            "transcripts/other.json",
            "materials/stu/x",
            "transcripts/staged/",
            "transcripts/staged/../x.json",
            "transcripts/staged/a//b",
            "transcripts/staged/./a",
            "transcripts/staged/a b",
            "transcripts/staged/a\0b",
            long.as_str(),
        ] {
            assert!(check_staged_key(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_models_summary_is_checked_and_its_topics_mapped() {
        let text = |narrative: &str, topics: &[&str]| SummaryText {
            narrative: narrative.into(),
            key_topics: topics.iter().map(|t| t.to_string()).collect(),
            misconceptions: vec!["  Thought   1/7 > 1/5. ".into()],
            next_steps: vec![],
        };
        let known = ["Fractions".to_string(), "Decimals".to_string()];
        let good = text(
            "We compared fractions. The student ordered unit fractions. They mixed up sizes once.",
            &["fractions", "FRACTIONS", "Place value"],
        )
        .checked_against(&known)
        .unwrap();
        assert_eq!(good.key_topics, vec!["Fractions", "Place value"]);
        assert_eq!(good.misconceptions, vec!["Thought 1/7 > 1/5."]);
        for narrative in ["Too short here.", &"One more sentence here. ".repeat(7)] {
            assert!(
                text(narrative, &[]).checked_against(&known).is_err(),
                "{narrative}"
            );
        }
        let mut empty_entry = text("A b c. D e f. G h i.", &[]);
        empty_entry.next_steps = vec![" ".into()];
        assert!(empty_entry.checked_against(&known).is_err());
    }
}
