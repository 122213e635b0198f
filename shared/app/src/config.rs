//! Typed configuration, parsed once per process from whatever the process was given (Lambda's
//! environment, the local gateway's). Nothing in this crate reads the environment itself: a
//! process calls [`Settings::from_lookup`] once at cold start and hands the parts to the
//! services it builds.

use std::fmt;
use std::time::Duration;

use serde_json::{Map, Value};
use tutorbridge_domain::learner::constants::TARGET_SUCCESS;

/// A secret value (an API key): never printed, never serialised.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The value, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Configuration that cannot work: the process should not start half-configured.
#[derive(Debug, thiserror::Error)]
#[error("{variable}: {why}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub why: String,
}

/// Targets of predicted success an operator may choose; outside it practice is boring or
/// demoralising.
pub const TARGET_SUCCESS_RANGE: std::ops::RangeInclusive<f64> = 0.5..=0.95;
/// How long an assignment may be answered by default.
pub const ASSIGNMENT_LIFETIME: Duration = Duration::from_secs(30 * 60);

/// How practice behaves.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PracticeSettings {
    /// The predicted success assignments aim at (default 0.75).
    pub target_success: f64,
    pub assignment_lifetime: Duration,
    /// Assignments a student may have open at once (each may have made an item); at most
    /// [`MAX_OPEN_ASSIGNMENTS`].
    pub max_open_assignments: usize,
}

/// The default quota of open assignments per student.
pub const OPEN_ASSIGNMENTS: usize = 50;
/// The largest quota of open assignments (what one assign reads of them).
pub const MAX_OPEN_ASSIGNMENTS: usize = 200;

impl Default for PracticeSettings {
    fn default() -> Self {
        PracticeSettings {
            target_success: TARGET_SUCCESS,
            assignment_lifetime: ASSIGNMENT_LIFETIME,
            max_open_assignments: OPEN_ASSIGNMENTS,
        }
    }
}

impl PracticeSettings {
    /// Aim at another predicted success.
    ///
    /// # Errors
    /// Outside [`TARGET_SUCCESS_RANGE`].
    pub fn with_target_success(mut self, target: f64) -> Result<Self, ConfigError> {
        if !TARGET_SUCCESS_RANGE.contains(&target) {
            return Err(ConfigError {
                variable: vars::TARGET_SUCCESS,
                why: format!(
                    "the target success must lie in {}..={}, not {target}",
                    TARGET_SUCCESS_RANGE.start(),
                    TARGET_SUCCESS_RANGE.end()
                ),
            });
        }
        self.target_success = target;
        Ok(self)
    }
}

/// An OpenAI-compatible model endpoint.
#[derive(Debug, Clone)]
pub struct LlmSettings {
    /// Up to and including `/v1`.
    pub base_url: String,
    pub model: String,
    pub api_key: Option<Secret>,
    pub timeout: Duration,
    pub max_retries: u32,
    pub max_tokens: u32,
    /// JSON merged into every request body (e.g. `{"cache_prompt": false}` for llama.cpp).
    pub extra_body: Map<String, Value>,
}

impl LlmSettings {
    pub fn new(base_url: impl Into<String>, model: impl Into<String>) -> LlmSettings {
        LlmSettings {
            base_url: base_url.into(),
            model: model.into(),
            api_key: None,
            timeout: Duration::from_secs(20),
            max_retries: 2,
            max_tokens: 800,
            extra_body: Map::new(),
        }
    }
}

/// The variables [`Settings::from_lookup`] reads.
pub mod vars {
    pub const TARGET_SUCCESS: &str = "TUTORBRIDGE_PRACTICE_TARGET_SUCCESS";
    pub const LLM_BASE_URL: &str = "TUTORBRIDGE_LLM_BASE_URL";
    pub const LLM_MODEL: &str = "TUTORBRIDGE_LLM_MODEL";
    pub const LLM_API_KEY: &str = "TUTORBRIDGE_LLM_API_KEY";
    pub const LLM_TIMEOUT_MS: &str = "TUTORBRIDGE_LLM_TIMEOUT_MS";
    pub const LLM_MAX_RETRIES: &str = "TUTORBRIDGE_LLM_MAX_RETRIES";
    pub const LLM_MAX_TOKENS: &str = "TUTORBRIDGE_LLM_MAX_TOKENS";
    pub const LLM_EXTRA_BODY: &str = "TUTORBRIDGE_LLM_EXTRA_BODY";
    pub const WEBHOOK_SECRETS: &str = "TUTORBRIDGE_WEBHOOK_SECRETS";
    pub const SUMMARY_BUDGET_MS: &str = "TUTORBRIDGE_SUMMARY_BUDGET_MS";
    pub const AI_PER_MINUTE: &str = "TUTORBRIDGE_AI_PER_MINUTE";
    pub const AI_PER_DAY: &str = "TUTORBRIDGE_AI_PER_DAY";
    pub const APP_URL: &str = "TUTORBRIDGE_APP_URL";
    pub const LINK_SECRET: &str = "TUTORBRIDGE_LINK_SECRET";
}

/// Where links in emails point unless `TUTORBRIDGE_APP_URL` says otherwise.
pub const DEFAULT_APP_URL: &str = "http://127.0.0.1:3000";

/// Everything the use cases are configured with.
#[derive(Debug, Clone)]
pub struct Settings {
    pub practice: PracticeSettings,
    /// `None`: the offline tutor alone.
    pub llm: Option<LlmSettings>,
    /// Secrets the transcript webhook's signatures may be made with (two during a rotation).
    pub webhook_secrets: Vec<Secret>,
    /// How long the transcript webhook waits for the model before storing the offline summary
    /// as a fallback (the sweep retries it).
    pub summary_budget: Duration,
    /// Per-user budgets of AI-backed requests.
    pub quota: crate::quota::QuotaSettings,
    /// The app's base URL, for links in emails.
    pub app_url: String,
    /// The secret signed links in emails (unsubscribe) are made with.
    pub link_secret: Option<Secret>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            practice: PracticeSettings::default(),
            llm: None,
            webhook_secrets: Vec::new(),
            summary_budget: crate::summaries::DEFAULT_INLINE_BUDGET,
            quota: crate::quota::QuotaSettings::default(),
            app_url: DEFAULT_APP_URL.into(),
            link_secret: None,
        }
    }
}

impl Settings {
    /// Parse the settings from `lookup` (a process passes `|name| std::env::var(name).ok()`).
    /// A model is configured when both the base URL and the model name are set.
    ///
    /// # Errors
    /// When a variable is set but malformed.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Settings, ConfigError> {
        let var = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        fn parsed<T: std::str::FromStr>(
            variable: &'static str,
            raw: Option<String>,
        ) -> Result<Option<T>, ConfigError>
        where
            T::Err: fmt::Display,
        {
            raw.map(|raw| {
                raw.trim().parse::<T>().map_err(|e| ConfigError {
                    variable,
                    why: e.to_string(),
                })
            })
            .transpose()
        }
        let mut practice = PracticeSettings::default();
        if let Some(target) = parsed::<f64>(vars::TARGET_SUCCESS, var(vars::TARGET_SUCCESS))? {
            practice = practice.with_target_success(target)?;
        }
        let llm = match (var(vars::LLM_BASE_URL), var(vars::LLM_MODEL)) {
            (Some(base_url), Some(model)) => {
                let mut llm = LlmSettings::new(base_url, model);
                llm.api_key = var(vars::LLM_API_KEY).map(Secret::new);
                if let Some(ms) = parsed::<u64>(vars::LLM_TIMEOUT_MS, var(vars::LLM_TIMEOUT_MS))? {
                    llm.timeout = Duration::from_millis(ms);
                }
                if let Some(n) = parsed(vars::LLM_MAX_RETRIES, var(vars::LLM_MAX_RETRIES))? {
                    llm.max_retries = n;
                }
                if let Some(n) = parsed(vars::LLM_MAX_TOKENS, var(vars::LLM_MAX_TOKENS))? {
                    llm.max_tokens = n;
                }
                if let Some(extra) = var(vars::LLM_EXTRA_BODY) {
                    llm.extra_body = serde_json::from_str(&extra).map_err(|e| ConfigError {
                        variable: vars::LLM_EXTRA_BODY,
                        why: format!("a JSON object: {e}"),
                    })?;
                }
                Some(llm)
            }
            _ => None,
        };
        let webhook_secrets = var(vars::WEBHOOK_SECRETS)
            .map(|list| {
                list.split(',')
                    .map(str::trim)
                    .filter(|secret| !secret.is_empty())
                    .map(Secret::new)
                    .collect()
            })
            .unwrap_or_default();
        let summary_budget = parsed::<u64>(vars::SUMMARY_BUDGET_MS, var(vars::SUMMARY_BUDGET_MS))?
            .map_or(
                crate::summaries::DEFAULT_INLINE_BUDGET,
                Duration::from_millis,
            );
        let mut quota = crate::quota::QuotaSettings::default();
        if let Some(n) = parsed::<u32>(vars::AI_PER_MINUTE, var(vars::AI_PER_MINUTE))? {
            quota.per_minute = n;
        }
        if let Some(n) = parsed::<u32>(vars::AI_PER_DAY, var(vars::AI_PER_DAY))? {
            quota.per_day = n;
        }
        Ok(Settings {
            practice,
            llm,
            webhook_secrets,
            summary_budget,
            quota,
            app_url: var(vars::APP_URL).unwrap_or_else(|| DEFAULT_APP_URL.into()),
            link_secret: var(vars::LINK_SECRET).map(Secret::new),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        }
    }

    #[test]
    fn defaults_without_variables_and_a_model_only_with_url_and_name() {
        let settings = Settings::from_lookup(lookup(&[])).unwrap();
        assert_eq!(settings.practice, PracticeSettings::default());
        assert!(settings.llm.is_none());
        let half = Settings::from_lookup(lookup(&[(vars::LLM_BASE_URL, "http://x/v1")])).unwrap();
        assert!(half.llm.is_none());
    }

    #[test]
    fn every_variable_is_parsed_and_the_key_never_prints() {
        let settings = Settings::from_lookup(lookup(&[
            (vars::TARGET_SUCCESS, "0.8"),
            (vars::LLM_BASE_URL, "http://x/v1"),
            (vars::LLM_MODEL, "m"),
            (vars::LLM_API_KEY, "sk-very-secret"),
            (vars::LLM_TIMEOUT_MS, "1500"),
            (vars::LLM_MAX_RETRIES, "0"),
            (vars::LLM_MAX_TOKENS, "64"),
            (vars::LLM_EXTRA_BODY, r#"{"cache_prompt":false}"#),
        ]))
        .unwrap();
        assert_eq!(settings.practice.target_success, 0.8);
        let llm = settings.llm.clone().unwrap();
        assert_eq!(llm.timeout, Duration::from_millis(1500));
        assert_eq!((llm.max_retries, llm.max_tokens), (0, 64));
        assert_eq!(llm.extra_body["cache_prompt"], Value::Bool(false));
        assert_eq!(
            llm.api_key.as_ref().map(Secret::expose),
            Some("sk-very-secret")
        );
        let printed = format!("{settings:?}");
        assert!(!printed.contains("sk-very-secret"), "{printed}");
    }

    #[test]
    fn malformed_values_name_their_variable() {
        for (name, value) in [
            (vars::TARGET_SUCCESS, "0.99"),
            (vars::TARGET_SUCCESS, "lots"),
        ] {
            let error = Settings::from_lookup(lookup(&[(name, value)])).unwrap_err();
            assert_eq!(error.variable, name);
        }
        let error = Settings::from_lookup(lookup(&[
            (vars::LLM_BASE_URL, "http://x/v1"),
            (vars::LLM_MODEL, "m"),
            (vars::LLM_EXTRA_BODY, "[1]"),
        ]))
        .unwrap_err();
        assert_eq!(error.variable, vars::LLM_EXTRA_BODY);
    }
}
