//! Accounts and their API keys. A key is `pmk_test_` or `pmk_live_` followed by 40
//! base62 characters; only its SHA-256 hash is ever stored, and its prefix decides
//! the mode.

use crate::ids::{AccountId, ApiKeyId, is_base62};
use crate::mode::Mode;
use time::OffsetDateTime;

pub const TEST_KEY_PREFIX: &str = "pmk_test_";
pub const LIVE_KEY_PREFIX: &str = "pmk_live_";
/// Length of the random part of a generated key (the reference asks for 32 or more).
pub const KEY_SECRET_LEN: usize = 40;
const MIN_KEY_SECRET_LEN: usize = 32;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub id: AccountId,
    pub name: String,
    /// Most live passes the account may issue; `None` is unlimited.
    pub live_pass_limit: Option<i64>,
    pub created_at: OffsetDateTime,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiKey {
    pub id: ApiKeyId,
    pub account_id: AccountId,
    pub mode: Mode,
    /// Lowercase hex SHA-256 of the full key.
    pub key_hash: String,
    /// The first characters of the key, safe to display (`pmk_test_AbCd`).
    pub display_prefix: String,
    pub created_at: OffsetDateTime,
    pub revoked_at: Option<OffsetDateTime>,
}

/// The mode a well-formed key belongs to, or `None` when the key is malformed.
pub fn key_mode(key: &str) -> Option<Mode> {
    let (mode, secret) = if let Some(s) = key.strip_prefix(TEST_KEY_PREFIX) {
        (Mode::Test, s)
    } else if let Some(s) = key.strip_prefix(LIVE_KEY_PREFIX) {
        (Mode::Live, s)
    } else {
        return None;
    };
    (secret.len() >= MIN_KEY_SECRET_LEN && secret.len() <= 128 && is_base62(secret)).then_some(mode)
}

/// Hex SHA-256 of a key: what is stored and looked up.
pub fn hash_key(key: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, key.as_bytes());
    let mut out = String::with_capacity(64);
    for b in digest.as_ref() {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// The full key for a mode and a random base62 secret.
pub fn compose_key(mode: Mode, secret: &str) -> String {
    match mode {
        Mode::Test => format!("{TEST_KEY_PREFIX}{secret}"),
        Mode::Live => format!("{LIVE_KEY_PREFIX}{secret}"),
    }
}

pub fn display_prefix(key: &str) -> String {
    key.chars().take(13).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_mode_follows_prefix_and_length() {
        let secret = "a".repeat(32);
        assert_eq!(key_mode(&format!("pmk_test_{secret}")), Some(Mode::Test));
        assert_eq!(key_mode(&format!("pmk_live_{secret}")), Some(Mode::Live));
        assert_eq!(key_mode(&format!("pmk_live_{}", "a".repeat(31))), None);
        assert_eq!(key_mode(&format!("pmk_prod_{secret}")), None);
        assert_eq!(key_mode(&format!("pmk_test_{}-", "a".repeat(32))), None);
    }

    #[test]
    fn hash_is_hex_sha256() {
        assert_eq!(
            hash_key("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
