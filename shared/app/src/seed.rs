//! Demo data for the embedded default: a small real curriculum, loaded once per data folder.

use serde::{Deserialize, Serialize};
use tutorbridge_domain::bank::{
    BankItem, ItemBody, ItemId, Provenance, Review, difficulty_of_label,
};
use tutorbridge_domain::curriculum::Guideline;
use tutorbridge_domain::maths::{Family, generate};
use tutorbridge_table::{Condition, Key};

use crate::curriculum::CurriculumService;
use crate::keys::{self, entity};
use crate::records::Record;
use crate::{AppError, Store};

const CURRICULUM_JSON: &str = include_str!("../seed/curriculum.json");
const ITEMS_JSON: &str = include_str!("../seed/items.json");
const BANK_SEED_VERSION: u32 = 1;

/// The demo item bank: deterministic maths items across every difficulty (five per family
/// suited to each label) plus hand-written Science and English items.
///
/// # Errors
/// `Internal` if the bundled items do not parse (caught by tests).
pub fn demo_bank() -> Result<Vec<BankItem>, AppError> {
    let mut items: Vec<BankItem> = serde_json::from_str(ITEMS_JSON).map_err(AppError::internal)?;
    for label in 1..=10u8 {
        for family in Family::at_difficulty(label) {
            for seed in 0..5u64 {
                let question = generate(*family, label, seed * 7919 + u64::from(label));
                let id = format!(
                    "maths-{}-d{label:02}-{seed}",
                    serde_json::to_value(family)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default()
                );
                items.push(BankItem {
                    id: ItemId::parse(&id.replace('_', "-"))?,
                    subject: "Mathematics".into(),
                    topic: family.topic().into(),
                    difficulty: difficulty_of_label(label),
                    expected_seconds: 20 + 8 * u32::from(label),
                    body: ItemBody::Maths { question },
                    provenance: Provenance::Seed,
                    review: Review::Approved,
                });
            }
        }
    }
    Ok(items)
}

/// Load the demo item bank unless this table already has it; returns how many items were written.
pub async fn ensure_demo_bank(store: &Store) -> Result<usize, AppError> {
    load_once(store, "bank", BANK_SEED_VERSION, async || {
        crate::practice::import_bank(store, &demo_bank()?).await
    })
    .await
}

/// Records that a seed data set was loaded.
#[derive(Serialize, Deserialize)]
struct SeedMarker {
    name: String,
    version: u32,
}

impl Record for SeedMarker {
    const ENTITY: &'static str = entity::SEED;

    fn key(&self) -> Key {
        keys::seed_marker(&self.name, self.version)
    }
}

/// Run `load` unless the marker `SEED#<name>` / `VERSION#<version>` exists, then write the
/// marker (create-only: two processes seeding at once write identical data either way).
/// Returns what `load` wrote (0 when already seeded).
async fn load_once(
    store: &Store,
    name: &str,
    version: u32,
    load: impl AsyncFnOnce() -> Result<usize, AppError>,
) -> Result<usize, AppError> {
    let marker = SeedMarker {
        name: name.to_string(),
        version,
    };
    if store.get(&marker.key()).await?.is_some() {
        return Ok(0);
    }
    let written = load().await?;
    match store.put(marker.to_item()?, Condition::NotExists).await {
        Ok(()) | Err(tutorbridge_table::TableError::Conflict(_)) => Ok(written),
        Err(error) => Err(error.into()),
    }
}
/// Version 2 adds the guidelines' subject index entries (GSI2).
const CURRICULUM_SEED_VERSION: u32 = 2;

/// The demo curriculum shipped with TutorBridge.
///
/// # Errors
/// `Internal` if the bundled file does not parse (caught by this crate's tests).
pub fn demo_curriculum() -> Result<Vec<Guideline>, AppError> {
    serde_json::from_str(CURRICULUM_JSON).map_err(AppError::internal)
}

/// One guideline of the demo curriculum.
///
/// # Errors
/// `NotFound` when the demo curriculum has no guideline `id`.
pub fn demo_guideline(id: &str) -> Result<Guideline, AppError> {
    demo_curriculum()?
        .into_iter()
        .find(|g| g.id.as_str() == id)
        .ok_or_else(|| AppError::NotFound(format!("no demo guideline '{id}'")))
}

/// Load the demo curriculum unless this table already has it. Returns how many guidelines
/// were written (0 when already seeded).
pub async fn ensure_demo_curriculum(store: &Store) -> Result<usize, AppError> {
    load_once(store, "curriculum", CURRICULUM_SEED_VERSION, async || {
        CurriculumService::new(store.clone())
            .import(&demo_curriculum()?)
            .await
    })
    .await
}

/// Load `count` students (`<prefix>-<n>`, with `<id>@example.com` addresses and default nudge
/// settings) last active at `last_active`, 12 students per transaction: the nudge job's scale
/// run and demos.
///
/// # Errors
/// The table's; `Invalid` for a prefix that does not make user ids.
pub async fn inactive_students(
    store: &Store,
    prefix: &str,
    count: usize,
    last_active: jiff::Timestamp,
) -> Result<Vec<tutorbridge_domain::UserId>, AppError> {
    use tutorbridge_domain::people::Profile;
    use tutorbridge_domain::{Role, UserId};

    let mut students = Vec::with_capacity(count);
    let mut ops = Vec::new();
    for n in 0..count {
        let user = UserId::parse(&format!("{prefix}-{n}"))?;
        let profile = Profile::new(
            user.clone(),
            vec![Role::Student],
            Some(format!("{user}@example.com")),
            last_active.to_string(),
        );
        ops.push(
            crate::people::records::ProfileRecord {
                profile,
                version: 1,
            }
            .put(Condition::None)?,
        );
        ops.push(crate::people::activity_put(
            &user,
            last_active,
            Some("Mathematics"),
            Some(u32::try_from(n % 6).unwrap_or(0)),
        )?);
        students.push(user);
        if ops.len() + 2 > tutorbridge_table::MAX_TRANSACTION_ITEMS {
            store.transact_write(std::mem::take(&mut ops)).await?;
        }
    }
    if !ops.is_empty() {
        store.transact_write(ops).await?;
    }
    Ok(students)
}
