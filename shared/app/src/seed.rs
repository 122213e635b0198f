//! Demo data for the embedded default: a small real curriculum, loaded once per data folder.

use std::collections::HashMap;

use tutorbridge_domain::curriculum::Guideline;
use tutorbridge_table::{Condition, Item, Value};

use crate::curriculum::CurriculumService;
use crate::keys::{self, entity};
use crate::{AppError, Store};

const CURRICULUM_JSON: &str = include_str!("../seed/curriculum.json");
const CURRICULUM_SEED_VERSION: u32 = 1;

/// The demo curriculum shipped with TutorBridge.
///
/// # Errors
/// `Internal` if the bundled file does not parse (caught by this crate's tests).
pub fn demo_curriculum() -> Result<Vec<Guideline>, AppError> {
    serde_json::from_str(CURRICULUM_JSON).map_err(AppError::internal)
}

/// Load the demo curriculum unless this table already has it. Returns how many guidelines
/// were written (0 when already seeded).
pub async fn ensure_demo_curriculum(store: &Store) -> Result<usize, AppError> {
    let marker = keys::seed_marker("curriculum", CURRICULUM_SEED_VERSION);
    if store.get(&marker).await?.is_some() {
        return Ok(0);
    }
    let written = CurriculumService::new(store.clone())
        .import(&demo_curriculum()?)
        .await?;
    let item = Item::from(HashMap::from([
        ("PK".to_string(), Value::S(marker.pk)),
        ("SK".to_string(), Value::S(marker.sk)),
        ("entity".to_string(), Value::S(entity::SEED.into())),
    ]));
    match store.put(item, Condition::NotExists).await {
        // Another process seeded at the same time: the data is identical either way.
        Ok(()) | Err(tutorbridge_table::TableError::Conflict(_)) => Ok(written),
        Err(error) => Err(error.into()),
    }
}
