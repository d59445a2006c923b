//! The headers of a webhook request: the three Standard Webhooks headers plus
//! `content-type` and `user-agent`.
//!
//! `webhook-id` is the event id, stable across retries, so receivers can de-duplicate;
//! `webhook-timestamp` is the time of the *attempt* (Unix seconds), fresh on every retry
//! so a receiver's replay window stays meaningful; `webhook-signature` covers both and
//! the body (see [`crate::signing`]).

use std::time::{SystemTime, UNIX_EPOCH};

use reqwest::header::{self, HeaderMap, HeaderValue};

use crate::signing::{Secret, signature_header};

/// `webhook-id`: the event id.
pub const WEBHOOK_ID: &str = "webhook-id";
/// `webhook-timestamp`: Unix seconds of the attempt.
pub const WEBHOOK_TIMESTAMP: &str = "webhook-timestamp";
/// `webhook-signature`: space-separated `v1,<base64>` entries.
pub const WEBHOOK_SIGNATURE: &str = "webhook-signature";
/// The `user-agent` of deliveries: `Passmint-Webhooks/<crate version>`.
pub const USER_AGENT: &str = concat!("Passmint-Webhooks/", env!("CARGO_PKG_VERSION"));
/// The `content-type` of deliveries.
pub const CONTENT_TYPE_JSON: &str = "application/json";
/// Longest accepted message id, in bytes.
pub const MAX_MESSAGE_ID_LEN: usize = 255;

/// Why the headers of a delivery cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeaderError {
    /// A delivery is signed with at least one secret.
    #[error("no signing secret: a webhook delivery is signed with at least one")]
    NoSecret,
    /// The id is empty, too long, not visible ASCII, or contains `.` (which would make
    /// the signed content `{id}.{timestamp}.{body}` ambiguous).
    #[error(
        "invalid webhook message id {0:?}: 1 to {MAX_MESSAGE_ID_LEN} visible ASCII characters without '.'"
    )]
    InvalidMessageId(String),
}

/// The current time as Unix seconds, for `webhook-timestamp`.
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Builds `webhook-id`, `webhook-timestamp`, `webhook-signature` (signed with every
/// secret in `secrets`, current first), `content-type: application/json` and
/// `user-agent: Passmint-Webhooks/<version>`.
pub fn webhook_headers(
    secrets: &[Secret],
    msg_id: &str,
    timestamp: i64,
    body: &[u8],
) -> Result<HeaderMap, HeaderError> {
    if secrets.is_empty() {
        return Err(HeaderError::NoSecret);
    }
    let invalid_id = || HeaderError::InvalidMessageId(msg_id.to_owned());
    if msg_id.is_empty()
        || msg_id.len() > MAX_MESSAGE_ID_LEN
        || !msg_id.bytes().all(|b| b.is_ascii_graphic() && b != b'.')
    {
        return Err(invalid_id());
    }
    let id = HeaderValue::from_str(msg_id).map_err(|_| invalid_id())?;
    let signature = signature_header(secrets, msg_id, timestamp, body);

    let mut headers = HeaderMap::with_capacity(5);
    headers.insert(WEBHOOK_ID, id);
    headers.insert(WEBHOOK_TIMESTAMP, HeaderValue::from(timestamp));
    // Base64 and the `v1,` prefix are always valid header characters.
    if let Ok(value) = HeaderValue::from_str(&signature) {
        headers.insert(WEBHOOK_SIGNATURE, value);
    }
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(CONTENT_TYPE_JSON),
    );
    headers.insert(header::USER_AGENT, HeaderValue::from_static(USER_AGENT));
    Ok(headers)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::signing::sign;

    #[test]
    fn builds_the_five_headers() {
        let a = Secret::generate();
        let b = Secret::generate();
        let body = br#"{"id":"evt_1"}"#;
        let h = webhook_headers(&[a.clone(), b.clone()], "evt_1", 1_700_000_000, body).unwrap();
        assert_eq!(h.len(), 5);
        assert_eq!(h[WEBHOOK_ID], "evt_1");
        assert_eq!(h[WEBHOOK_TIMESTAMP], "1700000000");
        assert_eq!(
            h[WEBHOOK_SIGNATURE].to_str().unwrap(),
            format!(
                "{} {}",
                sign(&a, "evt_1", 1_700_000_000, body),
                sign(&b, "evt_1", 1_700_000_000, body)
            )
        );
        assert_eq!(h[header::CONTENT_TYPE], "application/json");
        assert_eq!(
            h[header::USER_AGENT].to_str().unwrap(),
            format!("Passmint-Webhooks/{}", env!("CARGO_PKG_VERSION"))
        );
    }

    #[test]
    fn rejects_missing_secret_and_bad_ids() {
        let s = [Secret::generate()];
        assert_eq!(
            webhook_headers(&[], "evt_1", 1, b"{}").unwrap_err(),
            HeaderError::NoSecret
        );
        for bad in ["", "evt.1", "evt 1", "évt", &"x".repeat(256)] {
            assert!(
                matches!(
                    webhook_headers(&s, bad, 1, b"{}"),
                    Err(HeaderError::InvalidMessageId(_))
                ),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn unix_now_is_plausible() {
        // After 2024-01-01 and before 2100-01-01.
        let now = unix_now();
        assert!((1_704_067_200..4_102_444_800).contains(&now), "{now}");
    }
}
