//! Shared test support: a development identity, sample specs for every style, PNG
//! files, temporary directories, and an independent .pkpass verifier that unzips
//! the archive, recomputes the manifest and checks the signature with the
//! `openssl` command line.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../examples/support/png.rs"]
mod png_support;

pub use png_support::{icons_and_logos, png};

mod check;

pub use check::{
    CMS_PRINT_ARGS, PRINT_CERTS_ARGS, assert_cms_verified, check_manifest, cms_verify_args,
    subjects, unzip,
};

use passmint_pkpass::{
    Barcode, BarcodeFormat, DateStyle, LintError, LintRule, Location, Mode, PassField, PassSpec,
    PassStyle, Rgb, SigningIdentity, TextAlignment, TransitType, lint,
};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use time::macros::datetime;

pub const PASS_TYPE_ID: &str = "pass.dev.passmint.test";
pub const TEAM_ID: &str = "TEAMID1234";
pub const TOKEN: &str = "0123456789abcdefTOKEN";

/// One development identity per test binary (RSA key generation is slow).
pub fn identity() -> &'static SigningIdentity {
    static IDENTITY: OnceLock<SigningIdentity> = OnceLock::new();
    IDENTITY.get_or_init(|| SigningIdentity::generate_development(PASS_TYPE_ID, TEAM_ID).unwrap())
}

/// A complete, valid spec of `style` with fields in every area (at the combined
/// limits), a barcode, colours, icon/logo and a style-specific image, a location,
/// dates and a web service.
pub fn sample_spec(style: PassStyle) -> PassSpec {
    let mut spec = PassSpec::new(
        PASS_TYPE_ID,
        TEAM_ID,
        "SN-42",
        "Passmint Test",
        "A test pass",
        style,
    );
    spec.logo_text = Some("Passmint".to_owned());
    spec.fields.header = vec![
        PassField::new("date", "2025-06-01T18:30:00Z")
            .with_label("DATE")
            .with_date_styles(DateStyle::Short, DateStyle::None),
    ];
    spec.fields.primary = if style == PassStyle::BoardingPass {
        vec![
            PassField::new("from", "SFO").with_label("San Francisco"),
            PassField::new("to", "JFK").with_label("New York"),
        ]
    } else {
        vec![PassField::new("title", "Main event").with_label("EVENT")]
    };
    spec.fields.secondary = vec![
        PassField::new("holder", "Ada Lovelace").with_label("NAME"),
        PassField::new("seat", "12A")
            .with_label("SEAT")
            .with_change_message("Your seat is now %@")
            .with_text_alignment(TextAlignment::Right),
    ];
    spec.fields.auxiliary = vec![
        PassField::new("gate", "B7").with_label("GATE"),
        PassField::new("level", "Gold")
            .with_label("LEVEL")
            .with_text_alignment(TextAlignment::Center),
    ];
    spec.fields.back = vec![
        PassField::new("terms", "No refunds.").with_label("Terms"),
        PassField::new("contact", "help@example.com").with_text_alignment(TextAlignment::Natural),
        PassField::new("starts", "2025-06-01T18:30:00Z")
            .with_label("Starts")
            .with_date_styles(DateStyle::Full, DateStyle::Long),
    ];
    spec.barcode = Some(Barcode::new(BarcodeFormat::Qr, "SN-42").with_alt_text("SN 42"));
    spec.colors.background = Some(Rgb::new(10, 20, 30));
    spec.colors.foreground = Some(Rgb::new(255, 255, 255));
    spec.colors.label = Some((200, 201, 202).into());
    for (name, bytes) in icons_and_logos() {
        spec.images.insert(name.to_owned(), bytes.into());
    }
    match style {
        PassStyle::EventTicket => {
            spec.images
                .insert("background.png".to_owned(), png(180, 220, 6).into());
            spec.images
                .insert("thumbnail.png".to_owned(), png(90, 90, 7).into());
        }
        PassStyle::Generic => {
            spec.images
                .insert("thumbnail@2x.png".to_owned(), png(180, 180, 8).into());
        }
        PassStyle::StoreCard | PassStyle::Coupon => {
            spec.images
                .insert("strip.png".to_owned(), png(375, 144, 9).into());
        }
        PassStyle::BoardingPass => {
            spec.transit_type = Some(TransitType::Air);
            spec.images
                .insert("footer.png".to_owned(), png(286, 15, 10).into());
        }
    }
    spec.locations = vec![Location {
        latitude: 48.8584,
        longitude: 2.2945,
        altitude: Some(35.0),
        relevant_text: Some("You are near the venue".to_owned()),
    }];
    spec.relevant_date = Some(datetime!(2025-06-01 18:30:00 UTC));
    spec.relevant_dates = vec![
        passmint_pkpass::RelevantDate::Interval {
            start: datetime!(2025-06-01 18:30:00 UTC),
            end: datetime!(2025-06-01 23:00:00 +02:00),
        },
        passmint_pkpass::RelevantDate::Date(datetime!(2025-06-02 10:00:00 UTC)),
    ];
    spec.expiration_date = Some(datetime!(2025-06-02 04:00:00 +02:00));
    spec.nfc = Some(passmint_pkpass::Nfc {
        message: "member:SN-42".to_owned(),
        encryption_public_key: Some(P256_KEY.to_owned()),
        requires_authentication: true,
    });
    spec.semantics = sample_semantics(style);
    if style == PassStyle::EventTicket {
        spec.preferred_style_schemes = vec![passmint_pkpass::StyleScheme::PosterEventTicket];
    }
    spec.web_service_url = Some("https://passes.example.com/wallet".to_owned());
    spec.authentication_token = Some(TOKEN.to_owned());
    spec.mode = Mode::Live;
    spec
}

/// Semantic tags of every one of Apple's types; for an event ticket, also the
/// tags its poster scheme requires.
pub fn sample_semantics(style: PassStyle) -> serde_json::Map<String, serde_json::Value> {
    let mut tags = serde_json::json!({
        "eventName": "Main event",
        "eventStartDate": "2025-06-01T18:30:00Z",
        "eventType": "PKEventTypeLivePerformance",
        "performerNames": ["The Band"],
        "duration": 7200,
        "silenceRequested": true,
        "venueLocation": {"latitude": 48.8584, "longitude": 2.2945},
        "totalPrice": {"amount": "42.50", "currencyCode": "EUR"},
        "passengerName": {"givenName": "Ada", "familyName": "Lovelace"},
        "seats": [{"seatSection": "A", "seatRow": "12", "seatNumber": "12A"}],
        "wifiAccess": [{"ssid": "Venue", "password": "s3cret"}],
        "passengerCapabilities": ["PKPassengerCapabilityCarryon"]
    });
    if style == PassStyle::EventTicket {
        tags["venueName"] = "Grand Hall".into();
        tags["venueRegionName"] = "Paris".into();
        tags["venueRoom"] = "Main room".into();
    }
    match tags {
        serde_json::Value::Object(map) => map,
        _ => unreachable!("an object literal"),
    }
}

/// A temporary directory removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> Self {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!(
            "passmint-pkpass-{tag}-{}-{n}-{}",
            std::process::id(),
            time::OffsetDateTime::now_utc().unix_timestamp_nanos()
        ));
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs the `openssl` command line; a missing binary fails the test loudly.
pub fn openssl(args: &[&str], dir: &Path) -> Output {
    match Command::new("openssl").args(args).current_dir(dir).output() {
        Ok(output) => output,
        Err(e) => panic!(
            "these tests verify passes with the `openssl` command line, which could not be \
             run ({e}): install it (Debian/Ubuntu: `apt-get install openssl`, macOS: \
             `brew install openssl@3`) and make sure it is on PATH"
        ),
    }
}

/// `openssl` that must succeed; returns stdout.
pub fn openssl_ok(args: &[&str], dir: &Path) -> String {
    let output = openssl(args, dir);
    assert!(
        output.status.success(),
        "openssl {args:?} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// What the verifier found in a valid .pkpass.
pub struct Verified {
    pub files: BTreeMap<String, Vec<u8>>,
    pub pass_json: serde_json::Value,
    /// `openssl cms -cmsout -print` of the signature.
    pub cms_print: String,
    /// Subjects of the certificates embedded in the signature.
    pub embedded_subjects: Vec<String>,
}

/// Unzips the pass, checks manifest.json lists every other file with its SHA-1,
/// and checks the detached CMS signature with `openssl cms -verify` against
/// `ca` (the WWDR / development CA), then extracts the signature's details.
pub fn verify_pkpass(pkpass: &[u8], identity: &SigningIdentity) -> Verified {
    let files = unzip(pkpass);
    check_manifest(&files);

    let dir = TempDir::new("verify");
    dir.write("signature", &files["signature"]);
    dir.write("manifest.json", &files["manifest.json"]);
    dir.write("ca.pem", &identity.wwdr().to_pem().unwrap());
    let output = openssl(&cms_verify_args("verified-content"), dir.path());
    assert_cms_verified(&output, dir.path(), "verified-content", &files);
    assert!(String::from_utf8_lossy(&output.stderr).contains("Verification successful"));

    let cms_print = openssl_ok(&CMS_PRINT_ARGS, dir.path());
    let embedded_subjects = subjects(&openssl_ok(&PRINT_CERTS_ARGS, dir.path()));

    let pass_json = serde_json::from_slice(&files["pass.json"]).expect("pass.json is JSON");
    Verified {
        files,
        pass_json,
        cms_print,
        embedded_subjects,
    }
}

/// The JSON type of a value, for the key tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Type {
    Str,
    Num,
    Int,
    Bool,
    Obj,
    Arr,
}

pub fn type_of(value: &serde_json::Value) -> Type {
    use serde_json::Value;
    match value {
        Value::String(_) => Type::Str,
        Value::Number(n) if n.is_u64() || n.is_i64() => Type::Int,
        Value::Number(_) => Type::Num,
        Value::Bool(_) => Type::Bool,
        Value::Object(_) => Type::Obj,
        Value::Array(_) => Type::Arr,
        Value::Null => panic!("null is never written to pass.json"),
    }
}

/// Base64 of the DER SubjectPublicKeyInfo of a P-256 key (an NFC terminal's).
pub const P256_KEY: &str = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE7cufgWa4X88kOcCgMReBOAt6Id0aAH7IIKXho4hk47PWgCXokEQiwvTCqJAATtcA9fwOGHYJ46ts/zC3+hRIjg==";

/// The lint errors of `spec`, which must not be valid.
pub fn errors(spec: &PassSpec) -> Vec<LintError> {
    lint(spec).expect_err("the spec should be refused")
}

/// `spec` is refused with exactly one error, of `rule` at `path`, whose message
/// contains every part of `says`.
pub fn refused(spec: &PassSpec, rule: LintRule, path: &str, says: &[&str]) {
    let errors = errors(spec);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let e = &errors[0];
    assert_eq!((e.rule, e.path.as_str()), (rule, path), "{e}");
    for part in says {
        assert!(e.message.contains(part), "'{part}' missing from: {e}");
    }
}
