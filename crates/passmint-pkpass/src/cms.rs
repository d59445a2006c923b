//! The detached CMS (PKCS#7) signature over manifest.json, written directly in DER.
//!
//! The structure is exactly what OpenSSL's `CMS_sign` produces with the flags
//! `DETACHED | BINARY | NOSMIMECAP` (a unit test checks the bytes are identical),
//! but the parts that never change are encoded once per identity: the embedded
//! certificates (the signer's and WWDR's, in DER `SET OF` order) and the signer
//! identifier (issuer and serial number, copied from the certificate). Per pass
//! only the signed attributes (content type, signing time, SHA-256 message
//! digest) are encoded and signed with RSA PKCS#1 v1.5 / SHA-256, which saves the
//! generic CMS machinery's per-call overhead (about 6% of an RSA-2048 signature).
//!
//! ```text
//! ContentInfo { signedData, [0] SignedData {
//!   version 1, digestAlgorithms { sha256 }, encapContentInfo { data } (detached),
//!   certificates [0] { signer, WWDR },
//!   signerInfos { SignerInfo { version 1, issuerAndSerialNumber, sha256,
//!     signedAttrs [0] { contentType, signingTime, messageDigest },
//!     rsaEncryption, signature } } } }
//! ```

use crate::error::PkpassError;
use openssl::error::ErrorStack;
use openssl::md::Md;
use openssl::pkey::{PKey, Private};
use openssl::pkey_ctx::PkeyCtx;
use openssl::rsa::Padding;
use openssl::x509::X509Ref;
use std::sync::{Arc, Mutex};
use time::OffsetDateTime;

const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;
const INTEGER: u8 = 0x02;
const OCTET_STRING: u8 = 0x04;
const OID: u8 = 0x06;
const UTC_TIME: u8 = 0x17;
const GENERALIZED_TIME: u8 = 0x18;
const CONTEXT_0: u8 = 0xA0;

/// 1.2.840.113549.1.7.2
const OID_SIGNED_DATA: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02];
/// 1.2.840.113549.1.7.1
const OID_DATA: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x01];
/// 2.16.840.1.101.3.4.2.1
const OID_SHA256: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01];
/// 1.2.840.113549.1.1.1
const OID_RSA_ENCRYPTION: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01];
/// 1.2.840.113549.1.9.3
const OID_CONTENT_TYPE: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x03];
/// 1.2.840.113549.1.9.4
const OID_MESSAGE_DIGEST: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x04];
/// 1.2.840.113549.1.9.5
const OID_SIGNING_TIME: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x05];

/// Signing contexts kept ready, at most (more signing at once make new ones).
const IDLE_CONTEXTS: usize = 16;

/// RSA PKCS#1 v1.5 signatures of SHA-256 digests with one key, through OpenSSL
/// contexts set up once and reused: setting one up fetches the algorithm and the
/// digest from the provider and binds the key, a cost paid per signature by a
/// fresh `EVP_DigestSign`. A context serves one signature at a time; idle ones
/// wait in a small stack shared by every thread.
#[derive(Clone)]
struct DigestSigner {
    key: PKey<Private>,
    idle: Arc<Mutex<Vec<PkeyCtx<Private>>>>,
}

impl std::fmt::Debug for DigestSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DigestSigner").finish_non_exhaustive()
    }
}

impl DigestSigner {
    fn new(key: &PKey<Private>) -> Self {
        DigestSigner {
            key: key.clone(),
            idle: Arc::new(Mutex::new(Vec::new())),
        }
    }

    fn context(&self) -> Result<PkeyCtx<Private>, ErrorStack> {
        let idle = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        if let Some(ctx) = idle {
            return Ok(ctx);
        }
        let mut ctx = PkeyCtx::new(&self.key)?;
        ctx.sign_init()?;
        ctx.set_rsa_padding(Padding::PKCS1)?;
        ctx.set_signature_md(Md::sha256())?;
        Ok(ctx)
    }

    /// The signature of a SHA-256 `digest` (DigestInfo-wrapped, as
    /// `EVP_DigestSign` with SHA-256 makes it).
    fn sign(&self, digest: &[u8; 32]) -> Result<Vec<u8>, ErrorStack> {
        let mut ctx = self.context()?;
        let mut signature = Vec::with_capacity(self.key.size());
        ctx.sign_to_vec(digest, &mut signature)?;
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < IDLE_CONTEXTS {
            idle.push(ctx);
        }
        Ok(signature)
    }
}

/// The per-identity parts of the signature, encoded once, and the identity's
/// signing contexts.
#[derive(Clone, Debug)]
pub(crate) struct CmsTemplate {
    /// `[0] IMPLICIT SET OF Certificate`: both certificates, sorted by encoding.
    certificates: Vec<u8>,
    /// `IssuerAndSerialNumber` of the signer certificate.
    signer_id: Vec<u8>,
    signer: DigestSigner,
}

impl CmsTemplate {
    /// Encodes the certificates and the signer identifier; signatures are made
    /// with `key` (the signer certificate's).
    pub(crate) fn new(
        signer: &X509Ref,
        wwdr: &X509Ref,
        key: &PKey<Private>,
    ) -> Result<Self, PkpassError> {
        let signer_der = signer.to_der()?;
        let wwdr_der = wwdr.to_der()?;
        let (issuer, serial) = issuer_and_serial(&signer_der).ok_or_else(|| {
            PkpassError::Identity(
                "the certificate's DER encoding could not be read (issuer and serial \
                 number): give a standard X.509 certificate"
                    .to_owned(),
            )
        })?;
        let mut signer_id = Vec::with_capacity(issuer.len() + serial.len() + 4);
        tlv(&mut signer_id, SEQUENCE, &[issuer, serial]);

        // DER orders a SET OF by the elements' encodings.
        let mut certs = [signer_der.as_slice(), wwdr_der.as_slice()];
        certs.sort_unstable();
        let mut certificates = Vec::with_capacity(signer_der.len() + wwdr_der.len() + 4);
        tlv(&mut certificates, CONTEXT_0, &certs);
        Ok(CmsTemplate {
            certificates,
            signer_id,
            signer: DigestSigner::new(key),
        })
    }
}

/// The DER `signature` file: a detached SignedData over `content`, signed at `now`.
pub(crate) fn sign_detached(
    template: &CmsTemplate,
    content: &[u8],
    now: OffsetDateTime,
) -> Result<Vec<u8>, PkpassError> {
    let sha256_alg = algorithm(OID_SHA256, false);
    let rsa_alg = algorithm(OID_RSA_ENCRYPTION, true);

    // Attributes, in DER SET OF order (their encodings differ first in length:
    // contentType 24, signingTime 28 or 30, messageDigest 47 bytes of content).
    let mut attributes = Vec::with_capacity(112);
    attribute(&mut attributes, OID_CONTENT_TYPE, &encoded(OID, OID_DATA));
    attribute(&mut attributes, OID_SIGNING_TIME, &signing_time(now));
    let digest = openssl::sha::sha256(content);
    attribute(
        &mut attributes,
        OID_MESSAGE_DIGEST,
        &encoded(OCTET_STRING, &digest),
    );

    // The signature covers the attributes encoded as a SET (tag 0x31); the
    // SignerInfo carries them as [0] IMPLICIT.
    let mut signed_attrs = Vec::with_capacity(attributes.len() + 2);
    tlv(&mut signed_attrs, SET, &[&attributes]);
    let signature = template.signer.sign(&openssl::sha::sha256(&signed_attrs))?;
    signed_attrs[0] = CONTEXT_0;

    let mut signer_info = Vec::with_capacity(640);
    tlv(
        &mut signer_info,
        SEQUENCE,
        &[
            &[INTEGER, 1, 1],
            &template.signer_id,
            &sha256_alg,
            &signed_attrs,
            &rsa_alg,
            &encoded(OCTET_STRING, &signature),
        ],
    );
    let mut signer_infos = Vec::with_capacity(signer_info.len() + 4);
    tlv(&mut signer_infos, SET, &[&signer_info]);

    let mut digest_algorithms = Vec::with_capacity(16);
    tlv(&mut digest_algorithms, SET, &[&sha256_alg]);
    let mut encap = Vec::with_capacity(16);
    tlv(&mut encap, SEQUENCE, &[&encoded(OID, OID_DATA)]);

    let signed_data_parts: [&[u8]; 5] = [
        &[INTEGER, 1, 1],
        &digest_algorithms,
        &encap,
        &template.certificates,
        &signer_infos,
    ];
    let signed_data_len: usize = signed_data_parts.iter().map(|p| p.len()).sum();
    let mut out = Vec::with_capacity(signed_data_len + 32);
    let content_type = encoded(OID, OID_SIGNED_DATA);
    let signed_data_total = header_len(signed_data_len) + signed_data_len;
    let explicit_total = header_len(signed_data_total) + signed_data_total;
    header(&mut out, SEQUENCE, content_type.len() + explicit_total);
    out.extend_from_slice(&content_type);
    header(&mut out, CONTEXT_0, signed_data_total);
    tlv(&mut out, SEQUENCE, &signed_data_parts);
    Ok(out)
}

/// `SEQUENCE { attrType OID, attrValues SET { value } }`.
fn attribute(out: &mut Vec<u8>, oid: &[u8], value: &[u8]) {
    let oid = encoded(OID, oid);
    let mut values = Vec::with_capacity(value.len() + 2);
    tlv(&mut values, SET, &[value]);
    tlv(out, SEQUENCE, &[&oid, &values]);
}

/// `AlgorithmIdentifier`, with NULL parameters or none.
fn algorithm(oid: &[u8], null_parameters: bool) -> Vec<u8> {
    let oid = encoded(OID, oid);
    let mut out = Vec::with_capacity(oid.len() + 4);
    let null: &[u8] = if null_parameters { &[0x05, 0x00] } else { &[] };
    tlv(&mut out, SEQUENCE, &[&oid, null]);
    out
}

/// UTCTime for 1950-2049, GeneralizedTime otherwise (RFC 5652, 11.3).
fn signing_time(now: OffsetDateTime) -> Vec<u8> {
    let now = now.to_offset(time::UtcOffset::UTC);
    let (year, text) = (now.year(), now.year().rem_euclid(10_000));
    let rest = format!(
        "{:02}{:02}{:02}{:02}{:02}Z",
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    );
    if (1950..2050).contains(&year) {
        encoded(UTC_TIME, format!("{:02}{rest}", text % 100).as_bytes())
    } else {
        encoded(GENERALIZED_TIME, format!("{text:04}{rest}").as_bytes())
    }
}

fn encoded(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + 4);
    tlv(&mut out, tag, &[content]);
    out
}

/// Appends a TLV whose content is the concatenation of `parts`.
fn tlv(out: &mut Vec<u8>, tag: u8, parts: &[&[u8]]) {
    header(out, tag, parts.iter().map(|p| p.len()).sum());
    for part in parts {
        out.extend_from_slice(part);
    }
}

fn header(out: &mut Vec<u8>, tag: u8, len: usize) {
    out.push(tag);
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
}

fn header_len(len: usize) -> usize {
    if len < 0x80 {
        2
    } else {
        2 + (usize::BITS - len.leading_zeros()).div_ceil(8) as usize
    }
}

/// One DER element read from a buffer.
struct Tlv<'a> {
    tag: u8,
    /// The whole element, header included.
    element: &'a [u8],
    content: &'a [u8],
    /// What follows the element.
    rest: &'a [u8],
}

/// Reads the DER element at the start of `der`.
fn read_tlv(der: &[u8]) -> Option<Tlv<'_>> {
    let (&tag, rest) = der.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7F);
        if n == 0 || n > std::mem::size_of::<usize>() || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    let header = der.len() - rest.len();
    Some(Tlv {
        tag,
        element: &der[..header + len],
        content: &rest[..len],
        rest: &rest[len..],
    })
}

/// Reads the DER element at the start of `der`, which must have `tag`.
fn expect_tlv(der: &[u8], tag: u8) -> Option<Tlv<'_>> {
    read_tlv(der).filter(|tlv| tlv.tag == tag)
}

/// The issuer Name and serialNumber INTEGER elements of a DER certificate, as
/// they are encoded in it.
fn issuer_and_serial(cert: &[u8]) -> Option<(&[u8], &[u8])> {
    let certificate = expect_tlv(cert, SEQUENCE)?;
    let tbs = expect_tlv(certificate.content, SEQUENCE)?.content;
    // The version is an optional [0] field (absent in v1 certificates).
    let after_version = match read_tlv(tbs)? {
        version if version.tag == CONTEXT_0 => version.rest,
        _ => tbs,
    };
    let serial = expect_tlv(after_version, INTEGER)?;
    let signature_algorithm = expect_tlv(serial.rest, SEQUENCE)?;
    let issuer = expect_tlv(signature_algorithm.rest, SEQUENCE)?;
    Some((issuer.element, serial.element))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::SigningIdentity;
    use openssl::cms::{CMSOptions, CmsContentInfo};
    use openssl::stack::Stack;
    use std::sync::OnceLock;

    fn identity() -> &'static SigningIdentity {
        static ID: OnceLock<SigningIdentity> = OnceLock::new();
        ID.get_or_init(|| SigningIdentity::generate_development("pass.test.cms", "TEAM").unwrap())
    }

    /// OpenSSL's own CMS_sign output with the same flags.
    fn openssl_cms(content: &[u8]) -> Vec<u8> {
        let id = identity();
        let mut certs = Stack::new().unwrap();
        certs.push(id.wwdr().to_owned()).unwrap();
        let flags = CMSOptions::DETACHED | CMSOptions::BINARY | CMSOptions::NOSMIMECAP;
        CmsContentInfo::sign(
            Some(id.certificate()),
            Some(id.private_key()),
            Some(&certs),
            Some(content),
            flags,
        )
        .unwrap()
        .to_der()
        .unwrap()
    }

    /// The signingTime OpenSSL wrote (a UTCTime), read from its DER.
    fn signing_time_in(der: &[u8]) -> OffsetDateTime {
        let at = der
            .windows(OID_SIGNING_TIME.len())
            .position(|w| w == OID_SIGNING_TIME)
            .expect("a signingTime attribute");
        let value = &der[at + OID_SIGNING_TIME.len()..];
        assert_eq!(&value[..4], &[SET, 15, UTC_TIME, 13]);
        let text = std::str::from_utf8(&value[4..17]).unwrap();
        let n = |i: usize| text[i..i + 2].parse::<u8>().unwrap();
        let date = time::Date::from_calendar_date(
            2000 + i32::from(n(0)),
            time::Month::try_from(n(2)).unwrap(),
            n(4),
        )
        .unwrap();
        date.with_hms(n(6), n(8), n(10)).unwrap().assume_utc()
    }

    #[test]
    fn identical_to_openssl_cms_sign() {
        let id = identity();
        let content = br#"{"pass.json":"0123456789abcdef0123456789abcdef01234567"}"#;
        // RSA PKCS#1 v1.5 is deterministic: with OpenSSL's signing time, the two
        // encodings must be byte for byte the same.
        let theirs = openssl_cms(content);
        let when = signing_time_in(&theirs);
        let ours = sign_detached(id.cms_template(), content, when).unwrap();
        assert_eq!(ours, theirs);
        // A context reused from the idle stack signs as a fresh one, and so do
        // contexts used from several threads at once.
        let again = sign_detached(id.cms_template(), content, when).unwrap();
        assert_eq!(again, theirs);
        std::thread::scope(|s| {
            let signers: Vec<_> = (0..4)
                .map(|_| s.spawn(|| sign_detached(id.cms_template(), content, when).unwrap()))
                .collect();
            for signer in signers {
                assert_eq!(signer.join().unwrap(), theirs);
            }
        });
    }

    #[test]
    fn openssl_parses_and_verifies_it() {
        let id = identity();
        let content = b"manifest";
        let der = sign_detached(id.cms_template(), content, OffsetDateTime::now_utc()).unwrap();
        let mut cms = CmsContentInfo::from_der(&der).unwrap();
        let mut store = openssl::x509::store::X509StoreBuilder::new().unwrap();
        store.add_cert(id.wwdr().to_owned()).unwrap();
        let store = store.build();
        cms.verify(
            None,
            Some(&store),
            Some(content),
            None,
            CMSOptions::BINARY | CMSOptions::NO_SIGNER_CERT_VERIFY,
        )
        .unwrap();
        assert!(
            cms.verify(None, Some(&store), Some(b"other"), None, CMSOptions::BINARY)
                .is_err()
        );
    }

    #[test]
    fn times_use_utc_time_until_2049() {
        let t = time::macros::datetime!(2049-12-31 23:59:59 UTC);
        assert_eq!(signing_time(t), encoded(UTC_TIME, b"491231235959Z"));
        let t = time::macros::datetime!(2050-01-01 00:00:00 +01:00);
        assert_eq!(signing_time(t), encoded(UTC_TIME, b"491231230000Z"));
        let t = time::macros::datetime!(2050-01-01 00:00:00 UTC);
        assert_eq!(
            signing_time(t),
            encoded(GENERALIZED_TIME, b"20500101000000Z")
        );
    }

    #[test]
    fn lengths_use_the_shortest_form() {
        for (len, expected) in [
            (0x7F, vec![0x30, 0x7F]),
            (0x80, vec![0x30, 0x81, 0x80]),
            (0x1234, vec![0x30, 0x82, 0x12, 0x34]),
            (0x12_3456, vec![0x30, 0x83, 0x12, 0x34, 0x56]),
        ] {
            let mut out = Vec::new();
            header(&mut out, SEQUENCE, len);
            assert_eq!(out, expected);
            assert_eq!(header_len(len), expected.len());
        }
    }
}
