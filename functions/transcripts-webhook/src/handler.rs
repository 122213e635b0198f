//! HTTP ⇄ the transcript webhook. No token: every request carries
//! `TutorBridge-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`.

use std::future::Future;

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use tutorbridge_app::AppError;
use tutorbridge_app::config::Secret;
use tutorbridge_app::summaries::signature::verify;
use tutorbridge_app::summaries::{MAX_TRANSCRIPT_BYTES, SummaryService};
use tutorbridge_domain::summaries::RailsSessionId;
use tutorbridge_http::{
    ApiError, BuildError, Function, Route, SignedRequest, Wiring, json, respond_signed,
};

pub const ROUTES: &[Route] = &[
    Route::signed("POST /webhooks/session-transcripts", MAX_TRANSCRIPT_BYTES),
    Route::signed("GET /webhooks/session-transcripts/{rails_session_id}", 0),
];

/// The signature header.
pub const SIGNATURE_HEADER: &str = "tutorbridge-signature";

/// Built once per cold start.
#[derive(Clone)]
pub struct TranscriptsWebhook {
    summaries: SummaryService,
    secrets: Vec<Secret>,
    clock: std::sync::Arc<dyn tutorbridge_app::clock::Clock>,
}

impl TranscriptsWebhook {
    /// The webhook over `summaries` (built with its tutor and file store), accepting signatures
    /// made with any of `secrets`.
    pub fn new(
        summaries: SummaryService,
        clock: std::sync::Arc<dyn tutorbridge_app::clock::Clock>,
        secrets: Vec<Secret>,
    ) -> Self {
        TranscriptsWebhook {
            clock,
            summaries,
            secrets,
        }
    }
}

impl Function for TranscriptsWebhook {
    const NAME: &'static str = "transcripts-webhook";
    const ROUTES: &'static [Route] = ROUTES;

    fn build(wiring: &Wiring) -> Result<Self, BuildError> {
        if wiring.settings.webhook_secrets.is_empty() {
            return Err("TUTORBRIDGE_WEBHOOK_SECRETS must hold the webhook's secret".into());
        }
        Ok(TranscriptsWebhook::new(
            tutorbridge_ai::summary_service(
                wiring.ports.clone(),
                wiring.files.clone(),
                &wiring.settings,
            )?,
            wiring.ports.clock.clone(),
            wiring.settings.webhook_secrets.clone(),
        ))
    }

    fn handle(&self, request: Request) -> impl Future<Output = Response<Body>> + Send {
        handle(self, request)
    }

    fn openapi() -> utoipa::openapi::OpenApi {
        <doc::Api as utoipa::OpenApi>::openapi()
    }
}

pub async fn handle(app: &TranscriptsWebhook, request: Request) -> Response<Body> {
    respond_signed(request, ROUTES, async |request: SignedRequest| {
        let now = app.clock.now().as_second().max(0) as u64;
        if let Err(why) = verify(request.header(SIGNATURE_HEADER), &request.body, &app.secrets, now) {
            tracing::info!(request_id = %request.request_id, reason = %why, "webhook signature refused");
            return Err(ApiError::Unauthorized("the request's signature is not valid".into()));
        }
        match request.route {
            "POST /webhooks/session-transcripts" => {
                let delivery = app.summaries.deliver(&request.body).await?;
                let status = if delivery.duplicate { StatusCode::OK } else { StatusCode::CREATED };
                json(status, &delivery)
            }
            "GET /webhooks/session-transcripts/{rails_session_id}" => {
                let id = RailsSessionId::parse(request.param("rails_session_id")?)?;
                json(StatusCode::OK, &app.summaries.receipt(&id).await?)
            }
            other => Err(ApiError::from(AppError::internal(format!("unhandled route {other}")))),
        }
    })
    .await
}

mod doc;
