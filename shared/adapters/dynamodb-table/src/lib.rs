//! The DynamoDB [`Table`] backend on `aws-sdk-dynamodb`.
//!
//! Storage failures become meaning here: `ConditionalCheckFailed` and cancelled transactions are
//! [`TableError::Conflict`] with the failing positions taken from the cancellation reasons;
//! validation errors are `Invalid`; everything else is `Backend` with the SDK's full context.
//! Throttling is retried by the SDK's standard retry policy before it reaches us.
//!
//! TTL: DynamoDB deletes expired items lazily (within days), so reads filter them out here and
//! conditions treat them as absent — the same semantics as the embedded backend.

mod expressions;
pub mod setup;

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{DisplayErrorContext, SdkError};
use aws_sdk_dynamodb::operation::delete_item::DeleteItemError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::{
    AttributeValue as SdkValue, ConditionCheck, Delete, Put, TransactWriteItem,
};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use tutorbridge_table::definition::{PARTITION_KEY, SORT_KEY};
use tutorbridge_table::{
    Condition, Conflict, Cursor, Item, ItemExt, Key, Page, Query, Table, TableError, Value,
    WriteOp, now_epoch_seconds, validate_transaction,
};

use expressions::{ConditionExpression, KeyConditionExpression};

type SdkItem = HashMap<String, SdkValue>;

/// A table in DynamoDB (or anything speaking its wire protocol, such as the emulator).
#[derive(Clone, Debug)]
pub struct DynamoDbTable {
    client: Client,
    name: String,
}

impl DynamoDbTable {
    /// Use `client` (built once at cold start) for the table called `name`.
    pub fn new(client: Client, name: impl Into<String>) -> Self {
        DynamoDbTable {
            client,
            name: name.into(),
        }
    }
}

fn to_sdk(item: Item) -> SdkItem {
    item.into()
}

fn from_sdk(item: SdkItem) -> Item {
    item.into()
}

fn key_map(key: &Key) -> SdkItem {
    HashMap::from([
        ("PK".to_string(), SdkValue::S(key.pk.clone())),
        ("SK".to_string(), SdkValue::S(key.sk.clone())),
    ])
}

fn backend<E>(error: SdkError<E>) -> TableError
where
    E: std::error::Error + Send + Sync + 'static,
{
    TableError::Backend(DisplayErrorContext(error).to_string().into())
}

fn invalid(error: impl std::fmt::Display) -> TableError {
    TableError::Invalid(error.to_string())
}

fn encode_cursor(last_key: SdkItem) -> Result<Cursor, TableError> {
    let json = serde_json::to_vec(&from_sdk(last_key)).map_err(TableError::backend)?;
    Ok(Cursor(URL_SAFE_NO_PAD.encode(json)))
}

/// The start key a cursor names, refused unless it is exactly a key of `query`'s index in
/// `query`'s partition (a cursor comes back from a client, so it is checked like any input;
/// DynamoDB would answer anything else with a validation error, a 500).
fn decode_cursor(cursor: &Cursor, query: &Query) -> Result<SdkItem, TableError> {
    let json = URL_SAFE_NO_PAD
        .decode(cursor.0.as_bytes())
        .map_err(|_| TableError::BadCursor)?;
    let item: Item = serde_json::from_slice(&json).map_err(|_| TableError::BadCursor)?;
    let mut expected = vec![PARTITION_KEY, SORT_KEY];
    let partition_attribute = match query.index.global() {
        Some(index) => {
            expected.extend([index.partition_key, index.sort_key]);
            index.partition_key
        }
        None => PARTITION_KEY,
    };
    let well_formed = item.len() == expected.len()
        && expected
            .iter()
            .all(|name| matches!(item.get(*name), Some(Value::S(_))))
        && matches!(item.get(partition_attribute), Some(Value::S(p)) if *p == query.partition);
    if well_formed {
        Ok(to_sdk(item))
    } else {
        Err(TableError::BadCursor)
    }
}

/// The outcome of a single-item conditional write: a failed condition is a conflict on
/// operation 0, anything else a backend failure.
fn single_write<O, E>(
    result: Result<O, SdkError<E>>,
    condition_failed: fn(&E) -> bool,
) -> Result<(), TableError>
where
    E: std::error::Error + Send + Sync + 'static,
{
    match result {
        Ok(_) => Ok(()),
        Err(error) if error.as_service_error().is_some_and(condition_failed) => {
            Err(TableError::Conflict(Conflict { failed: vec![0] }))
        }
        Err(error) => Err(backend(error)),
    }
}

/// The transaction's put of `item` under `condition`.
fn put(table: &str, item: Item, condition: &Condition, now: u64) -> Result<Put, TableError> {
    let expression = ConditionExpression::new(condition, now);
    Put::builder()
        .table_name(table)
        .set_item(Some(to_sdk(item)))
        .set_condition_expression(expression.text)
        .set_expression_attribute_names(expression.names)
        .set_expression_attribute_values(expression.values)
        .build()
        .map_err(invalid)
}

fn transaction_item(op: WriteOp, table: &str, now: u64) -> Result<TransactWriteItem, TableError> {
    let condition_of = |condition: &Condition| ConditionExpression::new(condition, now);
    let builder = TransactWriteItem::builder();
    let builder = match op {
        WriteOp::Put { item, condition } => builder.put(put(table, item, &condition, now)?),
        WriteOp::PutCompact { item, condition } => {
            let item = tutorbridge_table::compact::decode(&item)?;
            builder.put(put(table, item, &condition, now)?)
        }
        WriteOp::Delete { key, condition } => {
            let expression = condition_of(&condition);
            builder.delete(
                Delete::builder()
                    .table_name(table)
                    .set_key(Some(key_map(&key)))
                    .set_condition_expression(expression.text)
                    .set_expression_attribute_names(expression.names)
                    .set_expression_attribute_values(expression.values)
                    .build()
                    .map_err(invalid)?,
            )
        }
        WriteOp::Check { key, condition } => {
            let expression = condition_of(&condition);
            let text = expression
                .text
                .ok_or_else(|| invalid("a condition check needs a condition"))?;
            builder.condition_check(
                ConditionCheck::builder()
                    .table_name(table)
                    .set_key(Some(key_map(&key)))
                    .condition_expression(text)
                    .set_expression_attribute_names(expression.names)
                    .set_expression_attribute_values(expression.values)
                    .build()
                    .map_err(invalid)?,
            )
        }
    };
    Ok(builder.build())
}

#[async_trait]
impl Table for DynamoDbTable {
    async fn get(&self, key: &Key) -> Result<Option<Item>, TableError> {
        key.validate()?;
        let output = self
            .client
            .get_item()
            .table_name(&self.name)
            .set_key(Some(key_map(key)))
            .consistent_read(true)
            .send()
            .await
            .map_err(backend)?;
        let now = now_epoch_seconds();
        Ok(output
            .item
            .map(from_sdk)
            .filter(|item| !item.is_expired(now)))
    }

    async fn put(&self, item: Item, condition: Condition) -> Result<(), TableError> {
        item.key()?.validate()?;
        let expression = ConditionExpression::new(&condition, now_epoch_seconds());
        let result = self
            .client
            .put_item()
            .table_name(&self.name)
            .set_item(Some(to_sdk(item)))
            .set_condition_expression(expression.text)
            .set_expression_attribute_names(expression.names)
            .set_expression_attribute_values(expression.values)
            .send()
            .await;
        single_write(result, PutItemError::is_conditional_check_failed_exception)
    }

    async fn delete(&self, key: &Key, condition: Condition) -> Result<(), TableError> {
        key.validate()?;
        let expression = ConditionExpression::new(&condition, now_epoch_seconds());
        let result = self
            .client
            .delete_item()
            .table_name(&self.name)
            .set_key(Some(key_map(key)))
            .set_condition_expression(expression.text)
            .set_expression_attribute_names(expression.names)
            .set_expression_attribute_values(expression.values)
            .send()
            .await;
        single_write(
            result,
            DeleteItemError::is_conditional_check_failed_exception,
        )
    }

    async fn query(&self, query: &Query) -> Result<Page, TableError> {
        query.validate()?;
        let expression = KeyConditionExpression::new(query);
        let start = query
            .cursor
            .as_ref()
            .map(|cursor| decode_cursor(cursor, query))
            .transpose()?;
        let output = self
            .client
            .query()
            .table_name(&self.name)
            .set_index_name(query.index.global().map(|index| index.name.to_string()))
            .key_condition_expression(expression.text)
            .set_expression_attribute_names(Some(expression.names))
            .set_expression_attribute_values(Some(expression.values))
            .scan_index_forward(!query.descending)
            .set_limit(query.limit.map(|limit| limit.min(i32::MAX as u32) as i32))
            .set_exclusive_start_key(start)
            // GSIs only offer eventually consistent reads.
            .consistent_read(query.index.global().is_none())
            .send()
            .await
            .map_err(backend)?;
        let now = now_epoch_seconds();
        let items = output
            .items
            .unwrap_or_default()
            .into_iter()
            .map(from_sdk)
            .filter(|item| !item.is_expired(now))
            .collect();
        let next = output.last_evaluated_key.map(encode_cursor).transpose()?;
        Ok(Page { items, next })
    }

    async fn transact_write(&self, ops: Vec<WriteOp>) -> Result<(), TableError> {
        validate_transaction(&ops)?;
        let now = now_epoch_seconds();
        let items = ops
            .into_iter()
            .map(|op| transaction_item(op, &self.name, now))
            .collect::<Result<Vec<_>, _>>()?;
        let result = self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(error) => match error.as_service_error() {
                Some(service) if service.is_transaction_canceled_exception() => {
                    let failed = match service {
                        aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError::TransactionCanceledException(cancelled) => cancelled
                            .cancellation_reasons()
                            .iter()
                            .enumerate()
                            .filter(|(_, reason)| !matches!(reason.code(), None | Some("None")))
                            .map(|(position, _)| position)
                            .collect(),
                        _ => Vec::new(),
                    };
                    Err(TableError::Conflict(Conflict { failed }))
                }
                _ => Err(backend(error)),
            },
        }
    }
}

#[cfg(test)]
mod dynamodb_contract {
    use super::*;

    /// The contract suite against the AWS emulator started by the test command.
    async fn emulator_table() -> DynamoDbTable {
        let client = Client::new(&tutorbridge_aws::emulator::config());
        let name = tutorbridge_aws::emulator::table_name();
        setup::ensure_table(&client, &name)
            .await
            .expect("create the table in the emulator");
        DynamoDbTable::new(client, name)
    }

    tutorbridge_table::table_contract_tests!(emulator_table());
}
