//! An independent check of a .pkpass: unzip it, recompute every manifest SHA-1,
//! verify the detached CMS signature with the `openssl` command line against a CA
//! certificate, and read pass.json against Apple's documented keys.

#[path = "../../crates/passmint-pkpass/tests/common/check.rs"]
mod check;

pub use check::unzip;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// What a verified pass holds.
pub struct VerifiedPass {
    pub files: BTreeMap<String, Vec<u8>>,
    pub pass_json: serde_json::Value,
    /// Subjects of the certificates embedded in the signature.
    pub embedded_subjects: Vec<String>,
}

/// pass.json's top-level keys Apple documents (PassKit Package Format Reference).
pub const APPLE_TOP_LEVEL_KEYS: &[&str] = &[
    "formatVersion",
    "passTypeIdentifier",
    "teamIdentifier",
    "serialNumber",
    "organizationName",
    "description",
    "logoText",
    "foregroundColor",
    "backgroundColor",
    "labelColor",
    "barcode",
    "barcodes",
    "locations",
    "relevantDate",
    "relevantDates",
    "expirationDate",
    "voided",
    "sharingProhibited",
    "webServiceURL",
    "authenticationToken",
    "boardingPass",
    "coupon",
    "eventTicket",
    "generic",
    "storeCard",
    "groupingIdentifier",
    "maxDistance",
    "beacons",
    "appLaunchURL",
    "associatedStoreIdentifiers",
    "userInfo",
    "suppressStripShine",
    "nfc",
    "semantics",
    "preferredStyleSchemes",
];

struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "passmint-e2e-verify-{}-{}",
            std::process::id(),
            N.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn openssl(args: &[&str], dir: &Path) -> std::process::Output {
    Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "the .pkpass is verified with the `openssl` command line, which could not be \
                 run ({e}): install it (apt-get install -y openssl)"
            )
        })
}

/// Verifies `pkpass` against `ca_pem` (the WWDR or development CA) and returns
/// its contents. Panics with the reason when anything is off.
pub fn verify_pkpass(pkpass: &[u8], ca_pem: &str) -> VerifiedPass {
    let files = unzip(pkpass);
    check::check_manifest(&files);

    let dir = TempDir::new();
    std::fs::write(dir.0.join("signature"), &files["signature"]).unwrap();
    std::fs::write(dir.0.join("manifest.json"), &files["manifest.json"]).unwrap();
    std::fs::write(dir.0.join("ca.pem"), ca_pem).unwrap();
    let out = openssl(&check::cms_verify_args("verified"), &dir.0);
    check::assert_cms_verified(&out, &dir.0, "verified", &files);
    let printed = openssl(&check::CMS_PRINT_ARGS, &dir.0);
    assert!(
        String::from_utf8_lossy(&printed.stdout).contains("signingTime"),
        "the signature carries a signing time"
    );
    let certs = openssl(&check::PRINT_CERTS_ARGS, &dir.0);
    let embedded_subjects = check::subjects(&String::from_utf8_lossy(&certs.stdout));

    let pass_json: serde_json::Value =
        serde_json::from_slice(&files["pass.json"]).expect("pass.json is JSON");
    let object = pass_json.as_object().expect("pass.json is an object");
    for key in object.keys() {
        assert!(
            APPLE_TOP_LEVEL_KEYS.contains(&key.as_str()),
            "pass.json key {key} is not one of Apple's"
        );
    }
    if let Some(tags) = pass_json.get("semantics") {
        let tags = tags.as_object().expect("semantics is an object");
        for key in tags.keys() {
            assert!(
                passmint_domain::design::validate::semantics::SEMANTIC_TAGS
                    .iter()
                    .any(|t| t.apple == key),
                "semantic tag {key} is not one of Apple's"
            );
        }
    }
    assert_eq!(pass_json["formatVersion"], 1);
    for key in [
        "passTypeIdentifier",
        "teamIdentifier",
        "serialNumber",
        "organizationName",
        "description",
    ] {
        assert!(
            pass_json[key].as_str().is_some_and(|s| !s.is_empty()),
            "{key}"
        );
    }
    VerifiedPass {
        files,
        pass_json,
        embedded_subjects,
    }
}
