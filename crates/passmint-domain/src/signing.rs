//! Signing identities: the Pass Type ID certificate, its private key and Apple's
//! WWDR intermediate, as PEM text. Each account may have one (live passes need it);
//! the deployment keeps one generated development identity for test passes.
//!
//! The domain only stores and hands out the PEM text: loading and checking it is
//! the pass builder's business (`passmint-pkpass`), done by the server and the CLI
//! before [`crate::service::Passmint::set_signing_identity`]. The private key is a
//! [`Secret`], whose `Debug` never shows it, so no log line or error can leak it.

use time::OffsetDateTime;

/// A secret string (a private key in PEM). `Debug` and `Display` print
/// `[REDACTED]`; read it with [`Secret::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself: for the signer and the store only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// `Debug` and `Display` of a secret type that print fixed text, never the secret.
macro_rules! redacted_fmt {
    ($ty:ty, debug = $debug:literal, display = $display:literal) => {
        impl std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str($debug)
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str($display)
            }
        }
    };
}
pub(crate) use redacted_fmt;

redacted_fmt!(Secret, debug = "Secret([REDACTED])", display = "[REDACTED]");

/// A stored signing identity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SigningCredentials {
    /// The certificate's UID (`pass.com.example.events`).
    pub pass_type_identifier: String,
    /// The certificate's OU (Apple team id).
    pub team_identifier: String,
    pub certificate_pem: String,
    /// Unencrypted PEM (PKCS#8) private key of the certificate.
    pub private_key_pem: Secret,
    /// The issuing WWDR certificate (or the development CA).
    pub wwdr_pem: String,
    /// When the certificate expires.
    pub not_after: OffsetDateTime,
    /// When it was stored.
    pub updated_at: OffsetDateTime,
}

impl SigningCredentials {
    /// Whether the certificate expires within `days` of `now` (or has expired).
    pub fn expires_within(&self, now: OffsetDateTime, days: i64) -> bool {
        self.not_after - now <= time::Duration::days(days)
    }
}

/// An account identity's expiry, for warnings (no key material).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdentityExpiry {
    pub account_id: crate::ids::AccountId,
    pub pass_type_identifier: String,
    pub team_identifier: String,
    pub not_after: OffsetDateTime,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_private_key() {
        let creds = SigningCredentials {
            pass_type_identifier: "pass.example".into(),
            team_identifier: "TEAM".into(),
            certificate_pem: "CERT".into(),
            private_key_pem: Secret::new("-----BEGIN PRIVATE KEY-----SECRETKEY"),
            wwdr_pem: "WWDR".into(),
            not_after: OffsetDateTime::UNIX_EPOCH,
            updated_at: OffsetDateTime::UNIX_EPOCH,
        };
        let shown = format!("{creds:?} {creds:#?} {}", creds.private_key_pem);
        assert!(!shown.contains("SECRETKEY"), "{shown}");
        assert!(!shown.contains("PRIVATE KEY"), "{shown}");
        assert!(shown.contains("[REDACTED]"));
        assert_eq!(
            creds.private_key_pem.expose(),
            "-----BEGIN PRIVATE KEY-----SECRETKEY"
        );
    }

    #[test]
    fn expiry_window() {
        let now = OffsetDateTime::UNIX_EPOCH;
        let mut creds = SigningCredentials {
            pass_type_identifier: String::new(),
            team_identifier: String::new(),
            certificate_pem: String::new(),
            private_key_pem: Secret::new(""),
            wwdr_pem: String::new(),
            not_after: now + time::Duration::days(31),
            updated_at: now,
        };
        assert!(!creds.expires_within(now, 30));
        creds.not_after = now + time::Duration::days(30);
        assert!(creds.expires_within(now, 30));
        creds.not_after = now - time::Duration::days(1);
        assert!(creds.expires_within(now, 30));
    }
}
