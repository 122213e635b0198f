//! The FileStore port on S3. Presigned POSTs carry a SigV4-signed policy with the exact key,
//! the exact `Content-Type` and a `content-length-range`, so S3 itself refuses anything else;
//! presigned GETs come from the SDK. (The AWS emulator does not check POST policies: tests
//! assert the signed conditions instead.)

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use crate::SdkConfig;
use async_trait::async_trait;
use aws_sdk_s3::Client;
use aws_sdk_s3::error::DisplayErrorContext;
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;
use tutorbridge_app::file_store::{FileStore, FileStoreError, PresignedPost, StoredObject};

/// The variable naming the bucket.
pub const BUCKET_VAR: &str = "TUTORBRIDGE_BUCKET";

/// Objects in one bucket.
pub struct S3FileStore {
    client: Client,
    sdk: SdkConfig,
    bucket: String,
    /// Path-style base URL (an emulator), else the bucket's virtual-hosted URL.
    endpoint: Option<String>,
}

fn failed(error: impl std::error::Error + Send + Sync + 'static) -> FileStoreError {
    FileStoreError::new(DisplayErrorContext(error))
}

/// The bucket named by [`BUCKET_VAR`], if set: what a function that keeps files builds once in
/// its `main`.
pub fn from_env(sdk: &SdkConfig) -> Option<S3FileStore> {
    let bucket = std::env::var(BUCKET_VAR).ok().filter(|b| !b.is_empty())?;
    Some(S3FileStore::new(sdk, bucket))
}

impl S3FileStore {
    /// `sdk` is the shared AWS configuration; its endpoint override (an emulator) switches to
    /// path-style addressing.
    pub fn new(sdk: &SdkConfig, bucket: impl Into<String>) -> Self {
        let endpoint = sdk.endpoint_url();
        let mut config = aws_sdk_s3::config::Builder::from(sdk);
        if endpoint.is_some() {
            config = config.force_path_style(true);
        }
        S3FileStore {
            client: Client::from_conf(config.build()),
            sdk: sdk.clone(),
            bucket: bucket.into(),
            endpoint: endpoint.map(|e| e.trim_end_matches('/').to_string()),
        }
    }

    fn region(&self) -> String {
        self.sdk
            .region()
            .map_or_else(|| "us-east-1".to_string(), ToString::to_string)
    }

    fn post_url(&self) -> String {
        match &self.endpoint {
            Some(endpoint) => format!("{endpoint}/{}", self.bucket),
            None => format!("https://{}.s3.{}.amazonaws.com", self.bucket, self.region()),
        }
    }
}

#[async_trait]
impl FileStore for S3FileStore {
    async fn presign_post(
        &self,
        key: &str,
        content_type: &str,
        max_bytes: u64,
        expires_in: Duration,
    ) -> Result<PresignedPost, FileStoreError> {
        use aws_credential_types::provider::ProvideCredentials;
        let credentials = self
            .sdk
            .credentials_provider()
            .ok_or_else(|| FileStoreError::new("no AWS credentials are configured"))?
            .provide_credentials()
            .await
            .map_err(failed)?;
        let now = SystemTime::now();
        let at = jiff::Timestamp::try_from(now).map_err(FileStoreError::new)?;
        let expires = at
            .checked_add(jiff::SignedDuration::try_from(expires_in).map_err(FileStoreError::new)?)
            .map_err(FileStoreError::new)?;
        let date = at.strftime("%Y%m%d").to_string();
        let amz_date = at.strftime("%Y%m%dT%H%M%SZ").to_string();
        let region = self.region();
        let credential = format!(
            "{}/{date}/{region}/s3/aws4_request",
            credentials.access_key_id()
        );
        let mut fields = BTreeMap::from([
            ("key".to_string(), key.to_string()),
            ("Content-Type".to_string(), content_type.to_string()),
            (
                "x-amz-algorithm".to_string(),
                "AWS4-HMAC-SHA256".to_string(),
            ),
            ("x-amz-credential".to_string(), credential.clone()),
            ("x-amz-date".to_string(), amz_date.clone()),
        ]);
        let mut conditions = vec![
            json!({ "bucket": self.bucket }),
            json!(["eq", "$key", key]),
            json!(["eq", "$Content-Type", content_type]),
            json!(["content-length-range", 1, max_bytes]),
            json!({ "x-amz-algorithm": "AWS4-HMAC-SHA256" }),
            json!({ "x-amz-credential": credential }),
            json!({ "x-amz-date": amz_date }),
        ];
        if let Some(token) = credentials.session_token() {
            fields.insert("x-amz-security-token".into(), token.to_string());
            conditions.push(json!({ "x-amz-security-token": token }));
        }
        let policy = json!({
            "expiration": expires.strftime("%Y-%m-%dT%H:%M:%S.000Z").to_string(),
            "conditions": conditions,
        });
        let policy = STANDARD.encode(policy.to_string());
        let signing_key = aws_sigv4::sign::v4::generate_signing_key(
            credentials.secret_access_key(),
            now,
            &region,
            "s3",
        );
        let signature = aws_sigv4::sign::v4::calculate_signature(signing_key, policy.as_bytes());
        fields.insert("policy".into(), policy);
        fields.insert("x-amz-signature".into(), signature);
        Ok(PresignedPost {
            url: self.post_url(),
            fields,
            expires_at: expires.to_string(),
        })
    }

    async fn presign_get(&self, key: &str, expires_in: Duration) -> Result<String, FileStoreError> {
        let config = PresigningConfig::expires_in(expires_in).map_err(failed)?;
        let request = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .presigned(config)
            .await
            .map_err(failed)?;
        Ok(request.uri().to_string())
    }

    async fn head(&self, key: &str) -> Result<Option<StoredObject>, FileStoreError> {
        match self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(head) => Ok(Some(StoredObject {
                size: head.content_length().unwrap_or(0).max(0) as u64,
                content_type: head.content_type().map(str::to_string),
            })),
            Err(error) if error.as_service_error().is_some_and(|e| e.is_not_found()) => Ok(None),
            Err(error) => Err(failed(error)),
        }
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, FileStoreError> {
        match self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(object) => Ok(Some(
                object
                    .body
                    .collect()
                    .await
                    .map_err(failed)?
                    .into_bytes()
                    .to_vec(),
            )),
            Err(error) if error.as_service_error().is_some_and(|e| e.is_no_such_key()) => Ok(None),
            Err(error) => Err(failed(error)),
        }
    }

    async fn put(
        &self,
        key: &str,
        bytes: Vec<u8>,
        content_type: &str,
    ) -> Result<(), FileStoreError> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .body(ByteStream::from(bytes))
            .send()
            .await
            .map_err(failed)?;
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<(), FileStoreError> {
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(failed)?;
        Ok(())
    }
}
