//! The `openssl cms -verify` command line that checks a .pkpass signature. Shared by
//! the pkpass tests (`common`) and the end-to-end verifier (`tests/src/verify.rs`,
//! which includes this file), so that both check the same way.

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
