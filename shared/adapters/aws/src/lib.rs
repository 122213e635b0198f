//! AWS SDK configuration, loaded once at cold start and shared by every AWS client.
//!
//! In Lambda the standard provider chain supplies region and credentials. An endpoint override
//! (`TUTORBRIDGE_AWS_ENDPOINT`) points every client at a wire-compatible emulator instead.

#[cfg(feature = "cognito")]
pub mod cognito;
#[cfg(feature = "s3")]
pub mod s3;
#[cfg(feature = "ses")]
pub mod ses;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;

/// Environment variable holding an endpoint that replaces every AWS service endpoint.
pub const ENDPOINT_VAR: &str = "TUTORBRIDGE_AWS_ENDPOINT";

/// Load the shared SDK configuration from the environment, with an optional endpoint override.
pub async fn sdk_config(endpoint: Option<&str>) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    if let Some(endpoint) = endpoint {
        loader = loader.endpoint_url(endpoint);
    }
    loader.load().await
}

/// Settings of the local AWS emulator (moto's server) that the test command starts.
pub mod emulator {
    use super::*;

    /// Table name tests use in the emulator unless `TUTORBRIDGE_TABLE` says otherwise.
    pub const DEFAULT_TABLE: &str = "tutorbridge-test";

    /// The emulator's endpoint. Tests that need it fail loudly without it; they are never
    /// skipped silently.
    ///
    /// # Panics
    /// When `TUTORBRIDGE_AWS_ENDPOINT` is unset: run the README test command, which starts it.
    pub fn endpoint() -> String {
        match std::env::var(ENDPOINT_VAR) {
            Ok(endpoint) if !endpoint.is_empty() => endpoint,
            _ => panic!(
                "{ENDPOINT_VAR} is not set: this test needs the AWS emulator. Run scripts/test.sh \
                 (it installs and starts moto), or start `moto_server` and export {ENDPOINT_VAR}."
            ),
        }
    }

    /// The table tests use in the emulator.
    pub fn table_name() -> String {
        std::env::var("TUTORBRIDGE_TABLE").unwrap_or_else(|_| DEFAULT_TABLE.to_string())
    }

    /// SDK configuration for the emulator: its endpoint, a fixed region and dummy credentials
    /// (the emulator checks neither), independent of the developer's own AWS settings.
    pub async fn config() -> SdkConfig {
        aws_config::defaults(BehaviorVersion::latest())
            .endpoint_url(endpoint())
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new(
                "testing", "testing", None, None, "emulator",
            ))
            .load()
            .await
    }
}
