//! Mail that could not be sent: queued as an item (a sparse GSI2 list, oldest first) that the
//! sweep sends again, a bounded number of times.

use serde::{Deserialize, Serialize};
use tutorbridge_table::{Condition, Index, Key, Query, TableError, WriteOp};

use crate::keys::{self, entity};
use crate::mailer::{Email, Mailer};
use crate::records::{Record, query_page, versioned};
use crate::{AppError, Ports};

/// Sends before a queued message is given up (and logged as an error).
pub const MAX_MAIL_ATTEMPTS: u32 = 5;

/// A message waiting to be sent again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MailRetry {
    pub mail_id: String,
    pub email: Email,
    /// Sends tried so far.
    pub attempts: u32,
    pub created_at: String,
    #[serde(default)]
    pub version: u64,
}

impl Record for MailRetry {
    const ENTITY: &'static str = entity::MAIL_RETRY;

    fn key(&self) -> Key {
        keys::mail_retry(&self.mail_id)
    }

    fn gsi2(&self) -> Option<(String, String)> {
        Some((
            keys::MAIL_RETRIES.to_string(),
            format!("{}#{}", self.created_at, self.mail_id),
        ))
    }
}

/// Queue `email` (its first send failed).
///
/// # Errors
/// The table's.
pub async fn queue(ports: &Ports, email: Email) -> Result<(), AppError> {
    let retry = MailRetry {
        mail_id: ports.ids.lower(),
        email,
        attempts: 1,
        created_at: ports.clock.now().to_string(),
        version: 1,
    };
    ports
        .store
        .put(retry.to_item()?, Condition::NotExists)
        .await?;
    Ok(())
}

/// What [`resend`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ResendReport {
    pub sent: u32,
    pub failed: u32,
    pub given_up: u32,
}

/// Send up to `max` queued messages again, oldest first: a sent one leaves the queue, a failed
/// one counts an attempt and stays, up to [`MAX_MAIL_ATTEMPTS`].
///
/// # Errors
/// The table's (a send failure is counted, not raised).
pub async fn resend(
    ports: &Ports,
    mailer: &dyn Mailer,
    max: u32,
) -> Result<ResendReport, AppError> {
    let query = Query::partition(Index::Gsi2, keys::MAIL_RETRIES).limit(max);
    let (queued, _) = query_page::<MailRetry>(&ports.store, &query).await?;
    let mut report = ResendReport::default();
    for mut retry in queued {
        let version = retry.version;
        let op = match mailer.send(&retry.email).await {
            Ok(_) => {
                report.sent += 1;
                WriteOp::Delete {
                    key: retry.key(),
                    condition: versioned(version),
                }
            }
            Err(error) if retry.attempts + 1 >= MAX_MAIL_ATTEMPTS => {
                tracing::error!(mail_id = %retry.mail_id, error = %error, "mail given up after {MAX_MAIL_ATTEMPTS} attempts");
                report.given_up += 1;
                WriteOp::Delete {
                    key: retry.key(),
                    condition: versioned(version),
                }
            }
            Err(error) => {
                tracing::warn!(mail_id = %retry.mail_id, error = %error, "mail not sent again; it stays queued");
                report.failed += 1;
                retry.attempts += 1;
                retry.version += 1;
                retry.put(versioned(version))?
            }
        };
        match ports.store.transact_write(vec![op]).await {
            Ok(()) | Err(TableError::Conflict(_)) => {}
            Err(error) => return Err(error.into()),
        }
    }
    Ok(report)
}
