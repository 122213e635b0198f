//! The item bank: importing items, and making one when the bank has nothing suitable
//! (generated exactly for maths, written by the AI port from a guideline otherwise).

use tutorbridge_domain::bank::{
    BankItem, ChoiceOption, ItemBody, ItemId, Provenance, Review, difficulty_of_label,
};
use tutorbridge_domain::curriculum::Guideline;
use tutorbridge_domain::maths::{Family, Seed, generate};
use tutorbridge_domain::practice::SubjectSlug;
use tutorbridge_table::{Condition, MAX_TRANSACTION_ITEMS};

use super::records::{ItemRecord, SubjectsRecord};
use crate::ids::Ids;
use crate::records::Record;
use crate::tutor_model::{ItemBrief, ItemKind, Tutor};
use crate::{AppError, Store};

/// Store bank items (create or replace) and the list of subjects, 25 per transaction.
///
/// # Errors
/// `Invalid` for an item whose subject has no letters or digits (nothing is written).
pub async fn import_bank(store: &Store, items: &[BankItem]) -> Result<usize, AppError> {
    let mut subjects: Vec<String> = Vec::new();
    for item in items {
        SubjectSlug::parse(&item.subject)?;
        if !subjects.contains(&item.subject) {
            subjects.push(item.subject.clone());
        }
    }
    for chunk in items.chunks(MAX_TRANSACTION_ITEMS) {
        let ops = chunk
            .iter()
            .map(|item| {
                ItemRecord {
                    item: item.clone(),
                    answers: 0,
                    version: 1,
                }
                .put(Condition::None)
            })
            .collect::<Result<Vec<_>, AppError>>()?;
        store.transact_write(ops).await?;
    }
    subjects.sort();
    store
        .put(SubjectsRecord { subjects }.to_item()?, Condition::None)
        .await?;
    Ok(items.len())
}

/// A fresh item id: `<prefix>-<id>`.
fn new_item_id(ids: &dyn Ids, prefix: &str) -> Result<ItemId, AppError> {
    Ok(ItemId::parse(&format!("{prefix}-{}", ids.lower()))?)
}

/// A new maths item at difficulty `label` (on `topic` if given), generated exactly; `None`
/// when no family teaches the topic.
pub(crate) fn generated_item(
    ids: &dyn Ids,
    subject: &str,
    topic: Option<&str>,
    label: u8,
) -> Result<Option<ItemRecord>, AppError> {
    let families = Family::for_practice(label, topic);
    if families.is_empty() {
        return Ok(None);
    }
    let mut seed = Seed::new(ids.seed());
    let family = seed.pick(&families);
    let question = generate(family, label, seed.next_u64());
    Ok(Some(ItemRecord {
        item: BankItem {
            id: new_item_id(ids, "gen")?,
            subject: subject.to_string(),
            topic: family.topic().to_string(),
            difficulty: difficulty_of_label(label),
            expected_seconds: 45,
            body: ItemBody::Maths { question },
            provenance: Provenance::Generated,
            review: Review::Approved,
        },
        answers: 0,
        version: 1,
    }))
}

/// What a written item is for.
pub(crate) struct WritingBrief<'a> {
    pub subject: &'a str,
    pub guidelines: &'a [Guideline],
    /// The topic asked for.
    pub topic: Option<&'a str>,
    /// Preferred topics (lower-cased), used when no topic was asked for.
    pub preferred: &'a [String],
    pub label: u8,
    /// Prompts not to repeat.
    pub avoid: Vec<String>,
}

/// A new item written by the AI port from one of the brief's guidelines (the asked topic's,
/// else a preferred topic's, else any), stored for a tutor's review. `None` without a guideline.
pub(crate) async fn written_item(
    ids: &dyn Ids,
    tutor: &Tutor,
    brief: WritingBrief<'_>,
) -> Result<Option<ItemRecord>, AppError> {
    let on = |topic: &str| {
        brief
            .guidelines
            .iter()
            .filter(|g| g.topic.as_str().eq_ignore_ascii_case(topic))
            .collect::<Vec<_>>()
    };
    let candidates: Vec<&Guideline> = match brief.topic {
        Some(topic) => on(topic),
        None => {
            let liked: Vec<&Guideline> = brief.preferred.iter().flat_map(|t| on(t)).collect();
            if liked.is_empty() {
                brief.guidelines.iter().collect()
            } else {
                liked
            }
        }
    };
    let mut seed = Seed::new(ids.seed());
    let Some(guideline) = candidates
        .get((seed.next_u64() % candidates.len().max(1) as u64) as usize)
        .copied()
    else {
        return Ok(None);
    };
    let label = brief.label;
    let kind = if label <= 5 && guideline.common_misconceptions.len() >= 2 {
        ItemKind::Choice
    } else {
        ItemKind::Short
    };
    let written = tutor
        .write_item(&ItemBrief {
            guideline: guideline.clone(),
            kind,
            difficulty_label: label,
            avoid: brief.avoid,
            seed: seed.next_u64(),
        })
        .await
        .map_err(AppError::internal)?;
    tracing::info!(
        model = %written.model,
        fallback = written.fallback,
        guideline = %guideline.id.as_str(),
        "wrote a practice item for review"
    );
    let item = written.value;
    let (body, expected_seconds) = match kind {
        ItemKind::Choice => {
            let options: Vec<ChoiceOption> = item
                .options
                .iter()
                .zip('a'..='z')
                .map(|(text, id)| ChoiceOption {
                    id: id.to_string(),
                    text: text.trim().to_string(),
                })
                .collect();
            let answer = options
                .get(item.correct_option)
                .map(|o| o.id.clone())
                .ok_or_else(|| AppError::internal("written item without its right option"))?;
            let prompt = item.prompt;
            (
                ItemBody::Choice {
                    prompt,
                    options,
                    answer,
                },
                30,
            )
        }
        ItemKind::Short => (
            ItemBody::Short {
                prompt: item.prompt,
                answer: item.answer,
                keywords: item.keywords,
            },
            90,
        ),
    };
    Ok(Some(ItemRecord {
        item: BankItem {
            id: new_item_id(ids, "ai")?,
            subject: brief.subject.to_string(),
            topic: guideline.topic.as_str().to_string(),
            difficulty: difficulty_of_label(label),
            expected_seconds,
            body,
            provenance: Provenance::Ai,
            review: Review::Pending,
        },
        answers: 0,
        version: 1,
    }))
}
