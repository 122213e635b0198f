//! SES v2 as the Mailer port: a simple message (subject, text and HTML parts, extra headers)
//! from the configured identity, through the configured configuration set if any.

use async_trait::async_trait;
use aws_sdk_sesv2::Client;
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message, MessageHeader};
use tutorbridge_app::mailer::{Email, MailError, Mailer};

/// The from-address (`TUTORBRIDGE_MAIL_FROM`, a verified SES identity).
pub const FROM_VAR: &str = "TUTORBRIDGE_MAIL_FROM";
/// The configuration set (`TUTORBRIDGE_SES_CONFIGURATION_SET`), optional.
pub const CONFIGURATION_SET_VAR: &str = "TUTORBRIDGE_SES_CONFIGURATION_SET";

/// Sends through SES v2.
#[derive(Clone, Debug)]
pub struct SesMailer {
    client: Client,
    from: String,
    configuration_set: Option<String>,
}

impl SesMailer {
    pub fn new(sdk: &crate::SdkConfig, from: &str, configuration_set: Option<&str>) -> Self {
        SesMailer {
            client: Client::new(sdk),
            from: from.to_string(),
            configuration_set: configuration_set.map(str::to_string),
        }
    }
}

/// The mailer named by the environment (`TUTORBRIDGE_MAIL_FROM` set), built once.
pub fn from_env(sdk: &crate::SdkConfig) -> Option<SesMailer> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let from = var(FROM_VAR)?;
    Some(SesMailer::new(
        sdk,
        &from,
        var(CONFIGURATION_SET_VAR).as_deref(),
    ))
}

fn content(data: &str) -> Result<Content, MailError> {
    Content::builder()
        .data(data)
        .charset("UTF-8")
        .build()
        .map_err(MailError::new)
}

#[async_trait]
impl Mailer for SesMailer {
    async fn send(&self, email: &Email) -> Result<String, MailError> {
        let mut message = Message::builder().subject(content(&email.subject)?).body(
            Body::builder()
                .text(content(&email.text)?)
                .html(content(&email.html)?)
                .build(),
        );
        for (name, value) in &email.headers {
            message = message.headers(
                MessageHeader::builder()
                    .name(name)
                    .value(value)
                    .build()
                    .map_err(MailError::new)?,
            );
        }
        let output = self
            .client
            .send_email()
            .from_email_address(&self.from)
            .destination(Destination::builder().to_addresses(&email.to).build())
            .content(EmailContent::builder().simple(message.build()).build())
            .set_configuration_set_name(self.configuration_set.clone())
            .send()
            .await
            .map_err(|error| MailError::new(aws_sdk_sesv2::error::DisplayErrorContext(&error)))?;
        Ok(output.message_id.unwrap_or_default())
    }
}
