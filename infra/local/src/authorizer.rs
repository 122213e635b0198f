//! API Gateway's JWT authorizer, played locally: RS256 signature against a JWKS, then every
//! claim checked exactly: `iss` (the configured string, nothing else), `sub` (a non-empty
//! string), `token_use` (`id` or `access`), audience (`aud`, or `client_id` for access tokens),
//! `exp` (a number in the future) and `nbf`. The verified
//! claims are handed on the way API Gateway hands them: every value a string, lists as `[a b]`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Map, Value};
use tokio::sync::RwLock;

/// Seconds since the epoch; injectable so tests can move time forward.
pub type Clock = Arc<dyn Fn() -> u64 + Send + Sync>;

/// The real clock.
pub fn system_clock() -> Clock {
    Arc::new(tutorbridge_table::now_epoch_seconds)
}

/// Refetch a remote JWKS for an unknown key id at most this often.
const REFRESH_INTERVAL: Duration = Duration::from_secs(30);

/// Verification keys by key id, each decoded once.
type KeyById = HashMap<String, Arc<DecodingKey>>;

fn decode_keys(set: &JwkSet) -> KeyById {
    set.keys
        .iter()
        .filter_map(|jwk| {
            let kid = jwk.common.key_id.clone()?;
            match DecodingKey::from_jwk(jwk) {
                Ok(key) => Some((kid, Arc::new(key))),
                Err(error) => {
                    tracing::warn!(%kid, %error, "a JWKS key cannot be used; skipped");
                    None
                }
            }
        })
        .collect()
}

enum Keys {
    Static(KeyById),
    Remote {
        url: String,
        client: reqwest::Client,
        cache: RwLock<Option<(KeyById, Instant)>>,
    },
}

/// Tokens whose signature has been verified, with their claims, so a client that sends the
/// same token again (every request of a session) costs a lookup instead of an RSA
/// verification. Keyed by the whole token, so a hit is byte for byte a token that was
/// verified; every claim (expiry included) is still checked on every request. Bounded: when
/// full it starts over.
#[derive(Default)]
struct Verified {
    tokens: std::sync::Mutex<HashMap<String, Arc<Map<String, Value>>>>,
}

/// Most verified tokens remembered (a few MB at most).
const VERIFIED_TOKENS: usize = 4096;

impl Verified {
    fn get(&self, token: &str) -> Option<Arc<Map<String, Value>>> {
        self.tokens.lock().ok()?.get(token).cloned()
    }

    fn remember(&self, token: &str, claims: Arc<Map<String, Value>>) {
        if let Ok(mut tokens) = self.tokens.lock() {
            if tokens.len() >= VERIFIED_TOKENS {
                tokens.clear();
            }
            tokens.insert(token.to_string(), claims);
        }
    }
}

/// Verifies bearer tokens.
pub struct JwtAuthorizer {
    issuer: String,
    audience: String,
    keys: Keys,
    verified: Verified,
    clock: Clock,
}

impl JwtAuthorizer {
    /// Verify against a fixed key set (the local issuer's).
    pub fn with_keys(issuer: &str, audience: &str, jwks: JwkSet, clock: Clock) -> Self {
        JwtAuthorizer {
            issuer: issuer.into(),
            audience: audience.into(),
            keys: Keys::Static(decode_keys(&jwks)),
            verified: Verified::default(),
            clock,
        }
    }

    /// Verify against the JWKS served at `url`, fetched on first use and on unknown key ids.
    pub fn remote(issuer: &str, audience: &str, url: &str, clock: Clock) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()?;
        Ok(JwtAuthorizer {
            issuer: issuer.into(),
            audience: audience.into(),
            keys: Keys::Remote {
                url: url.into(),
                client,
                cache: RwLock::new(None),
            },
            verified: Verified::default(),
            clock,
        })
    }

    async fn key(&self, kid: &str) -> Result<Arc<DecodingKey>, String> {
        let unknown = || format!("no signing key has the id {kid}");
        match &self.keys {
            Keys::Static(keys) => keys.get(kid).cloned().ok_or_else(unknown),
            Keys::Remote { url, client, cache } => {
                if let Some((keys, _)) = cache.read().await.as_ref()
                    && let Some(key) = keys.get(kid)
                {
                    return Ok(Arc::clone(key));
                }
                let mut cache = cache.write().await;
                let stale = cache
                    .as_ref()
                    .is_none_or(|(_, at)| at.elapsed() >= REFRESH_INTERVAL);
                if stale {
                    let set: JwkSet = async {
                        client
                            .get(url)
                            .send()
                            .await?
                            .error_for_status()?
                            .json()
                            .await
                    }
                    .await
                    .map_err(|e: reqwest::Error| format!("could not fetch the JWKS: {e}"))?;
                    *cache = Some((decode_keys(&set), Instant::now()));
                }
                let (keys, _) = cache.as_ref().ok_or_else(unknown)?;
                keys.get(kid).cloned().ok_or_else(unknown)
            }
        }
    }

    /// The token's claims once its signature is verified (or remembered as verified).
    async fn signed_claims(&self, token: &str) -> Result<Arc<Map<String, Value>>, String> {
        if let Some(claims) = self.verified.get(token) {
            return Ok(claims);
        }
        let head =
            jsonwebtoken::decode_header(token).map_err(|e| format!("malformed token: {e}"))?;
        if head.alg != Algorithm::RS256 {
            return Err(format!("tokens must be RS256, not {:?}", head.alg));
        }
        let kid = head.kid.ok_or("the token names no key id")?;
        let key = self.key(&kid).await?;
        // The library checks the signature only; every claim is checked by the caller, exactly.
        let mut validation = Validation::new(Algorithm::RS256);
        validation.validate_aud = false;
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.required_spec_claims.clear();
        let claims = jsonwebtoken::decode::<Map<String, Value>>(token, &key, &validation)
            .map_err(|e| format!("invalid token: {e}"))?
            .claims;
        let claims = Arc::new(claims);
        self.verified.remember(token, Arc::clone(&claims));
        Ok(claims)
    }

    /// Verify the `Authorization` header's bearer token; the claims in API Gateway's form, or
    /// why the token was refused (for the log — clients get a plain 401).
    pub async fn authorize(
        &self,
        authorization: Option<&str>,
    ) -> Result<HashMap<String, String>, String> {
        let header = authorization.ok_or("no Authorization header")?;
        let (scheme, token) = header
            .trim()
            .split_once(' ')
            .ok_or("the Authorization header is not 'Bearer <token>'")?;
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Err("the Authorization scheme is not Bearer".into());
        }
        let token = token.trim();
        let claims = self.signed_claims(token).await?;
        if claims.get("iss").and_then(Value::as_str) != Some(self.issuer.as_str()) {
            return Err("the token's issuer is missing or not the configured one".into());
        }
        if claims
            .get("sub")
            .and_then(Value::as_str)
            .is_none_or(str::is_empty)
        {
            return Err("the token has no subject".into());
        }
        if !matches!(
            claims.get("token_use").and_then(Value::as_str),
            Some("id" | "access")
        ) {
            return Err("the token is neither an ID nor an access token".into());
        }
        let now = (self.clock)();
        match claims.get("exp").and_then(Value::as_u64) {
            Some(exp) if exp > now => {}
            Some(_) => return Err("the token has expired".into()),
            None => return Err("the token has no expiry".into()),
        }
        if claims
            .get("nbf")
            .and_then(Value::as_u64)
            .is_some_and(|nbf| nbf > now)
        {
            return Err("the token is not valid yet".into());
        }
        let audience = claims.get("aud").or_else(|| claims.get("client_id"));
        let audience_matches = match audience {
            Some(Value::String(aud)) => aud == &self.audience,
            Some(Value::Array(auds)) => auds
                .iter()
                .any(|aud| aud.as_str() == Some(self.audience.as_str())),
            _ => false,
        };
        if !audience_matches {
            return Err("the token was issued for another audience (app client)".into());
        }
        Ok(claims
            .iter()
            .map(|(name, value)| (name.clone(), flatten(value)))
            .collect())
    }
}

/// A claim value as API Gateway HTTP APIs pass it to Lambda.
fn flatten(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(flatten).collect();
            format!("[{}]", parts.join(" "))
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::issuer::{LOCAL_AUDIENCE, LOCAL_ISSUER, LocalIssuer};

    const NOW: u64 = 4_000_000_000;

    fn fixture() -> (tempfile::TempDir, LocalIssuer, JwtAuthorizer) {
        let dir = tempfile::tempdir().expect("tempdir");
        let issuer = LocalIssuer::load_or_create(dir.path()).expect("issuer");
        let authorizer = JwtAuthorizer::with_keys(
            LOCAL_ISSUER,
            LOCAL_AUDIENCE,
            issuer.jwks().clone(),
            Arc::new(|| NOW),
        );
        (dir, issuer, authorizer)
    }

    fn good() -> Value {
        json!({
            "sub": "u-1", "aud": LOCAL_AUDIENCE, "iss": LOCAL_ISSUER, "token_use": "id",
            "cognito:groups": ["student"], "exp": NOW + 60,
        })
    }

    async fn verdict(authorizer: &JwtAuthorizer, issuer: &LocalIssuer, claims: Value) -> bool {
        let token = issuer.sign(&claims).expect("sign");
        authorizer
            .authorize(Some(&format!("Bearer {token}")))
            .await
            .is_ok()
    }

    #[tokio::test]
    async fn the_issuer_subject_expiry_and_token_use_are_required_exactly() {
        let (_dir, issuer, authorizer) = fixture();
        assert!(
            verdict(&authorizer, &issuer, good()).await,
            "the good token passes"
        );
        let access = {
            let mut claims = good();
            claims["token_use"] = json!("access");
            claims["client_id"] = json!(LOCAL_AUDIENCE);
            claims.as_object_mut().expect("object").remove("aud");
            claims
        };
        assert!(
            verdict(&authorizer, &issuer, access).await,
            "access tokens pass"
        );
        type Change = Box<dyn Fn(&mut Value)>;
        let cases: Vec<(&str, Change)> = vec![
            (
                "no iss",
                Box::new(|c| {
                    c.as_object_mut().expect("o").remove("iss");
                }),
            ),
            ("numeric iss", Box::new(|c| c["iss"] = json!(12345))),
            ("null iss", Box::new(|c| c["iss"] = Value::Null)),
            (
                "iss list",
                Box::new(|c| c["iss"] = json!([LOCAL_ISSUER, "https://evil.example"])),
            ),
            (
                "other iss",
                Box::new(|c| c["iss"] = json!("https://evil.example")),
            ),
            (
                "no sub",
                Box::new(|c| {
                    c.as_object_mut().expect("o").remove("sub");
                }),
            ),
            ("empty sub", Box::new(|c| c["sub"] = json!(""))),
            ("numeric sub", Box::new(|c| c["sub"] = json!(7))),
            (
                "no exp",
                Box::new(|c| {
                    c.as_object_mut().expect("o").remove("exp");
                }),
            ),
            ("string exp", Box::new(|c| c["exp"] = json!("99999999999"))),
            ("expired", Box::new(|c| c["exp"] = json!(NOW - 1))),
            (
                "no token_use",
                Box::new(|c| {
                    c.as_object_mut().expect("o").remove("token_use");
                }),
            ),
            (
                "refresh token_use",
                Box::new(|c| c["token_use"] = json!("refresh")),
            ),
            (
                "other audience",
                Box::new(|c| c["aud"] = json!("someone-else")),
            ),
        ];
        for (name, change) in cases {
            let mut claims = good();
            change(&mut claims);
            assert!(
                !verdict(&authorizer, &issuer, claims).await,
                "{name} must be refused"
            );
        }
    }

    #[tokio::test]
    async fn a_remembered_token_is_still_checked_for_expiry_and_a_tampered_one_is_not_remembered() {
        let dir = tempfile::tempdir().expect("tempdir");
        let issuer = LocalIssuer::load_or_create(dir.path()).expect("issuer");
        let now = Arc::new(std::sync::atomic::AtomicU64::new(NOW));
        let clock = {
            let now = Arc::clone(&now);
            Arc::new(move || now.load(std::sync::atomic::Ordering::SeqCst))
        };
        let authorizer =
            JwtAuthorizer::with_keys(LOCAL_ISSUER, LOCAL_AUDIENCE, issuer.jwks().clone(), clock);
        let token = issuer.sign(&good()).expect("sign");
        let header = format!("Bearer {token}");
        for _ in 0..3 {
            let claims = authorizer.authorize(Some(&header)).await.expect("valid");
            assert_eq!(claims.get("sub").map(String::as_str), Some("u-1"));
            assert_eq!(
                claims.get("cognito:groups").map(String::as_str),
                Some("[student]")
            );
        }
        // The same bytes with another signature: not the remembered token, so verified, and
        // refused.
        let (signed, signature) = token.rsplit_once('.').expect("three parts");
        let mut forged = signature.as_bytes().to_vec();
        forged[10] = if forged[10] == b'A' { b'B' } else { b'A' };
        let forged = format!(
            "Bearer {signed}.{}",
            String::from_utf8(forged).expect("ascii")
        );
        assert!(authorizer.authorize(Some(&forged)).await.is_err());
        // Past its expiry the remembered token is refused like any other.
        now.store(NOW + 61, std::sync::atomic::Ordering::SeqCst);
        assert!(authorizer.authorize(Some(&header)).await.is_err());
    }
}
