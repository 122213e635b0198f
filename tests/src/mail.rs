//! Mail for tests: a mail port that can be switched off (to see failures queued and retried),
//! and SES v2 on the emulator with its record of sent mail.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tutorbridge_app::mailer::{Email, MailError, Mailer};
use tutorbridge_local::outbox::LocalOutbox;

/// Refuses every message while `down`, else writes it to `outbox`.
pub struct SwitchableMailer {
    pub down: AtomicBool,
    pub outbox: Arc<LocalOutbox>,
}

impl SwitchableMailer {
    /// Up, writing to `outbox`.
    pub fn new(outbox: Arc<LocalOutbox>) -> Self {
        SwitchableMailer {
            down: AtomicBool::new(false),
            outbox,
        }
    }

    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }
}

#[async_trait::async_trait]
impl Mailer for SwitchableMailer {
    async fn send(&self, email: &Email) -> Result<String, MailError> {
        if self.down.load(Ordering::SeqCst) {
            return Err(MailError::new("the mail service is throttling"));
        }
        self.outbox.send(email).await
    }
}

/// SES v2 on the emulator, sending from a new verified identity (`<prefix>-…@tutorbridge.example.com`),
/// and that address.
pub async fn ses_on_emulator(prefix: &str) -> (tutorbridge_aws::ses::SesMailer, String) {
    let sdk = tutorbridge_aws::emulator::config();
    let from = format!(
        "{}@tutorbridge.example.com",
        crate::backends::unique(prefix)
    );
    aws_sdk_sesv2::Client::new(&sdk)
        .create_email_identity()
        .email_identity(&from)
        .send()
        .await
        .expect("identity");
    (
        tutorbridge_aws::ses::SesMailer::new(&sdk, &from, None),
        from,
    )
}

/// The emulator's record (JSON) of the message it sent to `to`. The emulator builds its data
/// dump by walking every service's state, which fails now and then while other tests change
/// it: a dump that is not JSON is asked for again (up to ten times).
pub async fn sent_by_emulator_to(to: &str) -> Option<serde_json::Value> {
    let url = format!(
        "{}/moto-api/data.json",
        tutorbridge_aws::emulator::endpoint()
    );
    let mut data = serde_json::Value::Null;
    for _ in 0..10 {
        let body = reqwest::get(&url)
            .await
            .expect("emulator")
            .text()
            .await
            .expect("body");
        if let Ok(parsed) = serde_json::from_str(&body) {
            data = parsed;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    data["ses"]["Message"]
        .as_array()
        .expect("the emulator's data dump, with SES messages")
        .iter()
        .find(|m| m.to_string().contains(to))
        .cloned()
}
