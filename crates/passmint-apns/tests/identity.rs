//! Reading the client identity, and building clients from settings.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use openssl::asn1::Asn1Time;
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::symm::Cipher;
use openssl::x509::{X509, X509NameBuilder};
use passmint_apns::{ApnsClient, ApnsConfig, ApnsError, ClientIdentity};

const TOPIC: &str = "pass.com.example.test";

/// A self-signed certificate for `key`, with a Pass Type ID-like subject, PEM.
fn self_signed(key: &PKey<Private>) -> String {
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_nid(Nid::USERID, TOPIC).unwrap();
    name.append_entry_by_nid(Nid::COMMONNAME, "Pass Type ID: pass.com.example.test")
        .unwrap();
    name.append_entry_by_nid(Nid::ORGANIZATIONALUNITNAME, "TEAM123456")
        .unwrap();
    let name = name.build();
    let mut cert = X509::builder().unwrap();
    cert.set_version(2).unwrap();
    cert.set_subject_name(&name).unwrap();
    cert.set_issuer_name(&name).unwrap();
    cert.set_pubkey(key).unwrap();
    cert.set_not_before(&Asn1Time::days_from_now(0).unwrap())
        .unwrap();
    cert.set_not_after(&Asn1Time::days_from_now(30).unwrap())
        .unwrap();
    cert.sign(key, MessageDigest::sha256()).unwrap();
    String::from_utf8(cert.build().to_pem().unwrap()).unwrap()
}

fn ec_key() -> EcKey<Private> {
    EcKey::generate(&EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap()).unwrap()
}

/// A fresh P-256 key, its PKCS#8 PEM and a self-signed certificate of it.
fn key_and_cert() -> (PKey<Private>, String, String) {
    let key = PKey::from_ec_key(ec_key()).unwrap();
    let key_pem = String::from_utf8(key.private_key_to_pem_pkcs8().unwrap()).unwrap();
    let cert = self_signed(&key);
    (key, key_pem, cert)
}

/// The base64 lines of a PEM block (what must never leak).
fn pem_body(pem: &str) -> Vec<&str> {
    pem.lines()
        .filter(|l| !l.starts_with("-----") && l.len() > 20)
        .collect()
}

#[test]
fn reads_an_rcgen_pkcs8_identity() {
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "Pass Type ID: pass.example");
    let cert = params.self_signed(&key).unwrap();
    let key_pem = key.serialize_pem();
    assert!(key_pem.starts_with("-----BEGIN PRIVATE KEY-----"));
    let identity = ClientIdentity::from_pem(&cert.pem(), &key_pem).unwrap();
    assert_eq!(identity.subject(), "CN=Pass Type ID: pass.example");
    assert_eq!(identity.pass_type_identifier(), None);
    assert!(identity.not_after().ends_with("GMT"));
}

#[test]
fn reads_traditional_rsa_and_ec_keys() {
    let rsa = Rsa::generate(2048).unwrap();
    let rsa_pem = String::from_utf8(rsa.private_key_to_pem().unwrap()).unwrap();
    assert!(rsa_pem.starts_with("-----BEGIN RSA PRIVATE KEY-----"));
    let rsa_cert = self_signed(&PKey::from_rsa(rsa).unwrap());
    let identity = ClientIdentity::from_pem(&rsa_cert, &rsa_pem).unwrap();
    assert_eq!(identity.pass_type_identifier(), Some(TOPIC));
    assert!(
        identity
            .subject()
            .starts_with(&format!("UID={TOPIC}, CN=Pass Type ID: "))
    );

    let ec = ec_key();
    let ec_pem = String::from_utf8(ec.private_key_to_pem().unwrap()).unwrap();
    assert!(ec_pem.starts_with("-----BEGIN EC PRIVATE KEY-----"));
    let ec_cert = self_signed(&PKey::from_ec_key(ec).unwrap());
    let identity = ClientIdentity::from_pem(&ec_cert, &ec_pem).unwrap();
    assert_eq!(identity.pass_type_identifier(), Some(TOPIC));
}

#[test]
fn the_key_never_shows() {
    let (_, key_pem, cert) = key_and_cert();
    let identity = ClientIdentity::from_pem(&cert, &key_pem).unwrap();
    let debug = format!("{identity:?}");
    assert!(debug.contains("<redacted>"), "{debug}");
    assert!(debug.contains(TOPIC), "{debug}");
    for line in pem_body(&key_pem) {
        assert!(!debug.contains(line), "{debug}");
    }

    // A corrupted key: the error says what is wrong, not what the key is.
    let corrupted = key_pem.replacen('M', "!", 1);
    let err = ClientIdentity::from_pem(&cert, &corrupted).unwrap_err();
    assert!(matches!(err, ApnsError::PrivateKey(_)), "{err:?}");
    for text in [err.to_string(), format!("{err:?}")] {
        for line in pem_body(&key_pem) {
            assert!(!text.contains(line), "{text}");
        }
    }
}

#[test]
fn refuses_bad_inputs() {
    let (key, key_pem, cert) = key_and_cert();

    let other = PKey::from_ec_key(ec_key()).unwrap();
    let other_pem = String::from_utf8(other.private_key_to_pem_pkcs8().unwrap()).unwrap();
    assert_eq!(
        ClientIdentity::from_pem(&cert, &other_pem).unwrap_err(),
        ApnsError::KeyMismatch
    );

    let encrypted = String::from_utf8(
        key.private_key_to_pem_pkcs8_passphrase(Cipher::aes_256_cbc(), b"secret")
            .unwrap(),
    )
    .unwrap();
    let err = ClientIdentity::from_pem(&cert, &encrypted).unwrap_err();
    assert!(
        matches!(&err, ApnsError::PrivateKey(m) if m.contains("encrypted")),
        "{err:?}"
    );

    assert!(matches!(
        ClientIdentity::from_pem("not a certificate", &key_pem).unwrap_err(),
        ApnsError::Certificate(_)
    ));
    assert!(matches!(
        ClientIdentity::from_pem(&cert, "").unwrap_err(),
        ApnsError::PrivateKey(_)
    ));
    // The key where the certificate should be.
    assert!(matches!(
        ClientIdentity::from_pem(&key_pem, &key_pem).unwrap_err(),
        ApnsError::Certificate(_)
    ));
}

#[test]
fn client_settings_are_checked() {
    let (_, key_pem, cert) = key_and_cert();
    let identity = ClientIdentity::from_pem(&cert, &key_pem).unwrap();

    let client = ApnsClient::new(&ApnsConfig::default(), &identity).unwrap();
    assert_eq!(client.base_url(), "https://api.push.apple.com");
    assert_eq!(client.max_in_flight(), 256);
    assert_eq!(client.in_flight(), 0);

    let with_root = ApnsConfig {
        extra_root_certificates_pem: vec![cert.clone()],
        ..ApnsConfig::default()
    };
    assert!(ApnsClient::new(&with_root, &identity).is_ok());

    let bad_root = ApnsConfig {
        extra_root_certificates_pem: vec![cert.clone(), "garbage".to_owned()],
        ..ApnsConfig::default()
    };
    assert!(matches!(
        ApnsClient::new(&bad_root, &identity).unwrap_err(),
        ApnsError::RootCertificate { index: 1, .. }
    ));

    let zero = ApnsConfig {
        max_in_flight: 0,
        ..ApnsConfig::default()
    };
    assert!(matches!(
        ApnsClient::new(&zero, &identity).unwrap_err(),
        ApnsError::Config(_)
    ));

    let http = ApnsConfig {
        base_url: "http://api.push.apple.com".to_owned(),
        ..ApnsConfig::default()
    };
    assert!(matches!(
        ApnsClient::new(&http, &identity).unwrap_err(),
        ApnsError::BaseUrl { .. }
    ));
}
