//! The offline tutor: deterministic, no network, built from the guideline's own text.

use async_trait::async_trait;
use tutorbridge_app::tutor_model::{
    Answer, AnswerBrief, Expected, ItemBrief, ItemKind, LessonContext, MAX_WRITTEN_TEXT,
    ModelError, OFFLINE_MODEL, PersonaliseBrief, PracticeAnswer, QueryBrief, Question,
    SummaryBrief, Turn, Tutor, TutorModel, WrittenItem,
};
use tutorbridge_domain::curriculum::Guideline;
use tutorbridge_domain::maths::{MathsQuestion, Seed};
use tutorbridge_domain::summaries::{SummaryText, summarise_extractively};
use tutorbridge_domain::tutoring::Grading;
use tutorbridge_domain::tutoring::thresholds::MAX_HINTS;

use tutorbridge_domain::text::{content_words, keyword_grade, uses};

/// Deterministic tutor; see the crate docs.
#[derive(Debug, Clone, Copy, Default)]
pub struct OfflineTutor;

impl OfflineTutor {
    /// The offline tutor alone, as the [`Tutor`] use cases take (the embedded default).
    pub fn tutor() -> Tutor {
        Tutor::new(None, std::sync::Arc::new(OfflineTutor))
    }
}

/// Key ideas a good free-text answer to `criterion` uses: the guideline's keywords that occur
/// in the criterion, else the criterion's own content words.
fn key_ideas(guideline: &Guideline, criterion: &str) -> Vec<String> {
    let criterion_words = content_words(criterion);
    let mut ideas: Vec<String> = guideline
        .keywords
        .iter()
        .filter(|keyword| uses(&criterion_words, keyword))
        .cloned()
        .collect();
    if ideas.len() < 2 {
        ideas.extend(
            criterion_words
                .into_iter()
                .filter(|w| w.len() > 4)
                .take(4 - ideas.len()),
        );
    }
    ideas
}

fn first_sentences(text: &str, count: usize) -> String {
    let sentences: Vec<&str> = text.split_inclusive(". ").take(count).collect();
    sentences.concat().trim().to_string()
}

fn text_question(guideline: &Guideline, seed: u64) -> Question {
    let criteria = &guideline.assessment_criteria;
    let index = (Seed::new(seed).next_u64() % criteria.len().max(1) as u64) as usize;
    let criterion = criteria
        .get(index)
        .cloned()
        .unwrap_or_else(|| guideline.subtopic.as_str().to_string());
    Question {
        prompt: format!(
            "Show what you know: {}. Answer in a sentence or two.",
            criterion.trim_end_matches('.').to_lowercase()
        ),
        answer_form: "a sentence or two in your own words".into(),
        expected: Expected::Text {
            keywords: key_ideas(guideline, &criterion),
            answer: criterion,
        },
    }
}

fn maths_grading(question: &MathsQuestion, reply: &str) -> Grading {
    match question.is_correct(reply) {
        Ok(true) => Grading {
            score: 1.0,
            confidence: 1.0,
            rationale: "Exactly right.".into(),
            misconceptions: vec![],
        },
        Ok(false) => Grading {
            score: 0.0,
            confidence: 1.0,
            rationale: "Not quite: that is not the value the question asks for.".into(),
            misconceptions: question
                .misconception(reply)
                .map(|(label, _)| vec![label.to_string()])
                .unwrap_or_default(),
        },
        Err(format) => Grading {
            score: 0.0,
            confidence: 1.0,
            rationale: format!("I could not read that as a number: {format}."),
            misconceptions: vec![],
        },
    }
}

fn text_grading(known_misconceptions: &[String], keywords: &[String], reply: &str) -> Grading {
    let words = content_words(reply);
    let (coverage, confidence, matched) = keyword_grade(keywords, reply);
    let needed = keywords.len().clamp(1, 3);
    let misconceptions = known_misconceptions
        .iter()
        .filter(|statement| {
            let statement_words = content_words(statement);
            let shared = statement_words
                .iter()
                .filter(|w| words.contains(*w))
                .count();
            statement_words.len() >= 3 && shared * 10 >= statement_words.len() * 6
        })
        .cloned()
        .collect();
    let rationale = if matched == 0 {
        "Your answer does not use the key ideas of this topic yet.".to_string()
    } else {
        format!("Your answer uses {matched} of the {needed} key ideas I look for.")
    };
    Grading {
        score: coverage,
        confidence,
        rationale,
        misconceptions,
    }
}

/// A misconception ("Thinking plants take their food from the soil") as the false statement it
/// believes ("Plants take their food from the soil."), for a distractor.
fn believed(misconception: &str) -> String {
    let mut text = misconception.trim().trim_end_matches('.');
    for lead in [
        "Thinking that ",
        "Thinking ",
        "Believing that ",
        "Believing ",
        "Assuming that ",
        "Assuming ",
        "That ",
    ] {
        if let Some(rest) = text.strip_prefix(lead) {
            text = rest;
            break;
        }
    }
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => format!("{}{}.", first.to_uppercase(), chars.as_str()),
        None => String::new(),
    }
}

fn clip(text: &str) -> String {
    text.chars().take(MAX_WRITTEN_TEXT).collect()
}

/// A choice item: one true sentence of the overview among the misconceptions' false statements.
/// How a choice item asks; one per true sentence, so items on different truths read differently
/// and the prompts to avoid steer the writer to a truth not yet asked about.
const CHOICE_PROMPTS: [&str; 3] = [
    "{subtopic}: which of these statements is true?",
    "Which of these is correct about {subtopic_lower}?",
    "{subtopic}: pick the one true statement.",
];

fn choice_item(guideline: &Guideline, avoid: &[String], seed: &mut Seed) -> WrittenItem {
    let mut truths: Vec<String> = guideline
        .overview
        .split_inclusive(". ")
        .map(str::trim)
        .filter(|s| s.split_whitespace().count() >= 5)
        .map(str::to_string)
        .collect();
    if truths.is_empty() {
        truths.push(guideline.overview.trim().to_string());
    }
    let subtopic = guideline.subtopic.as_str();
    let prompt_for = |index: usize| {
        CHOICE_PROMPTS[index % CHOICE_PROMPTS.len()]
            .replace("{subtopic_lower}", &subtopic.to_lowercase())
            .replace("{subtopic}", subtopic)
    };
    let start = (seed.next_u64() % truths.len() as u64) as usize;
    let index = (0..truths.len())
        .map(|i| (start + i) % truths.len())
        .find(|&i| !avoid.contains(&prompt_for(i)))
        .unwrap_or(start);
    let truth = truths[index].clone();
    let mut options: Vec<String> = vec![clip(&truth)];
    for statement in guideline
        .common_misconceptions
        .iter()
        .map(|m| clip(&believed(m)))
    {
        if options.len() < 4
            && !statement.is_empty()
            && !options.iter().any(|o| o.eq_ignore_ascii_case(&statement))
        {
            options.push(statement);
        }
    }
    for filler in ["None of these is true.", "All of these are true."] {
        if options.len() < 3 {
            options.push(filler.to_string());
        }
    }
    // Shuffle deterministically; remember where the true statement went.
    let mut order: Vec<usize> = (0..options.len()).collect();
    for i in (1..order.len()).rev() {
        let j = (seed.next_u64() % (i as u64 + 1)) as usize;
        order.swap(i, j);
    }
    let shuffled: Vec<String> = order.iter().map(|&i| options[i].clone()).collect();
    let correct_option = order.iter().position(|&i| i == 0).unwrap_or(0);
    WrittenItem {
        prompt: prompt_for(index),
        options: shuffled,
        correct_option,
        answer: String::new(),
        keywords: Vec::new(),
    }
}

/// A short item: one of the guideline's objectives as a question; the overview is the model
/// answer and the guideline's keywords in it are the key ideas (more of them when harder).
fn short_item(guideline: &Guideline, brief: &ItemBrief, seed: &mut Seed) -> WrittenItem {
    let objectives = &guideline.objectives;
    let start = seed.next_u64() as usize;
    let extra = if brief.difficulty_label >= 8 {
        " Give an example."
    } else {
        ""
    };
    let prompt_for = |objective: &str| {
        clip(&format!(
            "{}: {}. Answer in two or three sentences.{extra}",
            guideline.subtopic.as_str(),
            objective.trim().trim_end_matches('.').to_lowercase()
        ))
    };
    let prompt = (0..objectives.len().max(1))
        .map(|i| {
            objectives
                .get((start + i) % objectives.len().max(1))
                .map_or_else(
                    || format!("explain {}", guideline.subtopic.as_str()),
                    String::clone,
                )
        })
        .map(|objective| prompt_for(&objective))
        .find(|prompt| !brief.avoid.contains(prompt))
        .unwrap_or_else(|| {
            prompt_for(&format!(
                "explain what you know about {}",
                guideline.subtopic.as_str()
            ))
        });
    let answer = clip(&first_sentences(&guideline.overview, 3));
    let answer_words = content_words(&answer);
    let wanted = 2 + usize::from(brief.difficulty_label.clamp(1, 10)) / 4;
    let mut keywords: Vec<String> = guideline
        .keywords
        .iter()
        .filter(|k| uses(&answer_words, k))
        .take(wanted)
        .cloned()
        .collect();
    if keywords.is_empty() {
        keywords = key_ideas(guideline, &answer)
            .into_iter()
            .take(wanted)
            .collect();
    }
    WrittenItem {
        prompt,
        options: Vec::new(),
        correct_option: 0,
        answer,
        keywords,
    }
}

#[async_trait]
impl TutorModel for OfflineTutor {
    fn name(&self) -> &str {
        OFFLINE_MODEL
    }

    async fn teach(
        &self,
        lesson: &LessonContext,
        maths: Option<&MathsQuestion>,
    ) -> Result<Turn, ModelError> {
        let guideline = &lesson.guideline;
        let objectives = &guideline.objectives;
        let objective = objectives
            .get(lesson.step as usize % objectives.len().max(1))
            .cloned()
            .unwrap_or_default();
        let message = if lesson.step == 0 {
            format!(
                "Let's work on {}. {} Today's goal: {}.",
                guideline.subtopic.as_str(),
                first_sentences(&guideline.overview, 2),
                objective.trim_end_matches('.').to_lowercase()
            )
        } else {
            format!("Next: {}.", objective.trim_end_matches('.').to_lowercase())
        };
        let strategies = &guideline.scaffolding_strategies;
        let question = match maths {
            Some(maths) => Question::maths(maths),
            None => text_question(guideline, lesson.seed),
        };
        // Guideline text may work an example that happens to be this very question.
        let message = if question.revealed_by(&message) {
            format!(
                "Let's work on {}. Today's goal: {}.",
                guideline.subtopic.as_str(),
                objective.trim_end_matches('.').to_lowercase()
            )
        } else {
            message
        };
        let hints = (0..strategies.len().min(MAX_HINTS))
            .map(|i| strategies[(lesson.step as usize + i) % strategies.len()].clone())
            .filter(|hint| !question.revealed_by(hint))
            .collect();
        Ok(Turn {
            message,
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
        Ok(match &question.expected {
            Expected::Maths { question } => maths_grading(question, reply),
            Expected::Text { keywords, .. } => {
                text_grading(&lesson.guideline.common_misconceptions, keywords, reply)
            }
        })
    }

    async fn remediate(
        &self,
        lesson: &LessonContext,
        question: &Question,
        reply: &str,
        _grading: &Grading,
        rung: u8,
    ) -> Result<String, ModelError> {
        let guideline = &lesson.guideline;
        Ok(match &question.expected {
            Expected::Maths { question } => match rung {
                0 | 1 => question.nudge(),
                2 => question.targeted_hint(reply),
                _ => question.worked_example(lesson.seed),
            },
            Expected::Text { keywords, .. } => {
                let words = content_words(reply);
                let missing: Vec<&String> = keywords
                    .iter()
                    .filter(|k| !uses(&words, k))
                    .take(2)
                    .collect();
                match rung {
                    0 | 1 => format!(
                        "Think about it this way: {}",
                        guideline.scaffolding_strategies.first().cloned().unwrap_or_else(|| guideline.overview.clone())
                    ),
                    2 if !missing.is_empty() => format!(
                        "Your answer leaves out an important idea. Say something about {}.",
                        missing.iter().map(|k| format!("'{k}'")).collect::<Vec<_>>().join(" and ")
                    ),
                    2 => "Your answer has the right words; now explain how they connect, in a full sentence.".to_string(),
                    _ => {
                        // A worked example on a different criterion of the same guideline.
                        let other = guideline
                            .assessment_criteria
                            .iter()
                            .find(|criterion| !question.revealed_by(criterion))
                            .cloned()
                            .unwrap_or_else(|| guideline.objectives.first().cloned().unwrap_or_default());
                        let ideas = key_ideas(guideline, &other);
                        format!(
                            "Here is how a similar question works. Asked to show that a student \"{}\", a good answer uses the ideas {} and links them with 'because'.",
                            other.trim_end_matches('.').to_lowercase(),
                            ideas.iter().map(|k| format!("'{k}'")).collect::<Vec<_>>().join(", ")
                        )
                    }
                }
            }
        })
    }
    async fn write_item(&self, brief: &ItemBrief) -> Result<WrittenItem, ModelError> {
        let mut seed = Seed::new(brief.seed);
        Ok(match brief.kind {
            ItemKind::Choice => choice_item(&brief.guideline, &brief.avoid, &mut seed),
            ItemKind::Short => short_item(&brief.guideline, brief, &mut seed),
        })
    }

    async fn mark(&self, task: &PracticeAnswer<'_>, reply: &str) -> Result<Grading, ModelError> {
        Ok(match &task.question.expected {
            Expected::Maths { question } => maths_grading(question, reply),
            Expected::Text { keywords, .. } => text_grading(&[], keywords, reply),
        })
    }

    /// Extractive: every sentence is one the tutor (or, failing that, anyone) said.
    async fn summarise(&self, brief: &SummaryBrief) -> Result<SummaryText, ModelError> {
        Ok(summarise_extractively(&brief.transcript, &brief.topics))
    }

    /// By rules (see [`tutorbridge_domain::qa::analyse`]).
    async fn analyse_query(
        &self,
        brief: &QueryBrief,
    ) -> Result<tutorbridge_domain::qa::Analysis, ModelError> {
        Ok(tutorbridge_domain::qa::analyse(
            &brief.question,
            !brief.recent.is_empty(),
        ))
    }

    /// Extractive: the passages' sentences that share most with the question. Its
    /// self-assessment is honest and modest: the share of the question those sentences cover,
    /// scaled by 0.85 (a sentence that shares words may still not answer), 0 when nothing
    /// relevant was found.
    async fn answer(&self, brief: &AnswerBrief) -> Result<Answer, ModelError> {
        let ranked: Vec<(usize, f32)> = (0..brief.passages.len()).map(|i| (i, 0.0)).collect();
        let extract = tutorbridge_domain::qa::extract(&brief.question, &brief.passages, &ranked);
        Ok(Answer {
            self_assessment: 0.85 * extract.coverage,
            text: extract.text,
            used: extract.used,
        })
    }

    async fn personalise(&self, brief: &PersonaliseBrief) -> Result<String, ModelError> {
        Ok(brief.text.clone())
    }
}

#[cfg(test)]
mod tests {
    use tutorbridge_app::seed::demo_curriculum;
    use tutorbridge_domain::maths::{Family, generate};

    use super::*;

    fn lesson(guideline: Guideline, step: u32) -> LessonContext {
        LessonContext {
            guideline,
            step,
            mastery: 0.0,
            evidence: vec![],
            seed: 7 + u64::from(step),
        }
    }

    fn guideline(id: &str) -> Guideline {
        tutorbridge_app::seed::demo_guideline(id).expect("guideline")
    }

    #[tokio::test]
    async fn maths_is_graded_exactly_in_any_equivalent_form() {
        let tutor = OfflineTutor;
        let context = lesson(guideline("nc5-maths-fractions-equivalent"), 0);
        let maths = generate(Family::FractionToDecimal, 3, 11);
        let turn = tutor.teach(&context, Some(&maths)).await.expect("turn");
        assert_eq!(turn.question.prompt, maths.prompt);
        let decimal = maths.answer.to_decimal().expect("terminates");
        for reply in [
            decimal.as_str(),
            &maths.answer.to_string(),
            &format!("{}%", maths.answer.to_f64() * 100.0),
        ] {
            let grading = tutor
                .grade(&context, &turn.question, reply)
                .await
                .expect("grade");
            assert_eq!((grading.score, grading.confidence), (1.0, 1.0), "{reply}");
        }
        let wrong = tutor
            .grade(&context, &turn.question, "0.999")
            .await
            .expect("grade");
        assert_eq!(wrong.score, 0.0);
        let junk = tutor
            .grade(&context, &turn.question, "print(1)")
            .await
            .expect("grade");
        assert!(junk.rationale.contains("fraction"), "{}", junk.rationale);
    }

    #[tokio::test]
    async fn free_text_is_graded_by_key_ideas_with_honest_confidence() {
        let tutor = OfflineTutor;
        let context = lesson(guideline("cbse3-science-plants-parts"), 0);
        let question = Question {
            prompt: "Why do plants have roots?".into(),
            answer_form: "a sentence".into(),
            expected: Expected::Text {
                answer: "Explains that roots absorb water and anchor the plant".into(),
                keywords: vec!["roots".into(), "water".into(), "anchor".into()],
            },
        };
        let good = tutor
            .grade(&context, &question, "The roots take in water from the soil and anchor the plant so it does not fall over.")
            .await
            .expect("grade");
        assert!(
            good.score >= 0.99 && good.confidence >= 0.6 && good.confidence < 0.8,
            "{good:?}"
        );
        let short = tutor
            .grade(&context, &question, "roots")
            .await
            .expect("grade");
        assert!(short.score < 0.8 && short.confidence < 0.6, "{short:?}");
        let misconception = tutor
            .grade(
                &context,
                &question,
                "Plants take their food from the soil through the roots.",
            )
            .await
            .expect("grade");
        assert!(
            !misconception.misconceptions.is_empty(),
            "{misconception:?}"
        );
    }

    #[tokio::test]
    async fn no_rung_of_any_generated_question_reveals_its_answer() {
        let tutor = OfflineTutor;
        let grading = Grading {
            score: 0.0,
            confidence: 1.0,
            rationale: String::new(),
            misconceptions: vec![],
        };
        for guideline in demo_curriculum().expect("seed") {
            for step in 0..6 {
                let context = lesson(guideline.clone(), step);
                let maths = tutorbridge_domain::maths::family_for(
                    guideline.subject.as_str(),
                    guideline.topic.as_str(),
                    guideline.subtopic.as_str(),
                )
                .map(|family| generate(family, 1 + step as u8, context.seed));
                let turn = tutor.teach(&context, maths.as_ref()).await.expect("turn");
                assert!(
                    !turn.question.revealed_by(&turn.message),
                    "{}: the turn's message reveals: {}",
                    guideline.id.as_str(),
                    turn.message
                );
                assert!(
                    turn.hints
                        .iter()
                        .all(|hint| !turn.question.revealed_by(hint))
                );
                for reply in ["7", "I don't know", "0.5"] {
                    if tutor
                        .grade(&context, &turn.question, reply)
                        .await
                        .expect("grade")
                        .score
                        >= 0.8
                    {
                        continue; // right answers are not remediated
                    }
                    for rung in 1..=3 {
                        let text = tutor
                            .remediate(&context, &turn.question, reply, &grading, rung)
                            .await
                            .expect("rung");
                        assert!(
                            !turn.question.revealed_by(&text),
                            "{}: rung {rung} reveals the answer: {text}",
                            guideline.id.as_str()
                        );
                    }
                }
            }
        }
    }

    #[tokio::test]
    async fn written_items_are_well_formed_for_every_guideline_kind_and_difficulty() {
        for guideline in demo_curriculum().expect("seed") {
            for label in 1..=10 {
                for kind in [ItemKind::Choice, ItemKind::Short] {
                    let brief = ItemBrief {
                        guideline: guideline.clone(),
                        kind,
                        difficulty_label: label,
                        avoid: vec![],
                        seed: u64::from(label) * 31,
                    };
                    let item = OfflineTutor.write_item(&brief).await.expect("item");
                    assert_eq!(
                        item.problem(kind),
                        None,
                        "{} {kind:?} {label}",
                        guideline.id.as_str()
                    );
                    if kind == ItemKind::Choice {
                        // The right option is true: it is a sentence of the overview.
                        let right = &item.options[item.correct_option];
                        assert!(
                            guideline.overview.contains(right.trim_end_matches('.')),
                            "{right}"
                        );
                    }
                }
            }
        }
    }

    #[tokio::test]
    async fn written_items_avoid_prompts_already_seen() {
        let guideline = guideline("cbse3-science-plants-parts");
        let mut brief = ItemBrief {
            guideline,
            kind: ItemKind::Short,
            difficulty_label: 6,
            avoid: vec![],
            seed: 5,
        };
        let first = OfflineTutor.write_item(&brief).await.expect("item");
        brief.avoid.push(first.prompt.clone());
        let second = OfflineTutor.write_item(&brief).await.expect("item");
        assert_ne!(first.prompt, second.prompt);
        // Choice items too: a second one asks about another true sentence.
        let mut choice = ItemBrief {
            kind: ItemKind::Choice,
            avoid: vec![],
            ..brief.clone()
        };
        let one = OfflineTutor.write_item(&choice).await.expect("item");
        choice.avoid.push(one.prompt.clone());
        let other = OfflineTutor.write_item(&choice).await.expect("item");
        assert_ne!(
            one.options[one.correct_option],
            other.options[other.correct_option]
        );
        // The model answer passes its own marking; a bare word does not.
        let question = Question {
            prompt: second.prompt.clone(),
            answer_form: String::new(),
            expected: Expected::Text {
                answer: second.answer.clone(),
                keywords: second.keywords.clone(),
            },
        };
        let task = PracticeAnswer {
            subject: "Science",
            topic: "Plants",
            question: &question,
        };
        let good = OfflineTutor
            .mark(&task, &second.answer)
            .await
            .expect("mark");
        let bare = OfflineTutor.mark(&task, "plants").await.expect("mark");
        assert!(good.score > bare.score && good.confidence > bare.confidence);
    }
}
