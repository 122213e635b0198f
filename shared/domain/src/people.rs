//! People: a user's profile (who they are, where their days begin, how they want to be nudged)
//! and the validated changes a user may make to it themselves.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::practice::TimeZoneName;
use crate::{Role, UserId, ValidationError};

/// A time of day, `HH:MM` (24-hour).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ClockTime {
    minutes: u16,
}

impl ClockTime {
    /// # Errors
    /// When `raw` is not `HH:MM` with HH 00-23 and MM 00-59.
    /// The time `minutes` after midnight (wrapping at a day).
    pub fn from_minutes(minutes: u16) -> ClockTime {
        ClockTime {
            minutes: minutes % (24 * 60),
        }
    }

    pub fn parse(raw: &str) -> Result<ClockTime, ValidationError> {
        let invalid = || {
            ValidationError::new(format!(
                "quiet_hours: '{raw}' is not a time of day like 21:00"
            ))
        };
        let (hours, minutes) = raw.split_once(':').ok_or_else(invalid)?;
        if hours.len() != 2 || minutes.len() != 2 {
            return Err(invalid());
        }
        let hours: u16 = hours.parse().map_err(|_| invalid())?;
        let minutes: u16 = minutes.parse().map_err(|_| invalid())?;
        if hours > 23 || minutes > 59 {
            return Err(invalid());
        }
        Ok(ClockTime {
            minutes: hours * 60 + minutes,
        })
    }

    /// Minutes since midnight.
    pub fn minutes(self) -> u16 {
        self.minutes
    }
}

impl utoipa::PartialSchema for ClockTime {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some("^([01][0-9]|2[0-3]):[0-5][0-9]$"))
            .examples(["21:00"])
            .into()
    }
}

impl utoipa::ToSchema for ClockTime {}

impl fmt::Display for ClockTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.minutes / 60, self.minutes % 60)
    }
}

impl TryFrom<String> for ClockTime {
    type Error = ValidationError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        ClockTime::parse(&raw)
    }
}

impl From<ClockTime> for String {
    fn from(time: ClockTime) -> String {
        time.to_string()
    }
}

/// Hours in which no nudge is sent, in the user's time zone (may wrap past midnight).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct QuietHours {
    pub start: ClockTime,
    pub end: ClockTime,
}

impl QuietHours {
    /// Whether `time` falls in the quiet hours.
    pub fn contains(&self, time: ClockTime) -> bool {
        let (start, end, now) = (self.start.minutes, self.end.minutes, time.minutes);
        if start <= end {
            start <= now && now < end
        } else {
            now >= start || now < end
        }
    }
}

/// Where nudges may reach a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Channels {
    pub in_app: bool,
    pub email: bool,
}

/// Most nudges a user may ask for per day.
pub const MAX_DAILY_NUDGES: u8 = 5;

/// How a user wants to be nudged back to practice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NudgeSettings {
    pub channels: Channels,
    /// Nudges per day, 0 (none) to [`MAX_DAILY_NUDGES`].
    pub daily_cap: u8,
    pub quiet_hours: QuietHours,
    /// No email at all, whatever the channels say (the unsubscribe link sets it).
    pub email_opt_out: bool,
}

impl Default for NudgeSettings {
    fn default() -> Self {
        NudgeSettings {
            channels: Channels {
                in_app: true,
                email: true,
            },
            daily_cap: 1,
            quiet_hours: QuietHours {
                start: ClockTime { minutes: 21 * 60 },
                end: ClockTime { minutes: 8 * 60 },
            },
            email_opt_out: false,
        }
    }
}

/// Longest display name.
pub const MAX_DISPLAY_NAME: usize = 80;

/// A user's profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Profile {
    pub user_id: UserId,
    /// From the identity provider's groups; not changed by the user.
    pub roles: Vec<Role>,
    pub email: Option<String>,
    pub display_name: String,
    pub time_zone: TimeZoneName,
    /// A BCP 47 language tag, e.g. `en-IN`.
    pub locale: String,
    pub nudges: NudgeSettings,
    pub created_at: String,
}

impl Profile {
    /// A new profile with the defaults: UTC, `en`, one nudge a day outside 21:00-08:00.
    pub fn new(
        user_id: UserId,
        roles: Vec<Role>,
        email: Option<String>,
        created_at: String,
    ) -> Self {
        let display_name = email
            .as_deref()
            .and_then(|email| email.split('@').next())
            .filter(|name| !name.is_empty())
            .unwrap_or(user_id.as_str())
            .chars()
            .take(MAX_DISPLAY_NAME)
            .collect();
        Profile {
            user_id,
            roles,
            email,
            display_name,
            time_zone: TimeZoneName::utc(),
            locale: "en".into(),
            nudges: NudgeSettings::default(),
            created_at,
        }
    }
}

/// What a user may change about themself (`PATCH /me`); every field optional.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileChange {
    #[schema(max_length = 80)]
    pub display_name: Option<String>,
    /// An IANA time zone, e.g. `Asia/Kolkata`.
    #[schema(value_type = Option<String>)]
    pub time_zone: Option<TimeZoneName>,
    #[schema(max_length = 35)]
    pub locale: Option<String>,
    pub channels: Option<Channels>,
    #[schema(maximum = 5)]
    pub daily_cap: Option<u8>,
    pub quiet_hours: Option<QuietHours>,
    pub email_opt_out: Option<bool>,
}

impl ProfileChange {
    /// Apply the change to `profile`.
    ///
    /// # Errors
    /// A field out of range, named in the message (the profile is untouched then).
    pub fn apply(&self, profile: &Profile) -> Result<Profile, ValidationError> {
        let mut next = profile.clone();
        if let Some(name) = &self.display_name {
            let name = name.trim();
            if name.is_empty()
                || name.chars().count() > MAX_DISPLAY_NAME
                || name.chars().any(char::is_control)
            {
                return Err(ValidationError::new(format!(
                    "display_name: 1-{MAX_DISPLAY_NAME} characters, no control characters"
                )));
            }
            next.display_name = name.to_string();
        }
        if let Some(zone) = &self.time_zone {
            next.time_zone = zone.clone();
        }
        if let Some(locale) = &self.locale {
            let valid = (2..=35).contains(&locale.len())
                && locale.split('-').all(|part| {
                    !part.is_empty() && part.chars().all(|c| c.is_ascii_alphanumeric())
                });
            if !valid {
                return Err(ValidationError::new(
                    "locale: a language tag such as en or en-IN",
                ));
            }
            next.locale = locale.clone();
        }
        if let Some(channels) = self.channels {
            next.nudges.channels = channels;
        }
        if let Some(cap) = self.daily_cap {
            if cap > MAX_DAILY_NUDGES {
                return Err(ValidationError::new(format!(
                    "daily_cap: 0 to {MAX_DAILY_NUDGES} nudges a day"
                )));
            }
            next.nudges.daily_cap = cap;
        }
        if let Some(quiet) = self.quiet_hours {
            next.nudges.quiet_hours = quiet;
        }
        if let Some(opt_out) = self.email_opt_out {
            next.nudges.email_opt_out = opt_out;
        }
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile() -> Profile {
        Profile::new(
            UserId::parse("u-1").unwrap(),
            vec![Role::Student],
            Some("ada@example.com".into()),
            "2026-01-01T00:00:00Z".into(),
        )
    }

    #[test]
    fn defaults_follow_the_seed_one_nudge_a_day_and_quiet_nights() {
        let profile = profile();
        assert_eq!(profile.display_name, "ada");
        assert_eq!(profile.nudges.daily_cap, 1);
        let quiet = profile.nudges.quiet_hours;
        assert_eq!(
            (quiet.start.to_string(), quiet.end.to_string()),
            ("21:00".into(), "08:00".into())
        );
        assert!(quiet.contains(ClockTime::parse("23:30").unwrap()));
        assert!(quiet.contains(ClockTime::parse("07:59").unwrap()));
        assert!(!quiet.contains(ClockTime::parse("08:00").unwrap()));
        assert!(!quiet.contains(ClockTime::parse("12:00").unwrap()));
    }

    #[test]
    fn changes_are_validated_field_by_field() {
        let profile = profile();
        let changed = ProfileChange {
            time_zone: Some(TimeZoneName::parse("Asia/Kolkata").unwrap()),
            daily_cap: Some(0),
            quiet_hours: Some(QuietHours {
                start: ClockTime::parse("22:30").unwrap(),
                end: ClockTime::parse("06:00").unwrap(),
            }),
            email_opt_out: Some(true),
            ..ProfileChange::default()
        }
        .apply(&profile)
        .unwrap();
        assert_eq!(changed.time_zone.as_str(), "Asia/Kolkata");
        assert!(changed.nudges.email_opt_out && changed.nudges.daily_cap == 0);
        let too_many = ProfileChange {
            daily_cap: Some(6),
            ..ProfileChange::default()
        };
        assert!(
            too_many
                .apply(&profile)
                .unwrap_err()
                .0
                .contains("daily_cap")
        );
        let bad_locale = ProfileChange {
            locale: Some("en_GB!".into()),
            ..ProfileChange::default()
        };
        assert!(bad_locale.apply(&profile).unwrap_err().0.contains("locale"));
        for bad in ["24:00", "9:00", "12:60", "noon", "12-00"] {
            assert!(ClockTime::parse(bad).is_err(), "{bad}");
        }
    }
}
