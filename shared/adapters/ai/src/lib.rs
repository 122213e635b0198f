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
mod text;

pub use offline::OfflineTutor;
pub use openai::{ApiKey, OpenAiConfig, OpenAiTutor};
