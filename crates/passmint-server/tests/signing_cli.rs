//! `passmint accounts set-signing-identity` and `accounts show` through the real
//! binary: PEM files (plain and encrypted keys) and a legacy RC2 .p12 are checked
//! and stored, mistakes are refused with the builder's explanation, the expiry is
//! shown, and the private key never reaches stdout or the logs. Also the expiry
//! warning of `serve`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use passmint_pkpass::SigningIdentity;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

struct Dir(PathBuf);

impl Dir {
    fn new(tag: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("passmint-cli-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Dir(dir)
    }

    fn write(&self, name: &str, bytes: &[u8]) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, bytes).unwrap();
        path.display().to_string()
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[path = "../../../tests/src/process.rs"]
mod process;

use process::ok_json;

fn passmint(db: &str, args: &[&str]) -> std::process::Output {
    process::run_cli(env!("CARGO_BIN_EXE_passmint"), db, args)
}

/// `accounts set-signing-identity --account account` followed by `files` (the
/// `--cert`, `--key`, `--wwdr`, `--p12`… options).
fn set_identity(db: &str, account: &str, files: &[&str]) -> std::process::Output {
    let mut args = vec!["accounts", "set-signing-identity", "--account", account];
    args.extend_from_slice(files);
    passmint(db, &args)
}

fn everything(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn openssl(args: &[&str], dir: &Path) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the openssl command line (apt-get install -y openssl)");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn set_signing_identity_checks_stores_and_never_shows_the_key() {
    let dir = Dir::new("identity");
    let db = format!("sqlite://{}", dir.0.join("passmint.db").display());
    let identity =
        SigningIdentity::generate_development("pass.com.example.cli", "CLITEAM001").unwrap();
    let key_pem = identity.private_key().private_key_to_pem_pkcs8().unwrap();
    let key_line = String::from_utf8_lossy(&key_pem)
        .lines()
        .nth(1)
        .unwrap()
        .to_owned();
    let cert = dir.write("cert.pem", &identity.certificate().to_pem().unwrap());
    let key = dir.write("key.pem", &key_pem);
    let wwdr = dir.write("wwdr.pem", &identity.wwdr().to_pem().unwrap());

    let account = ok_json(&passmint(&db, &["accounts", "create", "--name", "Acme"]));
    let account = account["account_id"].as_str().unwrap().to_owned();

    let shown = ok_json(&passmint(&db, &["accounts", "show", "--account", &account]));
    assert_eq!(shown["signing_identity"], Value::Null);

    let out = set_identity(
        &db,
        &account,
        &["--cert", &cert, "--key", &key, "--wwdr", &wwdr],
    );
    let set = ok_json(&out);
    assert_eq!(set["account_id"], account.as_str());
    assert_eq!(set["pass_type_identifier"], "pass.com.example.cli");
    assert_eq!(set["team_identifier"], "CLITEAM001");
    assert!(set["not_after"].as_str().unwrap().ends_with('Z'));
    assert!(
        !everything(&out).contains(&key_line),
        "the key is never printed"
    );
    assert!(!everything(&out).contains("PRIVATE KEY"));

    let out = passmint(&db, &["accounts", "show", "--account", &account]);
    let shown = ok_json(&out);
    let id = &shown["signing_identity"];
    assert_eq!(id["pass_type_identifier"], "pass.com.example.cli");
    assert_eq!(id["not_after"], set["not_after"]);
    assert!(id["days_left"].as_i64().unwrap() > 3600);
    assert_eq!(id["expires_soon"], false);
    assert!(
        id["nfc"]
            .as_str()
            .unwrap()
            .contains("enabled this Pass Type ID certificate for NFC"),
        "{id}"
    );
    assert!(!everything(&out).contains(&key_line));

    // An encrypted key with its password, then a legacy (RC2) .p12.
    openssl(
        &[
            "pkcs8",
            "-topk8",
            "-in",
            "key.pem",
            "-out",
            "key-enc.pem",
            "-passout",
            "pass:s3cret",
            "-v2",
            "aes-256-cbc",
        ],
        &dir.0,
    );
    let out = set_identity(
        &db,
        &account,
        &[
            "--cert",
            &cert,
            "--key",
            &dir.0.join("key-enc.pem").display().to_string(),
            "--key-password",
            "s3cret",
            "--wwdr",
            &wwdr,
        ],
    );
    ok_json(&out);
    openssl(
        &[
            "pkcs12",
            "-export",
            "-legacy",
            "-in",
            "cert.pem",
            "-inkey",
            "key.pem",
            "-out",
            "legacy.p12",
            "-passout",
            "pass:p12pw",
        ],
        &dir.0,
    );
    let p12 = dir.0.join("legacy.p12").display().to_string();
    let out = set_identity(
        &db,
        &account,
        &["--p12", &p12, "--p12-password", "p12pw", "--wwdr", &wwdr],
    );
    assert_eq!(ok_json(&out)["team_identifier"], "CLITEAM001");

    // Mistakes are refused, naming the fix, and store nothing.
    let out = set_identity(
        &db,
        &account,
        &["--p12", &p12, "--p12-password", "wrong", "--wwdr", &wwdr],
    );
    assert!(!out.status.success());
    assert!(
        everything(&out).contains("password"),
        "{}",
        everything(&out)
    );
    let other = SigningIdentity::generate_development("pass.other", "OTHERTEAM1").unwrap();
    let other_wwdr = dir.write("other-wwdr.pem", &other.wwdr().to_pem().unwrap());
    let out = set_identity(
        &db,
        &account,
        &["--cert", &cert, "--key", &key, "--wwdr", &other_wwdr],
    );
    assert!(!out.status.success());
    assert!(everything(&out).contains("WWDR"), "{}", everything(&out));
    let out = set_identity(
        &db,
        "acct_nope",
        &["--cert", &cert, "--key", &key, "--wwdr", &wwdr],
    );
    assert!(!out.status.success());
    let out = set_identity(&db, &account, &["--wwdr", &wwdr]);
    assert!(!out.status.success(), "a source is required");
}

#[tokio::test]
async fn serve_warns_about_identities_expiring_within_30_days() {
    use passmint_testkit::{fixtures, memory_passmint};
    let (pm, _store, _clock) = memory_passmint();
    let (soon, _, _) = pm.create_account("Soon", None).await.unwrap();
    let (later, _, _) = pm.create_account("Later", None).await.unwrap();
    let mut creds = fixtures::signing_credentials();
    creds.not_after = pm.now() + time::Duration::days(10);
    pm.set_signing_identity(&soon.id, creds).await.unwrap();
    let mut creds = fixtures::signing_credentials();
    creds.not_after = pm.now() + time::Duration::days(90);
    pm.set_signing_identity(&later.id, creds).await.unwrap();
    assert_eq!(
        passmint_server::pkpass::warnings::warn_expiring(&pm).await,
        1
    );
}
