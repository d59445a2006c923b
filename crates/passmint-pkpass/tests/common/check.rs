//! The checks of a .pkpass that do not depend on who signed it: its zip entries,
//! its manifest, and the `openssl cms -verify` command line for its signature.
//! Shared by the pkpass tests (`common`) and the end-to-end verifier
//! (`tests/src/verify.rs`, which includes this file), so that both check the same way.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::process::Output;

/// Every entry of the zip by name; each must be a file, and appear once.
pub fn unzip(pkpass: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(pkpass)).expect("a zip archive");
    let mut files = BTreeMap::new();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let name = entry.name().expect("a UTF-8 entry name").into_owned();
        assert!(entry.is_file(), "{name} is not a file");
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        assert!(
            files.insert(name.clone(), bytes).is_none(),
            "{name} twice in the zip"
        );
    }
    files
}

/// pass.json, manifest.json, signature and icon.png are there, and manifest.json
/// lists exactly the other files, each with its SHA-1.
pub fn check_manifest(files: &BTreeMap<String, Vec<u8>>) {
    for required in ["pass.json", "manifest.json", "signature", "icon.png"] {
        assert!(
            files.contains_key(required),
            "{required} missing from the pass"
        );
    }
    let manifest: BTreeMap<String, String> =
        serde_json::from_slice(&files["manifest.json"]).expect("manifest.json is a JSON object");
    let listed: Vec<&String> = manifest.keys().collect();
    let expected: Vec<&String> = files
        .keys()
        .filter(|n| *n != "manifest.json" && *n != "signature")
        .collect();
    assert_eq!(
        listed, expected,
        "manifest.json must list exactly the other files"
    );
    for (name, hash) in &manifest {
        let actual: String = openssl::sha::sha1(&files[name])
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(hash, &actual, "SHA-1 of {name} in manifest.json");
    }
}

/// The arguments of `openssl cms -verify` of the detached DER `signature` over
/// `manifest.json`, against `ca.pem` (all in the working directory), writing the
/// verified content to `out`.
pub fn cms_verify_args(out: &str) -> [&str; 15] {
    [
        "cms",
        "-verify",
        "-inform",
        "DER",
        "-in",
        "signature",
        "-binary",
        "-content",
        "manifest.json",
        "-CAfile",
        "ca.pem",
        "-purpose",
        "any",
        "-out",
        out,
    ]
}

/// `output` (of `openssl cms_verify_args(out)` run in `dir`) accepted the
/// signature, and the content it wrote to `out` is manifest.json.
pub fn assert_cms_verified(
    output: &Output,
    dir: &Path,
    out: &str,
    files: &BTreeMap<String, Vec<u8>>,
) {
    assert!(
        output.status.success(),
        "openssl cms -verify refused the signature: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        std::fs::read(dir.join(out)).unwrap(),
        files["manifest.json"],
        "the signed content is manifest.json"
    );
}

/// `openssl cms -cmsout -print` of `signature`.
pub const CMS_PRINT_ARGS: [&str; 7] = [
    "cms",
    "-cmsout",
    "-print",
    "-inform",
    "DER",
    "-in",
    "signature",
];

/// `openssl pkcs7 -print_certs` of `signature`.
pub const PRINT_CERTS_ARGS: [&str; 7] = [
    "pkcs7",
    "-inform",
    "DER",
    "-in",
    "signature",
    "-print_certs",
    "-noout",
];

/// The subjects in the output of [`PRINT_CERTS_ARGS`].
pub fn subjects(print_certs: &str) -> Vec<String> {
    print_certs
        .lines()
        .filter_map(|l| l.strip_prefix("subject="))
        .map(|s| s.trim().to_owned())
        .collect()
}
