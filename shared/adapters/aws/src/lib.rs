//! AWS SDK configuration, built once at cold start and shared by every AWS client.
//!
//! In Lambda the runtime hands the function its region and its role's credentials as
//! environment variables (`AWS_REGION`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
//! `AWS_SESSION_TOKEN`): the first link of the SDK's standard provider chain, and the only one
//! that applies there. [`sdk_config`] reads exactly those, without `aws-config` and its
//! profile, SSO, STS and IMDS providers (~0.3 MB of every bootstrap; docs/measurements.md).
//! Operator tools on a developer's machine, which may need profiles, use `aws-config`
//! themselves. An endpoint override (`TUTORBRIDGE_AWS_ENDPOINT`) points every client at a
//! wire-compatible emulator instead.

#[cfg(feature = "cognito")]
pub mod cognito;
#[cfg(feature = "s3")]
pub mod s3;
#[cfg(feature = "ses")]
pub mod ses;

use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_smithy_runtime_api::client::behavior_version::BehaviorVersion;
pub use aws_types::SdkConfig;
use aws_types::region::Region;

/// Environment variable holding an endpoint that replaces every AWS service endpoint.
pub const ENDPOINT_VAR: &str = "TUTORBRIDGE_AWS_ENDPOINT";

/// A variable the SDK configuration needs is missing or empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingVariable(pub &'static str);

impl std::fmt::Display for MissingVariable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} must be set (Lambda sets it)", self.0)
    }
}

impl std::error::Error for MissingVariable {}

/// The SDK configuration from the environment `lookup` reads (see the module docs), with
/// [`ENDPOINT_VAR`] as the endpoint override when set.
///
/// # Errors
/// When the region or the credentials are missing.
pub fn sdk_config(lookup: impl Fn(&str) -> Option<String>) -> Result<SdkConfig, MissingVariable> {
    let var = |name: &'static str| lookup(name).filter(|value| !value.is_empty());
    let region = var("AWS_REGION")
        .or_else(|| var("AWS_DEFAULT_REGION"))
        .ok_or(MissingVariable("AWS_REGION"))?;
    let key = var("AWS_ACCESS_KEY_ID").ok_or(MissingVariable("AWS_ACCESS_KEY_ID"))?;
    let secret = var("AWS_SECRET_ACCESS_KEY").ok_or(MissingVariable("AWS_SECRET_ACCESS_KEY"))?;
    let credentials = Credentials::new(key, secret, var("AWS_SESSION_TOKEN"), None, "environment");
    let endpoint = var(ENDPOINT_VAR);
    Ok(config(
        Region::new(region),
        credentials,
        endpoint.as_deref(),
    ))
}

/// The one place an [`SdkConfig`] is assembled: the latest behaviour version (standard retries,
/// a connect timeout, the SDK's default HTTPS client), a region, static credentials and an
/// optional endpoint.
fn config(region: Region, credentials: Credentials, endpoint: Option<&str>) -> SdkConfig {
    let mut builder = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(region)
        .credentials_provider(SharedCredentialsProvider::new(credentials));
    if let Some(endpoint) = endpoint {
        builder = builder.endpoint_url(endpoint);
    }
    builder.build()
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
    pub fn config() -> SdkConfig {
        super::config(
            Region::new("us-east-1"),
            Credentials::new("testing", "testing", None, None, "emulator"),
            Some(&endpoint()),
        )
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use aws_credential_types::provider::ProvideCredentials;

    use super::*;

    /// An environment holding exactly `pairs`.
    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let environment: HashMap<String, String> = pairs
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect();
        move |name| environment.get(name).cloned()
    }

    #[tokio::test]
    async fn lambdas_environment_gives_region_credentials_and_the_endpoint() {
        let sdk = sdk_config(lookup(&[
            (ENDPOINT_VAR, "http://127.0.0.1:5000"),
            ("AWS_REGION", "eu-west-2"),
            ("AWS_DEFAULT_REGION", "us-east-1"),
            ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
            ("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMIK7MDENG"),
            ("AWS_SESSION_TOKEN", "token"),
        ]))
        .expect("config");
        assert_eq!(sdk.region().map(Region::as_ref), Some("eu-west-2"));
        assert_eq!(sdk.endpoint_url(), Some("http://127.0.0.1:5000"));
        assert!(sdk.behavior_version().is_some());
        let credentials = sdk
            .credentials_provider()
            .expect("a provider")
            .provide_credentials()
            .await
            .expect("credentials");
        assert_eq!(credentials.access_key_id(), "AKIDEXAMPLE");
        assert_eq!(credentials.secret_access_key(), "wJalrXUtnFEMIK7MDENG");
        assert_eq!(credentials.session_token(), Some("token"));
        assert!(
            !format!("{credentials:?}").contains("wJalrXUtnFEMIK7MDENG"),
            "the secret never reaches a log"
        );
    }

    #[test]
    fn the_default_region_serves_and_missing_pieces_are_named() {
        let sdk = sdk_config(lookup(&[
            ("AWS_DEFAULT_REGION", "us-east-1"),
            ("AWS_ACCESS_KEY_ID", "AKID"),
            ("AWS_SECRET_ACCESS_KEY", "s"),
            (ENDPOINT_VAR, ""),
        ]))
        .expect("config");
        assert_eq!(sdk.region().map(Region::as_ref), Some("us-east-1"));
        assert_eq!(sdk.endpoint_url(), None);
        let missing = |pairs: &[(&str, &str)]| sdk_config(lookup(pairs)).err();
        assert_eq!(
            missing(&[("AWS_ACCESS_KEY_ID", "a"), ("AWS_SECRET_ACCESS_KEY", "s")]),
            Some(MissingVariable("AWS_REGION"))
        );
        assert_eq!(
            missing(&[("AWS_REGION", "r"), ("AWS_SECRET_ACCESS_KEY", "s")]),
            Some(MissingVariable("AWS_ACCESS_KEY_ID"))
        );
        assert_eq!(
            missing(&[
                ("AWS_REGION", "r"),
                ("AWS_ACCESS_KEY_ID", "a"),
                ("AWS_SECRET_ACCESS_KEY", "")
            ]),
            Some(MissingVariable("AWS_SECRET_ACCESS_KEY"))
        );
    }
}
