//! Adapters of the AI port ([`tutorbridge_app::tutor_model::TutorModel`]).
//!
//! - [`OfflineTutor`]: deterministic and real — teaches from the guideline, grades maths exactly
//!   and free text by keyword and rubric overlap with an honest confidence, and climbs a hint
//!   ladder that never states the answer. The embedded default, and the fallback for any remote
//!   model.
//! - [`OpenAiTutor`]: any OpenAI-compatible chat-completions endpoint (OpenAI, vLLM, llama.cpp
//!   server, Ollama) with JSON-schema structured output, a timeout and bounded, jittered retries.

mod http;
mod offline;
mod openai;
mod prompts;

pub use offline::OfflineTutor;
pub use openai::{OpenAiConfig, OpenAiTutor};

use std::sync::Arc;

use tutorbridge_app::config::LlmSettings;
use tutorbridge_app::tutor_model::{ModelError, Tutor};

/// The tutor for the process's settings: an OpenAI-compatible model in front of the offline
/// tutor when one is configured (see `tutorbridge_app::config::Settings`), else the offline
/// tutor alone. Built once at cold start.
///
/// # Errors
/// When the HTTP client cannot be built.
pub fn tutor(llm: Option<&LlmSettings>) -> Result<Tutor, ModelError> {
    match llm {
        None => Ok(OfflineTutor::tutor()),
        Some(settings) => Ok(Tutor::new(
            Some(Arc::new(OpenAiTutor::new(OpenAiConfig::from_settings(
                settings,
            ))?)),
            Arc::new(OfflineTutor),
        )),
    }
}

/// The practice use cases as configured: the tutor from `settings.llm`, the practice settings.
///
/// # Errors
/// When the HTTP client cannot be built.
pub fn practice_service(
    ports: tutorbridge_app::Ports,
    settings: &tutorbridge_app::config::Settings,
) -> Result<tutorbridge_app::practice::PracticeService, ModelError> {
    Ok(tutorbridge_app::practice::PracticeService::with_settings(
        ports,
        tutor(settings.llm.as_ref())?,
        settings.practice,
    )
    .with_quota(settings.quota))
}

/// The summaries use cases as configured: the tutor from `settings.llm` (given
/// `settings.summary_budget` inline), the transcripts kept in `files`.
///
/// # Errors
/// When the HTTP client cannot be built.
pub fn summary_service(
    ports: tutorbridge_app::Ports,
    files: Option<Arc<dyn tutorbridge_app::file_store::FileStore>>,
    settings: &tutorbridge_app::config::Settings,
) -> Result<tutorbridge_app::summaries::SummaryService, ModelError> {
    Ok(
        tutorbridge_app::summaries::SummaryService::new(ports, files)
            .with_tutor(tutor(settings.llm.as_ref())?, settings.summary_budget),
    )
}

/// The Q&A use cases as configured: the tutor from `settings.llm`, the file store (materials),
/// the mailer (escalations), the per-user budgets.
///
/// # Errors
/// When the HTTP client cannot be built.
pub fn qa_service(
    ports: tutorbridge_app::Ports,
    settings: &tutorbridge_app::config::Settings,
    files: Option<Arc<dyn tutorbridge_app::file_store::FileStore>>,
    mailer: Option<Arc<dyn tutorbridge_app::mailer::Mailer>>,
) -> Result<tutorbridge_app::qa::QaService, ModelError> {
    Ok(
        tutorbridge_app::qa::QaService::new(ports, tutor(settings.llm.as_ref())?)
            .with_files(files)
            .with_mailer(mailer, &settings.app_url)
            .with_quota(settings.quota),
    )
}
