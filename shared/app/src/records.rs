//! Conversions between typed records and items, with the keys written beside the fields.

use serde::Serialize;
use serde::de::DeserializeOwned;
use tutorbridge_table::definition::{ENTITY_ATTRIBUTE, GSI1, GSI2, PARTITION_KEY, SORT_KEY};
use tutorbridge_table::{Item, Key, Value};

use crate::AppError;

/// Keys and entity name written around a record's own fields.
pub struct Placement<'a> {
    pub key: Key,
    pub entity: &'a str,
    pub gsi1: Option<(String, String)>,
}

/// `record`'s fields plus its keys and entity, ready to put.
pub fn to_item<T: Serialize>(record: &T, placement: Placement<'_>) -> Result<Item, AppError> {
    let mut item: Item = serde_dynamo::to_item(record)?;
    item.insert(PARTITION_KEY.into(), Value::S(placement.key.pk));
    item.insert(SORT_KEY.into(), Value::S(placement.key.sk));
    item.insert(ENTITY_ATTRIBUTE.into(), Value::S(placement.entity.into()));
    if let Some((partition, sort)) = placement.gsi1 {
        item.insert(GSI1.partition_key.into(), Value::S(partition));
        item.insert(GSI1.sort_key.into(), Value::S(sort));
    }
    Ok(item)
}

/// The record stored in `item`; key and index attributes are ignored.
pub fn from_item<T: DeserializeOwned>(mut item: Item) -> Result<T, AppError> {
    for attribute in [
        PARTITION_KEY,
        SORT_KEY,
        ENTITY_ATTRIBUTE,
        GSI1.partition_key,
        GSI1.sort_key,
        GSI2.partition_key,
        GSI2.sort_key,
    ] {
        item.remove(attribute);
    }
    Ok(serde_dynamo::from_item(item)?)
}
