//! Device push tokens.

/// Longest push token accepted, in characters. Apple's tokens are 64 hex characters
/// today; Apple says their length may grow, so the bound is generous.
pub const MAX_DEVICE_TOKEN_LEN: usize = 200;

/// Whether `s` can be an APNs device push token: 1 to [`MAX_DEVICE_TOKEN_LEN`] ASCII
/// hexadecimal characters (either case), nothing else.
///
/// [`crate::ApnsClient::push`] checks this before it builds a URL from the token, and
/// the web service applies the same rule when a device registers.
///
/// ```
/// use passmint_apns::is_valid_device_token;
///
/// assert!(is_valid_device_token("0a1B2c"));
/// assert!(!is_valid_device_token(""));
/// assert!(!is_valid_device_token("../../etc"));
/// assert!(!is_valid_device_token(&"a".repeat(201)));
/// ```
pub fn is_valid_device_token(s: &str) -> bool {
    (1..=MAX_DEVICE_TOKEN_LEN).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_hex_of_bounded_length() {
        assert!(is_valid_device_token("0"));
        assert!(is_valid_device_token(&"f".repeat(64)));
        assert!(is_valid_device_token(&"ABCDEF0123456789".repeat(12)));
        assert!(is_valid_device_token(&"a".repeat(MAX_DEVICE_TOKEN_LEN)));
    }

    #[test]
    fn refuses_everything_else() {
        for bad in [
            "", " ab", "ab ", "g0", "0x1f", "ab/cd", "ab?x=1", "ab%20", "ab\n", "é",
            "١٢", // non-ASCII digits
        ] {
            assert!(!is_valid_device_token(bad), "{bad:?}");
        }
        assert!(!is_valid_device_token(
            &"a".repeat(MAX_DEVICE_TOKEN_LEN + 1)
        ));
    }
}
