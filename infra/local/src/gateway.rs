//! The HTTP server: local-only routes, routing across every function's route table, the body
//! limit, the JWT authorizer, and the API Gateway v2 event each handler receives.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use axum::body::Body as AxumBody;
use axum::extract::Request as AxumRequest;
use axum::response::Response as AxumResponse;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use http::request::Parts;
use lambda_http::Body;
use lambda_http::aws_lambda_events::apigw::{
    ApiGatewayRequestAuthorizer, ApiGatewayRequestAuthorizerJwtDescription,
    ApiGatewayV2httpRequest, ApiGatewayV2httpRequestContext,
    ApiGatewayV2httpRequestContextHttpDescription,
};
use lambda_http::request::LambdaRequest;
use serde_json::json;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tutorbridge_app::{Ports, Store};
use tutorbridge_embedded_table::EmbeddedTable;
use tutorbridge_http::{ApiError, Handler, Route, RouteMatch, Wiring, match_route};

use crate::authorizer::{Clock, JwtAuthorizer};
use crate::config::{ALLOW_REMOTE_VAR, IssuerConfig, Limits, LocalConfig};
use crate::demo::{self, DEMO_USERS};
use crate::host::{is_loopback, request_host};
use crate::issuer::{LOCAL_AUDIENCE, LOCAL_ISSUER, LocalIssuer};
use crate::registry;

/// The transcript webhook's secret on the embedded default when `TUTORBRIDGE_WEBHOOK_SECRETS`
/// is not set (never used in AWS, where the template's parameter is required).
pub const LOCAL_WEBHOOK_SECRET: &str = "local-webhook-secret";

/// The secret unsubscribe links are signed with on the embedded default when
/// `TUTORBRIDGE_LINK_SECRET` is not set (never used in AWS, where the template's parameter is
/// required).
pub const LOCAL_LINK_SECRET: &str = "local-link-secret";

/// Lifetime of the demo tokens handed out by `/local/tokens` and printed at start.
const DEMO_TOKEN_TTL_SECONDS: u64 = 24 * 3600;

struct GatewayState {
    store: Store,
    /// Uploads and downloads through signed URLs (`/local/objects`).
    files: Arc<crate::files::LocalFileStore>,
    /// The OpenAPI document, serialised once.
    openapi: String,
    /// Where the gateway listens (the event's host when a request names none).
    addr: SocketAddr,
    limits: Limits,
    /// Every function of the registry, built once, in routing order.
    functions: Vec<Box<dyn Handler>>,
    authorizer: JwtAuthorizer,
    issuer: Option<LocalIssuer>,
    clock: Clock,
    /// The scheduled sweep (a timer here; an EventBridge schedule in AWS).
    sweep: summaries_sweep::SummariesSweep,
    /// Mail, as `.eml` files (`/local/outbox`).
    outbox: Arc<crate::outbox::LocalOutbox>,
    /// The nudge job (an EventBridge schedule in AWS; `POST /local/nudges/run` and a timer here).
    nudges: nudges_run::NudgesRun,
}

/// How long a local sweep run may take.
const LOCAL_SWEEP_ALLOWANCE: std::time::Duration = std::time::Duration::from_secs(300);

impl GatewayState {
    async fn sweep(
        &self,
    ) -> Result<tutorbridge_app::sweep::SweepReport, tutorbridge_app::AppError> {
        let event = summaries_sweep::Event::default();
        self.sweep.handle(event, LOCAL_SWEEP_ALLOWANCE).await
    }

    fn demo_tokens(&self) -> Option<anyhow::Result<BTreeMap<&'static str, String>>> {
        let issuer = self.issuer.as_ref()?;
        let now = (self.clock)();
        Some(
            DEMO_USERS
                .iter()
                .map(|user| {
                    Ok((
                        user.role.group(),
                        issuer.issue(user, now, DEMO_TOKEN_TTL_SECONDS)?,
                    ))
                })
                .collect(),
        )
    }
}

/// A running gateway.
pub struct Gateway {
    pub addr: SocketAddr,
    state: Arc<GatewayState>,
    task: JoinHandle<std::io::Result<()>>,
    shutdown: tokio::sync::oneshot::Sender<()>,
    /// The sweep's timer, when it runs on one (aborted when the gateway stops; it also ends
    /// by itself once the server has gone).
    timer: Option<JoinHandle<()>>,
}

impl Gateway {
    /// `http://<addr>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The embedded table this gateway serves (tests arrange data in it directly).
    pub fn store(&self) -> Store {
        self.state.store.clone()
    }

    /// The mail outbox (`/local/outbox`).
    pub fn outbox(&self) -> Arc<crate::outbox::LocalOutbox> {
        self.state.outbox.clone()
    }

    /// The file store behind `/local/objects` (tests sign forms with it).
    pub fn files(&self) -> Arc<dyn tutorbridge_app::file_store::FileStore> {
        self.state.files.clone()
    }

    /// A token from the local issuer for any user: `sub` with `groups` (Cognito group names),
    /// valid for an hour. For tests that need more principals than the demo users; `None` with
    /// an external issuer. Not reachable over HTTP.
    pub fn mint_token(&self, sub: &str, groups: &[&str]) -> Option<anyhow::Result<String>> {
        let issuer = self.state.issuer.as_ref()?;
        let now = (self.state.clock)();
        Some(issuer.sign(&json!({
            "sub": sub,
            "aud": LOCAL_AUDIENCE,
            "iss": LOCAL_ISSUER,
            "token_use": "id",
            "cognito:groups": groups,
            "iat": now,
            "exp": now + 3600,
        })))
    }

    /// Fresh tokens for the demo users, when the gateway runs its own issuer.
    pub fn demo_tokens(&self) -> Option<anyhow::Result<BTreeMap<&'static str, String>>> {
        self.state.demo_tokens()
    }

    /// Wait until the server stops (on an I/O error or after [`Gateway::stop`]).
    pub async fn wait(self) -> anyhow::Result<()> {
        let Gateway {
            task,
            shutdown,
            timer,
            ..
        } = self;
        let _timer = timer.map(AbortOnDrop);
        // Holding the sender keeps the server up: dropping it would signal shutdown.
        let _running = shutdown;
        join(task).await
    }

    /// Stop accepting requests, let open ones finish, and release the data folder.
    pub async fn stop(self) -> anyhow::Result<()> {
        let Gateway {
            task,
            shutdown,
            timer,
            ..
        } = self;
        if let Some(timer) = timer {
            timer.abort();
        }
        let _ = shutdown.send(());
        join(task).await
    }
}

/// Aborts its task when dropped (a gateway's timer, while the gateway is awaited).
struct AbortOnDrop(JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Run the sweep and the nudge job every `period` while the gateway's state lives.
fn sweep_timer(
    state: std::sync::Weak<GatewayState>,
    period: std::time::Duration,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(period);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ticks.tick().await;
        loop {
            ticks.tick().await;
            let Some(state) = state.upgrade() else { return };
            if let Err(error) = state.sweep().await {
                tracing::error!(error = %error, "the sweep failed; it runs again on the next tick");
            }
            if let Err(error) = state
                .nudges
                .handle(nudges_run::Event::default(), LOCAL_SWEEP_ALLOWANCE)
                .await
            {
                tracing::error!(error = %error, "the nudge job failed; it runs again on the next tick");
            }
        }
    })
}

async fn join(task: JoinHandle<std::io::Result<()>>) -> anyhow::Result<()> {
    task.await
        .context("the server task failed")?
        .context("the server stopped")
}

/// Open the data folder, seed it on first start, and serve on `config.addr` (port 0 picks a
/// free port; see [`Gateway::addr`]).
///
/// # Errors
/// A non-loopback address without `allow_remote`, a data folder that cannot be made private,
/// an unreadable table or key, a function whose configuration cannot work.
pub async fn start(config: LocalConfig, clock: Clock) -> anyhow::Result<Gateway> {
    if !config.addr.ip().is_loopback() {
        if !config.allow_remote {
            anyhow::bail!(
                "refusing to listen on {}: the local gateway hands out demo tokens and has no \
                 TLS; set {ALLOW_REMOTE_VAR}=1 to serve a network anyway",
                config.addr
            );
        }
        tracing::warn!(addr = %config.addr, "listening beyond loopback ({ALLOW_REMOTE_VAR}): anyone who can reach this address can call the API; /local/* still answers loopback only");
    }
    make_private_dir(&config.data_dir)?;
    let table_path = config.data_dir.join("table.redb");
    let table = EmbeddedTable::open(&table_path).context("opening the embedded table")?;
    make_private_file(&table_path)?;
    let store: Store = Arc::new(table);
    let seeded = demo::seed(&store).await.context("seeding the demo data")?;
    if seeded > 0 {
        tracing::info!(guidelines = seeded, "seeded the demo curriculum");
    }
    let (authorizer, issuer) = match &config.issuer {
        IssuerConfig::Local => {
            let issuer = LocalIssuer::load_or_create(&config.data_dir)?;
            let authorizer = JwtAuthorizer::with_keys(
                LOCAL_ISSUER,
                LOCAL_AUDIENCE,
                issuer.jwks().clone(),
                clock.clone(),
            );
            (authorizer, Some(issuer))
        }
        IssuerConfig::External {
            issuer,
            jwks_url,
            audience,
        } => (
            JwtAuthorizer::remote(issuer, audience, jwks_url, clock.clone())?,
            None,
        ),
    };
    let listener = TcpListener::bind(config.addr)
        .await
        .with_context(|| format!("listening on {}", config.addr))?;
    let addr = listener.local_addr()?;
    let base_url = match addr.ip().is_unspecified() {
        true => format!("http://127.0.0.1:{}", addr.port()),
        false => format!("http://{addr}"),
    };
    let files = Arc::new(crate::files::LocalFileStore::open(
        &config.data_dir,
        &base_url,
    )?);
    let outbox = Arc::new(
        crate::outbox::LocalOutbox::open(&config.data_dir).context("opening the mail outbox")?,
    );
    let mut settings = config.settings.clone();
    if settings.webhook_secrets.is_empty() {
        // The embedded default's own secret, so the webhook works out of the box (README).
        settings.webhook_secrets = vec![tutorbridge_app::config::Secret::new(LOCAL_WEBHOOK_SECRET)];
    }
    if settings.link_secret.is_none() {
        settings.link_secret = Some(tutorbridge_app::config::Secret::new(LOCAL_LINK_SECRET));
    }
    let wiring = Wiring {
        ports: Ports::new(store.clone()),
        settings,
        directory: Some(Arc::new(crate::directory::LocalDirectory::new(
            store.clone(),
        ))),
        files: Some(files.clone()),
        mailer: Some(outbox.clone()),
    };
    let functions = registry::build(&wiring)
        .map_err(|error| anyhow::anyhow!("building the functions: {error}"))?;
    let sweep = summaries_sweep::SummariesSweep::build(&wiring)
        .map_err(|error| anyhow::anyhow!("building the sweep: {error}"))?;
    let nudges = nudges_run::NudgesRun::build(&wiring)
        .map_err(|error| anyhow::anyhow!("building the nudge job: {error}"))?;
    let openapi = registry::openapi_json().context("serialising the OpenAPI document")?;
    let state = Arc::new(GatewayState {
        store,
        files,
        openapi,
        addr,
        limits: config.limits,
        functions,
        authorizer,
        issuer,
        clock,
        sweep,
        outbox,
        nudges,
    });
    let timer = config
        .sweep_every
        .map(|period| sweep_timer(Arc::downgrade(&state), period));
    let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = Arc::clone(&state);
    let handle = move |peer: SocketAddr, request: AxumRequest| {
        let state = Arc::clone(&serving);
        async move { serve(state, peer, request).await }
    };
    let stopped = async move {
        let _ = stopped.await;
    };
    let task = tokio::spawn(crate::server::run(listener, config.limits, handle, stopped));
    Ok(Gateway {
        addr,
        state,
        task,
        shutdown,
        timer,
    })
}

fn to_axum(response: lambda_http::Response<Body>) -> AxumResponse {
    let (parts, body) = response.into_parts();
    let bytes = match body {
        Body::Text(text) => text.into_bytes(),
        Body::Binary(bytes) => bytes,
        _ => Vec::new(),
    };
    AxumResponse::from_parts(parts, AxumBody::from(bytes))
}

fn problem(error: ApiError, request_id: &str) -> AxumResponse {
    to_axum(error.into_response(request_id))
}

fn json_ok(value: &impl serde::Serialize) -> AxumResponse {
    match tutorbridge_http::json(http::StatusCode::OK, value) {
        Ok(response) => to_axum(response),
        Err(error) => problem(error, "-"),
    }
}

/// A token for a user the local directory invited (their profile holds their roles).
async fn invited_token(state: &GatewayState, user: &str) -> Option<String> {
    let issuer = state.issuer.as_ref()?;
    let user = tutorbridge_domain::UserId::parse(user).ok()?;
    let profile = tutorbridge_app::people::ProfileService::new(state.store.clone())
        .profile(&user)
        .await
        .ok()??;
    let groups: Vec<&str> = profile.roles.iter().map(|role| role.group()).collect();
    let now = (state.clock)();
    issuer
        .sign(&json!({
            "sub": user.as_str(),
            "aud": LOCAL_AUDIENCE,
            "iss": LOCAL_ISSUER,
            "token_use": "id",
            "email": profile.email,
            "cognito:groups": groups,
            "iat": now,
            "exp": now + DEMO_TOKEN_TTL_SECONDS,
        }))
        .ok()
}

/// `/openapi.json` and the interactive docs at `/docs/` (Swagger UI, its assets compiled into
/// the binary: no CDN, works offline). No token needed: the document is public.
fn docs_route(state: &GatewayState, parts: &Parts) -> Option<AxumResponse> {
    if parts.method != http::Method::GET {
        return None;
    }
    let path = parts.uri.path();
    let file = |bytes: Vec<u8>, content_type: &str, gzipped: bool| {
        let mut builder = AxumResponse::builder()
            .header(http::header::CONTENT_TYPE, content_type)
            .header(http::header::CACHE_CONTROL, "no-cache");
        if gzipped {
            builder = builder.header(http::header::CONTENT_ENCODING, "gzip");
        }
        builder.body(AxumBody::from(bytes)).unwrap_or_default()
    };
    match path {
        "/openapi.json" => Some(file(
            state.openapi.as_bytes().to_vec(),
            "application/json",
            false,
        )),
        "/docs" => Some(
            AxumResponse::builder()
                .status(http::StatusCode::PERMANENT_REDIRECT)
                .header(http::header::LOCATION, "/docs/")
                .body(AxumBody::empty())
                .unwrap_or_default(),
        ),
        _ => {
            let tail = path.strip_prefix("/docs/")?;
            let config = Arc::new(utoipa_swagger_ui::Config::from("/openapi.json"));
            match utoipa_swagger_ui::serve(tail, config) {
                Ok(Some(asset)) => Some(file(
                    asset.bytes.into_owned(),
                    &asset.content_type,
                    asset.gzpipped,
                )),
                _ => None,
            }
        }
    }
}

/// `/local/*`: demo tokens, the local issuer's JWKS, the mail outbox, and a sweep run on
/// demand. Never part of a Lambda deployment, and
/// only for this machine: the peer must be loopback and so must the `Host` it asked for (a
/// DNS-rebinding page in a browser names its own host). Anyone else is told there is no route.
async fn local_route(
    state: &GatewayState,
    parts: &Parts,
    local: bool,
    request_id: &str,
) -> AxumResponse {
    if !local {
        return problem(ApiError::RouteNotFound(parts.uri.path().into()), request_id);
    }
    const LOCAL_ROUTES: &[Route] = &[
        Route::new("POST /local/sweep"),
        Route::new("POST /local/nudges/run"),
        Route::new("POST /local/students/{id}/inactive"),
        Route::new("GET /local/outbox"),
        Route::new("GET /local/outbox/{file}"),
        Route::new("GET /local/tokens"),
        Route::new("GET /local/tokens/{role}"),
        Route::new("GET /local/.well-known/jwks.json"),
    ];
    let path = parts.uri.path();
    let (route, params) = match match_route(LOCAL_ROUTES, parts.method.as_str(), path) {
        RouteMatch::Found { route, params } => (route, params),
        RouteMatch::MethodNotAllowed { allowed, .. } => {
            return problem(
                ApiError::MethodNotAllowed {
                    path: path.into(),
                    allowed,
                },
                request_id,
            );
        }
        RouteMatch::NotFound => return problem(ApiError::RouteNotFound(path.into()), request_id),
    };
    match route.key {
        "GET /local/outbox" => {
            return match state.outbox.list() {
                Ok(messages) => json_ok(&json!({ "messages": messages })),
                Err(error) => problem(
                    tutorbridge_app::AppError::internal(error.to_string()).into(),
                    request_id,
                ),
            };
        }
        "GET /local/outbox/{file}" => {
            let file = params.get("file").map(String::as_str).unwrap_or_default();
            return match state.outbox.read(file) {
                Some(message) => AxumResponse::builder()
                    .header(http::header::CONTENT_TYPE, "message/rfc822")
                    .body(AxumBody::from(message))
                    .unwrap_or_default(),
                None => problem(
                    tutorbridge_app::AppError::NotFound(format!("no message '{file}'")).into(),
                    request_id,
                ),
            };
        }
        _ => {}
    }
    if route.key == "POST /local/students/{id}/inactive" {
        // A demo affordance: the student last practised eight days ago, so the nudge job finds
        // them inactive.
        let user = params.get("id").map(String::as_str).unwrap_or_default();
        let Ok(user) = tutorbridge_domain::UserId::parse(user) else {
            return problem(
                tutorbridge_app::AppError::Invalid("not a user id".into()).into(),
                request_id,
            );
        };
        let eight_days_ago = (state.clock)() as i64 - 8 * 86_400;
        let then =
            jiff::Timestamp::from_second(eight_days_ago).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        let written = match tutorbridge_app::people::activity_put(&user, then, None, None) {
            Ok(op) => state
                .store
                .transact_write(vec![op])
                .await
                .map_err(tutorbridge_app::AppError::from),
            Err(error) => Err(error),
        };
        return match written {
            Ok(()) => json_ok(&json!({ "student": user, "last_active_at": then.to_string() })),
            Err(error) => problem(error.into(), request_id),
        };
    }
    if route.key == "POST /local/nudges/run" {
        return match state
            .nudges
            .handle(nudges_run::Event::default(), LOCAL_SWEEP_ALLOWANCE)
            .await
        {
            Ok(report) => json_ok(&report),
            Err(error) => problem(error.into(), request_id),
        };
    }
    if route.key == "POST /local/sweep" {
        return match state.sweep().await {
            Ok(report) => json_ok(&report),
            Err(error) => problem(error.into(), request_id),
        };
    }
    let (Some(issuer), Some(tokens)) = (&state.issuer, state.demo_tokens()) else {
        return problem(
            ApiError::RouteNotFound(format!("{path} (this gateway uses an external issuer)")),
            request_id,
        );
    };
    let tokens = match tokens {
        Ok(tokens) => tokens,
        Err(error) => {
            return problem(
                tutorbridge_app::AppError::internal(error.to_string()).into(),
                request_id,
            );
        }
    };
    match route.key {
        "GET /local/tokens" => json_ok(&tokens),
        "GET /local/tokens/{role}" => {
            let role = params.get("role").map(String::as_str).unwrap_or_default();
            let token = match tokens.get(role) {
                Some(token) => Some(token.clone()),
                // Not a demo role: a user invited through POST /admin/users, by id.
                None => invited_token(state, role).await,
            };
            match token.as_ref() {
                // Plain text, so a shell can say TOKEN=$(curl -s …/local/tokens/student).
                Some(token) => AxumResponse::builder()
                    .header(http::header::CONTENT_TYPE, "text/plain")
                    .body(AxumBody::from(token.clone()))
                    .unwrap_or_default(),
                None => problem(
                    tutorbridge_app::AppError::NotFound(format!(
                        "no demo user has the role '{role}'"
                    ))
                    .into(),
                    request_id,
                ),
            }
        }
        _ => json_ok(issuer.jwks()),
    }
}

async fn serve(state: Arc<GatewayState>, peer: SocketAddr, request: AxumRequest) -> AxumResponse {
    let request_id = ulid::Ulid::new().to_string();
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().to_string();
    // The Host reaches URL parsers (lambda_http's request URI): checked here, once.
    let host = match request_host(&parts.headers) {
        Ok(host) => host,
        Err(_) => {
            return problem(
                tutorbridge_app::AppError::Invalid("the Host header is malformed".into()).into(),
                &request_id,
            );
        }
    };
    if path.starts_with("/local/") {
        let local = peer.ip().is_loopback() && host.as_deref().is_some_and(is_loopback);
        if local && let Some(response) = crate::objects::serve(&state.files, &parts, body).await {
            return response;
        }
        return local_route(&state, &parts, local, &request_id).await;
    }
    if let Some(response) = docs_route(&state, &parts) {
        return response;
    }
    let host = host.unwrap_or_else(|| state.addr.to_string());

    let mut allowed = Vec::new();
    let mut found = None;
    for (index, function) in state.functions.iter().enumerate() {
        match match_route(function.routes(), parts.method.as_str(), &path) {
            RouteMatch::Found { route, params } => {
                found = Some((index, route, params));
                break;
            }
            RouteMatch::MethodNotAllowed {
                allowed: methods,
                specificity,
            } => allowed.extend(methods.into_iter().map(|m| (specificity, m))),
            RouteMatch::NotFound => {}
        }
    }
    let Some((index, route, params)) = found else {
        let error = match tutorbridge_http::most_specific(allowed) {
            RouteMatch::MethodNotAllowed { allowed, .. } => {
                ApiError::MethodNotAllowed { path, allowed }
            }
            _ => ApiError::RouteNotFound(path),
        };
        return problem(error, &request_id);
    };

    let declared = parts
        .headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<usize>().ok());
    let limit = route.max_body;
    if declared.is_some_and(|length| length > limit) {
        return problem(ApiError::PayloadTooLarge(limit), &request_id);
    }
    let read = tokio::time::timeout(state.limits.body_timeout, axum::body::to_bytes(body, limit));
    let bytes = match read.await {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(_)) => return problem(ApiError::PayloadTooLarge(limit), &request_id),
        Err(_) => {
            let mut response = problem(ApiError::RequestTimeout, &request_id);
            response.headers_mut().insert(
                http::header::CONNECTION,
                http::HeaderValue::from_static("close"),
            );
            return response;
        }
    };

    let authorization = parts
        .headers
        .get(http::header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok());
    // A signed route (a webhook) is authenticated by its handler, as API Gateway's authorizer
    // is off for it too.
    let authorized = match route.signed {
        true => Ok(HashMap::new()),
        false => state.authorizer.authorize(authorization).await,
    };
    let claims = match authorized {
        Ok(claims) => claims,
        Err(reason) => {
            tracing::info!(request_id = %request_id, path = %parts.uri.path(), reason = %reason, "token refused");
            return problem(
                ApiError::Unauthorized("a valid bearer token is required".into()),
                &request_id,
            );
        }
    };

    let event = api_gateway_event(&parts, &host, route, &params, claims, &bytes, &request_id);
    let task_state = Arc::clone(&state);
    // The request runs in its own task, so a panic anywhere in it (event parsing, a handler)
    // ends that request with a 500 and leaves the gateway serving. (Release builds abort on
    // panic, as Lambda's do: there the fix is never to panic, which is why every input above is
    // checked first.)
    let outcome = tokio::spawn(async move {
        let request = lambda_http::Request::from(LambdaRequest::ApiGatewayV2(event));
        to_axum(task_state.functions[index].call(request).await)
    })
    .await;
    match outcome {
        Ok(response) => response,
        Err(error) => problem(
            tutorbridge_app::AppError::internal(format!("the request task failed: {error}")).into(),
            &request_id,
        ),
    }
}

/// The data folder, created if need be, readable by its owner only (it holds the table and
/// the issuer's private key).
fn make_private_dir(dir: &std::path::Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("creating the data folder {}", dir.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .with_context(|| format!("making {} private", dir.display()))?;
    }
    Ok(())
}

fn make_private_file(path: &std::path::Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .with_context(|| format!("making {} private", path.display()))?;
    }
    Ok(())
}

/// The API Gateway HTTP API (payload format 2.0) event for this request, as Lambda's runtime
/// decodes it (the same type), built directly rather than written as JSON and parsed back (that
/// round trip was ~5 % of the gateway's CPU under load: docs/measurements.md).
fn api_gateway_event(
    parts: &Parts,
    host: &str,
    route: Route,
    params: &HashMap<String, String>,
    claims: HashMap<String, String>,
    body: &[u8],
    request_id: &str,
) -> ApiGatewayV2httpRequest {
    let mut headers = http::HeaderMap::with_capacity(parts.headers.len() + 2);
    for name in parts.headers.keys() {
        // Repeated headers arrive joined with commas, as API Gateway sends them.
        let mut joined = Vec::new();
        for value in parts.headers.get_all(name) {
            if !joined.is_empty() {
                joined.push(b',');
            }
            joined.extend_from_slice(value.as_bytes());
        }
        if let Ok(value) = http::HeaderValue::from_bytes(&joined) {
            headers.insert(name.clone(), value);
        }
    }
    // The checked host, and the scheme this gateway really serves: whatever a client claimed in
    // X-Forwarded-* never reaches a URL parser.
    if let Ok(host) = http::HeaderValue::from_str(host) {
        headers.insert(http::header::HOST, host);
    }
    headers.insert("x-forwarded-proto", http::HeaderValue::from_static("http"));
    headers.remove("x-forwarded-host");
    headers.remove("x-forwarded-port");
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0);
    let (body, is_base64) = match std::str::from_utf8(body) {
        _ if body.is_empty() => (None, false),
        Ok(text) => (Some(text.to_string()), false),
        Err(_) => (Some(STANDARD.encode(body)), true),
    };

    let mut jwt = ApiGatewayRequestAuthorizerJwtDescription::default();
    jwt.claims = claims;
    let mut authorizer = ApiGatewayRequestAuthorizer::default();
    authorizer.jwt = Some(jwt);
    let mut http_context = ApiGatewayV2httpRequestContextHttpDescription::default();
    http_context.method = parts.method.clone();
    http_context.path = Some(parts.uri.path().to_string());
    http_context.protocol = Some("HTTP/1.1".into());
    http_context.source_ip = Some("127.0.0.1".into());
    http_context.user_agent = Some(
        headers
            .get(http::header::USER_AGENT)
            .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
            .unwrap_or_default(),
    );
    let mut context = ApiGatewayV2httpRequestContext::default();
    context.account_id = Some("000000000000".into());
    context.apiid = Some("local".into());
    context.domain_name = Some(host.to_string());
    context.domain_prefix = Some("local".into());
    context.http = http_context;
    context.request_id = Some(request_id.to_string());
    context.route_key = Some(route.key.to_string());
    context.stage = Some("$default".into());
    context.time_epoch = now_ms;
    context.authorizer = Some(authorizer);

    let mut event = ApiGatewayV2httpRequest::default();
    event.version = Some("2.0".into());
    event.route_key = Some(route.key.to_string());
    event.raw_path = Some(parts.uri.path().to_string());
    event.raw_query_string = Some(parts.uri.query().unwrap_or("").to_string());
    event.headers = headers;
    event.path_parameters = params.clone();
    event.request_context = context;
    event.body = body;
    event.is_base64_encoded = is_base64;
    event
}
