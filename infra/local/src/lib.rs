//! The embedded default: one process that plays API Gateway (routing, the Cognito JWT
//! authorizer) in front of the same handler code the Lambda functions run, on the embedded
//! table in a data folder. By default it also plays Cognito: a local issuer with its own RSA key
//! signs demo tokens carrying the claims Cognito puts in ID tokens.
//!
//! Requests reach handlers exactly as in Lambda: the gateway writes the API Gateway HTTP API
//! (v2) event JSON, with the verified claims in `requestContext.authorizer.jwt.claims`, and
//! `lambda_http` parses it.

mod authorizer;
mod config;
mod demo;
mod directory;
mod files;
mod gateway;
mod host;
mod issuer;
mod objects;
pub mod outbox;
pub mod registry;
mod server;

pub use authorizer::{Clock, JwtAuthorizer, system_clock};
pub use config::{ALLOW_REMOTE_VAR, IssuerConfig, Limits, LocalConfig};
pub use demo::{DEMO_USERS, DemoUser};
pub use gateway::{Gateway, LOCAL_WEBHOOK_SECRET, start};
pub use issuer::LocalIssuer;
