//! `nfc` of a design (docs/api.md §3): the message a pass transmits to a Value
//! Added Services terminal and the terminal's encryption key.

use super::placeholders::check_placeholders;
use super::text::check_text;
use crate::design::{Design, Nfc};
use crate::error::DomainError;
use base64::Engine;
use passmint_apple::{
    MAX_NFC_MESSAGE_BYTES, P256_SPKI_LEN, P256_SPKI_PREFIX, render_placeholders_within,
};

/// The longest `nfc.message` of a design, in characters, placeholders included
/// (once rendered it is at most [`MAX_NFC_MESSAGE_BYTES`] bytes).
pub const MAX_NFC_MESSAGE_LEN: usize = 200;
/// The longest `nfc.encryption_public_key`, in characters (its base64 is 124).
pub const MAX_NFC_KEY_LEN: usize = 200;

pub(super) fn check_nfc(nfc: &Nfc, design: &Design) -> Result<(), DomainError> {
    let param = "nfc.message";
    check_text(param, &nfc.message, MAX_NFC_MESSAGE_LEN, true)?;
    check_placeholders(param, &nfc.message, design)?;
    // What stays whatever the placeholders stand for.
    let literal = render_placeholders_within(&nfc.message, &|_| Some(String::new()), usize::MAX)
        .map_or(0, |s| s.len());
    if literal > MAX_NFC_MESSAGE_BYTES {
        return Err(DomainError::invalid(
            param,
            format!(
                "nfc.message is {literal} bytes of UTF-8 but Apple transmits at most \
                 {MAX_NFC_MESSAGE_BYTES}: shorten it"
            ),
        ));
    }
    if let Some(key) = &nfc.encryption_public_key {
        check_encryption_key(key)?;
    }
    Ok(())
}

/// Apple's `encryptionPublicKey`: base64 of the DER SubjectPublicKeyInfo of an
/// ECDH P-256 key (named curve, uncompressed point), the point on the curve.
fn check_encryption_key(key: &str) -> Result<(), DomainError> {
    let param = "nfc.encryption_public_key";
    check_text(param, key, MAX_NFC_KEY_LEN, true)?;
    let fix = "give the base64 of the DER SubjectPublicKeyInfo of an ECDH P-256 key, one \
               line without the PEM header (`openssl ec -in key.pem -pubout -outform DER | \
               base64 -w0`)";
    let invalid = |why: &str| DomainError::invalid(param, format!("{param} {why}: {fix}"));
    if key.contains("-----") {
        return Err(invalid("is PEM"));
    }
    let der = base64::engine::general_purpose::STANDARD
        .decode(key)
        .map_err(|_| invalid("is not base64"))?;
    if der.len() != P256_SPKI_LEN || der[..P256_SPKI_PREFIX.len()] != P256_SPKI_PREFIX {
        return Err(invalid(
            "is not the SubjectPublicKeyInfo of a P-256 key (named curve prime256v1, \
             uncompressed point)",
        ));
    }
    if !point_is_on_the_curve(&der[P256_SPKI_PREFIX.len()..]) {
        return Err(invalid("holds a point that is not on the P-256 curve"));
    }
    Ok(())
}

/// ring checks a peer's point (on the curve, not the identity) when it is used: an
/// agreement with a throwaway key is that use.
fn point_is_on_the_curve(point: &[u8]) -> bool {
    use ring::agreement::{ECDH_P256, EphemeralPrivateKey, UnparsedPublicKey, agree_ephemeral};
    let rng = ring::rand::SystemRandom::new();
    let Ok(ours) = EphemeralPrivateKey::generate(&ECDH_P256, &rng) else {
        return false;
    };
    agree_ephemeral(ours, &UnparsedPublicKey::new(&ECDH_P256, point), |_| ()).is_ok()
}
