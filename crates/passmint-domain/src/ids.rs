//! Typed identifiers. An id is a type prefix followed by 24 base62 characters
//! (`pass_…`, `tmpl_…`); constructing one from a string checks that shape, so an
//! id that reaches a port is always well formed.

use serde::{Deserialize, Serialize};

pub const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Length of the random part of an id.
pub const ID_BODY_LEN: usize = 24;

pub fn is_base62(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub const PREFIX: &'static str = $prefix;

            /// Accepts `prefix` + 24 base62 characters, nothing else.
            pub fn parse(s: &str) -> Option<Self> {
                let body = s.strip_prefix($prefix)?;
                (body.len() == ID_BODY_LEN && is_base62(body)).then(|| $name(s.to_owned()))
            }

            /// Builds an id from a random body produced by an [`crate::ports::IdGen`].
            pub fn from_body(body: &str) -> Self {
                $name(format!("{}{}", $prefix, body))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

typed_id!(
    /// `acct_…`
    AccountId,
    "acct_"
);
typed_id!(
    /// `key_…`: the public handle of an API key (never the secret).
    ApiKeyId,
    "key_"
);
typed_id!(
    /// `tmpl_…`
    TemplateId,
    "tmpl_"
);
typed_id!(
    /// `pass_…`
    PassId,
    "pass_"
);
typed_id!(
    /// `evt_…`
    EventId,
    "evt_"
);
typed_id!(
    /// `bndl_…`: several passes of one account and mode, added to Wallet at once.
    BundleId,
    "bndl_"
);
typed_id!(
    /// `whk_…`: a webhook endpoint.
    WebhookId,
    "whk_"
);
typed_id!(
    /// `whd_…`: one delivery of one event to one webhook.
    WebhookDeliveryId,
    "whd_"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_checks_prefix_length_and_alphabet() {
        let good = "pass_0123456789abcdefghijKLMN";
        assert!(PassId::parse(good).is_some());
        assert!(PassId::parse("pass_short").is_none());
        assert!(PassId::parse("tmpl_0123456789abcdefghijKLMN").is_none());
        assert!(PassId::parse("pass_0123456789abcdefghij-LMN").is_none());
        assert!(TemplateId::parse("tmpl_0123456789abcdefghijKLMNO").is_none());
    }
}
