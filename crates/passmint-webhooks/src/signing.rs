//! Standard Webhooks signing, symmetric scheme `v1` (<https://www.standardwebhooks.com>).
//!
//! A [`Secret`] is shown to users as `whsec_` + standard base64 of its key bytes (32
//! random bytes for the secrets Passmint generates). A signature is HMAC-SHA256, keyed
//! with the *decoded* key bytes, of `{msg_id}.{timestamp}.{body}`, written `v1,<base64>`.
//! During a secret rotation every live secret signs and the `webhook-signature` header
//! carries one space-separated entry per secret, so a receiver holding either secret
//! verifies ([`signature_header`]). The receiving side is in [`crate::verify`](mod@crate::verify).

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rand::RngCore as _;
use ring::hmac;

/// The prefix of a serialized secret.
pub const SECRET_PREFIX: &str = "whsec_";
/// Key length of the secrets [`Secret::generate`] makes, in bytes.
pub const GENERATED_SECRET_LEN: usize = 32;
/// Shortest key accepted by [`Secret::parse`] (the Standard Webhooks minimum), in bytes.
pub const MIN_SECRET_LEN: usize = 24;
/// Longest key accepted by [`Secret::parse`] (the Standard Webhooks maximum), in bytes.
pub const MAX_SECRET_LEN: usize = 64;
/// The version tag of symmetric (HMAC-SHA256) signatures.
pub const SIGNATURE_VERSION: &str = "v1";

/// A webhook signing secret. `Debug` never prints the key.
#[derive(Clone)]
pub struct Secret {
    bytes: Box<[u8]>,
    key: hmac::Key,
}

/// Why a string or byte slice is not a valid [`Secret`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    /// The string does not start with `whsec_`.
    #[error("a webhook secret starts with \"whsec_\"")]
    MissingPrefix,
    /// What follows the prefix is not standard (padded) base64.
    #[error("a webhook secret is \"whsec_\" followed by standard base64")]
    InvalidBase64,
    /// The decoded key is shorter or longer than the Standard Webhooks bounds.
    #[error("a webhook secret decodes to {MIN_SECRET_LEN} to {MAX_SECRET_LEN} bytes, not {0}")]
    BadLength(usize),
}

impl Secret {
    /// A fresh secret of [`GENERATED_SECRET_LEN`] bytes from the thread-local CSPRNG
    /// (ChaCha12 seeded and periodically reseeded from the operating system).
    pub fn generate() -> Self {
        let mut bytes = [0u8; GENERATED_SECRET_LEN];
        rand::rng().fill_bytes(&mut bytes);
        Self::new_unchecked(&bytes)
    }

    /// A secret from raw key bytes ([`MIN_SECRET_LEN`]..=[`MAX_SECRET_LEN`]).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, SecretError> {
        if !(MIN_SECRET_LEN..=MAX_SECRET_LEN).contains(&bytes.len()) {
            return Err(SecretError::BadLength(bytes.len()));
        }
        Ok(Self::new_unchecked(bytes))
    }

    /// Parses the `whsec_<base64>` form (as returned by [`Secret::to_whsec`]).
    pub fn parse(s: &str) -> Result<Self, SecretError> {
        let b64 = s
            .strip_prefix(SECRET_PREFIX)
            .ok_or(SecretError::MissingPrefix)?;
        let bytes = STANDARD
            .decode(b64)
            .map_err(|_| SecretError::InvalidBase64)?;
        Self::from_bytes(&bytes)
    }

    /// The serialized form, `whsec_` + base64 of the key: what the API shows once and
    /// what storage keeps.
    pub fn to_whsec(&self) -> String {
        format!("{SECRET_PREFIX}{}", STANDARD.encode(&self.bytes))
    }

    /// The raw key bytes (the HMAC key).
    pub fn key_bytes(&self) -> &[u8] {
        &self.bytes
    }

    pub(crate) fn hmac_key(&self) -> &hmac::Key {
        &self.key
    }

    fn new_unchecked(bytes: &[u8]) -> Self {
        Self {
            bytes: bytes.into(),
            key: hmac::Key::new(hmac::HMAC_SHA256, bytes),
        }
    }
}

impl FromStr for Secret {
    type Err = SecretError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(whsec_<redacted>)")
    }
}

/// The signed content, `{msg_id}.{timestamp}.{body}`.
pub(crate) fn signed_content(msg_id: &str, timestamp: i64, body: &[u8]) -> Vec<u8> {
    let timestamp = timestamp.to_string();
    let mut content = Vec::with_capacity(msg_id.len() + timestamp.len() + body.len() + 2);
    content.extend_from_slice(msg_id.as_bytes());
    content.push(b'.');
    content.extend_from_slice(timestamp.as_bytes());
    content.push(b'.');
    content.extend_from_slice(body);
    content
}

fn sign_content(secret: &Secret, content: &[u8]) -> String {
    let tag = hmac::sign(secret.hmac_key(), content);
    format!("{SIGNATURE_VERSION},{}", STANDARD.encode(tag.as_ref()))
}

/// One signature, `v1,<base64 HMAC-SHA256 of "{msg_id}.{timestamp}.{body}">`.
pub fn sign(secret: &Secret, msg_id: &str, timestamp: i64, body: &[u8]) -> String {
    sign_content(secret, &signed_content(msg_id, timestamp, body))
}

/// The `webhook-signature` value: one `v1,...` entry per secret, space-separated, in
/// the order given (current secret first, then the one being rotated out). Empty when
/// `secrets` is.
pub fn signature_header(secrets: &[Secret], msg_id: &str, timestamp: i64, body: &[u8]) -> String {
    let content = signed_content(msg_id, timestamp, body);
    secrets
        .iter()
        .map(|secret| sign_content(secret, &content))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    /// The signing vector of the Standard Webhooks reference libraries
    /// (github.com/standard-webhooks/standard-webhooks, e.g. `libraries/rust`'s
    /// `test_sign`; the svix libraries test the same one).
    const REF_SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
    const REF_ID: &str = "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk";
    const REF_TS: i64 = 1_649_367_553;
    const REF_BODY: &[u8] = br#"{"email":"test@example.com","username":"test_user"}"#;
    const REF_SIG: &str = "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=";

    #[test]
    fn reference_vector() {
        let secret = Secret::parse(REF_SECRET).unwrap();
        assert_eq!(sign(&secret, REF_ID, REF_TS, REF_BODY), REF_SIG);
        assert_eq!(
            signature_header(std::slice::from_ref(&secret), REF_ID, REF_TS, REF_BODY),
            REF_SIG
        );
    }

    #[test]
    fn generated_secrets_round_trip_and_differ() {
        let a = Secret::generate();
        let b = Secret::generate();
        assert_eq!(a.key_bytes().len(), GENERATED_SECRET_LEN);
        assert_ne!(a.key_bytes(), b.key_bytes());
        let s = a.to_whsec();
        assert!(s.starts_with("whsec_"));
        // 32 bytes -> 44 base64 characters.
        assert_eq!(s.len(), "whsec_".len() + 44);
        assert_eq!(Secret::parse(&s).unwrap().key_bytes(), a.key_bytes());
        assert_eq!(s.parse::<Secret>().unwrap().to_whsec(), s);
    }

    #[test]
    fn parse_errors() {
        assert_eq!(
            Secret::parse("C2FVsBQIhrscChlQIMV+b5sSYspob7oD").unwrap_err(),
            SecretError::MissingPrefix
        );
        assert_eq!(
            Secret::parse("whsec_not base64!").unwrap_err(),
            SecretError::InvalidBase64
        );
        assert_eq!(
            Secret::parse("whsec_c2hvcnQ=").unwrap_err(),
            SecretError::BadLength(5)
        );
        assert_eq!(
            Secret::from_bytes(&[7; 65]).unwrap_err(),
            SecretError::BadLength(65)
        );
        assert!(Secret::from_bytes(&[7; 24]).is_ok());
        assert!(Secret::from_bytes(&[7; 64]).is_ok());
    }

    #[test]
    fn debug_redacts() {
        let secret = Secret::generate();
        let debug = format!("{secret:?}");
        assert!(!debug.contains(&secret.to_whsec()[6..]));
        assert!(debug.contains("redacted"));
    }

    #[test]
    fn signature_depends_on_every_part() {
        let secret = Secret::parse(REF_SECRET).unwrap();
        let base = sign(&secret, REF_ID, REF_TS, REF_BODY);
        assert_ne!(sign(&secret, "msg_other", REF_TS, REF_BODY), base);
        assert_ne!(sign(&secret, REF_ID, REF_TS + 1, REF_BODY), base);
        assert_ne!(sign(&secret, REF_ID, REF_TS, b"{}"), base);
        assert_ne!(sign(&Secret::generate(), REF_ID, REF_TS, REF_BODY), base);
    }

    #[test]
    fn rotation_header_has_one_entry_per_secret_in_order() {
        let current = Secret::generate();
        let previous = Secret::parse(REF_SECRET).unwrap();
        let header = signature_header(&[current.clone(), previous], REF_ID, REF_TS, REF_BODY);
        let entries: Vec<&str> = header.split(' ').collect();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0], sign(&current, REF_ID, REF_TS, REF_BODY));
        assert_eq!(entries[1], REF_SIG);
        assert_eq!(signature_header(&[], REF_ID, REF_TS, REF_BODY), "");
    }
}
