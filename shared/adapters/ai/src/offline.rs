//! The offline tutor: deterministic, no network, built from the guideline's own text.

use async_trait::async_trait;
use tutorbridge_app::tutor_model::{
    Expected, LessonContext, ModelError, OFFLINE_MODEL, Question, Turn, TutorModel,
};
use tutorbridge_domain::curriculum::Guideline;
use tutorbridge_domain::maths::{MathsQuestion, Seed};
use tutorbridge_domain::tutoring::Grading;
use tutorbridge_domain::tutoring::thresholds::MAX_HINTS;

use tutorbridge_domain::text::{content_words, keyword_grade, uses};

/// Deterministic tutor; see the crate docs.
#[derive(Debug, Clone, Copy, Default)]
pub struct OfflineTutor;

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

fn text_grading(guideline: &Guideline, keywords: &[String], reply: &str) -> Grading {
    let words = content_words(reply);
    let (coverage, confidence, matched) = keyword_grade(keywords, reply);
    let needed = keywords.len().clamp(1, 3);
    let misconceptions = guideline
        .common_misconceptions
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
            Expected::Text { keywords, .. } => text_grading(&lesson.guideline, keywords, reply),
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
        demo_curriculum()
            .expect("seed")
            .into_iter()
            .find(|g| g.id.as_str() == id)
            .expect("guideline")
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
}
