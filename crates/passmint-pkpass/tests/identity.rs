//! Loading signing identities: PEM and DER bytes and files, encrypted keys, modern
//! and legacy (RC2-40, as macOS Keychain exports) .p12 files made with the
//! `openssl` command line, and the development identity. Each loaded identity
//! signs a pass that the independent verifier accepts.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{PASS_TYPE_ID, TEAM_ID, TempDir, identity, openssl, openssl_ok, sample_spec};
use openssl::symm::Cipher;
use passmint_pkpass::{PassStyle, PkpassError, SigningIdentity, build_pkpass};
use time::{Duration, OffsetDateTime};

/// The shared development identity's parts as PEM, in a temporary directory.
fn pem_files() -> TempDir {
    let id = identity();
    let dir = TempDir::new("pem");
    dir.write("cert.pem", &id.certificate().to_pem().unwrap());
    dir.write(
        "key.pem",
        &id.private_key().private_key_to_pem_pkcs8().unwrap(),
    );
    dir.write("wwdr.pem", &id.wwdr().to_pem().unwrap());
    dir
}

/// The loaded identity is the shared one and signs verifiable passes.
fn assert_works(loaded: &SigningIdentity) {
    assert_eq!(loaded.pass_type_identifier(), Some(PASS_TYPE_ID));
    assert_eq!(loaded.team_identifier(), Some(TEAM_ID));
    assert_eq!(
        loaded.certificate().to_der().unwrap(),
        identity().certificate().to_der().unwrap()
    );
    assert_eq!(
        loaded.wwdr().to_der().unwrap(),
        identity().wwdr().to_der().unwrap()
    );
    let pkpass = build_pkpass(&sample_spec(PassStyle::Generic), loaded).unwrap();
    common::verify_pkpass(&pkpass, loaded);
}

/// A .p12 of the shared identity made by `openssl pkcs12 -export` with `extra`
/// options; returns it with the `-info` text describing its encryption.
fn export_p12(extra: &[&str], password: &str) -> (Vec<u8>, String) {
    let dir = pem_files();
    let passout = format!("pass:{password}");
    let mut args = vec![
        "pkcs12",
        "-export",
        "-in",
        "cert.pem",
        "-inkey",
        "key.pem",
        "-out",
        "id.p12",
        "-passout",
        &passout,
        "-name",
        "Pass Type ID",
    ];
    args.extend_from_slice(extra);
    openssl_ok(&args, dir.path());
    let passin = format!("pass:{password}");
    let mut info_args = vec![
        "pkcs12", "-in", "id.p12", "-info", "-noout", "-passin", &passin,
    ];
    if extra.contains(&"-legacy") || extra.iter().any(|a| a.contains("RC2")) {
        info_args.push("-legacy");
    }
    let info = openssl(&info_args, dir.path());
    let info = format!(
        "{}{}",
        String::from_utf8_lossy(&info.stdout),
        String::from_utf8_lossy(&info.stderr)
    );
    (std::fs::read(dir.path().join("id.p12")).unwrap(), info)
}

#[test]
fn development_identity_has_ids_expiry_and_a_ca() {
    let id = identity();
    assert_eq!(id.pass_type_identifier(), Some(PASS_TYPE_ID));
    assert_eq!(id.team_identifier(), Some(TEAM_ID));
    let in_ten_years = OffsetDateTime::now_utc() + Duration::days(3650);
    assert!((id.not_after() - in_ten_years).abs() < Duration::days(2));
    assert_eq!(id.private_key().bits(), 2048);
    assert_eq!(id.wwdr().public_key().unwrap().bits(), 2048);
    let subject = format!("{:?}", id.certificate().subject_name());
    assert!(
        subject.contains("Pass Type ID: pass.dev.passmint.test"),
        "{subject}"
    );
    let debug = format!("{id:?}");
    assert!(debug.contains(PASS_TYPE_ID) && !debug.contains("PRIVATE"));

    let dir = TempDir::new("dev");
    dir.write("cert.pem", &id.certificate().to_pem().unwrap());
    dir.write("ca.pem", &id.wwdr().to_pem().unwrap());
    let out = openssl_ok(
        &["verify", "-CAfile", "ca.pem", "-purpose", "any", "cert.pem"],
        dir.path(),
    );
    assert!(out.contains("OK"), "{out}");

    assert!(matches!(
        SigningIdentity::generate_development("", TEAM_ID),
        Err(PkpassError::Identity(_))
    ));
}

#[test]
fn pem_bytes_and_files_load() {
    let dir = pem_files();
    let read = |n: &str| std::fs::read(dir.path().join(n)).unwrap();
    assert_works(
        &SigningIdentity::from_pem(&read("cert.pem"), &read("key.pem"), &read("wwdr.pem")).unwrap(),
    );
    assert_works(
        &SigningIdentity::from_pem_files(
            dir.path().join("cert.pem"),
            dir.path().join("key.pem"),
            dir.path().join("wwdr.pem"),
        )
        .unwrap(),
    );
    // A traditional "BEGIN RSA PRIVATE KEY" key too.
    let rsa_key = identity()
        .private_key()
        .rsa()
        .unwrap()
        .private_key_to_pem()
        .unwrap();
    assert_works(
        &SigningIdentity::from_pem(&read("cert.pem"), &rsa_key, &read("wwdr.pem")).unwrap(),
    );
}

#[test]
fn der_certificates_and_keys_load() {
    let id = identity();
    let loaded = SigningIdentity::from_pem(
        &id.certificate().to_der().unwrap(),
        &id.private_key().private_key_to_der().unwrap(),
        &id.wwdr().to_der().unwrap(),
    )
    .unwrap();
    assert_works(&loaded);
}

#[test]
fn encrypted_pem_keys_need_their_password() {
    let id = identity();
    let key = id
        .private_key()
        .private_key_to_pem_pkcs8_passphrase(Cipher::aes_256_cbc(), b"s3cret")
        .unwrap();
    let cert = id.certificate().to_pem().unwrap();
    let wwdr = id.wwdr().to_pem().unwrap();
    assert_works(
        &SigningIdentity::from_pem_with_key_password(&cert, &key, "s3cret", &wwdr).unwrap(),
    );
    let err = SigningIdentity::from_pem(&cert, &key, &wwdr).unwrap_err();
    assert!(err.to_string().contains("password"), "{err}");
    let err = SigningIdentity::from_pem_with_key_password(&cert, &key, "wrong", &wwdr).unwrap_err();
    assert!(err.to_string().contains("password"), "{err}");
}

#[test]
fn mismatched_parts_are_refused() {
    let other = SigningIdentity::generate_development("pass.other", "OTHER12345").unwrap();
    let id = identity();
    let cert = id.certificate().to_pem().unwrap();
    let key = id.private_key().private_key_to_pem_pkcs8().unwrap();
    let wwdr = id.wwdr().to_pem().unwrap();

    let other_key = other.private_key().private_key_to_pem_pkcs8().unwrap();
    let err = SigningIdentity::from_pem(&cert, &other_key, &wwdr).unwrap_err();
    assert!(err.to_string().contains("does not belong"), "{err}");

    let other_wwdr = other.wwdr().to_pem().unwrap();
    let err = SigningIdentity::from_pem(&cert, &key, &other_wwdr).unwrap_err();
    assert!(err.to_string().contains("did not issue"), "{err}");
    assert!(err.to_string().contains("WWDR"), "{err}");

    let err = SigningIdentity::from_pem(b"not a certificate", &key, &wwdr).unwrap_err();
    assert!(
        err.to_string().contains("cannot read the certificate"),
        "{err}"
    );

    let err = SigningIdentity::from_pem_files("/nonexistent/cert.pem", "k", "w").unwrap_err();
    assert!(matches!(err, PkpassError::Io { .. }), "{err}");
    assert!(err.to_string().contains("/nonexistent/cert.pem"), "{err}");
}

#[test]
fn modern_p12_loads() {
    let (p12, info) = export_p12(&[], "modern-pw");
    assert!(info.contains("AES-256-CBC"), "expected an AES .p12: {info}");
    let wwdr = identity().wwdr().to_pem().unwrap();
    assert_works(&SigningIdentity::from_p12(&p12, "modern-pw", &wwdr).unwrap());
}

#[test]
fn legacy_rc2_p12_loads() {
    let (p12, info) = export_p12(&["-legacy"], "legacy-pw");
    assert!(
        info.contains("RC2-40") || info.contains("RC2-CBC"),
        "expected an RC2-40 .p12: {info}"
    );
    let wwdr = identity().wwdr().to_pem().unwrap();
    assert_works(&SigningIdentity::from_p12(&p12, "legacy-pw", &wwdr).unwrap());

    // The spelled-out algorithms of a Keychain export.
    let (p12, info) = export_p12(
        &[
            "-certpbe",
            "PBE-SHA1-RC2-40",
            "-keypbe",
            "PBE-SHA1-3DES",
            "-legacy",
        ],
        "keychain",
    );
    assert!(info.contains("RC2"), "expected an RC2 .p12: {info}");
    assert_works(&SigningIdentity::from_p12(&p12, "keychain", &wwdr).unwrap());
}

#[test]
fn p12_files_load_and_errors_explain() {
    let (p12, _) = export_p12(&["-legacy"], "pw-file");
    let dir = TempDir::new("p12");
    let p12_path = dir.write("id.p12", &p12);
    let wwdr_path = dir.write("wwdr.cer", &identity().wwdr().to_der().unwrap());
    assert_works(&SigningIdentity::from_p12_file(&p12_path, "pw-file", &wwdr_path).unwrap());

    let wwdr = identity().wwdr().to_pem().unwrap();
    let err = SigningIdentity::from_p12(&p12, "wrong", &wwdr).unwrap_err();
    assert!(err.to_string().contains("password is wrong"), "{err}");

    let err = SigningIdentity::from_p12(b"garbage", "pw", &wwdr).unwrap_err();
    assert!(err.to_string().contains("cannot read the .p12"), "{err}");

    // Certificate only, no key.
    let pems = pem_files();
    openssl_ok(
        &[
            "pkcs12",
            "-export",
            "-nokeys",
            "-in",
            "cert.pem",
            "-out",
            "nokey.p12",
            "-passout",
            "pass:pw",
        ],
        pems.path(),
    );
    let nokey = std::fs::read(pems.path().join("nokey.p12")).unwrap();
    let err = SigningIdentity::from_p12(&nokey, "pw", &wwdr).unwrap_err();
    assert!(err.to_string().contains("private key"), "{err}");
}
