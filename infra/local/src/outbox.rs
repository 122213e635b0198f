//! The embedded default's Mailer: every message is written whole (temporary file, then rename)
//! as one RFC 5322 `.eml` file in `<data>/outbox/`, readable by any mail client, and listed at
//! `GET /local/outbox`.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use serde::Serialize;
use tutorbridge_app::mailer::{Email, MailError, Mailer};

/// The from-address of local mail.
pub const LOCAL_FROM: &str = "TutorBridge <no-reply@tutorbridge.local>";

/// Mail written to a folder.
pub struct LocalOutbox {
    dir: PathBuf,
    sequence: AtomicU64,
}

/// One message in the outbox, as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutboxEntry {
    pub file: String,
    pub to: String,
    pub subject: String,
}

impl LocalOutbox {
    /// The outbox in `data_dir/outbox` (made private).
    ///
    /// # Errors
    /// When the folder cannot be made.
    pub fn open(data_dir: &Path) -> std::io::Result<LocalOutbox> {
        let dir = data_dir.join("outbox");
        std::fs::create_dir_all(&dir)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))?;
        }
        Ok(LocalOutbox {
            dir,
            sequence: AtomicU64::new(0),
        })
    }

    /// Every message, oldest first.
    ///
    /// # Errors
    /// When the folder cannot be read.
    pub fn list(&self) -> std::io::Result<Vec<OutboxEntry>> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&self.dir)?
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| path.extension().is_some_and(|e| e == "eml"))
            .collect();
        files.sort();
        files
            .into_iter()
            .map(|path| {
                let text = std::fs::read_to_string(&path)?;
                let header = |name: &str| {
                    text.lines()
                        .take_while(|line| !line.is_empty())
                        .find_map(|line| line.strip_prefix(&format!("{name}: ")))
                        .unwrap_or_default()
                        .to_string()
                };
                Ok(OutboxEntry {
                    file: path
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                    to: header("To"),
                    subject: header("Subject"),
                })
            })
            .collect()
    }

    /// The raw message in `file` (a name from [`LocalOutbox::list`]).
    pub fn read(&self, file: &str) -> Option<String> {
        if file.contains('/') || file.contains("..") {
            return None;
        }
        std::fs::read_to_string(self.dir.join(file)).ok()
    }
}

/// A header value on one line (no header injection through a subject or address).
fn one_line(value: &str) -> String {
    value.replace(['\r', '\n'], " ")
}

#[async_trait]
impl Mailer for LocalOutbox {
    async fn send(&self, email: &Email) -> Result<String, MailError> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let id = format!(
            "{nanos:024}-{:06}",
            self.sequence.fetch_add(1, Ordering::Relaxed)
        );
        let boundary = format!("tutorbridge-{id}");
        let mut message = format!(
            "Message-ID: <{id}@tutorbridge.local>\r\nFrom: {LOCAL_FROM}\r\nTo: {}\r\nSubject: {}\r\nMIME-Version: 1.0\r\n",
            one_line(&email.to),
            one_line(&email.subject)
        );
        for (name, value) in &email.headers {
            message.push_str(&format!("{}: {}\r\n", one_line(name), one_line(value)));
        }
        message.push_str(&format!(
            "Content-Type: multipart/alternative; boundary=\"{boundary}\"\r\n\r\n\
             --{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{}\r\n\
             --{boundary}\r\nContent-Type: text/html; charset=utf-8\r\n\r\n{}\r\n\
             --{boundary}--\r\n",
            email.text, email.html
        ));
        let dir = self.dir.clone();
        let written = id.clone();
        tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            let temporary = dir.join(format!(".{written}.tmp"));
            std::fs::write(&temporary, message)?;
            std::fs::rename(&temporary, dir.join(format!("{written}.eml")))
        })
        .await
        .map_err(MailError::new)?
        .map_err(MailError::new)?;
        Ok(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn messages_are_written_whole_and_listed_in_order() {
        let dir = tempfile::tempdir().expect("dir");
        let outbox = LocalOutbox::open(dir.path()).expect("outbox");
        for n in 0..3 {
            outbox
                .send(&Email {
                    to: "tutor@example.com".into(),
                    subject: format!("Question {n}\r\nBcc: evil@example.com"),
                    text: "plain".into(),
                    html: "<p>html</p>".into(),
                    headers: vec![],
                })
                .await
                .expect("sent");
        }
        let listed = outbox.list().expect("list");
        assert_eq!(listed.len(), 3);
        assert_eq!(listed[2].subject, "Question 2  Bcc: evil@example.com");
        let raw = outbox.read(&listed[0].file).expect("read");
        assert!(raw.contains("Content-Type: text/plain") && raw.contains("<p>html</p>"));
        assert!(!raw.contains("\r\nBcc:"), "no header injection");
    }
}
