//! Typed records and their items: each stored record type implements [`Record`], which knows
//! its key, its entity name and its index entries, so an item is always written whole and the
//! same way (see `docs/data-model.md`).

use base64::Engine as _;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tutorbridge_table::definition::{
    ENTITY_ATTRIBUTE, GSI1, GSI2, PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE,
};
use tutorbridge_table::{Condition, Item, Key, Stored, Value, WriteOp};

use crate::AppError;

/// A record stored as one table item.
pub(crate) trait Record: Serialize + DeserializeOwned {
    /// The `entity` attribute (see [`crate::keys::entity`]).
    const ENTITY: &'static str;

    /// The item's primary key.
    fn key(&self) -> Key;

    /// GSI1 partition and sort key, if the record is listed there.
    fn gsi1(&self) -> Option<(String, String)> {
        None
    }

    /// GSI2 partition and sort key, if the record is listed there.
    fn gsi2(&self) -> Option<(String, String)> {
        None
    }

    /// When the table may delete the item (seconds since the epoch), if ever.
    fn expires_at(&self) -> Option<u64> {
        None
    }

    /// What an item holds besides the record's fields: its keys, entity, index entries and TTL.
    fn attributes(&self) -> Vec<(&'static str, Value)> {
        let key = self.key();
        let mut attributes = Vec::with_capacity(NOT_FIELDS.len());
        attributes.push((PARTITION_KEY, Value::S(key.pk)));
        attributes.push((SORT_KEY, Value::S(key.sk)));
        attributes.push((ENTITY_ATTRIBUTE, Value::S(Self::ENTITY.into())));
        for (index, entry) in [(GSI1, self.gsi1()), (GSI2, self.gsi2())] {
            if let Some((partition, sort)) = entry {
                attributes.push((index.partition_key, Value::S(partition)));
                attributes.push((index.sort_key, Value::S(sort)));
            }
        }
        if let Some(at) = self.expires_at() {
            attributes.push((TTL_ATTRIBUTE, Value::N(at.to_string())));
        }
        attributes
    }

    /// The record's fields plus its keys, entity, index entries and TTL, ready to put.
    fn to_item(&self) -> Result<Item, AppError> {
        Ok(tutorbridge_table::record_item(self, self.attributes())?)
    }

    /// A put of this record under `condition`, for a transaction: the item [`Record::to_item`]
    /// makes, in the form the linked backends store fastest ([`tutorbridge_table::put_record`]).
    fn put(&self, condition: Condition) -> Result<WriteOp, AppError> {
        Ok(tutorbridge_table::put_record(
            self,
            self.attributes(),
            condition,
        )?)
    }
}

/// The attributes every item has besides its record's fields.
const NOT_FIELDS: [&str; 8] = [
    PARTITION_KEY,
    SORT_KEY,
    ENTITY_ATTRIBUTE,
    GSI1.partition_key,
    GSI1.sort_key,
    GSI2.partition_key,
    GSI2.sort_key,
    TTL_ATTRIBUTE,
];

/// The record (or a typed projection of it) stored in `item`; key, index and TTL attributes
/// are ignored.
pub(crate) fn from_item<T: DeserializeOwned>(item: Item) -> Result<T, AppError> {
    from_stored(Stored::Item(item))
}

/// [`from_item`] for an item in whatever form its table handed it over.
pub(crate) fn from_stored<T: DeserializeOwned>(stored: Stored) -> Result<T, AppError> {
    Ok(stored.record(&NOT_FIELDS)?)
}

/// The condition of a versioned write: absent for version 0 (a new record), else unchanged.
pub(crate) fn versioned(version: u64) -> Condition {
    if version == 0 {
        Condition::NotExists
    } else {
        Condition::VersionEquals(version)
    }
}

/// The record at `key`, if there is one (one read).
pub(crate) async fn read<T: DeserializeOwned>(
    store: &crate::Store,
    key: &Key,
) -> Result<Option<T>, AppError> {
    store.get_stored(key).await?.map(from_stored).transpose()
}

/// The records of one query page, and the cursor of the next.
pub(crate) async fn query_page<T: DeserializeOwned>(
    store: &crate::Store,
    query: &tutorbridge_table::Query,
) -> Result<(Vec<T>, Option<tutorbridge_table::Cursor>), AppError> {
    let page = store.query_stored(query).await?;
    let records = page
        .items
        .into_iter()
        .map(from_stored)
        .collect::<Result<Vec<T>, AppError>>()?;
    Ok((records, page.next))
}

/// Every record a query matches, page by page (one round trip per page).
pub(crate) async fn query_all<T: DeserializeOwned>(
    store: &crate::Store,
    query: tutorbridge_table::Query,
) -> Result<Vec<T>, AppError> {
    let mut all = Vec::new();
    let mut cursor = None;
    loop {
        let (records, next) = query_page(store, &query.clone().after(cursor)).await?;
        all.extend(records);
        match next {
            Some(next) => cursor = Some(next),
            None => return Ok(all),
        }
    }
}

/// Page tokens name the partition they belong to, so a token from one student's list cannot
/// be replayed against another's.
pub(crate) fn encode_page_token(cursor: &tutorbridge_table::Cursor, partition: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{partition}\n{}", cursor.0))
}

pub(crate) fn decode_page_token(
    token: &str,
    partition: &str,
) -> Result<tutorbridge_table::Cursor, AppError> {
    let invalid = || AppError::Invalid("cursor is not a page token from this list".into());
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token)
        .map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    match text.split_once('\n') {
        Some((owner, cursor)) if owner == partition => {
            Ok(tutorbridge_table::Cursor(cursor.to_string()))
        }
        _ => Err(invalid()),
    }
}
