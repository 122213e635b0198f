//! The FileStore port: objects (uploads, staged transcripts) in a bucket, and presigned URLs
//! that let a browser upload or download one object directly. Two adapters: S3 (the AWS crate's
//! `s3` feature) and a local folder served by the local gateway, which — unlike the AWS
//! emulator — enforces size, type, signature and expiry itself.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use serde::Serialize;

/// A browser upload: POST `url` as `multipart/form-data` with every field, then the file as the
/// last part, named `file`.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PresignedPost {
    pub url: String,
    pub fields: BTreeMap<String, String>,
    /// RFC 3339: the form is refused after this.
    pub expires_at: String,
}

/// What is stored at a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredObject {
    pub size: u64,
    pub content_type: Option<String>,
}

/// The store failed.
#[derive(Debug, thiserror::Error)]
#[error("the file store failed: {0}")]
pub struct FileStoreError(pub String);

impl FileStoreError {
    pub fn new(error: impl std::fmt::Display) -> Self {
        FileStoreError(error.to_string())
    }
}

/// Objects by key.
#[async_trait]
pub trait FileStore: Send + Sync {
    /// A presigned POST for exactly `key`, exactly `content_type` and at most `max_bytes`,
    /// valid for `expires_in`.
    async fn presign_post(
        &self,
        key: &str,
        content_type: &str,
        max_bytes: u64,
        expires_in: Duration,
    ) -> Result<PresignedPost, FileStoreError>;

    /// A presigned GET of `key`, valid for `expires_in`.
    async fn presign_get(&self, key: &str, expires_in: Duration) -> Result<String, FileStoreError>;

    /// Size and type of the object at `key`, if there is one.
    async fn head(&self, key: &str) -> Result<Option<StoredObject>, FileStoreError>;

    /// The object's bytes, if there is one.
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, FileStoreError>;

    /// Store `bytes` at `key` (replacing what is there).
    async fn put(
        &self,
        key: &str,
        bytes: Vec<u8>,
        content_type: &str,
    ) -> Result<(), FileStoreError>;

    /// Remove the object at `key` (nothing if there is none).
    async fn delete(&self, key: &str) -> Result<(), FileStoreError>;
}
