//! Building a signed .pkpass: lint, pass.json, manifest, CMS signature, zip.
//!
//! Everything except the RSA signature is kept cheap: pass.json is serialised
//! straight to bytes, an image is hashed once however many passes share it
//! ([`crate::PassImage`] keeps its SHA-1; the default icon's are computed once per
//! process), the identity's parsed key and pre-encoded certificates are reused,
//! and the zip entries are stored uncompressed (a few kilobytes of JSON
//! are not worth a deflate pass, and Wallet reads stored entries).
//!
//! The signature is a detached CMS (PKCS#7) SignedData over manifest.json, in DER,
//! with SHA-256, signed attributes (content type, signing time, message digest)
//! and both the signer and WWDR certificates embedded: see [`crate::cms`].

use crate::cms::sign_detached;
use crate::error::PkpassError;
use crate::identity::SigningIdentity;
use crate::images::default_icon;
use crate::lint::lint_with;
use crate::pass_json::pass_json_bytes;
use crate::spec::PassSpec;
use serde::ser::{SerializeMap, Serializer};
use std::io::{Cursor, Write};
use time::OffsetDateTime;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

/// Builds and signs `spec` with `identity`, adding the default icon when the spec
/// has none. Same as `PkpassBuilder::new(identity).build(spec)`.
pub fn build_pkpass(spec: &PassSpec, identity: &SigningIdentity) -> Result<Vec<u8>, PkpassError> {
    PkpassBuilder::new(identity).build(spec)
}

/// Builds .pkpass files with one identity and options.
#[derive(Clone, Copy, Debug)]
pub struct PkpassBuilder<'a> {
    identity: &'a SigningIdentity,
    default_icon: bool,
}

impl<'a> PkpassBuilder<'a> {
    /// A builder signing with `identity`, with the default icon on.
    pub fn new(identity: &'a SigningIdentity) -> Self {
        PkpassBuilder {
            identity,
            default_icon: true,
        }
    }

    /// Whether to add the built-in icon (`icon.png`, `@2x`, `@3x`) to passes that
    /// have no icon image at all (default: on). When off, such passes are refused
    /// with [`crate::LintRule::MissingIcon`].
    pub fn default_icon(mut self, on: bool) -> Self {
        self.default_icon = on;
        self
    }

    /// Lints `spec`, checks it against the identity and returns the signed .pkpass
    /// (a zip archive).
    pub fn build(&self, spec: &PassSpec) -> Result<Vec<u8>, PkpassError> {
        lint_with(spec, self.default_icon).map_err(PkpassError::Lint)?;
        check_identity(spec, self.identity)?;

        let pass_json = pass_json_bytes(spec)?;
        // The files of each `<lang>.lproj/` directory: its pass.strings, then its
        // images (the names are built here, the bytes borrowed from the spec).
        let mut localized: Vec<(String, LocalizedData<'_>)> = Vec::new();
        for (lang, localization) in &spec.localizations {
            if let Some(strings) = localization.pass_strings() {
                localized.push((
                    format!("{lang}.lproj/pass.strings"),
                    LocalizedData::Owned(strings),
                ));
            }
            for (name, image) in &localization.images {
                localized.push((format!("{lang}.lproj/{name}"), LocalizedData::Image(image)));
            }
        }
        let mut files: Vec<Entry<'_>> = Vec::with_capacity(spec.images.len() + localized.len() + 4);
        files.push(Entry {
            name: "pass.json",
            data: &pass_json,
            sha1: openssl::sha::sha1(&pass_json),
        });
        let images = spec
            .images
            .iter()
            .map(|(name, image)| (name.as_str(), image));
        let default_icon = (self.default_icon && !spec.has_icon())
            .then(|| default_icon().iter().map(|icon| (icon.name, &icon.image)))
            .into_iter()
            .flatten();
        for (name, image) in images.chain(default_icon) {
            files.push(Entry {
                name,
                data: image.as_bytes(),
                sha1: image.sha1(),
            });
        }
        for (name, data) in &localized {
            let (data, sha1) = match data {
                LocalizedData::Owned(bytes) => (bytes.as_slice(), openssl::sha::sha1(bytes)),
                LocalizedData::Image(image) => (image.as_bytes(), image.sha1()),
            };
            files.push(Entry {
                name: name.as_str(),
                data,
                sha1,
            });
        }
        let manifest = manifest_json(&files)?;
        let signature = sign_detached(
            self.identity.cms_template(),
            &manifest,
            OffsetDateTime::now_utc(),
        )?;
        zip_files(&files, &manifest, &signature)
    }
}

/// The bytes of a localized file: a pass.strings made for this pass, or an image
/// of the spec.
enum LocalizedData<'a> {
    Owned(Vec<u8>),
    Image(&'a crate::spec::PassImage),
}

/// A file of the pass with its SHA-1.
struct Entry<'a> {
    name: &'a str,
    data: &'a [u8],
    sha1: [u8; 20],
}

fn check_identity(spec: &PassSpec, identity: &SigningIdentity) -> Result<(), PkpassError> {
    let checks = [
        (
            "pass_type_identifier",
            spec.pass_type_identifier.as_str(),
            identity.pass_type_identifier(),
            "UID",
        ),
        (
            "team_identifier",
            spec.team_identifier.as_str(),
            identity.team_identifier(),
            "OU",
        ),
    ];
    for (name, ours, theirs, attribute) in checks {
        if let Some(theirs) = theirs
            && theirs != ours
        {
            return Err(PkpassError::IdentityMismatch(format!(
                "{name} is '{ours}' but the signing certificate's {attribute} is '{theirs}': \
                 Wallet refuses passes whose {name} differs from the certificate's, so set \
                 {name} to '{theirs}' or sign with the certificate of '{ours}'"
            )));
        }
    }
    Ok(())
}

/// `{"pass.json":"<sha1 hex>", ...}`.
fn manifest_json(files: &[Entry<'_>]) -> Result<Vec<u8>, PkpassError> {
    struct Manifest<'a, 'b>(&'a [Entry<'b>]);
    impl serde::Serialize for Manifest<'_, '_> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let mut map = serializer.serialize_map(Some(self.0.len()))?;
            for entry in self.0 {
                let mut hex = [0u8; 40];
                map.serialize_entry(entry.name, hex_lower(&entry.sha1, &mut hex))?;
            }
            map.end()
        }
    }
    let mut out = Vec::with_capacity(files.len() * 64 + 2);
    serde_json::to_writer(&mut out, &Manifest(files))?;
    Ok(out)
}

fn hex_lower<'a>(bytes: &[u8; 20], out: &'a mut [u8; 40]) -> &'a str {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for (i, b) in bytes.iter().enumerate() {
        out[2 * i] = DIGITS[usize::from(b >> 4)];
        out[2 * i + 1] = DIGITS[usize::from(b & 0x0F)];
    }
    // Only ASCII hex digits were written.
    std::str::from_utf8(out).unwrap_or_default()
}

fn zip_files(
    files: &[Entry<'_>],
    manifest: &[u8],
    signature: &[u8],
) -> Result<Vec<u8>, PkpassError> {
    // Local header (30) + central header (46) + the name twice, per entry.
    let overhead = |name: &str| 76 + 2 * name.len();
    let capacity = files
        .iter()
        .map(|f| f.data.len() + overhead(f.name))
        .sum::<usize>()
        + manifest.len()
        + signature.len()
        + overhead("manifest.json")
        + overhead("signature")
        + 22;
    let all = files
        .iter()
        .map(|f| (f.name, f.data))
        .chain([("manifest.json", manifest), ("signature", signature)]);
    stored_zip(capacity, all)
}

/// A zip of `entries` (name, bytes), stored without compression, in a buffer of
/// `capacity` bytes to start with.
pub(crate) fn stored_zip<'a>(
    capacity: usize,
    entries: impl IntoIterator<Item = (&'a str, &'a [u8])>,
) -> Result<Vec<u8>, PkpassError> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::with_capacity(capacity)));
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Stored)
        .unix_permissions(0o644);
    let zip_err = |e: &dyn std::fmt::Display| PkpassError::Zip(e.to_string());
    for (name, data) in entries {
        zip.start_file(name, options).map_err(|e| zip_err(&e))?;
        zip.write_all(data).map_err(|e| zip_err(&e))?;
    }
    let cursor = zip.finish().map_err(|e| zip_err(&e))?;
    Ok(cursor.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_is_lowercase() {
        let mut out = [0u8; 40];
        let mut bytes = [0u8; 20];
        bytes[0] = 0xAB;
        bytes[19] = 0x0F;
        let hex = hex_lower(&bytes, &mut out);
        assert!(hex.starts_with("ab00"));
        assert!(hex.ends_with("000f"));
    }
}
