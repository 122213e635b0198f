//! The Mailer port: one message to one address, plain text and HTML. Two adapters: SES v2 (the
//! AWS crate's `ses` feature; the from-address and configuration set are configuration) and an
//! outbox folder for the embedded default (one `.eml` file per message, listed at
//! `GET /local/outbox`). A failed send is an error the caller decides about; no use case fails
//! a request because mail could not be sent.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

/// One message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// Extra headers (e.g. `List-Unsubscribe`).
    #[serde(default)]
    pub headers: Vec<(String, String)>,
}

/// Sending failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the mail was not sent: {0}")]
pub struct MailError(pub String);

impl MailError {
    pub fn new(error: impl std::fmt::Display) -> Self {
        MailError(error.to_string())
    }
}

/// Sends mail.
#[async_trait]
pub trait Mailer: Send + Sync {
    /// Send `email`; the provider's message id.
    async fn send(&self, email: &Email) -> Result<String, MailError>;
}

/// `text` with `&`, `<`, `>` and quotes escaped, for HTML bodies.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn html_is_escaped() {
        assert_eq!(
            super::escape_html("<b>\"1 & 2\"</b>"),
            "&lt;b&gt;&quot;1 &amp; 2&quot;&lt;/b&gt;"
        );
    }
}
