//! A stable, non-cryptographic fingerprint of text (FNV-1a): recognises a retried reply without
//! keeping a second copy of it, and derives deterministic seeds and lock stripes from ids.

/// The 64-bit fingerprint of `text`.
pub(crate) fn fingerprint(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325u64, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The fingerprint as 16 hex digits, as stored beside a result.
pub(crate) fn digest(text: &str) -> String {
    format!("{:016x}", fingerprint(text))
}
