//! Adapters of the AI port ([`tutorbridge_app::tutor_model::TutorModel`]).
//!
//! - [`OfflineTutor`]: deterministic and real — teaches from the guideline, grades maths exactly
//!   and free text by keyword and rubric overlap with an honest confidence, and climbs a hint
//!   ladder that never states the answer. The embedded default, and the fallback for any remote
//!   model.
//! - [`OpenAiTutor`]: any OpenAI-compatible chat-completions endpoint (OpenAI, vLLM, llama.cpp
//!   server, Ollama) with JSON-schema structured output, a timeout and bounded, jittered retries.

mod offline;
mod openai;
mod prompts;

pub use offline::OfflineTutor;
pub use openai::{ApiKey, OpenAiConfig, OpenAiTutor};

use std::sync::Arc;
use std::time::Duration;

use tutorbridge_app::tutor_model::{ModelError, Tutor};

/// The tutor configured by the environment: an OpenAI-compatible model in front of the offline
/// tutor when `TUTORBRIDGE_LLM_BASE_URL` and `TUTORBRIDGE_LLM_MODEL` are set, else the offline
/// tutor alone. Optional: `TUTORBRIDGE_LLM_API_KEY`, `TUTORBRIDGE_LLM_TIMEOUT_MS` (default
/// 20000), `TUTORBRIDGE_LLM_MAX_RETRIES` (default 2), `TUTORBRIDGE_LLM_MAX_TOKENS` (default
/// 800), `TUTORBRIDGE_LLM_EXTRA_BODY` (a JSON
/// object merged into every request, e.g. `{"cache_prompt":false}` for llama.cpp).
///
/// # Errors
/// When a variable is malformed (the function should not start half-configured).
pub fn tutor_from_env() -> Result<Tutor, ModelError> {
    let var = |name: &str| {
        std::env::var(name)
            .ok()
            .filter(|value| !value.trim().is_empty())
    };
    let (Some(base_url), Some(model)) = (
        var("TUTORBRIDGE_LLM_BASE_URL"),
        var("TUTORBRIDGE_LLM_MODEL"),
    ) else {
        return Ok(OfflineTutor::tutor());
    };
    let invalid = |name: &str, why: String| ModelError::Unavailable(format!("{name}: {why}"));
    let mut config = OpenAiConfig::new(base_url, model);
    config.api_key = var("TUTORBRIDGE_LLM_API_KEY").map(ApiKey::new);
    if let Some(ms) = var("TUTORBRIDGE_LLM_TIMEOUT_MS") {
        config.timeout = Duration::from_millis(
            ms.parse()
                .map_err(|e| invalid("TUTORBRIDGE_LLM_TIMEOUT_MS", format!("{e}")))?,
        );
    }
    if let Some(retries) = var("TUTORBRIDGE_LLM_MAX_RETRIES") {
        config.max_retries = retries
            .parse()
            .map_err(|e| invalid("TUTORBRIDGE_LLM_MAX_RETRIES", format!("{e}")))?;
    }
    if let Some(tokens) = var("TUTORBRIDGE_LLM_MAX_TOKENS") {
        config.max_tokens = tokens
            .parse()
            .map_err(|e| invalid("TUTORBRIDGE_LLM_MAX_TOKENS", format!("{e}")))?;
    }
    if let Some(extra) = var("TUTORBRIDGE_LLM_EXTRA_BODY") {
        config.extra_body = serde_json::from_str(&extra)
            .map_err(|e| invalid("TUTORBRIDGE_LLM_EXTRA_BODY", format!("{e}")))?;
    }
    Ok(Tutor::new(
        Some(Arc::new(OpenAiTutor::new(config)?)),
        Arc::new(OfflineTutor),
    ))
}
