//! Why an identity or a client cannot be built.

/// Why a [`crate::ClientIdentity`] or an [`crate::ApnsClient`] cannot be built.
///
/// No variant ever carries private key material: key errors say what is wrong, never
/// what the key is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApnsError {
    /// The certificate PEM holds no readable X.509 certificate.
    #[error("the APNs client certificate is not a readable PEM certificate: {0}")]
    Certificate(String),
    /// The private key PEM is not a readable, unencrypted private key.
    #[error("the APNs private key is not usable: {0}")]
    PrivateKey(String),
    /// The private key is not the certificate's.
    #[error(
        "the APNs private key does not belong to the certificate: give the key that was \
         created with this Pass Type ID certificate's signing request"
    )]
    KeyMismatch,
    /// An extra root certificate of [`crate::ApnsConfig`] is not PEM.
    #[error("extra root certificate #{index} is not a PEM certificate: {message}")]
    RootCertificate {
        /// Its position in [`crate::ApnsConfig::extra_root_certificates_pem`].
        index: usize,
        /// What the TLS library said.
        message: String,
    },
    /// [`crate::ApnsConfig::base_url`] is not an `https` URL without path, query or
    /// fragment.
    #[error("invalid APNs base URL {url:?}: {message}")]
    BaseUrl {
        /// The configured value.
        url: String,
        /// What is wrong with it.
        message: String,
    },
    /// Another setting of [`crate::ApnsConfig`] is out of range.
    #[error("invalid APNs client setting: {0}")]
    Config(String),
    /// The HTTP client could not be built (TLS initialisation).
    #[error("cannot build the APNs HTTP client: {0}")]
    Client(String),
    /// The fake APNs server could not start (feature `fake`).
    #[error("cannot start the fake APNs server: {0}")]
    Fake(String),
}

/// `err` and its sources, joined by `": "`.
pub(crate) fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
