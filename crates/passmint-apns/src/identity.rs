//! The TLS client identity: the Pass Type ID certificate and its private key.

use std::fmt;

use openssl::nid::Nid;
use openssl::pkey::PKey;
use openssl::x509::{X509, X509NameRef};

use crate::error::{ApnsError, error_chain};

/// The certificate and private key an [`crate::ApnsClient`] presents to APNs: for
/// Wallet passes, the Pass Type ID certificate that signs the passes.
///
/// Cheap to clone. Its [`fmt::Debug`] output shows the certificate's subject and
/// expiry, never the key.
#[derive(Clone)]
pub struct ClientIdentity {
    identity: reqwest::Identity,
    subject: String,
    pass_type_identifier: Option<String>,
    not_after: String,
}

impl ClientIdentity {
    /// An identity from PEM text: `certificate_pem` holds the certificate, optionally
    /// followed by intermediate certificates to send along; `private_key_pem` is the
    /// certificate's unencrypted private key, PKCS#8 (`BEGIN PRIVATE KEY`) or the
    /// traditional RSA (`BEGIN RSA PRIVATE KEY`) or EC (`BEGIN EC PRIVATE KEY`) form.
    ///
    /// Refuses an encrypted key (decrypt it first, e.g. `openssl pkey -in key.pem`) and
    /// a key that is not the certificate's.
    pub fn from_pem(certificate_pem: &str, private_key_pem: &str) -> Result<Self, ApnsError> {
        let chain = X509::stack_from_pem(certificate_pem.as_bytes())
            .map_err(|e| ApnsError::Certificate(error_chain(&e)))?;
        let Some(leaf) = chain.first() else {
            return Err(ApnsError::Certificate(
                "no `-----BEGIN CERTIFICATE-----` block found".to_owned(),
            ));
        };
        if private_key_pem.contains("ENCRYPTED") {
            return Err(ApnsError::PrivateKey(
                "the key is encrypted: decrypt it first (openssl pkey -in key.pem -out plain.pem)"
                    .to_owned(),
            ));
        }
        // An empty passphrase: OpenSSL must never prompt on a terminal.
        let key = PKey::private_key_from_pem_passphrase(private_key_pem.as_bytes(), b"").map_err(
            |_| {
                ApnsError::PrivateKey(
                    "expected an unencrypted PEM private key (PKCS#8 `BEGIN PRIVATE KEY`, \
                     `BEGIN RSA PRIVATE KEY` or `BEGIN EC PRIVATE KEY`)"
                        .to_owned(),
                )
            },
        )?;
        let matches = leaf
            .public_key()
            .map(|public| public.public_eq(&key))
            .unwrap_or(false);
        if !matches {
            return Err(ApnsError::KeyMismatch);
        }
        let key_pkcs8 = key.private_key_to_pem_pkcs8().map_err(|_| {
            ApnsError::PrivateKey("OpenSSL cannot re-encode the key as PKCS#8".to_owned())
        })?;
        let mut chain_pem = Vec::new();
        for cert in &chain {
            chain_pem.extend(
                cert.to_pem()
                    .map_err(|e| ApnsError::Certificate(error_chain(&e)))?,
            );
        }
        // The TLS library's error could quote its input: say only which step failed.
        let identity = reqwest::Identity::from_pkcs8_pem(&chain_pem, &key_pkcs8).map_err(|_| {
            ApnsError::PrivateKey("the TLS library refused the certificate and key".to_owned())
        })?;
        Ok(Self {
            identity,
            subject: describe_name(leaf.subject_name()),
            pass_type_identifier: name_entry(leaf.subject_name(), Nid::USERID),
            not_after: leaf.not_after().to_string(),
        })
    }

    /// The certificate's subject, as `CN=..., O=...`.
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// The certificate subject's `UID`: for a Pass Type ID certificate, the pass type
    /// identifier, which is also the `apns-topic` of its pushes.
    pub fn pass_type_identifier(&self) -> Option<&str> {
        self.pass_type_identifier.as_deref()
    }

    /// When the certificate expires, as OpenSSL prints it (`Jan  2 03:04:05 2030 GMT`).
    pub fn not_after(&self) -> &str {
        &self.not_after
    }

    pub(crate) fn reqwest_identity(&self) -> reqwest::Identity {
        self.identity.clone()
    }
}

impl fmt::Debug for ClientIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientIdentity")
            .field("subject", &self.subject)
            .field("pass_type_identifier", &self.pass_type_identifier)
            .field("not_after", &self.not_after)
            .field("private_key", &"<redacted>")
            .finish()
    }
}

/// A distinguished name as `CN=..., O=...`, in certificate order.
pub(crate) fn describe_name(name: &X509NameRef) -> String {
    name.entries()
        .map(|entry| {
            let key = entry.object().nid().short_name().unwrap_or("?");
            let value = entry.data().to_string().unwrap_or_else(|_| "?".to_owned());
            format!("{key}={value}")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn name_entry(name: &X509NameRef, nid: Nid) -> Option<String> {
    name.entries_by_nid(nid)
        .next()
        .and_then(|entry| entry.data().to_string().ok())
}
