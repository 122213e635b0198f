//! The transcript webhook's signature: `TutorBridge-Signature: t=<unix seconds>,v1=<hex>`, the
//! hex HMAC-SHA256 of `"<t>.<body>"` under a shared secret. Several `v1=` values and several
//! secrets are accepted, so a secret can be rotated without dropping deliveries; every
//! comparison is constant-time.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::config::Secret;

/// How far a signature's time may be from now.
pub const TOLERANCE_SECONDS: u64 = 300;

/// Why a delivery's signature is refused (the caller gets a plain 401; this is for the log).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("no TutorBridge-Signature header, or not t=…,v1=…")]
    Malformed,
    #[error("the signature's time is more than five minutes from now")]
    Stale,
    #[error("no signature matches")]
    Mismatch,
}

/// HMAC-SHA256 keyed with `secret` (webhook signatures, signed links).
pub(crate) fn keyed(secret: &Secret) -> Hmac<Sha256> {
    // HMAC takes keys of any length: this cannot fail.
    <Hmac<Sha256> as Mac>::new_from_slice(secret.expose().as_bytes())
        .unwrap_or_else(|_| unreachable())
}

fn mac(secret: &Secret, timestamp: &str, body: &[u8]) -> Hmac<Sha256> {
    let mut mac = keyed(secret);
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

#[allow(clippy::panic)]
fn unreachable() -> Hmac<Sha256> {
    panic!("HMAC takes keys of any length")
}

/// The header value for `body` at `timestamp` (what the Rails app sends; tests sign with it).
pub fn sign(secret: &Secret, timestamp: u64, body: &[u8]) -> String {
    let signature = hex::encode(
        mac(secret, &timestamp.to_string(), body)
            .finalize()
            .into_bytes(),
    );
    format!("t={timestamp},v1={signature}")
}

/// Check `header` over `body` against `secrets` at `now` (seconds).
///
/// # Errors
/// A malformed header, a time outside [`TOLERANCE_SECONDS`], or no matching signature.
pub fn verify(
    header: Option<&str>,
    body: &[u8],
    secrets: &[Secret],
    now: u64,
) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Malformed)?;
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) if timestamp.is_none() => timestamp = Some(value),
            Some(("v1", value)) => signatures.push(value),
            _ => return Err(SignatureError::Malformed),
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::Malformed)?;
    let seconds: u64 = timestamp.parse().map_err(|_| SignatureError::Malformed)?;
    if signatures.is_empty() {
        return Err(SignatureError::Malformed);
    }
    if seconds.abs_diff(now) > TOLERANCE_SECONDS {
        return Err(SignatureError::Stale);
    }
    for secret in secrets {
        for signature in &signatures {
            let Ok(bytes) = hex::decode(signature) else {
                continue;
            };
            if mac(secret, timestamp, body).verify_slice(&bytes).is_ok() {
                return Ok(());
            }
        }
    }
    Err(SignatureError::Mismatch)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_verify_within_five_minutes_under_any_current_secret() {
        let old = Secret::new("old-secret");
        let new = Secret::new("new-secret");
        let body = br#"{"a":1}"#;
        let header = sign(&old, 1_000, body);
        assert_eq!(
            verify(Some(&header), body, &[new.clone(), old.clone()], 1_200),
            Ok(())
        );
        assert_eq!(
            verify(Some(&header), body, std::slice::from_ref(&new), 1_000),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(Some(&header), body, std::slice::from_ref(&old), 1_301),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            verify(
                Some(&header),
                b"{\"a\":2}",
                std::slice::from_ref(&old),
                1_000
            ),
            Err(SignatureError::Mismatch)
        );
        // Two v1 values (the sender signs with both secrets during a rotation).
        let old_signature = sign(&old, 1_000, body);
        let (_, old_hex) = old_signature.split_once("v1=").unwrap();
        let both = format!("{},v1={old_hex}", sign(&new, 1_000, body));
        assert_eq!(verify(Some(&both), body, &[old], 1_000), Ok(()));
        for bad in [
            None,
            Some(""),
            Some("t=1"),
            Some("v1=ab"),
            Some("t=x,v1=ab"),
            Some("t=1,t=2,v1=ab"),
            Some("nonsense"),
        ] {
            assert_eq!(
                verify(bad, body, std::slice::from_ref(&new), 1),
                Err(SignatureError::Malformed),
                "{bad:?}"
            );
        }
    }
}
