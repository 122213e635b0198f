//! The table's shape, defined once.
//!
//! The CloudFormation resource in `template.yaml` (checked by a test against
//! [`cloudformation_properties`]), the emulator's `CreateTable` call and the embedded backend's
//! index maintenance all read these constants, so the three can never drift apart.

/// Partition key attribute of the base table.
pub const PARTITION_KEY: &str = "PK";
/// Sort key attribute of the base table.
pub const SORT_KEY: &str = "SK";
/// Attribute naming the record type of an item (`GUIDELINE`, `SESSION`, …).
pub const ENTITY_ATTRIBUTE: &str = "entity";
/// Optimistic-lock counter used by [`crate::Condition::VersionEquals`].
pub const VERSION_ATTRIBUTE: &str = "version";
/// Epoch seconds after which an item is treated as gone (DynamoDB TTL).
pub const TTL_ATTRIBUTE: &str = "expires_at";

/// A global secondary index: overloaded string keys, all attributes projected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GlobalIndex {
    pub name: &'static str,
    pub partition_key: &'static str,
    pub sort_key: &'static str,
}

/// GSI1: curriculum listings, item bank by difficulty, a student's sessions, flagged Q&A.
pub const GSI1: GlobalIndex = GlobalIndex {
    name: "GSI1",
    partition_key: "GSI1PK",
    sort_key: "GSI1SK",
};
/// GSI2: a subject's guidelines across curricula; the sparse activity index for the inactivity scan.
pub const GSI2: GlobalIndex = GlobalIndex {
    name: "GSI2",
    partition_key: "GSI2PK",
    sort_key: "GSI2SK",
};
/// Every GSI of the table.
pub const GLOBAL_INDEXES: [GlobalIndex; 2] = [GSI1, GSI2];

/// The `Properties` of the `AWS::DynamoDB::Table` resource that are fixed by this definition,
/// as they stand in `template.yaml` (indented for that file, 6 spaces).
pub fn cloudformation_properties() -> String {
    let mut out = String::new();
    out.push_str("      BillingMode: PAY_PER_REQUEST\n");
    out.push_str("      AttributeDefinitions:\n");
    let mut attributes = vec![PARTITION_KEY, SORT_KEY];
    for index in GLOBAL_INDEXES {
        attributes.push(index.partition_key);
        attributes.push(index.sort_key);
    }
    for name in attributes {
        out.push_str(&format!(
            "        - AttributeName: {name}\n          AttributeType: S\n"
        ));
    }
    out.push_str("      KeySchema:\n");
    out.push_str(&key_schema(PARTITION_KEY, SORT_KEY, 8));
    out.push_str("      GlobalSecondaryIndexes:\n");
    for index in GLOBAL_INDEXES {
        out.push_str(&format!("        - IndexName: {}\n", index.name));
        out.push_str("          KeySchema:\n");
        out.push_str(&key_schema(index.partition_key, index.sort_key, 12));
        out.push_str("          Projection:\n            ProjectionType: ALL\n");
    }
    out.push_str(&format!(
        "      TimeToLiveSpecification:\n        AttributeName: {TTL_ATTRIBUTE}\n        Enabled: true\n"
    ));
    out
}

fn key_schema(partition: &str, sort: &str, indent: usize) -> String {
    let pad = " ".repeat(indent);
    format!(
        "{pad}- AttributeName: {partition}\n{pad}  KeyType: HASH\n{pad}- AttributeName: {sort}\n{pad}  KeyType: RANGE\n"
    )
}
