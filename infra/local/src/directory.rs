//! The Directory port on the embedded default: invited users are recorded in the table (one
//! create-only item per email, so an email is taken once) and the local issuer mints their
//! tokens (`/local/tokens/{user id}`).

use async_trait::async_trait;
use tutorbridge_app::Store;
use tutorbridge_app::directory::{Directory, DirectoryError, Email};
use tutorbridge_app::keys;
use tutorbridge_domain::{Role, UserId};
use tutorbridge_table::{Condition, Item, TableError, Value};

/// Local users, kept in the embedded table.
pub struct LocalDirectory {
    store: Store,
}

impl LocalDirectory {
    pub fn new(store: Store) -> Self {
        LocalDirectory { store }
    }
}

#[async_trait]
impl Directory for LocalDirectory {
    async fn invite(&self, email: &Email, role: Role) -> Result<UserId, DirectoryError> {
        let id = format!("local-{}", ulid::Ulid::new().to_string().to_lowercase());
        let user = UserId::parse(&id).map_err(|e| DirectoryError::Unavailable(e.to_string()))?;
        let key = keys::local_user(email.as_str());
        let item = Item::from(std::collections::HashMap::from([
            (
                tutorbridge_table::definition::PARTITION_KEY.to_string(),
                Value::S(key.pk),
            ),
            (
                tutorbridge_table::definition::SORT_KEY.to_string(),
                Value::S(key.sk),
            ),
            ("entity".to_string(), Value::S("LOCAL_USER".into())),
            ("user_id".to_string(), Value::S(id)),
            ("role".to_string(), Value::S(role.group().into())),
        ]));
        match self.store.put(item, Condition::NotExists).await {
            Ok(()) => Ok(user),
            Err(TableError::Conflict(_)) => Err(DirectoryError::Exists),
            Err(error) => Err(DirectoryError::Unavailable(error.to_string())),
        }
    }
}
