//! `tutorbridge-admin`: operator commands against a DynamoDB table (see the library's docs).
//!
//! The table comes from `TUTORBRIDGE_TABLE`; region and credentials from the standard AWS
//! chain; `TUTORBRIDGE_AWS_ENDPOINT` points at an emulator instead of AWS.

use std::sync::Arc;

use anyhow::Context;
use tutorbridge_admin::{Command, run};
use tutorbridge_app::Store;
use tutorbridge_dynamodb_table::{DynamoDbTable, setup};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = Command::parse(&args)?;
    let table =
        std::env::var("TUTORBRIDGE_TABLE").context("set TUTORBRIDGE_TABLE to the table name")?;
    let endpoint = std::env::var(tutorbridge_aws::ENDPOINT_VAR)
        .ok()
        .filter(|e| !e.is_empty());
    // The standard provider chain (profiles, SSO, …): an operator's machine, not a Lambda.
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
    if let Some(endpoint) = endpoint {
        loader = loader.endpoint_url(endpoint);
    }
    let config = loader.load().await;
    let client = aws_sdk_dynamodb::Client::new(&config);
    if command == Command::CreateTable {
        setup::ensure_table(&client, &table).await?;
        println!("table {table} is ready (keys, GSI1, GSI2, TTL)");
        return Ok(());
    }
    let store: Store = Arc::new(DynamoDbTable::new(client, &table));
    println!("{table}: {}", run(&command, &store).await?);
    Ok(())
}
