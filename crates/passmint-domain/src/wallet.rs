//! Apple Wallet devices: registrations of a device for a pass (Apple's PassKit web
//! service), the update tag devices ask with, and the durable push jobs that tell a
//! device a pass changed.
//!
//! - A **registration** ties a device library identifier to a pass, with the
//!   device's push token and the pass type identifier it registered under.
//! - The **wallet tag** is an opaque, monotonic number: every change that alters
//!   what a device shows (an update of the field values, a void, a template change)
//!   moves the pass's tag past every earlier one. A device asks for the passes
//!   changed since the tag it last got.
//! - A **push job** is written with the change that caused it, one per
//!   registration of the pass, and deleted once APNs accepted it (or gave up on the
//!   device).

use crate::ids::{AccountId, EventId, PassId, TemplateId};
use crate::mode::Mode;
use serde_json::{Map, Value};
use time::OffsetDateTime;

/// Longest device library identifier accepted.
pub const MAX_DEVICE_ID_LEN: usize = 128;
/// Longest push token accepted (Apple's are 64 hex characters today).
pub const MAX_PUSH_TOKEN_LEN: usize = 200;
/// Longest pass type identifier accepted in a path.
pub const MAX_PASS_TYPE_ID_LEN: usize = 255;

/// A device library identifier: letters, digits, `.`, `_`, `-`; 1 to 128 chars.
pub fn valid_device_library_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_DEVICE_ID_LEN
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// A push token: hexadecimal, 1 to 200 chars (it becomes part of an APNs URL).
pub fn valid_push_token(s: &str) -> bool {
    !s.is_empty() && s.len() <= MAX_PUSH_TOKEN_LEN && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Compares a presented `ApplePass` token with the pass's in time that depends
/// only on the presented token's length, never on where they differ.
pub fn token_matches(expected: &str, presented: &str) -> bool {
    let (a, b) = (expected.as_bytes(), presented.as_bytes());
    let mut diff = a.len() ^ b.len();
    for (i, &x) in b.iter().enumerate() {
        let y = a.get(i).copied().unwrap_or(0);
        diff |= usize::from(x ^ y);
    }
    diff == 0
}

/// One device registered for one pass.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Registration {
    pub device_library_id: String,
    pub pass_id: PassId,
    pub account_id: AccountId,
    pub mode: Mode,
    /// The pass type identifier of the registration URL (the push topic).
    pub pass_type_id: String,
    pub push_token: String,
    pub created_at: OffsetDateTime,
}

/// What [`crate::ports::WalletStore::register_device`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegisterOutcome {
    /// A new registration, written with its `installed` event; that event's webhook
    /// deliveries were enqueued.
    Created { enqueued: u64 },
    /// The device was registered for the pass already (its push token is updated).
    Existing,
}

/// The passes of a device changed since a tag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpdatedSerials {
    pub serial_numbers: Vec<String>,
    /// The tag to ask with next time.
    pub last_updated: i64,
}

/// Formats a wallet tag for devices (opaque to them).
pub fn format_tag(tag: i64) -> String {
    tag.to_string()
}

/// Parses a `passesUpdatedSince` tag: one we handed out (a non-negative integer).
pub fn parse_tag(s: &str) -> Option<i64> {
    if s.is_empty() || s.len() > 19 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// One push to one device, durable until APNs accepted it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PushJob {
    pub id: i64,
    pub account_id: AccountId,
    pub mode: Mode,
    pub pass_id: PassId,
    pub device_library_id: String,
    pub push_token: String,
    /// The APNs topic.
    pub pass_type_id: String,
    /// Attempts made so far.
    pub attempts: u32,
    pub created_at: OffsetDateTime,
}

/// A template change that alters its passes: every pass of the template that is
/// not voided gets a new version, an `updated` event with `metadata`, a new wallet
/// tag and a push job per registration, in the template's own transaction.
#[derive(Clone, Debug, PartialEq)]
pub struct TemplateCascade {
    /// The passes' new `updated_at` and the events' `created_at`.
    pub at: OffsetDateTime,
    /// The `updated` events' metadata.
    pub metadata: Map<String, Value>,
}

impl TemplateCascade {
    /// The id of the `updated` event a cascade writes for `pass`: derived from the
    /// template, the change's time and the pass, so adapters need no id generator.
    pub fn event_id(&self, template: &TemplateId, pass: &PassId) -> EventId {
        let input = format!(
            "{template}.{}.{pass}",
            self.at.unix_timestamp_nanos() / 1000
        );
        let digest = ring::digest::digest(&ring::digest::SHA256, input.as_bytes());
        let hex: String = digest.as_ref()[..12]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        EventId::from_body(&hex)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_ids_and_tokens() {
        assert!(valid_device_library_id("a1B2.c-d_e"));
        assert!(!valid_device_library_id(""));
        assert!(!valid_device_library_id("a/b"));
        assert!(!valid_device_library_id(&"a".repeat(129)));
        assert!(valid_push_token("0123abcdEF"));
        assert!(!valid_push_token("0123g"));
        assert!(!valid_push_token(""));
        assert!(!valid_push_token(&"a".repeat(201)));
    }

    #[test]
    fn token_comparison() {
        assert!(token_matches("abcdef0123456789", "abcdef0123456789"));
        assert!(!token_matches("abcdef0123456789", "abcdef012345678"));
        assert!(!token_matches("abcdef0123456789", "abcdef01234567890"));
        assert!(!token_matches("abcdef0123456789", "bbcdef0123456789"));
        assert!(!token_matches("abc", ""));
    }

    #[test]
    fn tags_round_trip_and_reject_garbage() {
        assert_eq!(parse_tag(&format_tag(42)), Some(42));
        assert_eq!(parse_tag("0"), Some(0));
        assert_eq!(parse_tag("-1"), None);
        assert_eq!(parse_tag("1.5"), None);
        assert_eq!(parse_tag(""), None);
        assert_eq!(parse_tag("99999999999999999999"), None);
    }

    #[test]
    fn cascade_event_ids_are_stable_and_distinct() {
        let c = TemplateCascade {
            at: OffsetDateTime::UNIX_EPOCH,
            metadata: Map::new(),
        };
        let t = TemplateId::from_body("0123456789abcdefghijKLMN");
        let p1 = PassId::from_body("0123456789abcdefghijKLMN");
        let p2 = PassId::from_body("0123456789abcdefghijKLMO");
        assert_eq!(c.event_id(&t, &p1), c.event_id(&t, &p1));
        assert_ne!(c.event_id(&t, &p1), c.event_id(&t, &p2));
        assert!(EventId::parse(c.event_id(&t, &p1).as_str()).is_some());
    }
}
