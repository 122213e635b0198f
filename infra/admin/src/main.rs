//! `tutorbridge-admin`: operator commands against a DynamoDB table.
//!
//! ```text
//! tutorbridge-admin create-table   # create TUTORBRIDGE_TABLE from the shared definition
//! tutorbridge-admin seed-curriculum # load the demo curriculum (idempotent)
//! ```
//!
//! The table comes from `TUTORBRIDGE_TABLE`; region and credentials from the standard AWS
//! chain; `TUTORBRIDGE_AWS_ENDPOINT` points at an emulator instead of AWS.

use std::sync::Arc;

use anyhow::{Context, bail};
use tutorbridge_app::Store;
use tutorbridge_dynamodb_table::{DynamoDbTable, setup};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let command = std::env::args().nth(1).unwrap_or_default();
    let table =
        std::env::var("TUTORBRIDGE_TABLE").context("set TUTORBRIDGE_TABLE to the table name")?;
    let endpoint = std::env::var(tutorbridge_aws::ENDPOINT_VAR)
        .ok()
        .filter(|e| !e.is_empty());
    let config = tutorbridge_aws::sdk_config(endpoint.as_deref()).await;
    let client = aws_sdk_dynamodb::Client::new(&config);
    match command.as_str() {
        "create-table" => {
            setup::ensure_table(&client, &table).await?;
            println!("table {table} is ready (keys, GSI1, GSI2, TTL)");
        }
        "seed-curriculum" => {
            let store: Store = Arc::new(DynamoDbTable::new(client, &table));
            let written = tutorbridge_app::seed::ensure_demo_curriculum(&store).await?;
            println!(
                "demo curriculum: {written} guidelines written to {table} (0 = already there)"
            );
        }
        other => bail!("unknown command '{other}': use create-table or seed-curriculum"),
    }
    Ok(())
}
