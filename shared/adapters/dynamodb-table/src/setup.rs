//! Creating the table from the shared definition (emulator and ad-hoc environments; in AWS the
//! SAM template creates it).

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, TimeToLiveSpecification,
};
use tutorbridge_table::TableError;
use tutorbridge_table::definition::{GLOBAL_INDEXES, PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE};

fn key_schema(partition: &str, sort: &str) -> Result<Vec<KeySchemaElement>, TableError> {
    [(partition, KeyType::Hash), (sort, KeyType::Range)]
        .into_iter()
        .map(|(name, key_type)| {
            KeySchemaElement::builder()
                .attribute_name(name)
                .key_type(key_type)
                .build()
                .map_err(TableError::backend)
        })
        .collect()
}

/// Create the table `name` with the shared keys, GSIs and TTL unless it already exists.
///
/// # Errors
/// `Backend` if the service refuses for any reason other than the table already existing.
pub async fn ensure_table(client: &Client, name: &str) -> Result<(), TableError> {
    let mut attributes = vec![PARTITION_KEY, SORT_KEY];
    let mut indexes = Vec::new();
    for index in GLOBAL_INDEXES {
        attributes.extend([index.partition_key, index.sort_key]);
        indexes.push(
            GlobalSecondaryIndex::builder()
                .index_name(index.name)
                .set_key_schema(Some(key_schema(index.partition_key, index.sort_key)?))
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::All)
                        .build(),
                )
                .build()
                .map_err(TableError::backend)?,
        );
    }
    let definitions = attributes
        .into_iter()
        .map(|attribute| {
            AttributeDefinition::builder()
                .attribute_name(attribute)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .map_err(TableError::backend)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let created = client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .set_attribute_definitions(Some(definitions))
        .set_key_schema(Some(key_schema(PARTITION_KEY, SORT_KEY)?))
        .set_global_secondary_indexes(Some(indexes))
        .send()
        .await;
    match created {
        Ok(_) => {}
        Err(error)
            if error
                .as_service_error()
                .is_some_and(|e| e.is_resource_in_use_exception()) =>
        {
            return Ok(());
        }
        Err(error) => {
            return Err(TableError::Backend(
                DisplayErrorContext(error).to_string().into(),
            ));
        }
    }
    client
        .update_time_to_live()
        .table_name(name)
        .time_to_live_specification(
            TimeToLiveSpecification::builder()
                .attribute_name(TTL_ATTRIBUTE)
                .enabled(true)
                .build()
                .map_err(TableError::backend)?,
        )
        .send()
        .await
        .map_err(|error| TableError::Backend(DisplayErrorContext(error).to_string().into()))?;
    Ok(())
}
