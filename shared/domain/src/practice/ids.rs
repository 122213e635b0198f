//! Practice's value types, parsed once at the boundary: the subject slug every key uses, the
//! assignment and goal ids, and the student's time zone.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ValidationError;
use crate::bank::ItemId;

/// The key form of a subject: its ASCII letters and digits, lower-cased (`Social Studies` →
/// `socialstudies`). Every key that names a subject (bank, ratings, attempts, review queue,
/// guidelines by subject) is built from this one type, so two spellings of a subject can never
/// land in two partitions.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(try_from = "String", into = "String")]
pub struct SubjectSlug(String);

/// Longest subject slug.
pub const MAX_SUBJECT_SLUG: usize = 64;
/// Longest subject as written (what the API documents).
pub const MAX_SUBJECT_CHARS: usize = 80;

impl SubjectSlug {
    /// The slug of a subject as a person spells it.
    ///
    /// # Errors
    /// When the subject has no letter or digit, or more than [`MAX_SUBJECT_SLUG`] of them.
    pub fn parse(subject: &str) -> Result<SubjectSlug, ValidationError> {
        if subject.chars().count() > MAX_SUBJECT_CHARS || subject.chars().any(char::is_control) {
            return Err(ValidationError::new(format!(
                "a subject is at most {MAX_SUBJECT_CHARS} characters, none of them control characters"
            )));
        }
        let slug: String = subject
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase();
        if slug.is_empty() || slug.len() > MAX_SUBJECT_SLUG {
            return Err(ValidationError::new(format!(
                "a subject needs 1-{MAX_SUBJECT_SLUG} letters or digits"
            )));
        }
        Ok(SubjectSlug(slug))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True for the subject whose items are generated rather than written.
    pub fn is_mathematics(&self) -> bool {
        self.0 == "mathematics"
    }
}

impl TryFrom<String> for SubjectSlug {
    type Error = ValidationError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        SubjectSlug::parse(&raw)
    }
}

impl From<SubjectSlug> for String {
    fn from(slug: SubjectSlug) -> String {
        slug.0
    }
}

impl fmt::Display for SubjectSlug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An assignment's id: `<subject slug>.<item id>.<nonce>`, so a completion knows every key it
/// reads before its first read.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AssignmentId {
    subject: SubjectSlug,
    item: ItemId,
    nonce: String,
}

impl AssignmentId {
    /// A new assignment id; `nonce` comes from the Ids port.
    ///
    /// # Errors
    /// When the nonce is not 1-32 letters or digits.
    pub fn new(
        subject: SubjectSlug,
        item: ItemId,
        nonce: &str,
    ) -> Result<AssignmentId, ValidationError> {
        if nonce.is_empty() || nonce.len() > 32 || !nonce.chars().all(|c| c.is_ascii_alphanumeric())
        {
            return Err(ValidationError::new(
                "an assignment nonce is 1-32 letters or digits",
            ));
        }
        Ok(AssignmentId {
            subject,
            item,
            nonce: nonce.to_ascii_lowercase(),
        })
    }

    /// Parse an id from outside.
    ///
    /// # Errors
    /// When it is not of the form `<subject>.<item>.<nonce>`.
    pub fn parse(raw: &str) -> Result<AssignmentId, ValidationError> {
        let invalid = || ValidationError::new(format!("'{raw}' is not an assignment id"));
        let mut parts = raw.splitn(3, '.');
        let (Some(subject), Some(item), Some(nonce)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(invalid());
        };
        let subject = SubjectSlug::parse(subject).map_err(|_| invalid())?;
        if subject.as_str() != subject_text(raw) {
            return Err(invalid());
        }
        let item = ItemId::parse(item).map_err(|_| invalid())?;
        AssignmentId::new(subject, item, nonce).map_err(|_| invalid())
    }

    pub fn subject(&self) -> &SubjectSlug {
        &self.subject
    }

    pub fn item(&self) -> &ItemId {
        &self.item
    }
}

/// The part before the first dot (a slug in canonical form parses to itself).
fn subject_text(raw: &str) -> &str {
    raw.split('.').next().unwrap_or_default()
}

impl utoipa::PartialSchema for AssignmentId {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some(
                "`<subject slug>.<item id>.<nonce>`, as assign returned it",
            ))
            .examples(["mathematics.maths-addition-d02-1.01jdemo0000000000000000000"])
            .into()
    }
}

impl utoipa::ToSchema for AssignmentId {}

impl TryFrom<String> for AssignmentId {
    type Error = ValidationError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        AssignmentId::parse(&raw)
    }
}

impl From<AssignmentId> for String {
    fn from(id: AssignmentId) -> String {
        id.to_string()
    }
}

impl fmt::Display for AssignmentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.subject, self.item, self.nonce)
    }
}

crate::id::text_id!(
    /// A goal's id: 1-64 letters and digits.
    GoalId,
    max = 64,
    allowed = |c| c.is_ascii_alphanumeric(),
    message = "a goal id is 1-64 letters and digits"
);

/// An IANA time zone (`Asia/Kolkata`), checked against the bundled tz database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(try_from = "String", into = "String")]
pub struct TimeZoneName(String);

impl TimeZoneName {
    /// # Errors
    /// When the tz database does not know the name.
    pub fn parse(raw: &str) -> Result<TimeZoneName, ValidationError> {
        let name = raw.trim();
        if name.is_empty() || name.len() > 64 || jiff::tz::TimeZone::get(name).is_err() {
            return Err(ValidationError::new(format!(
                "'{raw}' is not an IANA time zone such as Europe/London"
            )));
        }
        Ok(TimeZoneName(name.to_string()))
    }

    pub fn utc() -> TimeZoneName {
        TimeZoneName("UTC".into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The calendar day at `at` in this zone.
    pub fn date_at(&self, at: jiff::Timestamp) -> jiff::civil::Date {
        // Parsed names always resolve; UTC is the safe reading of anything else.
        let zone = jiff::tz::TimeZone::get(&self.0).unwrap_or(jiff::tz::TimeZone::UTC);
        at.to_zoned(zone).date()
    }
}

impl TryFrom<String> for TimeZoneName {
    type Error = ValidationError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        TimeZoneName::parse(&raw)
    }
}

impl From<TimeZoneName> for String {
    fn from(zone: TimeZoneName) -> String {
        zone.0
    }
}

impl fmt::Display for TimeZoneName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_of_a_subject_has_one_slug() {
        for spelling in [
            "Social Studies",
            "social studies",
            " SOCIAL  studies ",
            "socialstudies",
        ] {
            assert_eq!(
                SubjectSlug::parse(spelling).unwrap().as_str(),
                "socialstudies"
            );
        }
        assert!(SubjectSlug::parse(" # ").is_err());
        assert!(SubjectSlug::parse(&"a".repeat(65)).is_err());
        assert!(SubjectSlug::parse(&format!("Science{}", "\u{e9}".repeat(80))).is_err());
        assert!(SubjectSlug::parse("Sci\u{0}ence").is_err());
    }

    #[test]
    fn assignment_ids_round_trip_and_reject_forgeries() {
        let id = AssignmentId::new(
            SubjectSlug::parse("Social Studies").unwrap(),
            ItemId::parse("ss-1").unwrap(),
            "01ABC",
        )
        .unwrap();
        assert_eq!(id.to_string(), "socialstudies.ss-1.01abc");
        assert_eq!(AssignmentId::parse(&id.to_string()).unwrap(), id);
        for bad in [
            "",
            "a.b",
            "Social Studies.ss-1.x",
            "maths.#.x",
            "maths.a.b#c",
            "maths.a.b.c",
        ] {
            assert!(AssignmentId::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn time_zones_come_from_the_tz_database() {
        assert!(TimeZoneName::parse("Asia/Kolkata").is_ok());
        assert!(TimeZoneName::parse("Mars/Olympus").is_err());
        let late = "2026-03-01T18:00:00Z".parse::<jiff::Timestamp>().unwrap();
        let zone = TimeZoneName::parse("Asia/Kolkata").unwrap();
        assert_eq!(zone.date_at(late).to_string(), "2026-03-01");
        let later = "2026-03-01T18:30:00Z".parse::<jiff::Timestamp>().unwrap();
        assert_eq!(zone.date_at(later).to_string(), "2026-03-02");
    }
}
