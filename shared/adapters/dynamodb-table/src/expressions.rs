//! DynamoDB expression strings for the port's typed conditions and key conditions.
//!
//! DynamoDB rejects unused placeholder names and values, so each expression declares exactly
//! the placeholders it uses.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use tutorbridge_table::definition::{PARTITION_KEY, TTL_ATTRIBUTE, VERSION_ATTRIBUTE};
use tutorbridge_table::{Condition, Query, SortKeyCondition};

/// A condition expression; all parts `None` for an unconditional write.
pub struct ConditionExpression {
    pub text: Option<String>,
    pub names: Option<HashMap<String, String>>,
    pub values: Option<HashMap<String, AttributeValue>>,
}

impl ConditionExpression {
    /// Translate `condition`; an item whose TTL is at or before `now` counts as absent.
    pub fn new(condition: &Condition, now: u64) -> Self {
        let live = "(attribute_not_exists(#ttl) OR #ttl > :now)";
        let (text, with_version) = match condition {
            Condition::None => {
                return ConditionExpression {
                    text: None,
                    names: None,
                    values: None,
                };
            }
            Condition::NotExists => (
                "attribute_not_exists(#pk) OR #ttl <= :now".to_string(),
                None,
            ),
            Condition::Exists => (format!("attribute_exists(#pk) AND {live}"), None),
            Condition::VersionEquals(version) => {
                (format!("#version = :version AND {live}"), Some(*version))
            }
        };
        let mut names = HashMap::from([("#ttl".to_string(), TTL_ATTRIBUTE.to_string())]);
        let mut values = HashMap::from([(":now".to_string(), AttributeValue::N(now.to_string()))]);
        match with_version {
            Some(version) => {
                names.insert("#version".into(), VERSION_ATTRIBUTE.into());
                values.insert(":version".into(), AttributeValue::N(version.to_string()));
            }
            None => {
                names.insert("#pk".into(), PARTITION_KEY.into());
            }
        }
        ConditionExpression {
            text: Some(text),
            names: Some(names),
            values: Some(values),
        }
    }
}

/// A key condition on one partition of the base table or a GSI.
pub struct KeyConditionExpression {
    pub text: String,
    pub names: HashMap<String, String>,
    pub values: HashMap<String, AttributeValue>,
}

impl KeyConditionExpression {
    pub fn new(query: &Query) -> Self {
        let (partition_name, sort_name) = query.index.key_attributes();
        let mut names = HashMap::from([("#pk".to_string(), partition_name.to_string())]);
        let mut values = HashMap::from([(
            ":pk".to_string(),
            AttributeValue::S(query.partition.clone()),
        )]);
        let mut text = "#pk = :pk".to_string();
        if let Some(condition) = &query.sort {
            names.insert("#sk".into(), sort_name.into());
            let operands = condition.operands();
            for (position, operand) in operands.iter().enumerate() {
                values.insert(
                    format!(":s{position}"),
                    AttributeValue::S((*operand).to_string()),
                );
            }
            let clause = match condition {
                SortKeyCondition::Equals(_) => "#sk = :s0",
                SortKeyCondition::BeginsWith(_) => "begins_with(#sk, :s0)",
                SortKeyCondition::Between(_, _) => "#sk BETWEEN :s0 AND :s1",
                SortKeyCondition::LessThan(_) => "#sk < :s0",
                SortKeyCondition::LessOrEqual(_) => "#sk <= :s0",
                SortKeyCondition::GreaterThan(_) => "#sk > :s0",
                SortKeyCondition::GreaterOrEqual(_) => "#sk >= :s0",
            };
            text.push_str(" AND ");
            text.push_str(clause);
        }
        KeyConditionExpression {
            text,
            names,
            values,
        }
    }
}
