//! Receiving side of the Standard Webhooks scheme: checks a request's
//! `webhook-signature` against one or more secrets, in constant time (`ring::hmac::verify`),
//! and its `webhook-timestamp` against a replay window.
//!
//! Passmint itself only sends; this is for tests and for Rust users of Passmint.
//! Any off-the-shelf Standard Webhooks verifier accepts the same requests.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use reqwest::header::HeaderMap;
use ring::hmac;

use crate::headers::{WEBHOOK_ID, WEBHOOK_SIGNATURE, WEBHOOK_TIMESTAMP, unix_now};
use crate::signing::{SIGNATURE_VERSION, Secret, signed_content};

/// The replay window the Standard Webhooks libraries use: five minutes either way.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(5 * 60);

/// Why a request does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// A required header is absent.
    #[error("missing header {0}")]
    MissingHeader(&'static str),
    /// A header is not visible ASCII.
    #[error("header {0} is not visible ASCII")]
    InvalidHeader(&'static str),
    /// `webhook-timestamp` is not an integer.
    #[error("webhook-timestamp is not an integer number of seconds")]
    InvalidTimestamp,
    /// The timestamp is older than the tolerance.
    #[error("webhook-timestamp is too old")]
    TimestampTooOld,
    /// The timestamp is further in the future than the tolerance.
    #[error("webhook-timestamp is too far in the future")]
    TimestampInFuture,
    /// No secret to verify with.
    #[error("no secret to verify with")]
    NoSecret,
    /// No `v1` entry matches any of the secrets.
    #[error("no webhook-signature entry matches")]
    NoMatchingSignature,
}

/// Verifies `headers` and `body` against `secrets` (any one matching is enough), with
/// the timestamp within `tolerance` of now.
pub fn verify(
    secrets: &[Secret],
    headers: &HeaderMap,
    body: &[u8],
    tolerance: Duration,
) -> Result<(), VerifyError> {
    verify_at(secrets, headers, body, tolerance, unix_now())
}

/// [`verify`] with an explicit "now" (Unix seconds).
pub fn verify_at(
    secrets: &[Secret],
    headers: &HeaderMap,
    body: &[u8],
    tolerance: Duration,
    now: i64,
) -> Result<(), VerifyError> {
    if secrets.is_empty() {
        return Err(VerifyError::NoSecret);
    }
    let msg_id = header(headers, WEBHOOK_ID)?;
    let signatures = header(headers, WEBHOOK_SIGNATURE)?;
    let timestamp: i64 = header(headers, WEBHOOK_TIMESTAMP)?
        .trim()
        .parse()
        .map_err(|_| VerifyError::InvalidTimestamp)?;

    let tolerance = i64::try_from(tolerance.as_secs()).unwrap_or(i64::MAX);
    if now.saturating_sub(timestamp) > tolerance {
        return Err(VerifyError::TimestampTooOld);
    }
    if timestamp.saturating_sub(now) > tolerance {
        return Err(VerifyError::TimestampInFuture);
    }

    let content = signed_content(msg_id, timestamp, body);
    let matched = signatures
        .split(' ')
        .filter_map(|entry| entry.split_once(','))
        .filter(|(version, _)| *version == SIGNATURE_VERSION)
        .filter_map(|(_, sig)| STANDARD.decode(sig).ok())
        .any(|tag| {
            secrets
                .iter()
                .any(|secret| hmac::verify(secret.hmac_key(), &content, &tag).is_ok())
        });
    if matched {
        Ok(())
    } else {
        Err(VerifyError::NoMatchingSignature)
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &'static str) -> Result<&'a str, VerifyError> {
    headers
        .get(name)
        .ok_or(VerifyError::MissingHeader(name))?
        .to_str()
        .map_err(|_| VerifyError::InvalidHeader(name))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use reqwest::header::HeaderValue;

    use super::*;
    use crate::headers::webhook_headers;

    const NOW: i64 = 1_700_000_000;
    const BODY: &[u8] = br#"{"id":"evt_1","object":"event"}"#;

    #[test]
    fn accepts_own_headers_with_each_secret_of_a_rotation() {
        let current = Secret::generate();
        let previous = Secret::generate();
        let headers =
            webhook_headers(&[current.clone(), previous.clone()], "evt_1", NOW, BODY).unwrap();
        for secrets in [
            vec![current.clone()],
            vec![previous.clone()],
            vec![Secret::generate(), previous],
        ] {
            verify_at(&secrets, &headers, BODY, DEFAULT_TOLERANCE, NOW).unwrap();
        }
        assert_eq!(
            verify_at(
                &[Secret::generate()],
                &headers,
                BODY,
                DEFAULT_TOLERANCE,
                NOW
            ),
            Err(VerifyError::NoMatchingSignature)
        );
    }

    #[test]
    fn rejects_tampering() {
        let secret = Secret::generate();
        let s = std::slice::from_ref(&secret);
        let headers = webhook_headers(s, "evt_1", NOW, BODY).unwrap();
        let check = |h: &HeaderMap, body: &[u8]| verify_at(s, h, body, DEFAULT_TOLERANCE, NOW);

        assert_eq!(
            check(&headers, b"{}"),
            Err(VerifyError::NoMatchingSignature)
        );
        let mut h = headers.clone();
        h.insert(WEBHOOK_ID, HeaderValue::from_static("evt_2"));
        assert_eq!(check(&h, BODY), Err(VerifyError::NoMatchingSignature));
        let mut h = headers.clone();
        h.insert(WEBHOOK_TIMESTAMP, HeaderValue::from(NOW + 1));
        assert_eq!(check(&h, BODY), Err(VerifyError::NoMatchingSignature));
        let mut h = headers.clone();
        h.insert(WEBHOOK_SIGNATURE, HeaderValue::from_static("v1,!!! v2,abc"));
        assert_eq!(check(&h, BODY), Err(VerifyError::NoMatchingSignature));
        let mut h = headers.clone();
        h.insert(WEBHOOK_TIMESTAMP, HeaderValue::from_static("soon"));
        assert_eq!(check(&h, BODY), Err(VerifyError::InvalidTimestamp));
        for name in [WEBHOOK_ID, WEBHOOK_TIMESTAMP, WEBHOOK_SIGNATURE] {
            let mut h = headers.clone();
            h.remove(name);
            assert_eq!(check(&h, BODY), Err(VerifyError::MissingHeader(name)));
        }
        assert_eq!(
            verify_at(&[], &headers, BODY, DEFAULT_TOLERANCE, NOW),
            Err(VerifyError::NoSecret)
        );
    }

    #[test]
    fn enforces_the_replay_window() {
        let secret = [Secret::generate()];
        let headers = webhook_headers(&secret, "evt_1", NOW, BODY).unwrap();
        let tol = Duration::from_secs(60);
        verify_at(&secret, &headers, BODY, tol, NOW + 60).unwrap();
        verify_at(&secret, &headers, BODY, tol, NOW - 60).unwrap();
        assert_eq!(
            verify_at(&secret, &headers, BODY, tol, NOW + 61),
            Err(VerifyError::TimestampTooOld)
        );
        assert_eq!(
            verify_at(&secret, &headers, BODY, tol, NOW - 61),
            Err(VerifyError::TimestampInFuture)
        );
    }

    #[test]
    fn verifies_the_reference_vector() {
        let secret = [Secret::parse("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD").unwrap()];
        let mut h = HeaderMap::new();
        h.insert(
            WEBHOOK_ID,
            HeaderValue::from_static("msg_27UH4WbU6Z5A5EzD8u03UvzRbpk"),
        );
        h.insert(WEBHOOK_TIMESTAMP, HeaderValue::from(1_649_367_553));
        h.insert(
            WEBHOOK_SIGNATURE,
            HeaderValue::from_static("v1a,ignored v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw="),
        );
        let body = br#"{"email":"test@example.com","username":"test_user"}"#;
        verify_at(&secret, &h, body, DEFAULT_TOLERANCE, 1_649_367_600).unwrap();
    }
}
