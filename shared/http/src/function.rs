//! What a function is: a name (the crate, the binary and the template's `<Name>Function`), its
//! routes, how it is built once per process from the shared [`Wiring`], and how it handles one
//! request. The Lambda `main` (`tutorbridge_lambda::serve!`), the local gateway's registry and
//! the template-wiring test all go through this one trait.

use std::future::Future;
use std::pin::Pin;

use lambda_http::{Body, Request, Response};
use tutorbridge_app::Ports;
use tutorbridge_app::config::Settings;

use crate::Route;

/// Why a function could not be built (its configuration cannot work).
pub type BuildError = Box<dyn std::error::Error + Send + Sync>;

/// What every function is built from, once per process: the ports and the typed settings.
#[derive(Clone)]
pub struct Wiring {
    pub ports: Ports,
    pub settings: Settings,
    /// Where users are created (a Cognito pool, the local issuer's list); only the functions
    /// that invite users need it, and only their `main` builds one.
    pub directory: Option<std::sync::Arc<dyn tutorbridge_app::directory::Directory>>,
    /// Where uploads and transcripts are kept (S3, the local folder); only the functions that
    /// handle files need it.
    pub files: Option<std::sync::Arc<dyn tutorbridge_app::file_store::FileStore>>,
    /// Where mail goes (SES, the local outbox); only the functions that send mail need it.
    pub mailer: Option<std::sync::Arc<dyn tutorbridge_app::mailer::Mailer>>,
}

/// One Lambda function.
pub trait Function: Sized + Send + Sync + 'static {
    /// The kebab-case name: crate, binary and folder (`practice-assign`).
    const NAME: &'static str;
    /// The routes it serves, as API Gateway route keys.
    const ROUTES: &'static [Route];

    /// Build the function's use cases from the process's wiring (clients are built here, once).
    ///
    /// # Errors
    /// When its configuration cannot work.
    fn build(wiring: &Wiring) -> Result<Self, BuildError>;

    /// Handle one API Gateway request; never fails (errors are problem responses).
    fn handle(&self, request: Request) -> impl Future<Output = Response<Body>> + Send;

    /// The OpenAPI paths of [`Function::ROUTES`] (written beside the handler with `utoipa`);
    /// the shared problem responses and security are added by [`crate::openapi::document`].
    fn openapi() -> utoipa::openapi::OpenApi;
}

/// A built function behind a pointer, for a gateway that routes to many.
pub trait Handler: Send + Sync {
    fn name(&self) -> &'static str;
    fn routes(&self) -> &'static [Route];
    fn call(&self, request: Request) -> Pin<Box<dyn Future<Output = Response<Body>> + Send + '_>>;
}

impl<F: Function> Handler for F {
    fn name(&self) -> &'static str {
        F::NAME
    }

    fn routes(&self) -> &'static [Route] {
        F::ROUTES
    }

    fn call(&self, request: Request) -> Pin<Box<dyn Future<Output = Response<Body>> + Send + '_>> {
        Box::pin(self.handle(request))
    }
}

/// A function's name and routes, without building it (for templates and docs).
#[derive(Debug, Clone, Copy)]
pub struct FunctionSpec {
    pub name: &'static str,
    pub routes: &'static [Route],
    pub openapi: fn() -> utoipa::openapi::OpenApi,
}

impl FunctionSpec {
    pub const fn of<F: Function>() -> FunctionSpec {
        FunctionSpec {
            name: F::NAME,
            routes: F::ROUTES,
            openapi: F::openapi,
        }
    }

    /// The template's logical id: `practice-assign` → `PracticeAssignFunction`.
    pub fn resource(&self) -> String {
        let mut resource: String = self
            .name
            .split('-')
            .map(|word| {
                let mut chars = word.chars();
                chars
                    .next()
                    .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                    .unwrap_or_default()
            })
            .collect();
        resource.push_str("Function");
        resource
    }
}
