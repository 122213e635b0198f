//! Q&A between sessions: a student's question is analysed, grounded in passages from their
//! lessons (the named guideline or subject, their latest session's guideline, their recent
//! summaries, their uploaded text materials), answered, scored with the four-factor confidence
//! and labelled. High: the answer. Medium: the answer with a disclaimer and a tutor suggestion.
//! Low: an overview, and the question goes to the student's tutors (a thread they see, and an
//! email). Out of scope: a polite refusal, no model answer. Unsafe: a refusal, flagged to the
//! tutors.
//!
//! Round trips: one parallel round of reads (history, guideline or subject, latest session,
//! summaries, files, tutor links, budgets), then one transaction (the exchange, escalations,
//! budget counters) in parallel with the tutors' contacts (address and opt-out, from their
//! profiles) when escalating. Mail is sent after; a failed send leaves a retry item for the
//! sweep and never fails the question.

mod records;
pub mod threads;

pub use records::{Escalation, Exchange, Reply, ThreadStatus};
pub use threads::{EscalationPage, HistoryPage, Thread};

use std::sync::Arc;

use futures_util::future::join_all;
use serde::Deserialize;
use tutorbridge_domain::curriculum::{Guideline, GuidelineId};
use tutorbridge_domain::practice::SubjectSlug;
use tutorbridge_domain::qa::{
    Analysis, Citation, ConfidenceFactors, ConfidenceLabel, MAX_QUESTION_CHARS, Passage, QaId,
    QueryKind, SourceKind, checked_text, completeness, label, retrieve,
};
use tutorbridge_domain::{Caller, Role, UserId};
use tutorbridge_table::{Condition, Index, Query, SortKeyCondition, WriteOp};

use crate::access::AccessService;
use crate::curriculum::guidelines_of_subject;
use crate::file_store::FileStore;
use crate::files::{FileRecord, FileStatus};
use crate::keys;
use crate::mailer::{Email, Mailer, escape_html};
use crate::people::ProfileService;
use crate::quota::{QuotaSettings, usage};
use crate::records::{Record, query_page};
use crate::summaries::Summary;
use crate::tutor_model::{AnswerBrief, QueryBrief, Tutor};
use crate::{AppError, Ports};

/// `POST /qa/query`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QueryRequest {
    /// 1-2,000 characters.
    #[schema(max_length = 2000)]
    pub question: String,
    /// Ground the answer in this subject's guidelines.
    #[schema(max_length = 80)]
    pub subject: Option<String>,
    /// Ground the answer in this guideline.
    #[schema(max_length = 120)]
    pub guideline_id: Option<String>,
}

/// Exchanges read for context (the newest three are used).
const HISTORY: u32 = 10;
const CONTEXT_EXCHANGES: usize = 3;
/// Guidelines of a named subject read as passages.
const SUBJECT_GUIDELINES: usize = 50;
/// Recent summaries read as passages.
const SUMMARIES: u32 = 3;
/// Text materials read as passages, and the largest read.
const MATERIALS: usize = 3;
const MAX_MATERIAL_BYTES: u64 = 64 * 1024;
/// Longest passage; longer texts are cut into paragraphs of at most this.
const MAX_PASSAGE_CHARS: usize = 1200;
/// Longest question line put in a tutor's list or email.
const QUESTION_LINE_CHARS: usize = 200;

/// Q&A use cases.
#[derive(Clone)]
pub struct QaService {
    ports: Ports,
    access: AccessService,
    tutor: Tutor,
    files: Option<Arc<dyn FileStore>>,
    mailer: Option<Arc<dyn Mailer>>,
    /// Where thread links in emails point (`TUTORBRIDGE_APP_URL`).
    app_url: String,
    quota: QuotaSettings,
}

/// What round one read.
struct Context {
    history: Vec<Exchange>,
    passages: Vec<Passage>,
    tutors: Vec<UserId>,
}

/// A guideline as a passage: its overview, the misconceptions to avoid and the ways it is
/// taught (its objectives are instructions to tutors, not explanations, so they are left out).
fn guideline_passage(g: &Guideline) -> Passage {
    let mut text = format!(
        "{}: {}. {}",
        g.topic.as_str(),
        g.subtopic.as_str(),
        g.overview
    );
    for line in &g.common_misconceptions {
        text.push_str(&format!(
            " A common mistake: {}.",
            line.trim_end_matches('.')
        ));
    }
    for line in &g.scaffolding_strategies {
        text.push_str(&format!(" {}.", line.trim_end_matches('.')));
    }
    Passage {
        kind: SourceKind::Guideline,
        id: g.id.as_str().to_string(),
        text,
    }
}

fn summary_passage(s: &Summary) -> Passage {
    let mut text = s.text.narrative.clone();
    for line in s.text.next_steps.iter().chain(&s.text.misconceptions) {
        text.push(' ');
        text.push_str(line);
    }
    Passage {
        kind: SourceKind::Summary,
        id: s.summary_id.as_str().to_string(),
        text,
    }
}

/// A material's text cut into passages of whole paragraphs.
fn material_passages(file: &FileRecord, text: &str) -> Vec<Passage> {
    let mut passages = Vec::new();
    let mut current = String::new();
    for paragraph in text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
        let paragraph: String = paragraph.chars().take(MAX_PASSAGE_CHARS).collect();
        if !current.is_empty()
            && current.chars().count() + paragraph.chars().count() > MAX_PASSAGE_CHARS
        {
            passages.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push('\n');
        }
        current.push_str(&paragraph);
    }
    if !current.is_empty() {
        passages.push(current);
    }
    passages
        .into_iter()
        .map(|text| Passage {
            kind: SourceKind::File,
            id: file.file_id.as_str().to_string(),
            text,
        })
        .collect()
}

/// The first line of a question, at most [`QUESTION_LINE_CHARS`] characters.
fn first_line(question: &str) -> String {
    let line = question.lines().next().unwrap_or_default();
    let mut cut: String = line.chars().take(QUESTION_LINE_CHARS).collect();
    if line.chars().count() > QUESTION_LINE_CHARS {
        cut.push('…');
    }
    cut
}

/// The student's tutors, from the reverse links in their partition (one query).
pub(crate) async fn tutors_of(
    store: &crate::Store,
    student: &UserId,
) -> Result<Vec<UserId>, AppError> {
    let query = Query::partition(Index::Base, keys::user(student))
        .sort(SortKeyCondition::BeginsWith(keys::STUDENT_TUTORS.into()))
        .limit(20);
    let page = store.query(&query).await?;
    Ok(page
        .items
        .iter()
        .filter_map(
            |item| match item.get(tutorbridge_table::definition::SORT_KEY) {
                Some(tutorbridge_table::Value::S(sort)) => sort
                    .strip_prefix(keys::STUDENT_TUTORS)
                    .and_then(|id| UserId::parse(id).ok()),
                _ => None,
            },
        )
        .collect())
}

impl QaService {
    pub fn new(ports: impl Into<Ports>, tutor: Tutor) -> Self {
        let ports = ports.into();
        QaService {
            access: AccessService::new(ports.store.clone()),
            ports,
            tutor,
            files: None,
            mailer: None,
            app_url: "http://127.0.0.1:3000".into(),
            quota: QuotaSettings::default(),
        }
    }

    /// Uploaded text materials become passages.
    pub fn with_files(mut self, files: Option<Arc<dyn FileStore>>) -> Self {
        self.files = files;
        self
    }

    /// Escalations are emailed through `mailer`, linking to threads under `app_url`.
    pub fn with_mailer(mut self, mailer: Option<Arc<dyn Mailer>>, app_url: &str) -> Self {
        self.mailer = mailer;
        self.app_url = app_url.trim_end_matches('/').to_string();
        self
    }

    /// Per-user budgets of questions.
    pub fn with_quota(mut self, quota: QuotaSettings) -> Self {
        self.quota = quota;
        self
    }

    /// Answer a student's question (see the module docs).
    ///
    /// # Errors
    /// `Forbidden` unless the caller is a student; `Invalid` for an empty, over-long or
    /// malformed question, subject or guideline id; `NotFound` for a named guideline that does
    /// not exist; `RateLimited` over the budget (nothing written).
    pub async fn query(
        &self,
        caller: &Caller,
        request: QueryRequest,
    ) -> Result<Exchange, AppError> {
        if !caller.has(Role::Student) {
            return Err(AppError::Forbidden("only students ask questions".into()));
        }
        let question = checked_text("question", &request.question, MAX_QUESTION_CHARS)?;
        let subject = request
            .subject
            .as_deref()
            .map(SubjectSlug::parse)
            .transpose()?;
        let guideline_id = request
            .guideline_id
            .as_deref()
            .map(GuidelineId::parse)
            .transpose()?;
        let student = &caller.user_id;
        let now = self.ports.clock.now();
        let (context, used) = tokio::join!(
            self.context(student, subject.as_ref(), guideline_id.as_ref()),
            usage(&self.ports.store, student, now, self.quota),
        );
        let (context, used) = (context?, used?);
        used.check()?;
        let recent: Vec<&Exchange> = context.history.iter().take(CONTEXT_EXCHANGES).collect();
        let analysis = self
            .tutor
            .analyse_query(&QueryBrief {
                question: question.clone(),
                recent: recent.iter().map(|e| e.question.clone()).collect(),
            })
            .await
            .map_err(AppError::internal)?;
        let mut exchange = Exchange {
            qa_id: QaId::parse(&self.ports.ids.lower())?,
            student: student.clone(),
            question: question.clone(),
            subject: subject.as_ref().map(|s| s.as_str().to_string()),
            guideline_id: guideline_id.as_ref().map(|g| g.as_str().to_string()),
            kind: analysis.value.kind,
            answer: String::new(),
            label: None,
            confidence: None,
            factors: None,
            disclaimer: None,
            suggestion: None,
            citations: Vec::new(),
            model: analysis.model.clone(),
            fallback: analysis.fallback,
            thread: ThreadStatus::None,
            escalated_to: Vec::new(),
            flagged: false,
            replies: 0,
            last_reply: None,
            created_at: now.to_string(),
            version: 1,
        };
        let escalate = match analysis.value.kind {
            QueryKind::OutOfScope => {
                exchange.answer = "That's outside what I can help with here. I can help with your school subjects — ask me about something from your lessons, or ask your tutor about study plans.".into();
                false
            }
            QueryKind::Unsafe => {
                exchange.answer = "I can't help with that. If you or someone else might be in danger, talk to a trusted adult right now. I've let your tutor know you asked.".into();
                exchange.flagged = true;
                true
            }
            QueryKind::Clear | QueryKind::Ambiguous => {
                self.answer(&mut exchange, &analysis.value, &context, &recent)
                    .await?;
                exchange.label == Some(ConfidenceLabel::Low)
            }
        };
        let mut escalations = Vec::new();
        if escalate {
            exchange.thread = ThreadStatus::Open;
            exchange.escalated_to = context.tutors.clone();
            escalations = context
                .tutors
                .iter()
                .map(|tutor| self.escalation(&exchange, tutor))
                .collect();
        }
        let mut ops = vec![exchange.put(Condition::NotExists)?];
        for escalation in &escalations {
            ops.push(escalation.put(Condition::NotExists)?);
        }
        ops.extend(used.charge()?);
        self.commit_and_notify(ops, &exchange, &escalations).await?;
        Ok(exchange)
    }

    /// Score, label and word the answer to a clear or ambiguous question.
    async fn answer(
        &self,
        exchange: &mut Exchange,
        analysis: &Analysis,
        context: &Context,
        recent: &[&Exchange],
    ) -> Result<(), AppError> {
        // A short follow-up is read with the question before it.
        let search = match recent.first() {
            Some(last) if tutorbridge_domain::text::content_words(&exchange.question).len() < 4 => {
                format!("{} {}", exchange.question, last.question)
            }
            _ => exchange.question.clone(),
        };
        let found = retrieve(&search, &context.passages);
        let top: Vec<Passage> = found
            .ranked
            .iter()
            .filter_map(|(index, _)| context.passages.get(*index).cloned())
            .collect();
        let produced = self
            .tutor
            .answer(&AnswerBrief {
                question: exchange.question.clone(),
                passages: top.clone(),
                recent: recent
                    .iter()
                    .map(|e| (e.question.clone(), e.answer.clone()))
                    .collect(),
            })
            .await
            .map_err(AppError::internal)?;
        let factors = ConfidenceFactors {
            self_assessment: produced.value.self_assessment,
            relevance: found.relevance,
            clarity: analysis.clarity,
            completeness: completeness(&exchange.question, &produced.value.text),
        };
        let confidence = (factors.confidence() * 1000.0).round() / 1000.0;
        let labelled = label(confidence);
        let mut citations: Vec<Citation> = Vec::new();
        for index in &produced.value.used {
            if let Some(passage) = top.get(*index) {
                let citation = Citation {
                    kind: passage.kind,
                    id: passage.id.clone(),
                };
                if !citations.contains(&citation) {
                    citations.push(citation);
                }
            }
        }
        exchange.model = produced.model;
        exchange.fallback = exchange.fallback || produced.fallback;
        exchange.factors = Some(factors);
        exchange.confidence = Some(confidence);
        exchange.label = Some(labelled);
        match labelled {
            ConfidenceLabel::High => {
                exchange.answer = produced.value.text;
                exchange.citations = citations;
            }
            ConfidenceLabel::Medium => {
                exchange.answer = produced.value.text;
                exchange.citations = citations;
                exchange.disclaimer = Some(
                    "I'm not completely sure about this answer: check it against your notes."
                        .into(),
                );
                exchange.suggestion =
                    Some("If it still isn't clear, escalate this question to your tutor.".into());
            }
            ConfidenceLabel::Low => {
                // An overview only: the best passage's opening, never an ungrounded answer.
                let opening = top.first().and_then(|passage| {
                    passage
                        .text
                        .split_inclusive(['.', '?', '!'])
                        .map(str::trim)
                        // A real sentence, not the passage's topic heading.
                        .find(|s| s.split_whitespace().count() >= 6)
                        .map(|s| (s.to_string(), passage))
                });
                exchange.answer = match &opening {
                    Some((sentence, _)) => format!(
                        "Here is a starting point from your lessons: {sentence} I've passed your question to your tutor, who will reply here."
                    ),
                    None => "I couldn't find this in your lessons, so I've passed your question to your tutor, who will reply here.".into(),
                };
                exchange.citations = opening
                    .map(|(_, passage)| {
                        vec![Citation {
                            kind: passage.kind,
                            id: passage.id.clone(),
                        }]
                    })
                    .unwrap_or_default();
                exchange.suggestion = Some("Your tutor has been asked to help.".into());
            }
        }
        Ok(())
    }

    /// Round one: everything the answer may lean on, read in parallel.
    async fn context(
        &self,
        student: &UserId,
        subject: Option<&SubjectSlug>,
        guideline_id: Option<&GuidelineId>,
    ) -> Result<Context, AppError> {
        let store = &self.ports.store;
        let history_query = Query::partition(Index::Gsi1, keys::user(student))
            .sort(SortKeyCondition::BeginsWith(keys::STUDENT_QUESTIONS.into()))
            .descending()
            .limit(HISTORY);
        let summaries_query = Query::partition(Index::Base, keys::user(student))
            .sort(SortKeyCondition::BeginsWith(keys::SUMMARIES.into()))
            .descending()
            .limit(SUMMARIES);
        let files_query = Query::partition(Index::Base, keys::user(student))
            .sort(SortKeyCondition::BeginsWith("FILE#".into()))
            .limit(50);
        let guidelines = async {
            match (guideline_id, subject) {
                (Some(id), _) => Ok(vec![
                    crate::records::read::<Guideline>(store, &keys::guideline(id))
                        .await?
                        .ok_or_else(|| {
                            AppError::NotFound(format!("no guideline has the id '{}'", id.as_str()))
                        })?,
                ]),
                (None, Some(subject)) => {
                    guidelines_of_subject(store, subject, None, SUBJECT_GUIDELINES).await
                }
                (None, None) => Ok(crate::sessions::store::latest_guideline_of_student(
                    store, student,
                )
                .await?
                .into_iter()
                .collect()),
            }
        };
        let (history, guidelines, summaries, files, tutors) = tokio::join!(
            query_page::<Exchange>(store, &history_query),
            guidelines,
            query_page::<Summary>(store, &summaries_query),
            query_page::<FileRecord>(store, &files_query),
            tutors_of(store, student),
        );
        let mut passages: Vec<Passage> = guidelines?.iter().map(guideline_passage).collect();
        passages.extend(summaries?.0.iter().map(summary_passage));
        passages.extend(self.materials(files?.0).await);
        Ok(Context {
            history: history?.0,
            passages,
            tutors: tutors?,
        })
    }

    /// The newest ready text materials' passages (object reads, in parallel; a read that fails
    /// is logged and skipped).
    async fn materials(&self, files: Vec<FileRecord>) -> Vec<Passage> {
        let Some(store) = &self.files else {
            return Vec::new();
        };
        let mut texts: Vec<FileRecord> = files
            .into_iter()
            .filter(|f| {
                f.status == FileStatus::Ready
                    && f.purpose == tutorbridge_domain::files::Purpose::Material
                    && matches!(f.content_type.as_str(), "text/plain" | "text/markdown")
                    && f.size <= MAX_MATERIAL_BYTES
            })
            .collect();
        texts.sort_by(|a, b| b.created_at.cmp(&a.created_at));
        texts.truncate(MATERIALS);
        let read = join_all(texts.iter().map(|file| async move {
            let key = keys::object(file.purpose, &file.owner, &file.file_id);
            match store.get(&key).await {
                Ok(Some(bytes)) => material_passages(file, &String::from_utf8_lossy(&bytes)),
                Ok(None) => Vec::new(),
                Err(error) => {
                    tracing::warn!(file = %file.file_id, error = %error, "a material could not be read");
                    Vec::new()
                }
            }
        }))
        .await;
        read.into_iter().flatten().collect()
    }

    fn escalation(&self, exchange: &Exchange, tutor: &UserId) -> Escalation {
        Escalation {
            qa_id: exchange.qa_id.clone(),
            tutor: tutor.clone(),
            student: exchange.student.clone(),
            question: first_line(&exchange.question),
            label: exchange.label,
            flagged: exchange.flagged,
            open: true,
            created_at: self.ports.clock.now().to_string(),
            version: 1,
        }
    }

    /// Round two: the transaction, with the escalated tutors' contacts read alongside; then
    /// the emails (a failed send leaves a retry item and is logged, never raised).
    async fn commit_and_notify(
        &self,
        ops: Vec<WriteOp>,
        exchange: &Exchange,
        escalations: &[Escalation],
    ) -> Result<(), AppError> {
        let profiles = ProfileService::new(self.ports.clone());
        let (written, tutors) = tokio::join!(
            self.ports.store.transact_write(ops),
            join_all(escalations.iter().map(|e| profiles.contact(&e.tutor))),
        );
        written?;
        let Some(mailer) = &self.mailer else {
            return Ok(());
        };
        for contact in tutors.into_iter().filter_map(|c| c.ok().flatten()) {
            let Some(to) = contact.mail_to() else {
                continue;
            };
            let email = self.escalation_email(exchange, to);
            if let Err(error) = mailer.send(&email).await {
                tracing::warn!(qa_id = %exchange.qa_id, error = %error, "escalation email not sent; queued for the sweep");
                if let Err(error) = crate::mail_queue::queue(&self.ports, email).await {
                    tracing::error!(qa_id = %exchange.qa_id, error = %error, "the email retry could not be queued");
                }
            }
        }
        Ok(())
    }

    /// The tutor's email: the question's first line only (never the answer), and a link.
    fn escalation_email(&self, exchange: &Exchange, to: &str) -> Email {
        let link = format!("{}/qa/{}", self.app_url, exchange.qa_id);
        let line = first_line(&exchange.question);
        let why = if exchange.flagged {
            "asked something that needs a grown-up's attention"
        } else {
            "asked a question TutorBridge could not answer with confidence"
        };
        Email {
            to: to.to_string(),
            subject: "A student's question needs you".into(),
            text: format!(
                "Your student {} {why}:\n\n  {line}\n\nOpen the thread to reply: {link}\n\nYou get these emails because you tutor this student; turn them off in your profile (email_opt_out).\n",
                exchange.student
            ),
            html: format!(
                "<p>Your student {} {why}:</p><blockquote>{}</blockquote><p><a href=\"{}\">Open the thread to reply</a></p><p>You get these emails because you tutor this student; turn them off in your profile (email_opt_out).</p>",
                escape_html(exchange.student.as_str()),
                escape_html(&line),
                escape_html(&link)
            ),
            headers: Vec::new(),
        }
    }
}
