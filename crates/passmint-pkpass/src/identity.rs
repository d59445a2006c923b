//! The signing identity: the Pass Type ID certificate, its private key and Apple's
//! WWDR intermediate certificate.
//!
//! Load it once and reuse it for every pass: the key and certificates are parsed
//! here, never per pass. Loaders accept PEM (or DER) certificates and keys, and
//! PKCS#12 (.p12) files, including the legacy RC2-40-CBC encrypted ones that macOS
//! Keychain exports. OpenSSL 3 only reads those with its `legacy` provider, which
//! [`SigningIdentity::from_p12`] loads on first use (next to the `default`
//! provider) and keeps loaded for the life of the process.
//!
//! [`SigningIdentity::generate_development`] makes a self-signed development CA
//! (standing in for WWDR) and a leaf certificate: the passes it signs verify
//! against that CA but do not install on a device.

use crate::cms::CmsTemplate;
use crate::error::PkpassError;
use openssl::asn1::{Asn1Time, Asn1TimeRef};
use openssl::bn::{BigNum, MsbOption};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkcs12::Pkcs12;
use openssl::pkey::{PKey, Private};
use openssl::provider::Provider;
use openssl::rsa::Rsa;
use openssl::x509::extension::{
    AuthorityKeyIdentifier, BasicConstraints, KeyUsage, SubjectKeyIdentifier,
};
use openssl::x509::{X509, X509Builder, X509NameBuilder, X509NameRef, X509Ref, X509VerifyResult};
use std::fmt;
use std::path::Path;
use std::sync::OnceLock;
use time::OffsetDateTime;

/// A Pass Type ID certificate with its private key and the WWDR certificate that
/// issued it. Cheap to clone (reference-counted OpenSSL objects) and shareable
/// across threads.
#[derive(Clone)]
pub struct SigningIdentity {
    certificate: X509,
    private_key: PKey<Private>,
    wwdr: X509,
    pass_type_identifier: Option<String>,
    team_identifier: Option<String>,
    not_after: OffsetDateTime,
    cms: CmsTemplate,
}

impl fmt::Debug for SigningIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningIdentity")
            .field("pass_type_identifier", &self.pass_type_identifier)
            .field("team_identifier", &self.team_identifier)
            .field("not_after", &self.not_after)
            .finish_non_exhaustive()
    }
}

impl SigningIdentity {
    /// An identity from parsed parts. Refuses a key that does not belong to the
    /// certificate and a WWDR certificate that did not issue it.
    pub fn new(
        certificate: X509,
        private_key: PKey<Private>,
        wwdr: X509,
    ) -> Result<Self, PkpassError> {
        let matches = certificate
            .public_key()
            .map(|public| public.public_eq(&private_key))
            .unwrap_or(false);
        if !matches {
            return Err(PkpassError::Identity(
                "the private key does not belong to the certificate: give the key that was \
                 created with this Pass Type ID certificate's signing request"
                    .to_owned(),
            ));
        }
        if wwdr.issued(&certificate) != X509VerifyResult::OK {
            return Err(PkpassError::Identity(format!(
                "the WWDR certificate ({}) did not issue the pass certificate (issued by \
                 {}): download the matching Apple WWDR intermediate certificate (recent \
                 Pass Type ID certificates are issued by WWDR G4)",
                describe_name(wwdr.subject_name()),
                describe_name(certificate.issuer_name())
            )));
        }
        // A key made or read through OpenSSL's legacy APIs is re-exported to the
        // provider on every signature; a provider-native copy (decoded from DER)
        // is signed with directly and keeps its RSA blinding between passes.
        let private_key = PKey::private_key_from_der(&private_key.private_key_to_der()?)?;
        let subject = certificate.subject_name();
        let pass_type_identifier = name_entry(subject, Nid::USERID);
        let team_identifier = name_entry(subject, Nid::ORGANIZATIONALUNITNAME);
        let not_after = asn1_time_to_offset(certificate.not_after())?;
        let cms = CmsTemplate::new(&certificate, &wwdr, &private_key)?;
        Ok(SigningIdentity {
            certificate,
            private_key,
            wwdr,
            pass_type_identifier,
            team_identifier,
            not_after,
            cms,
        })
    }

    /// An identity from the certificate, the private key and the WWDR certificate,
    /// each PEM (or DER) bytes. An encrypted key needs
    /// [`SigningIdentity::from_pem_with_key_password`].
    pub fn from_pem(cert: &[u8], key: &[u8], wwdr: &[u8]) -> Result<Self, PkpassError> {
        let certificate = parse_cert(cert, "certificate")?;
        let private_key = parse_key(key, None)?;
        let wwdr = parse_cert(wwdr, "WWDR certificate")?;
        Self::new(certificate, private_key, wwdr)
    }

    /// [`SigningIdentity::from_pem`] with a password-protected PEM private key.
    pub fn from_pem_with_key_password(
        cert: &[u8],
        key: &[u8],
        key_password: &str,
        wwdr: &[u8],
    ) -> Result<Self, PkpassError> {
        let certificate = parse_cert(cert, "certificate")?;
        let private_key = parse_key(key, Some(key_password))?;
        let wwdr = parse_cert(wwdr, "WWDR certificate")?;
        Self::new(certificate, private_key, wwdr)
    }

    /// [`SigningIdentity::from_pem`] reading three files.
    pub fn from_pem_files(
        cert: impl AsRef<Path>,
        key: impl AsRef<Path>,
        wwdr: impl AsRef<Path>,
    ) -> Result<Self, PkpassError> {
        Self::from_pem(&read(cert)?, &read(key)?, &read(wwdr)?)
    }

    /// An identity from a PKCS#12 (.p12) file's bytes holding the certificate and
    /// its key, its password, and the WWDR certificate as PEM (or DER) bytes.
    /// Legacy RC2-40 encrypted files (macOS Keychain exports) are read too.
    pub fn from_p12(p12: &[u8], password: &str, wwdr: &[u8]) -> Result<Self, PkpassError> {
        let legacy = load_legacy_provider();
        let parsed = Pkcs12::from_der(p12)
            .and_then(|p| p.parse2(password))
            .map_err(|e| {
                let detail = e.to_string();
                let hint = if detail.contains("mac verify failure") {
                    "the password is wrong".to_owned()
                } else if let Err(why) = legacy {
                    format!(
                        "if the file uses legacy RC2 encryption (macOS Keychain exports), \
                         OpenSSL's legacy provider is needed but could not be loaded \
                         ({why}): install OpenSSL 3's legacy module (ossl-modules/legacy.so) \
                         or re-export the .p12 with AES"
                    )
                } else {
                    "check that it is a .p12 file and the password is right".to_owned()
                };
                PkpassError::Identity(format!("cannot read the .p12 file: {hint} ({detail})"))
            })?;
        let (Some(certificate), Some(private_key)) = (parsed.cert, parsed.pkey) else {
            return Err(PkpassError::Identity(
                "the .p12 file must hold the Pass Type ID certificate and its private key: \
                 in Keychain Access, select both and export them together"
                    .to_owned(),
            ));
        };
        let wwdr = parse_cert(wwdr, "WWDR certificate")?;
        Self::new(certificate, private_key, wwdr)
    }

    /// [`SigningIdentity::from_p12`] reading the .p12 and the WWDR files.
    pub fn from_p12_file(
        p12: impl AsRef<Path>,
        password: &str,
        wwdr: impl AsRef<Path>,
    ) -> Result<Self, PkpassError> {
        Self::from_p12(&read(p12)?, password, &read(wwdr)?)
    }

    /// A development identity: a self-signed CA standing in for WWDR and a leaf
    /// certificate with subject `UID=<pass_type_id>, OU=<team_id>`, both RSA-2048,
    /// valid for ten years. Passes signed with it are structurally valid but do
    /// not install on a device.
    pub fn generate_development(pass_type_id: &str, team_id: &str) -> Result<Self, PkpassError> {
        if pass_type_id.trim().is_empty() || team_id.trim().is_empty() {
            return Err(PkpassError::Identity(
                "a development identity needs a pass type identifier and a team identifier"
                    .to_owned(),
            ));
        }
        let ca_key = PKey::from_rsa(Rsa::generate(2048)?)?;
        let mut ca_name = X509NameBuilder::new()?;
        ca_name.append_entry_by_nid(Nid::COMMONNAME, "Passmint Development CA (not Apple)")?;
        ca_name.append_entry_by_nid(Nid::ORGANIZATIONNAME, "Passmint development")?;
        let ca_name = ca_name.build();

        let mut ca = certificate_builder(&ca_name, &ca_name, &ca_key)?;
        ca.append_extension(BasicConstraints::new().critical().ca().build()?)?;
        ca.append_extension(
            KeyUsage::new()
                .critical()
                .key_cert_sign()
                .crl_sign()
                .build()?,
        )?;
        let ski = SubjectKeyIdentifier::new().build(&ca.x509v3_context(None, None))?;
        ca.append_extension(ski)?;
        ca.sign(&ca_key, MessageDigest::sha256())?;
        let ca = ca.build();

        let leaf_key = PKey::from_rsa(Rsa::generate(2048)?)?;
        let mut leaf_name = X509NameBuilder::new()?;
        leaf_name.append_entry_by_nid(Nid::USERID, pass_type_id)?;
        let common_name = format!("Pass Type ID: {pass_type_id}");
        let common_name = if common_name.len() <= 64 {
            common_name.as_str()
        } else {
            "Pass Type ID (development)"
        };
        leaf_name.append_entry_by_nid(Nid::COMMONNAME, common_name)?;
        leaf_name.append_entry_by_nid(Nid::ORGANIZATIONALUNITNAME, team_id)?;
        leaf_name.append_entry_by_nid(Nid::ORGANIZATIONNAME, "Passmint development")?;
        let leaf_name = leaf_name.build();

        let mut leaf = certificate_builder(&leaf_name, ca.subject_name(), &leaf_key)?;
        leaf.append_extension(BasicConstraints::new().critical().build()?)?;
        leaf.append_extension(KeyUsage::new().critical().digital_signature().build()?)?;
        let aki = AuthorityKeyIdentifier::new()
            .keyid(true)
            .build(&leaf.x509v3_context(Some(&ca), None))?;
        leaf.append_extension(aki)?;
        leaf.sign(&ca_key, MessageDigest::sha256())?;
        let leaf = leaf.build();

        Self::new(leaf, leaf_key, ca)
    }

    /// The Pass Type ID certificate.
    pub fn certificate(&self) -> &X509Ref {
        &self.certificate
    }

    /// The certificate's private key.
    pub fn private_key(&self) -> &PKey<Private> {
        &self.private_key
    }

    /// The WWDR (issuing) certificate.
    pub fn wwdr(&self) -> &X509Ref {
        &self.wwdr
    }

    /// The pass type identifier (the certificate subject's UID), if present.
    pub fn pass_type_identifier(&self) -> Option<&str> {
        self.pass_type_identifier.as_deref()
    }

    /// The team identifier (the certificate subject's OU), if present.
    pub fn team_identifier(&self) -> Option<&str> {
        self.team_identifier.as_deref()
    }

    /// When the certificate expires; warn well before (passes signed after it do
    /// not install).
    pub fn not_after(&self) -> OffsetDateTime {
        self.not_after
    }

    /// The signature's per-identity parts, encoded once.
    pub(crate) fn cms_template(&self) -> &CmsTemplate {
        &self.cms
    }
}

/// Keeps the `default` and `legacy` providers loaded for the life of the process.
struct Providers {
    _default: Provider,
    _legacy: Provider,
}

/// Loads OpenSSL 3's `legacy` provider (for RC2-40 .p12 files) alongside the
/// `default` one, once.
fn load_legacy_provider() -> Result<(), &'static str> {
    static PROVIDERS: OnceLock<Result<Providers, String>> = OnceLock::new();
    PROVIDERS
        .get_or_init(|| {
            let default = Provider::try_load(None, "default", true)
                .map_err(|e| format!("default provider: {e}"))?;
            let legacy = Provider::try_load(None, "legacy", true)
                .map_err(|e| format!("legacy provider: {e}"))?;
            Ok(Providers {
                _default: default,
                _legacy: legacy,
            })
        })
        .as_ref()
        .map(|_| ())
        .map_err(String::as_str)
}

fn certificate_builder(
    subject: &X509NameRef,
    issuer: &X509NameRef,
    key: &PKey<Private>,
) -> Result<X509Builder, PkpassError> {
    let mut builder = X509Builder::new()?;
    builder.set_version(2)?;
    let mut serial = BigNum::new()?;
    serial.rand(127, MsbOption::MAYBE_ZERO, false)?;
    builder.set_serial_number(serial.to_asn1_integer()?.as_ref())?;
    builder.set_subject_name(subject)?;
    builder.set_issuer_name(issuer)?;
    builder.set_pubkey(key)?;
    let now = OffsetDateTime::now_utc().unix_timestamp();
    builder.set_not_before(Asn1Time::from_unix(now - 3600)?.as_ref())?;
    builder.set_not_after(Asn1Time::days_from_now(3650)?.as_ref())?;
    Ok(builder)
}

fn read(path: impl AsRef<Path>) -> Result<Vec<u8>, PkpassError> {
    let path = path.as_ref();
    std::fs::read(path).map_err(|source| PkpassError::Io {
        path: path.display().to_string(),
        source,
    })
}

fn is_pem(bytes: &[u8]) -> bool {
    bytes
        .windows(b"-----BEGIN".len())
        .any(|w| w == b"-----BEGIN")
}

fn parse_cert(bytes: &[u8], what: &str) -> Result<X509, PkpassError> {
    let parsed = if is_pem(bytes) {
        X509::from_pem(bytes)
    } else {
        X509::from_der(bytes)
    };
    parsed.map_err(|e| {
        PkpassError::Identity(format!(
            "cannot read the {what}: give a PEM ('-----BEGIN CERTIFICATE-----') or DER \
             (.cer) certificate ({e})"
        ))
    })
}

fn parse_key(bytes: &[u8], password: Option<&str>) -> Result<PKey<Private>, PkpassError> {
    let parsed = match (is_pem(bytes), password) {
        (true, None) => PKey::private_key_from_pem(bytes),
        (true, Some(p)) => PKey::private_key_from_pem_passphrase(bytes, p.as_bytes()),
        (false, None) => PKey::private_key_from_der(bytes),
        (false, Some(p)) => PKey::private_key_from_pkcs8_passphrase(bytes, p.as_bytes()),
    };
    parsed.map_err(|e| {
        let hint = if password.is_none() {
            "give an unencrypted PEM key, or pass its password"
        } else {
            "check the key's password"
        };
        PkpassError::Identity(format!("cannot read the private key: {hint} ({e})"))
    })
}

fn name_entry(name: &X509NameRef, nid: Nid) -> Option<String> {
    name.entries_by_nid(nid)
        .next()
        .and_then(|entry| entry.data().to_string().ok())
}

fn describe_name(name: &X509NameRef) -> String {
    name_entry(name, Nid::COMMONNAME).unwrap_or_else(|| "no common name".to_owned())
}

fn asn1_time_to_offset(time: &Asn1TimeRef) -> Result<OffsetDateTime, PkpassError> {
    let diff = Asn1Time::from_unix(0)?.diff(time)?;
    let seconds = i64::from(diff.days) * 86_400 + i64::from(diff.secs);
    OffsetDateTime::from_unix_timestamp(seconds).map_err(|e| {
        PkpassError::Identity(format!("the certificate's expiry is out of range: {e}"))
    })
}
