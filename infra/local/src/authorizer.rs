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

enum Keys {
    Static(JwkSet),
    Remote {
        url: String,
        client: reqwest::Client,
        cache: RwLock<Option<(JwkSet, Instant)>>,
    },
}

/// Verifies bearer tokens.
pub struct JwtAuthorizer {
    issuer: String,
    audience: String,
    keys: Keys,
    clock: Clock,
}

impl JwtAuthorizer {
    /// Verify against a fixed key set (the local issuer's).
    pub fn with_keys(issuer: &str, audience: &str, jwks: JwkSet, clock: Clock) -> Self {
        JwtAuthorizer {
            issuer: issuer.into(),
            audience: audience.into(),
            keys: Keys::Static(jwks),
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
            clock,
        })
    }

    async fn key(&self, kid: &str) -> Result<DecodingKey, String> {
        let found = |set: &JwkSet| set.find(kid).map(DecodingKey::from_jwk);
        let unknown = || format!("no signing key has the id {kid}");
        match &self.keys {
            Keys::Static(set) => found(set).ok_or_else(unknown)?.map_err(|e| e.to_string()),
            Keys::Remote { url, client, cache } => {
                if let Some((set, _)) = cache.read().await.as_ref()
                    && let Some(key) = found(set)
                {
                    return key.map_err(|e| e.to_string());
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
                    *cache = Some((set, Instant::now()));
                }
                let (set, _) = cache.as_ref().ok_or_else(unknown)?;
                found(set).ok_or_else(unknown)?.map_err(|e| e.to_string())
            }
        }
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
        let head =
            jsonwebtoken::decode_header(token).map_err(|e| format!("malformed token: {e}"))?;
        if head.alg != Algorithm::RS256 {
            return Err(format!("tokens must be RS256, not {:?}", head.alg));
        }
        let kid = head.kid.ok_or("the token names no key id")?;
        let key = self.key(&kid).await?;
        // The library checks the signature only; every claim is checked below, exactly.
        let mut validation = Validation::new(Algorithm::RS256);
        validation.validate_aud = false;
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.required_spec_claims.clear();
        let claims = jsonwebtoken::decode::<Map<String, Value>>(token, &key, &validation)
            .map_err(|e| format!("invalid token: {e}"))?
            .claims;
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
            .into_iter()
            .map(|(name, value)| (name, flatten(value)))
            .collect())
    }
}

/// A claim value as API Gateway HTTP APIs pass it to Lambda.
fn flatten(value: Value) -> String {
    match value {
        Value::String(text) => text,
        Value::Array(items) => {
            let parts: Vec<String> = items.into_iter().map(flatten).collect();
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
}
