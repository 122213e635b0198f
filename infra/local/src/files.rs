//! The FileStore port on the embedded default: objects in `<data>/objects/`, uploaded and
//! downloaded through this gateway with HMAC-signed, expiring URLs. Stricter than the AWS
//! emulator (which checks no policy): the gateway refuses a form whose signature, expiry, key,
//! type or size does not match what was signed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use async_trait::async_trait;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use tutorbridge_app::file_store::{FileStore, FileStoreError, PresignedPost, StoredObject};

/// The secret's file in the data folder (made once, 0600, kept across restarts).
const SECRET_FILE: &str = "files-secret";

/// Objects in a folder, with URLs signed by a secret only this gateway knows.
pub struct LocalFileStore {
    root: PathBuf,
    secret: Vec<u8>,
    base_url: String,
}

/// What a signed upload form promises.
pub struct SignedForm<'a> {
    pub key: &'a str,
    pub content_type: &'a str,
    pub max_bytes: u64,
    pub expires: u64,
}

fn now_seconds() -> u64 {
    tutorbridge_table::now_epoch_seconds()
}

/// A key is `folder/owner/id` made of key-safe characters: it never leaves the root.
pub fn safe_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 512
        && !key.starts_with('/')
        && key
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != "..")
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '-' | '_' | '.'))
}

impl LocalFileStore {
    /// The store under `data_dir`, its URLs rooted at `base_url` (the gateway's).
    pub fn open(data_dir: &Path, base_url: &str) -> anyhow::Result<LocalFileStore> {
        let root = data_dir.join("objects");
        std::fs::create_dir_all(&root).with_context(|| format!("creating {}", root.display()))?;
        let secret_path = data_dir.join(SECRET_FILE);
        let secret = match std::fs::read(&secret_path) {
            Ok(secret) if secret.len() == 32 => secret,
            _ => {
                let secret: Vec<u8> = (0..32).map(|_| rand::random::<u8>()).collect();
                std::fs::write(&secret_path, &secret)
                    .with_context(|| format!("writing {}", secret_path.display()))?;
                #[cfg(unix)]
                {
                    use std::os::unix::fs::PermissionsExt;
                    std::fs::set_permissions(&secret_path, std::fs::Permissions::from_mode(0o600))?;
                }
                secret
            }
        };
        Ok(LocalFileStore {
            root,
            secret,
            base_url: base_url.trim_end_matches('/').to_string(),
        })
    }

    fn mac(&self, message: &str) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.secret)
            .unwrap_or_else(|_| unreachable_key_length());
        mac.update(message.as_bytes());
        mac
    }

    fn sign(&self, message: &str) -> String {
        hex::encode(self.mac(message).finalize().into_bytes())
    }

    /// Whether `signature` (hex) signs `message`, compared in constant time.
    fn verify(&self, message: &str, signature: &str) -> bool {
        match hex::decode(signature) {
            Ok(bytes) => self.mac(message).verify_slice(&bytes).is_ok(),
            Err(_) => false,
        }
    }

    fn post_message(form: &SignedForm<'_>) -> String {
        format!(
            "post\n{}\n{}\n{}\n{}",
            form.key, form.content_type, form.max_bytes, form.expires
        )
    }

    /// Whether an upload form is one this store signed and still valid.
    pub fn accepts(&self, form: &SignedForm<'_>, signature: &str) -> bool {
        safe_key(form.key)
            && form.expires >= now_seconds()
            && self.verify(&Self::post_message(form), signature)
    }

    /// Whether a download URL is one this store signed and still valid.
    pub fn accepts_download(&self, key: &str, expires: u64, signature: &str) -> bool {
        safe_key(key)
            && expires >= now_seconds()
            && self.verify(&format!("get\n{key}\n{expires}"), signature)
    }

    fn path(&self, key: &str) -> Result<PathBuf, FileStoreError> {
        if safe_key(key) {
            Ok(self.root.join(key))
        } else {
            Err(FileStoreError::new(format!("'{key}' is not an object key")))
        }
    }

    fn type_path(path: &Path) -> PathBuf {
        let mut name = path.as_os_str().to_owned();
        name.push(".content-type");
        PathBuf::from(name)
    }
}

#[allow(clippy::panic)]
fn unreachable_key_length() -> Hmac<Sha256> {
    panic!("HMAC takes keys of any length")
}

#[async_trait]
impl FileStore for LocalFileStore {
    async fn presign_post(
        &self,
        key: &str,
        content_type: &str,
        max_bytes: u64,
        expires_in: Duration,
    ) -> Result<PresignedPost, FileStoreError> {
        let expires = now_seconds() + expires_in.as_secs();
        let form = SignedForm {
            key,
            content_type,
            max_bytes,
            expires,
        };
        let signature = self.sign(&Self::post_message(&form));
        let expires_at = jiff::Timestamp::from_second(expires as i64)
            .map_err(FileStoreError::new)?
            .to_string();
        Ok(PresignedPost {
            url: format!("{}/local/objects", self.base_url),
            fields: BTreeMap::from([
                ("key".into(), key.into()),
                ("Content-Type".into(), content_type.into()),
                ("x-max-bytes".into(), max_bytes.to_string()),
                ("x-expires".into(), expires.to_string()),
                ("x-signature".into(), signature),
            ]),
            expires_at,
        })
    }

    async fn presign_get(&self, key: &str, expires_in: Duration) -> Result<String, FileStoreError> {
        self.path(key)?;
        let expires = now_seconds() + expires_in.as_secs();
        let signature = self.sign(&format!("get\n{key}\n{expires}"));
        Ok(format!(
            "{}/local/objects/{key}?expires={expires}&signature={signature}",
            self.base_url
        ))
    }

    async fn head(&self, key: &str) -> Result<Option<StoredObject>, FileStoreError> {
        let path = self.path(key)?;
        match tokio::fs::metadata(&path).await {
            Ok(meta) => Ok(Some(StoredObject {
                size: meta.len(),
                content_type: tokio::fs::read_to_string(Self::type_path(&path)).await.ok(),
            })),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(FileStoreError::new(error)),
        }
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, FileStoreError> {
        match tokio::fs::read(self.path(key)?).await {
            Ok(bytes) => Ok(Some(bytes)),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(FileStoreError::new(error)),
        }
    }

    async fn put(
        &self,
        key: &str,
        bytes: Vec<u8>,
        content_type: &str,
    ) -> Result<(), FileStoreError> {
        let path = self.path(key)?;
        if let Some(folder) = path.parent() {
            tokio::fs::create_dir_all(folder)
                .await
                .map_err(FileStoreError::new)?;
        }
        // Written beside and renamed, so a reader never sees half an object.
        let partial = Self::type_path(&path).with_extension("partial");
        tokio::fs::write(&partial, &bytes)
            .await
            .map_err(FileStoreError::new)?;
        tokio::fs::write(Self::type_path(&path), content_type)
            .await
            .map_err(FileStoreError::new)?;
        tokio::fs::rename(&partial, &path)
            .await
            .map_err(FileStoreError::new)
    }

    async fn delete(&self, key: &str) -> Result<(), FileStoreError> {
        let path = self.path(key)?;
        for file in [Self::type_path(&path), path] {
            match tokio::fs::remove_file(&file).await {
                Ok(()) => {}
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
                Err(error) => return Err(FileStoreError::new(error)),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_stay_inside_the_root() {
        assert!(safe_key("materials/stu-1/01abc"));
        for bad in [
            "",
            "/etc/passwd",
            "a/../b",
            "a//b",
            "a/./b",
            "a b",
            "a\\b",
            "..",
            "a/\u{0}",
        ] {
            assert!(!safe_key(bad), "{bad:?}");
        }
    }

    #[tokio::test]
    async fn signed_forms_and_urls_verify_and_tampering_or_expiry_does_not() {
        let dir = tempfile::tempdir().expect("dir");
        let store = LocalFileStore::open(dir.path(), "http://127.0.0.1:1").expect("store");
        let post = store
            .presign_post(
                "materials/u/1",
                "application/pdf",
                100,
                Duration::from_secs(60),
            )
            .await
            .expect("post");
        let form = |ct: &'static str, max: u64| SignedForm {
            key: "materials/u/1",
            content_type: ct,
            max_bytes: max,
            expires: post.fields["x-expires"].parse().expect("expires"),
        };
        let signature = &post.fields["x-signature"];
        assert!(store.accepts(&form("application/pdf", 100), signature));
        assert!(!store.accepts(&form("text/html", 100), signature), "type");
        assert!(
            !store.accepts(&form("application/pdf", 10_000), signature),
            "size"
        );
        let expired = SignedForm {
            expires: now_seconds() - 1,
            ..form("application/pdf", 100)
        };
        assert!(!store.accepts(
            &expired,
            &store.sign(&LocalFileStore::post_message(&expired))
        ));
        store
            .put("materials/u/1", b"pdf".to_vec(), "application/pdf")
            .await
            .expect("put");
        assert_eq!(
            store.head("materials/u/1").await.expect("head"),
            Some(StoredObject {
                size: 3,
                content_type: Some("application/pdf".into())
            })
        );
        store.delete("materials/u/1").await.expect("delete");
        assert_eq!(store.get("materials/u/1").await.expect("get"), None);
    }
}
