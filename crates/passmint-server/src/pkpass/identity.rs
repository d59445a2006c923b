//! Signing identities between the domain (PEM text in the store) and the pass
//! builder ([`passmint_pkpass::SigningIdentity`], parsed OpenSSL objects).
//!
//! Every identity is loaded and checked by the builder before it is stored, so a
//! stored identity always parses. The private key is stored unencrypted as PKCS#8
//! PEM and only ever leaves the store into [`load`]; it is wrapped in a
//! [`passmint_domain::signing::Secret`] whose `Debug` redacts it.

use passmint_domain::signing::{Secret, SigningCredentials};
use passmint_pkpass::{PkpassError, SigningIdentity};
use std::path::Path;
use time::OffsetDateTime;

/// Pass type identifier of the generated development identity.
pub const DEV_PASS_TYPE_ID: &str = "pass.dev.passmint.development";
/// Team identifier of the generated development identity.
pub const DEV_TEAM_ID: &str = "PASSMINTDV";

/// Where an operator's identity comes from (`passmint accounts set-signing-identity`).
pub enum IdentitySource<'a> {
    /// A PKCS#12 file (certificate + key) and its password.
    P12 { p12: &'a Path, password: &'a str },
    /// PEM (or DER) certificate and private key files, the key maybe encrypted.
    Pem {
        cert: &'a Path,
        key: &'a Path,
        key_password: Option<&'a str>,
    },
}

/// Loads and checks an identity from files, with the WWDR certificate file.
pub fn load_files(source: IdentitySource<'_>, wwdr: &Path) -> Result<SigningIdentity, PkpassError> {
    let read = |path: &Path| {
        std::fs::read(path).map_err(|source| PkpassError::Io {
            path: path.display().to_string(),
            source,
        })
    };
    let wwdr = read(wwdr)?;
    match source {
        IdentitySource::P12 { p12, password } => {
            SigningIdentity::from_p12(&read(p12)?, password, &wwdr)
        }
        IdentitySource::Pem {
            cert,
            key,
            key_password: None,
        } => SigningIdentity::from_pem(&read(cert)?, &read(key)?, &wwdr),
        IdentitySource::Pem {
            cert,
            key,
            key_password: Some(password),
        } => {
            SigningIdentity::from_pem_with_key_password(&read(cert)?, &read(key)?, password, &wwdr)
        }
    }
}

/// The PEM text of a loaded identity, to store. Refuses a certificate without the
/// pass type identifier (UID) or team identifier (OU) Wallet needs.
pub fn to_credentials(identity: &SigningIdentity) -> Result<SigningCredentials, String> {
    let pass_type_identifier = identity
        .pass_type_identifier()
        .ok_or("the certificate has no pass type identifier (subject UID): give the Pass Type ID certificate Apple issued")?
        .to_owned();
    let team_identifier = identity
        .team_identifier()
        .ok_or("the certificate has no team identifier (subject OU): give the Pass Type ID certificate Apple issued")?
        .to_owned();
    let pem = |r: Result<Vec<u8>, openssl::error::ErrorStack>| {
        r.map_err(|e| format!("cannot encode the identity as PEM: {e}"))
            .and_then(|b| String::from_utf8(b).map_err(|e| e.to_string()))
    };
    Ok(SigningCredentials {
        pass_type_identifier,
        team_identifier,
        certificate_pem: pem(identity.certificate().to_pem())?,
        private_key_pem: Secret::new(pem(identity.private_key().private_key_to_pem_pkcs8())?),
        wwdr_pem: pem(identity.wwdr().to_pem())?,
        not_after: identity.not_after(),
        updated_at: OffsetDateTime::UNIX_EPOCH,
    })
}

/// Parses stored credentials back into a signing identity.
pub fn load(credentials: &SigningCredentials) -> Result<SigningIdentity, PkpassError> {
    SigningIdentity::from_pem(
        credentials.certificate_pem.as_bytes(),
        credentials.private_key_pem.expose().as_bytes(),
        credentials.wwdr_pem.as_bytes(),
    )
}

/// A fresh development identity (a self-signed CA standing in for WWDR, and a
/// leaf), as credentials to store. Slow (two RSA-2048 keys): done once per
/// deployment.
pub fn generate_development() -> Result<SigningCredentials, String> {
    let identity = SigningIdentity::generate_development(DEV_PASS_TYPE_ID, DEV_TEAM_ID)
        .map_err(|e| format!("cannot generate the development identity: {e}"))?;
    to_credentials(&identity)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn credentials_round_trip_and_never_show_the_key() {
        let creds = generate_development().unwrap();
        assert_eq!(creds.pass_type_identifier, DEV_PASS_TYPE_ID);
        assert_eq!(creds.team_identifier, DEV_TEAM_ID);
        assert!(creds.private_key_pem.expose().contains("PRIVATE KEY"));
        assert!(!format!("{creds:?}").contains("PRIVATE KEY"));
        let identity = load(&creds).unwrap();
        assert_eq!(identity.pass_type_identifier(), Some(DEV_PASS_TYPE_ID));
        assert_eq!(identity.not_after(), creds.not_after);
        assert!(!format!("{identity:?}").contains("PRIVATE"));
    }
}
