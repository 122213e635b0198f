//! The local stand-in for Cognito: an RS256 key kept in the data folder, a JWKS, and ID tokens
//! with the claims Cognito puts there (`sub`, `email`, `cognito:groups`, `aud`, `token_use`).

use std::path::Path;

use anyhow::Context;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rsa::RsaPrivateKey;
use rsa::pkcs1::{DecodeRsaPrivateKey, EncodeRsaPrivateKey, LineEnding};
use rsa::traits::PublicKeyParts;
use serde_json::json;

use crate::demo::DemoUser;

/// The `iss` claim of locally issued tokens.
pub const LOCAL_ISSUER: &str = "urn:tutorbridge:local-issuer";
/// The `aud` claim (Cognito's app client id) of locally issued tokens.
pub const LOCAL_AUDIENCE: &str = "tutorbridge-local";
const KEY_FILE: &str = "issuer-key.pem";

/// Signs tokens for the demo users.
pub struct LocalIssuer {
    encoding: EncodingKey,
    kid: String,
    jwks: JwkSet,
}

impl LocalIssuer {
    /// Load the issuer key from `data_dir`, creating it (mode 0600) on first start, so tokens
    /// stay valid across restarts.
    pub fn load_or_create(data_dir: &Path) -> anyhow::Result<LocalIssuer> {
        let path = data_dir.join(KEY_FILE);
        let key = if path.exists() {
            let pem = std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}", path.display()))?;
            RsaPrivateKey::from_pkcs1_pem(&pem)
                .with_context(|| format!("{} is not an RSA key", path.display()))?
        } else {
            let key = RsaPrivateKey::new(&mut rand::thread_rng(), 2048)
                .context("generating the issuer key")?;
            let pem = key
                .to_pkcs1_pem(LineEnding::LF)
                .context("encoding the issuer key")?;
            write_private(&path, pem.as_bytes())?;
            key
        };
        let pem = key
            .to_pkcs1_pem(LineEnding::LF)
            .context("encoding the issuer key")?;
        let encoding =
            EncodingKey::from_rsa_pem(pem.as_bytes()).context("loading the issuer key")?;
        let n = key.n().to_bytes_be();
        let e = key.e().to_bytes_be();
        let kid = format!("local-{}", URL_SAFE_NO_PAD.encode(&n[..12]));
        let jwks = serde_json::from_value(json!({
            "keys": [{
                "kty": "RSA", "alg": "RS256", "use": "sig", "kid": kid,
                "n": URL_SAFE_NO_PAD.encode(&n), "e": URL_SAFE_NO_PAD.encode(&e),
            }]
        }))
        .context("building the JWKS")?;
        Ok(LocalIssuer {
            encoding,
            kid,
            jwks,
        })
    }

    /// The public keys, as a JWKS document.
    pub fn jwks(&self) -> &JwkSet {
        &self.jwks
    }

    /// A token carrying exactly `claims`, signed with the issuer's key (tests forge odd tokens
    /// with it; [`LocalIssuer::issue`] makes the real ones).
    pub fn sign(&self, claims: &serde_json::Value) -> anyhow::Result<String> {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.encoding).context("signing a token")
    }

    /// An ID token for `user`, valid for `ttl_seconds` from `now`.
    pub fn issue(&self, user: &DemoUser, now: u64, ttl_seconds: u64) -> anyhow::Result<String> {
        let claims = json!({
            "sub": user.id,
            "aud": LOCAL_AUDIENCE,
            "iss": LOCAL_ISSUER,
            "token_use": "id",
            "email": user.email,
            "email_verified": true,
            "cognito:username": user.id,
            "cognito:groups": [user.role.group()],
            "iat": now,
            "auth_time": now,
            "exp": now + ttl_seconds,
        });
        self.sign(&claims)
    }
}

/// Write `bytes` to `path` readable by the owner only, durably: a temporary file (0600) is
/// written and synced, then renamed over `path`, and the folder synced, so a crash leaves
/// either no key or the whole key, never half of one.
fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let temporary = path.with_extension("pem.tmp");
    let _ = std::fs::remove_file(&temporary);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(&temporary)
        .with_context(|| format!("creating {}", temporary.display()))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .with_context(|| format!("writing {}", temporary.display()))?;
    drop(file);
    std::fs::rename(&temporary, path)
        .with_context(|| format!("moving the key into {}", path.display()))?;
    if let Some(folder) = path.parent() {
        std::fs::File::open(folder)
            .and_then(|folder| folder.sync_all())
            .with_context(|| format!("syncing {}", folder.display()))?;
    }
    Ok(())
}
