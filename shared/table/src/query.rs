//! Queries: one partition of the base table or a GSI, a sort-key condition, order and paging.

use crate::TableError;
use crate::definition::{GSI1, GSI2, GlobalIndex, PARTITION_KEY, SORT_KEY};
use crate::item::{Item, validate_key_part};

/// Which key set a query reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Index {
    Base,
    Gsi1,
    Gsi2,
}

impl Index {
    /// The GSI definition, or `None` for the base table.
    pub fn global(self) -> Option<GlobalIndex> {
        match self {
            Index::Base => None,
            Index::Gsi1 => Some(GSI1),
            Index::Gsi2 => Some(GSI2),
        }
    }

    /// Partition and sort key attribute names of this key set.
    pub fn key_attributes(self) -> (&'static str, &'static str) {
        match self.global() {
            None => (PARTITION_KEY, SORT_KEY),
            Some(index) => (index.partition_key, index.sort_key),
        }
    }
}

/// A condition on the sort key, compared as UTF-8 bytes (DynamoDB's order for strings).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SortKeyCondition {
    Equals(String),
    BeginsWith(String),
    /// Inclusive on both ends.
    Between(String, String),
    LessThan(String),
    LessOrEqual(String),
    GreaterThan(String),
    GreaterOrEqual(String),
}

impl SortKeyCondition {
    /// The operand strings, for validation and expression building.
    pub fn operands(&self) -> Vec<&str> {
        match self {
            SortKeyCondition::Between(low, high) => vec![low, high],
            SortKeyCondition::Equals(s)
            | SortKeyCondition::BeginsWith(s)
            | SortKeyCondition::LessThan(s)
            | SortKeyCondition::LessOrEqual(s)
            | SortKeyCondition::GreaterThan(s)
            | SortKeyCondition::GreaterOrEqual(s) => vec![s],
        }
    }
}

/// An opaque continuation token. Valid only for the backend and query that produced it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Cursor(pub String);

/// A query on one partition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub index: Index,
    pub partition: String,
    pub sort: Option<SortKeyCondition>,
    pub descending: bool,
    /// At most this many items per page (`None`: the backend's page size).
    pub limit: Option<u32>,
    pub cursor: Option<Cursor>,
}

impl Query {
    /// All items of a partition of `index`, ascending.
    pub fn partition(index: Index, partition: impl Into<String>) -> Self {
        Query {
            index,
            partition: partition.into(),
            sort: None,
            descending: false,
            limit: None,
            cursor: None,
        }
    }

    pub fn sort(mut self, condition: SortKeyCondition) -> Self {
        self.sort = Some(condition);
        self
    }

    pub fn descending(mut self) -> Self {
        self.descending = true;
        self
    }

    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    pub fn after(mut self, cursor: Option<Cursor>) -> Self {
        self.cursor = cursor;
        self
    }

    /// Reject keys the backends cannot store (see [`crate::Key::validate`]).
    pub fn validate(&self) -> Result<(), TableError> {
        let (partition_name, sort_name) = self.index.key_attributes();
        validate_key_part(partition_name, &self.partition)?;
        if let Some(condition) = &self.sort {
            for operand in condition.operands() {
                validate_key_part(sort_name, operand)?;
            }
        }
        if self.limit == Some(0) {
            return Err(TableError::Invalid(
                "a query limit must be at least 1".into(),
            ));
        }
        Ok(())
    }
}

/// One page of query results.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Page {
    pub items: Vec<Item>,
    /// Present when more items may follow; pass it to [`Query::after`].
    pub next: Option<Cursor>,
}
