//! An OpenAI-compatible chat-completions client as a [`TutorModel`].
//!
//! Works with OpenAI, vLLM, llama.cpp's server and Ollama: they differ only in base URL, model
//! name and key. Output is constrained with a strict JSON schema and validated again here;
//! anything unusable is an error (the [`tutorbridge_app::tutor_model::Tutor`] wrapper then falls
//! back to the offline tutor), never a panic. 429, 5xx and connection failures are retried a
//! bounded number of times with jittered exponential backoff; a timeout is not retried (the
//! student is waiting).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};
use tutorbridge_app::config::{LlmSettings, Secret};
use tutorbridge_app::tutor_model::{
    Answer, AnswerBrief, Expected, ItemBrief, ItemKind, LessonContext, MAX_PERSONALISED,
    ModelError, PersonaliseBrief, PracticeAnswer, QueryBrief, Question, SummaryBrief, Turn,
    TutorModel, WrittenItem,
};
use tutorbridge_domain::maths::MathsQuestion;
use tutorbridge_domain::summaries::{
    MAX_ENTRIES, MAX_TOPIC_CHARS, NARRATIVE_SENTENCES, Speaker, SummaryText,
};
use tutorbridge_domain::tutoring::Grading;
use tutorbridge_domain::tutoring::thresholds::MAX_HINTS;

use crate::http::{Failure, JsonClient};
use crate::prompts::{
    GRADE, MARK, PERSONALISE, QA_ANALYSE, QA_ANSWER, REMEDIATE, SUMMARISE, SYSTEM, TEACH,
    WRITE_ITEM, fill,
};

/// Where and how to call the model.
#[derive(Debug, Clone)]
pub struct OpenAiConfig {
    /// Up to and including `/v1`, e.g. `https://api.openai.com/v1` or `http://127.0.0.1:8080/v1`.
    pub base_url: String,
    pub model: String,
    pub api_key: Option<Secret>,
    /// Per request, including reading the body.
    pub timeout: Duration,
    /// Further attempts after a retryable failure.
    pub max_retries: u32,
    /// First backoff; doubles per retry, ±50 % jitter.
    pub backoff: Duration,
    /// Upper bound on generated tokens per call (cost and latency control).
    pub max_tokens: u32,
    /// Extra JSON merged into every request body (e.g. `{"cache_prompt": false}` for llama.cpp).
    pub extra_body: Map<String, Value>,
}

impl OpenAiConfig {
    pub fn new(base_url: impl Into<String>, model: impl Into<String>) -> Self {
        OpenAiConfig {
            base_url: base_url.into(),
            model: model.into(),
            api_key: None,
            timeout: Duration::from_secs(20),
            max_retries: 2,
            backoff: Duration::from_millis(250),
            max_tokens: 800,
            extra_body: Map::new(),
        }
    }

    /// The client configuration for the process's model settings.
    pub fn from_settings(settings: &LlmSettings) -> Self {
        OpenAiConfig {
            api_key: settings.api_key.clone(),
            timeout: settings.timeout,
            max_retries: settings.max_retries,
            max_tokens: settings.max_tokens,
            extra_body: settings.extra_body.clone(),
            ..OpenAiConfig::new(&settings.base_url, &settings.model)
        }
    }
}

/// The client; build once at cold start and share.
pub struct OpenAiTutor {
    http: JsonClient,
    config: OpenAiConfig,
}

#[derive(Deserialize)]
struct Completion {
    choices: Vec<Choice>,
}

#[derive(Deserialize)]
struct Choice {
    message: ChoiceMessage,
}

#[derive(Deserialize)]
struct ChoiceMessage {
    content: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TeachOutput {
    message: String,
    hints: Vec<String>,
    question: String,
    answer_form: String,
    expected_answer: String,
    keywords: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GradeOutput {
    score: f64,
    confidence: f64,
    rationale: String,
    misconceptions: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WriteItemOutput {
    prompt: String,
    options: Vec<String>,
    correct_option: usize,
    answer: String,
    keywords: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RemediateOutput {
    message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AnswerOutput {
    answer: String,
    self_assessment: f64,
    used_passages: Vec<usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PersonaliseOutput {
    message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SummariseOutput {
    narrative_sentences: Vec<String>,
    key_topics: Vec<String>,
    misconceptions: Vec<String>,
    next_steps: Vec<String>,
}

/// Longest sentence or list entry a summary's schema allows (a model that rambles inside a
/// string is cut off by the grammar, not by the token limit).
const MAX_SENTENCE_CHARS: usize = 200;

/// Most transcript characters put in a summary prompt: a longer one keeps its start and its end
/// (where the tutor sums up and sets next steps), marked as cut.
const MAX_PROMPT_TRANSCRIPT: usize = 12_000;

/// The transcript as `Tutor: …` / `Student: …` lines, within [`MAX_PROMPT_TRANSCRIPT`].
fn transcript_text(brief: &SummaryBrief) -> String {
    let text = brief
        .transcript
        .turns
        .iter()
        .map(|turn| {
            let who = match turn.speaker {
                Speaker::Tutor => "Tutor",
                Speaker::Student => "Student",
            };
            format!("{who}: {}", turn.text)
        })
        .collect::<Vec<_>>()
        .join("\n");
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= MAX_PROMPT_TRANSCRIPT {
        return text;
    }
    let head = MAX_PROMPT_TRANSCRIPT / 3;
    let tail = MAX_PROMPT_TRANSCRIPT - head;
    format!(
        "{}\n[… part of the session left out …]\n{}",
        chars[..head].iter().collect::<String>(),
        chars[chars.len() - tail..].iter().collect::<String>()
    )
}

fn object_schema(properties: Value) -> Value {
    let required: Vec<String> = properties
        .as_object()
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default();
    json!({ "type": "object", "properties": properties, "required": required, "additionalProperties": false })
}

fn strings() -> Value {
    json!({ "type": "array", "items": { "type": "string" } })
}

fn jitter() -> f64 {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    0.5 + f64::from(nanos % 1000) / 1000.0
}

fn list(items: &[String]) -> String {
    items.join("; ")
}

fn non_empty(field: &str, text: &str) -> Result<(), ModelError> {
    if text.trim().is_empty() {
        Err(ModelError::InvalidOutput(format!("{field} is empty")))
    } else {
        Ok(())
    }
}

fn grading_schema() -> Value {
    object_schema(json!({
        "score": { "type": "number", "minimum": 0, "maximum": 1 },
        "confidence": { "type": "number", "minimum": 0, "maximum": 1 },
        "rationale": { "type": "string" },
        "misconceptions": strings(),
    }))
}

impl GradeOutput {
    /// The grading, unless a number is outside [0, 1].
    fn checked(self) -> Result<Grading, ModelError> {
        let unit = |x: f64| x.is_finite() && (0.0..=1.0).contains(&x);
        if !unit(self.score) || !unit(self.confidence) {
            return Err(ModelError::InvalidOutput(format!(
                "score {} / confidence {} outside [0, 1]",
                self.score, self.confidence
            )));
        }
        Ok(Grading {
            score: self.score,
            confidence: self.confidence,
            rationale: self.rationale,
            misconceptions: self.misconceptions,
        })
    }
}

impl OpenAiTutor {
    /// # Errors
    /// When the HTTP client cannot be built: a base URL that is not an absolute http(s) URL, an
    /// API key that is not a header value, no root certificates for an https URL.
    pub fn new(config: OpenAiConfig) -> Result<Self, ModelError> {
        let url = format!("{}/chat/completions", config.base_url.trim_end_matches('/'));
        let key = config.api_key.as_ref().map(Secret::expose);
        let http = JsonClient::new(&url, key, config.timeout)
            .map_err(|e| ModelError::Unavailable(format!("cannot build the HTTP client: {e}")))?;
        Ok(OpenAiTutor { http, config })
    }

    fn system(&self, lesson: &LessonContext) -> String {
        Self::system_for(lesson.guideline.level.grade.value())
    }

    fn system_for(grade: u8) -> String {
        fill(SYSTEM, &[("grade", grade.to_string())])
    }

    /// One structured completion, with retries; the content parsed as `T`.
    async fn complete<T: DeserializeOwned>(
        &self,
        name: &str,
        schema: Value,
        system: String,
        user: String,
    ) -> Result<T, ModelError> {
        let mut body = json!({
            "model": self.config.model,
            "temperature": 0,
            "max_tokens": self.config.max_tokens,
            "messages": [ { "role": "system", "content": system }, { "role": "user", "content": user } ],
            "response_format": { "type": "json_schema", "json_schema": { "name": name, "strict": true, "schema": schema } },
        });
        if let Some(object) = body.as_object_mut() {
            object.extend(self.config.extra_body.clone());
        }
        let body = serde_json::to_vec(&body)
            .map(bytes::Bytes::from)
            .map_err(|e| ModelError::InvalidOutput(format!("{name}: request: {e}")))?;
        let mut attempt = 0;
        loop {
            let failure = match self.http.post(body.clone()).await {
                Ok(reply) if reply.status.is_success() => {
                    let completion: Completion =
                        serde_json::from_slice(&reply.body).map_err(|e| {
                            ModelError::InvalidOutput(format!("not a chat completion: {e}"))
                        })?;
                    let content = completion
                        .choices
                        .into_iter()
                        .next()
                        .and_then(|choice| choice.message.content)
                        .ok_or_else(|| {
                            ModelError::InvalidOutput("the completion has no content".into())
                        })?;
                    let json = content
                        .trim()
                        .trim_start_matches("```json")
                        .trim_start_matches("```")
                        .trim_end_matches("```");
                    return serde_json::from_str(json)
                        .map_err(|e| ModelError::InvalidOutput(format!("{name}: {e}")));
                }
                Ok(reply) => {
                    let status = reply.status;
                    let retry_after = reply
                        .retry_after
                        .map(|seconds| Duration::from_secs(seconds.min(5)));
                    if status.as_u16() == 429 || status.is_server_error() {
                        (
                            ModelError::Unavailable(format!("HTTP {status}")),
                            retry_after,
                        )
                    } else {
                        return Err(ModelError::Unavailable(format!("HTTP {status}")));
                    }
                }
                Err(Failure::Timeout) => return Err(ModelError::Timeout),
                Err(Failure::Transport(why)) => (ModelError::Unavailable(why), None),
            };
            let (error, retry_after) = failure;
            if attempt >= self.config.max_retries {
                return Err(error);
            }
            let backoff = retry_after.unwrap_or_else(|| {
                self.config
                    .backoff
                    .mul_f64(2f64.powi(attempt as i32) * jitter())
            });
            tracing::info!(attempt, ?backoff, error = %error, "retrying the model");
            tokio::time::sleep(backoff).await;
            attempt += 1;
        }
    }
}

#[async_trait]
impl TutorModel for OpenAiTutor {
    fn name(&self) -> &str {
        &self.config.model
    }

    async fn teach(
        &self,
        lesson: &LessonContext,
        maths: Option<&MathsQuestion>,
    ) -> Result<Turn, ModelError> {
        let g = &lesson.guideline;
        let question_rule = match maths {
            Some(maths) => format!("The question must be exactly: \"{}\"", maths.prompt),
            None => "Ask about one of the assessment criteria.".to_string(),
        };
        let user = fill(
            TEACH,
            &[
                ("subject", g.subject.as_str().into()),
                ("topic", g.topic.as_str().into()),
                ("subtopic", g.subtopic.as_str().into()),
                ("overview", g.overview.clone()),
                ("objectives", list(&g.objectives)),
                ("misconceptions", list(&g.common_misconceptions)),
                ("scaffolding", list(&g.scaffolding_strategies)),
                ("assessment", list(&g.assessment_criteria)),
                ("step", lesson.step.to_string()),
                ("mastery", format!("{:.2}", lesson.mastery)),
                ("evidence", list(&lesson.evidence)),
                ("question_rule", question_rule),
            ],
        );
        let schema = object_schema(json!({
            "message": { "type": "string" },
            "hints": strings(),
            "question": { "type": "string" },
            "answer_form": { "type": "string" },
            "expected_answer": { "type": "string" },
            "keywords": strings(),
        }));
        let output: TeachOutput = self
            .complete("teaching_turn", schema, self.system(lesson), user)
            .await?;
        non_empty("message", &output.message)?;
        let question = match maths {
            Some(maths) => Question::maths(maths),
            None => {
                non_empty("question", &output.question)?;
                non_empty("expected_answer", &output.expected_answer)?;
                Question {
                    prompt: output.question,
                    answer_form: output.answer_form,
                    expected: Expected::Text {
                        answer: output.expected_answer,
                        keywords: output.keywords,
                    },
                }
            }
        };
        let hints = output
            .hints
            .into_iter()
            .filter(|h| !h.trim().is_empty())
            .take(MAX_HINTS)
            .collect();
        Ok(Turn {
            message: output.message,
            hints,
            question,
        })
    }

    async fn grade(
        &self,
        lesson: &LessonContext,
        question: &Question,
        reply: &str,
    ) -> Result<Grading, ModelError> {
        let g = &lesson.guideline;
        let expected = question.expected_text();
        let user = fill(
            GRADE,
            &[
                ("subtopic", g.subtopic.as_str().into()),
                ("assessment", list(&g.assessment_criteria)),
                ("misconceptions", list(&g.common_misconceptions)),
                ("question", question.prompt.clone()),
                ("expected", expected),
                ("reply", reply.to_string()),
            ],
        );
        let output: GradeOutput = self
            .complete("grading", grading_schema(), self.system(lesson), user)
            .await?;
        output.checked()
    }

    async fn remediate(
        &self,
        lesson: &LessonContext,
        question: &Question,
        reply: &str,
        grading: &Grading,
        rung: u8,
    ) -> Result<String, ModelError> {
        let expected = question.expected_text();
        let user = fill(
            REMEDIATE,
            &[
                ("subtopic", lesson.guideline.subtopic.as_str().into()),
                (
                    "scaffolding",
                    list(&lesson.guideline.scaffolding_strategies),
                ),
                ("question", question.prompt.clone()),
                ("reply", reply.to_string()),
                ("rationale", grading.rationale.clone()),
                ("rung", rung.to_string()),
                ("expected", expected),
            ],
        );
        let schema = object_schema(json!({ "message": { "type": "string" } }));
        let output: RemediateOutput = self
            .complete("remediation", schema, self.system(lesson), user)
            .await?;
        non_empty("message", &output.message)?;
        Ok(output.message)
    }
    async fn write_item(&self, brief: &ItemBrief) -> Result<WrittenItem, ModelError> {
        let g = &brief.guideline;
        let (kind, kind_rule) = match brief.kind {
            ItemKind::Choice => (
                "multiple choice",
                "options: 4 short, distinct option texts, exactly one of them right; correct_option: the index (from 0) of the right one; answer: empty; keywords: empty.",
            ),
            ItemKind::Short => (
                "short written answer",
                "answer: a model answer in one to three sentences; keywords: 2 to 5 key words or short phrases a good answer uses; options: empty; correct_option: 0.",
            ),
        };
        let user = fill(
            WRITE_ITEM,
            &[
                ("subject", g.subject.as_str().into()),
                ("topic", g.topic.as_str().into()),
                ("subtopic", g.subtopic.as_str().into()),
                ("objectives", list(&g.objectives)),
                ("overview", g.overview.clone()),
                ("misconceptions", list(&g.common_misconceptions)),
                ("difficulty", brief.difficulty_label.to_string()),
                ("kind", kind.into()),
                ("avoid", list(&brief.avoid)),
                ("kind_rule", kind_rule.into()),
            ],
        );
        let schema = object_schema(json!({
            "prompt": { "type": "string" },
            "options": strings(),
            "correct_option": { "type": "integer", "minimum": 0 },
            "answer": { "type": "string" },
            "keywords": strings(),
        }));
        let output: WriteItemOutput = self
            .complete(
                "practice_item",
                schema,
                Self::system_for(g.level.grade.value()),
                user,
            )
            .await?;
        let item = WrittenItem {
            prompt: output.prompt.trim().to_string(),
            options: output.options,
            correct_option: output.correct_option,
            answer: output.answer,
            keywords: output.keywords,
        };
        item.checked(brief.kind)
    }

    async fn mark(&self, task: &PracticeAnswer<'_>, reply: &str) -> Result<Grading, ModelError> {
        let keywords = match &task.question.expected {
            Expected::Text { keywords, .. } => keywords.clone(),
            Expected::Maths { .. } => Vec::new(),
        };
        let user = fill(
            MARK,
            &[
                ("subject", task.subject.into()),
                ("topic", task.topic.into()),
                ("question", task.question.prompt.clone()),
                ("expected", task.question.expected_text()),
                ("keywords", list(&keywords)),
                ("reply", reply.to_string()),
            ],
        );
        // Practice items carry no grade level; write for a middle-school reader.
        let output: GradeOutput = self
            .complete("marking", grading_schema(), Self::system_for(6), user)
            .await?;
        output.checked()
    }

    async fn summarise(&self, brief: &SummaryBrief) -> Result<SummaryText, ModelError> {
        let user = fill(
            SUMMARISE,
            &[
                ("subject", brief.transcript.subject.clone()),
                ("topics", list(&brief.topics)),
                ("transcript", transcript_text(brief)),
            ],
        );
        let bounded =
            |items: Value| json!({ "type": "array", "items": items, "maxItems": MAX_ENTRIES });
        let text = json!({ "type": "string", "minLength": 1, "maxLength": MAX_SENTENCE_CHARS });
        // Key topics are chosen from the subject's topics when it has any.
        let topic = match brief.topics.is_empty() {
            true => json!({ "type": "string", "minLength": 1, "maxLength": MAX_TOPIC_CHARS }),
            false => json!({ "type": "string", "enum": brief.topics }),
        };
        let schema = object_schema(json!({
            "narrative_sentences": {
                "type": "array",
                "items": text,
                "minItems": NARRATIVE_SENTENCES.start(),
                "maxItems": NARRATIVE_SENTENCES.end(),
            },
            "key_topics": bounded(topic),
            "misconceptions": bounded(text.clone()),
            "next_steps": bounded(text.clone()),
        }));
        // Summaries are read by adults; the grade only sets the register of the system prompt.
        let output: SummariseOutput = self
            .complete("session_summary", schema, Self::system_for(12), user)
            .await?;
        let narrative = output
            .narrative_sentences
            .iter()
            .map(|sentence| {
                let sentence = sentence.trim();
                match sentence.ends_with(['.', '!', '?']) {
                    true => sentence.to_string(),
                    false => format!("{sentence}."),
                }
            })
            .collect::<Vec<_>>()
            .join(" ");
        // The wrapper checks sentence count, lengths and topics (SummaryText::checked_against).
        Ok(SummaryText {
            narrative,
            key_topics: output.key_topics,
            misconceptions: output.misconceptions,
            next_steps: output.next_steps,
        })
    }

    async fn analyse_query(
        &self,
        brief: &QueryBrief,
    ) -> Result<tutorbridge_domain::qa::Analysis, ModelError> {
        let user = fill(
            QA_ANALYSE,
            &[
                ("question", brief.question.clone()),
                ("recent", list(&brief.recent)),
            ],
        );
        let schema = object_schema(json!({
            "kind": { "type": "string", "enum": ["clear", "ambiguous", "out_of_scope", "unsafe"] },
            "clarity": { "type": "number", "minimum": 0, "maximum": 1 },
            "reason": { "type": "string", "maxLength": 200 },
        }));
        self.complete("query_analysis", schema, Self::system_for(8), user)
            .await
    }

    async fn answer(&self, brief: &AnswerBrief) -> Result<Answer, ModelError> {
        let passages = brief
            .passages
            .iter()
            .enumerate()
            .map(|(index, passage)| format!("[{index}] {}", passage.text))
            .collect::<Vec<_>>()
            .join("\n");
        let recent = brief
            .recent
            .iter()
            .map(|(q, a)| format!("Q: {q} A: {a}"))
            .collect::<Vec<_>>();
        let user = fill(
            QA_ANSWER,
            &[
                ("passages", passages),
                ("recent", list(&recent)),
                ("question", brief.question.clone()),
            ],
        );
        let schema = object_schema(json!({
            "answer": { "type": "string", "minLength": 1, "maxLength": 1500 },
            "self_assessment": { "type": "number", "minimum": 0, "maximum": 1 },
            "used_passages": { "type": "array", "items": { "type": "integer", "minimum": 0 }, "maxItems": 8 },
        }));
        let output: AnswerOutput = self
            .complete("answer", schema, Self::system_for(8), user)
            .await?;
        Ok(Answer {
            text: output.answer.trim().to_string(),
            self_assessment: output.self_assessment,
            used: output.used_passages,
        })
    }

    async fn personalise(&self, brief: &PersonaliseBrief) -> Result<String, ModelError> {
        let user = fill(
            PERSONALISE,
            &[
                ("facts", list(&brief.facts)),
                ("name", brief.name.clone()),
                ("text", brief.text.clone()),
            ],
        );
        let schema = object_schema(json!({
            "message": { "type": "string", "minLength": 1, "maxLength": MAX_PERSONALISED },
        }));
        let output: PersonaliseOutput = self
            .complete("personalise", schema, Self::system_for(8), user)
            .await?;
        Ok(output.message)
    }
}
