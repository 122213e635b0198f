//! The curriculum: country → board → grade → subject → topic → subtopic, each subtopic taught
//! by one guideline.

use serde::{Deserialize, Serialize};

use crate::ValidationError;

/// Longest name accepted for a country, board, subject, topic or subtopic.
pub const MAX_NAME_LEN: usize = 80;

/// A curriculum name as typed by a person ("Mathematics", "CBSE"). Stored as given; matched
/// case-insensitively through [`CurriculumName::key`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(try_from = "String", into = "String")]
pub struct CurriculumName(String);

impl CurriculumName {
    pub fn parse(field: &str, raw: &str) -> Result<Self, ValidationError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.chars().count() > MAX_NAME_LEN {
            return Err(ValidationError::new(format!(
                "{field} must be 1-{MAX_NAME_LEN} characters"
            )));
        }
        if trimmed.contains('#') || trimmed.chars().any(char::is_control) {
            return Err(ValidationError::new(format!(
                "{field} must not contain '#' or control characters"
            )));
        }
        Ok(CurriculumName(trimmed.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form used in table keys: lower case, single spaces.
    pub fn key(&self) -> String {
        self.0
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    }
}

impl TryFrom<String> for CurriculumName {
    type Error = ValidationError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        CurriculumName::parse("name", &raw)
    }
}

impl From<CurriculumName> for String {
    fn from(name: CurriculumName) -> String {
        name.0
    }
}

/// A school grade (year), 1 to 12.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(try_from = "u8", into = "u8")]
pub struct Grade(u8);

impl Grade {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        raw.trim()
            .parse::<u8>()
            .ok()
            .and_then(|grade| Grade::try_from(grade).ok())
            .ok_or_else(|| ValidationError::new("grade must be a whole number from 1 to 12"))
    }

    pub fn value(self) -> u8 {
        self.0
    }
}

impl TryFrom<u8> for Grade {
    type Error = ValidationError;
    fn try_from(grade: u8) -> Result<Self, Self::Error> {
        if (1..=12).contains(&grade) {
            Ok(Grade(grade))
        } else {
            Err(ValidationError::new(
                "grade must be a whole number from 1 to 12",
            ))
        }
    }
}

impl From<Grade> for u8 {
    fn from(grade: Grade) -> u8 {
        grade.0
    }
}

/// A country, exam board and grade: the root of one curriculum.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Level {
    pub country: CurriculumName,
    pub board: CurriculumName,
    pub grade: Grade,
}

crate::id::text_id!(
    /// A guideline's id: 1-64 lower-case letters, digits and `-`.
    GuidelineId,
    max = 64,
    allowed = |c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-',
    message = "a guideline id is 1-64 lower-case letters, digits or '-'"
);

/// How to teach one subtopic: what the student should be able to do, where students usually
/// go wrong, how to scaffold, and how to tell that they have got it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Guideline {
    pub id: GuidelineId,
    #[serde(flatten)]
    pub level: Level,
    pub subject: CurriculumName,
    pub topic: CurriculumName,
    pub subtopic: CurriculumName,
    /// One paragraph a tutor would read first.
    pub overview: String,
    pub objectives: Vec<String>,
    pub common_misconceptions: Vec<String>,
    pub scaffolding_strategies: Vec<String>,
    pub assessment_criteria: Vec<String>,
    /// Words a good answer uses; offline grading of free text leans on them.
    pub keywords: Vec<String>,
}

/// A subtopic in a listing, with the guideline that teaches it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SubtopicEntry {
    pub subtopic: String,
    pub guideline_id: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_case_and_spacing_insensitively() {
        let a = CurriculumName::parse("subject", "  Social   Studies ").expect("name");
        let b = CurriculumName::parse("subject", "social studies").expect("name");
        assert_eq!(a.key(), b.key());
        assert_eq!(a.as_str(), "Social   Studies");
    }

    #[test]
    fn names_cannot_break_key_structure() {
        assert!(CurriculumName::parse("topic", "A#B").is_err());
        assert!(CurriculumName::parse("topic", "   ").is_err());
        assert!(CurriculumName::parse("topic", &"x".repeat(81)).is_err());
    }

    #[test]
    fn grades_are_one_to_twelve() {
        assert_eq!(Grade::parse("3").map(Grade::value), Ok(3));
        for bad in ["0", "13", "three", "-1", "3.5", ""] {
            assert!(Grade::parse(bad).is_err(), "{bad:?}");
        }
    }
}
