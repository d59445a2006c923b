//! Builds passes of every style and checks them with an independent verifier
//! (unzip, manifest SHA-1s, `openssl cms -verify`), then checks pass.json against
//! a table of Apple's documented keys and the expected values.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{
    P256_KEY, PASS_TYPE_ID, TEAM_ID, TOKEN, Type, identity, png, sample_semantics, sample_spec,
    type_of,
};
use passmint_pkpass::{
    Barcode, BarcodeFormat, LintRule, Mode, PassField, PassSpec, PassStyle, PkpassBuilder,
    PkpassError, SigningIdentity, build_pkpass, pass_json,
};
use serde_json::{Value, json};

/// Apple's top-level pass.json keys this crate may write, with their JSON types.
const TOP_LEVEL_KEYS: &[(&str, Type)] = &[
    ("formatVersion", Type::Int),
    ("passTypeIdentifier", Type::Str),
    ("teamIdentifier", Type::Str),
    ("serialNumber", Type::Str),
    ("organizationName", Type::Str),
    ("description", Type::Str),
    ("logoText", Type::Str),
    ("backgroundColor", Type::Str),
    ("foregroundColor", Type::Str),
    ("labelColor", Type::Str),
    ("eventTicket", Type::Obj),
    ("generic", Type::Obj),
    ("storeCard", Type::Obj),
    ("coupon", Type::Obj),
    ("boardingPass", Type::Obj),
    ("barcodes", Type::Arr),
    ("barcode", Type::Obj),
    ("locations", Type::Arr),
    ("relevantDate", Type::Str),
    ("relevantDates", Type::Arr),
    ("expirationDate", Type::Str),
    ("nfc", Type::Obj),
    ("semantics", Type::Obj),
    ("preferredStyleSchemes", Type::Arr),
    ("sharingProhibited", Type::Bool),
    ("voided", Type::Bool),
    ("webServiceURL", Type::Str),
    ("authenticationToken", Type::Str),
];
const REQUIRED_TOP_LEVEL: &[&str] = &[
    "formatVersion",
    "passTypeIdentifier",
    "teamIdentifier",
    "serialNumber",
    "organizationName",
    "description",
];
const STYLE_KEYS: &[&str] = &[
    "eventTicket",
    "generic",
    "storeCard",
    "coupon",
    "boardingPass",
];
/// Keys of the style dictionary (pass structure).
const STRUCTURE_KEYS: &[(&str, Type)] = &[
    ("transitType", Type::Str),
    ("headerFields", Type::Arr),
    ("primaryFields", Type::Arr),
    ("secondaryFields", Type::Arr),
    ("auxiliaryFields", Type::Arr),
    ("backFields", Type::Arr),
];
const FIELD_KEYS: &[(&str, Type)] = &[
    ("key", Type::Str),
    ("label", Type::Str),
    ("value", Type::Str),
    ("changeMessage", Type::Str),
    ("textAlignment", Type::Str),
    ("dateStyle", Type::Str),
    ("timeStyle", Type::Str),
];
const BARCODE_KEYS: &[(&str, Type)] = &[
    ("format", Type::Str),
    ("message", Type::Str),
    ("messageEncoding", Type::Str),
    ("altText", Type::Str),
];
const LOCATION_KEYS: &[(&str, Type)] = &[
    ("latitude", Type::Num),
    ("longitude", Type::Num),
    ("altitude", Type::Num),
    ("relevantText", Type::Str),
];
const RELEVANT_DATE_KEYS: &[(&str, Type)] = &[
    ("startDate", Type::Str),
    ("endDate", Type::Str),
    ("date", Type::Str),
];
const NFC_KEYS: &[(&str, Type)] = &[
    ("message", Type::Str),
    ("encryptionPublicKey", Type::Str),
    ("requiresAuthentication", Type::Bool),
];
const TEXT_ALIGNMENTS: &[&str] = &[
    "PKTextAlignmentLeft",
    "PKTextAlignmentCenter",
    "PKTextAlignmentRight",
    "PKTextAlignmentNatural",
];
const DATE_STYLES: &[&str] = &[
    "PKDateStyleNone",
    "PKDateStyleShort",
    "PKDateStyleMedium",
    "PKDateStyleLong",
    "PKDateStyleFull",
];
const BARCODE_FORMATS: &[&str] = &[
    "PKBarcodeFormatQR",
    "PKBarcodeFormatPDF417",
    "PKBarcodeFormatAztec",
    "PKBarcodeFormatCode128",
];
const TRANSIT_TYPES: &[&str] = &[
    "PKTransitTypeAir",
    "PKTransitTypeBoat",
    "PKTransitTypeBus",
    "PKTransitTypeTrain",
    "PKTransitTypeGeneric",
];

fn check_keys(at: &str, value: &Value, table: &[(&str, Type)]) {
    let object = value
        .as_object()
        .unwrap_or_else(|| panic!("{at} is an object"));
    for (key, value) in object {
        let Some((_, expected)) = table.iter().find(|(k, _)| k == key) else {
            panic!("{at}.{key} is not an Apple pass.json key this crate may write");
        };
        let actual = type_of(value);
        let ok = actual == *expected || (*expected == Type::Num && actual == Type::Int);
        assert!(ok, "{at}.{key} is {actual:?}, expected {expected:?}");
    }
}

/// Each tag one of Apple's, of Apple's type, nested objects with Apple's keys.
fn check_semantics(tags: &Value) {
    use passmint_apple::TagType;
    use passmint_apple::semantics::object_keys;
    for (key, value) in tags.as_object().expect("semantics is an object") {
        let tag = passmint_apple::semantic_tag_by_apple(key)
            .unwrap_or_else(|| panic!("semantics.{key} is not one of Apple's tags"));
        let at = format!("semantics.{key}");
        let expected = match tag.kind {
            TagType::Text | TagType::Date | TagType::Enum(_) => Type::Str,
            TagType::Number => Type::Num,
            TagType::Bool => Type::Bool,
            TagType::Location | TagType::CurrencyAmount | TagType::PersonName => Type::Obj,
            TagType::TextList | TagType::EnumList(_) | TagType::Seats | TagType::WifiNetworks => {
                Type::Arr
            }
        };
        let actual = type_of(value);
        assert!(
            actual == expected || (expected == Type::Num && actual == Type::Int),
            "{at} is {actual:?}, expected {expected:?}"
        );
        if tag.kind == TagType::Date {
            time::OffsetDateTime::parse(
                value.as_str().unwrap(),
                &time::format_description::well_known::Rfc3339,
            )
            .unwrap_or_else(|e| panic!("{at} is RFC 3339: {e}"));
        }
        if let Some(keys) = object_keys(tag.kind) {
            let objects: Vec<&Value> = match value {
                Value::Array(items) => items.iter().collect(),
                other => vec![other],
            };
            for object in objects {
                for sub in object.as_object().unwrap().keys() {
                    assert!(
                        keys.iter().any(|k| k.1 == sub),
                        "{at}.{sub} is not one of Apple's keys"
                    );
                }
            }
        }
    }
}

fn check_barcode(at: &str, barcode: &Value) {
    check_keys(at, barcode, BARCODE_KEYS);
    for key in ["format", "message", "messageEncoding"] {
        assert!(barcode.get(key).is_some(), "{at}.{key} is required");
    }
    assert!(BARCODE_FORMATS.contains(&barcode["format"].as_str().unwrap()));
}

/// Checks a pass.json against Apple's key tables and value sets.
fn check_pass_json(json: &Value) {
    check_keys("pass.json", json, TOP_LEVEL_KEYS);
    for key in REQUIRED_TOP_LEVEL {
        assert!(json.get(key).is_some(), "{key} is required");
    }
    assert_eq!(json["formatVersion"], 1);
    let styles: Vec<&&str> = STYLE_KEYS
        .iter()
        .filter(|k| json.get(**k).is_some())
        .collect();
    assert_eq!(styles.len(), 1, "exactly one style key, got {styles:?}");
    let style = *styles[0];
    let structure = &json[style];
    check_keys(style, structure, STRUCTURE_KEYS);
    if let Some(transit) = structure.get("transitType") {
        assert_eq!(style, "boardingPass", "transitType only on boarding passes");
        assert!(TRANSIT_TYPES.contains(&transit.as_str().unwrap()));
    }
    for (area, _) in &STRUCTURE_KEYS[1..] {
        for (i, field) in structure
            .get(*area)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let at = format!("{style}.{area}[{i}]");
            check_keys(&at, field, FIELD_KEYS);
            assert!(field.get("key").is_some() && field.get("value").is_some());
            if let Some(a) = field.get("textAlignment") {
                assert!(TEXT_ALIGNMENTS.contains(&a.as_str().unwrap()), "{at}");
            }
            for style_key in ["dateStyle", "timeStyle"] {
                if let Some(s) = field.get(style_key) {
                    assert!(DATE_STYLES.contains(&s.as_str().unwrap()), "{at}");
                }
            }
            if let Some(m) = field.get("changeMessage") {
                assert!(m.as_str().unwrap().contains("%@"));
            }
        }
    }
    if let Some(barcodes) = json.get("barcodes") {
        for (i, barcode) in barcodes.as_array().unwrap().iter().enumerate() {
            check_barcode(&format!("barcodes[{i}]"), barcode);
        }
    }
    if let Some(barcode) = json.get("barcode") {
        check_barcode("barcode", barcode);
        assert_ne!(barcode["format"], "PKBarcodeFormatCode128");
    }
    for (i, location) in json
        .get("locations")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        check_keys(&format!("locations[{i}]"), location, LOCATION_KEYS);
    }
    for color in ["backgroundColor", "foregroundColor", "labelColor"] {
        if let Some(c) = json.get(color) {
            let c = c.as_str().unwrap();
            let inner = c
                .strip_prefix("rgb(")
                .and_then(|c| c.strip_suffix(')'))
                .unwrap_or_else(|| panic!("{color} {c} is rgb(r, g, b)"));
            let parts: Vec<u8> = inner.split(", ").map(|p| p.parse().unwrap()).collect();
            assert_eq!(parts.len(), 3);
        }
    }
    let mut dates: Vec<(String, &Value)> = ["relevantDate", "expirationDate"]
        .into_iter()
        .filter_map(|k| json.get(k).map(|d| (k.to_owned(), d)))
        .collect();
    for (i, entry) in json
        .get("relevantDates")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let at = format!("relevantDates[{i}]");
        check_keys(&at, entry, RELEVANT_DATE_KEYS);
        let interval = entry.get("startDate").is_some() && entry.get("endDate").is_some();
        let date = entry.get("date").is_some();
        assert!(
            interval != date && entry.as_object().unwrap().len() == if date { 1 } else { 2 },
            "{at} is an interval or a date: {entry}"
        );
        for (k, d) in entry.as_object().unwrap() {
            dates.push((format!("{at}.{k}"), d));
        }
    }
    for (date, d) in dates {
        time::OffsetDateTime::parse(
            d.as_str().unwrap(),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap_or_else(|e| panic!("{date} is RFC 3339: {e}"));
    }
    if let Some(nfc) = json.get("nfc") {
        check_keys("nfc", nfc, NFC_KEYS);
        let message = nfc["message"].as_str().unwrap();
        assert!((1..=64).contains(&message.len()), "nfc.message: {message}");
    }
    if let Some(tags) = json.get("semantics") {
        check_semantics(tags);
    }
    if let Some(schemes) = json.get("preferredStyleSchemes") {
        assert_eq!(
            style, "eventTicket",
            "preferredStyleSchemes on event tickets only"
        );
        let schemes: Vec<&str> = schemes
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap())
            .collect();
        assert!(
            schemes
                .iter()
                .all(|s| ["posterEventTicket", "eventTicket"].contains(s)),
            "{schemes:?}"
        );
        assert_eq!(
            schemes.last(),
            Some(&"eventTicket"),
            "the classic ticket is the fallback"
        );
    }
    if let Some(voided) = json.get("voided") {
        assert_eq!(voided, true, "voided is written only when true");
    }
    assert_eq!(
        json.get("webServiceURL").is_some(),
        json.get("authenticationToken").is_some()
    );
}

fn verified(spec: &PassSpec) -> common::Verified {
    let pkpass = build_pkpass(spec, identity()).unwrap();
    let verified = common::verify_pkpass(&pkpass, identity());
    check_pass_json(&verified.pass_json);
    verified
}

#[test]
fn every_style_builds_signs_and_verifies() {
    for style in PassStyle::ALL {
        let spec = sample_spec(style);
        let v = verified(&spec);
        let json = &v.pass_json;
        assert!(json.get(style.as_str()).is_some(), "{style} key");
        assert_eq!(
            json,
            &pass_json(&spec),
            "the zipped pass.json is pass_json()"
        );

        let structure = &json[style.as_str()];
        let keys = |area: &str| -> Vec<String> {
            structure[area]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["key"].as_str().unwrap().to_owned())
                .collect()
        };
        let primary = if style == PassStyle::BoardingPass {
            vec!["from", "to"]
        } else {
            vec!["title"]
        };
        assert_eq!(keys("headerFields"), ["date"]);
        assert_eq!(keys("primaryFields"), primary);
        assert_eq!(keys("secondaryFields"), ["holder", "seat"]);
        assert_eq!(keys("auxiliaryFields"), ["gate", "level"]);
        assert_eq!(keys("backFields"), ["terms", "contact", "starts"]);
        if style == PassStyle::BoardingPass {
            assert_eq!(structure["transitType"], "PKTransitTypeAir");
        }

        for (name, bytes) in &spec.images {
            assert_eq!(
                v.files[name],
                bytes.as_bytes(),
                "{name} is zipped unchanged"
            );
        }
        let expected: Vec<&str> = ["pass.json", "manifest.json", "signature"]
            .into_iter()
            .chain(spec.images.keys().map(String::as_str))
            .collect();
        assert_eq!(v.files.len(), expected.len(), "{:?}", v.files.keys());

        assert!(
            v.cms_print.contains("signingTime"),
            "signing time in {style}"
        );
        assert!(v.cms_print.contains("messageDigest"));
        assert_eq!(v.embedded_subjects.len(), 2, "{:?}", v.embedded_subjects);
        assert!(
            v.embedded_subjects
                .iter()
                .any(|s| s.contains(&format!("UID = {PASS_TYPE_ID}")) && s.contains(TEAM_ID)),
            "signer certificate embedded: {:?}",
            v.embedded_subjects
        );
        assert!(
            v.embedded_subjects
                .iter()
                .any(|s| s.contains("Passmint Development CA")),
            "WWDR (development CA) certificate embedded: {:?}",
            v.embedded_subjects
        );
    }
}

#[test]
fn pass_json_has_the_expected_values() {
    let mut spec = sample_spec(PassStyle::EventTicket);
    spec.sharing_prohibited = true;
    let json = pass_json(&spec);
    let expected = json!({
        "formatVersion": 1,
        "passTypeIdentifier": PASS_TYPE_ID,
        "teamIdentifier": TEAM_ID,
        "serialNumber": "SN-42",
        "organizationName": "Passmint Test",
        "description": "A test pass",
        "logoText": "Passmint",
        "backgroundColor": "rgb(10, 20, 30)",
        "foregroundColor": "rgb(255, 255, 255)",
        "labelColor": "rgb(200, 201, 202)",
        "eventTicket": {
            "headerFields": [{"key": "date", "label": "DATE", "value": "2025-06-01T18:30:00Z",
                              "dateStyle": "PKDateStyleShort", "timeStyle": "PKDateStyleNone"}],
            "primaryFields": [{"key": "title", "label": "EVENT", "value": "Main event"}],
            "secondaryFields": [
                {"key": "holder", "label": "NAME", "value": "Ada Lovelace"},
                {"key": "seat", "label": "SEAT", "value": "12A",
                 "changeMessage": "Your seat is now %@", "textAlignment": "PKTextAlignmentRight"}
            ],
            "auxiliaryFields": [
                {"key": "gate", "label": "GATE", "value": "B7"},
                {"key": "level", "label": "LEVEL", "value": "Gold",
                 "textAlignment": "PKTextAlignmentCenter"}
            ],
            "backFields": [
                {"key": "terms", "label": "Terms", "value": "No refunds."},
                {"key": "contact", "value": "help@example.com",
                 "textAlignment": "PKTextAlignmentNatural"},
                {"key": "starts", "label": "Starts", "value": "2025-06-01T18:30:00Z",
                 "dateStyle": "PKDateStyleFull", "timeStyle": "PKDateStyleLong"}
            ]
        },
        "barcodes": [{"format": "PKBarcodeFormatQR", "message": "SN-42",
                      "messageEncoding": "iso-8859-1", "altText": "SN 42"}],
        "barcode": {"format": "PKBarcodeFormatQR", "message": "SN-42",
                    "messageEncoding": "iso-8859-1", "altText": "SN 42"},
        "locations": [{"latitude": 48.8584, "longitude": 2.2945, "altitude": 35.0,
                       "relevantText": "You are near the venue"}],
        "relevantDate": "2025-06-01T18:30:00Z",
        "relevantDates": [
            {"startDate": "2025-06-01T18:30:00Z", "endDate": "2025-06-01T23:00:00+02:00"},
            {"date": "2025-06-02T10:00:00Z"}
        ],
        "expirationDate": "2025-06-02T04:00:00+02:00",
        "sharingProhibited": true,
        "nfc": {"message": "member:SN-42", "encryptionPublicKey": P256_KEY,
                "requiresAuthentication": true},
        "semantics": sample_semantics(PassStyle::EventTicket),
        "preferredStyleSchemes": ["posterEventTicket", "eventTicket"],
        "webServiceURL": "https://passes.example.com/wallet",
        "authenticationToken": TOKEN
    });
    assert_eq!(json, expected);
    check_pass_json(&json);
}

#[test]
fn minimal_pass_has_only_required_keys_and_the_default_icon() {
    let spec = PassSpec::new(
        PASS_TYPE_ID,
        TEAM_ID,
        "min-1",
        "Org",
        "Minimal",
        PassStyle::Generic,
    );
    let v = verified(&spec);
    assert_eq!(
        v.pass_json,
        json!({
            "formatVersion": 1,
            "passTypeIdentifier": PASS_TYPE_ID,
            "teamIdentifier": TEAM_ID,
            "serialNumber": "min-1",
            "organizationName": "Org",
            "description": "Minimal",
            "generic": {}
        })
    );
    let names: Vec<&str> = v.files.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "icon.png",
            "icon@2x.png",
            "icon@3x.png",
            "manifest.json",
            "pass.json",
            "signature"
        ]
    );
    let with_icon = spec.clone().with_default_icon();
    for name in ["icon.png", "icon@2x.png", "icon@3x.png"] {
        assert_eq!(v.files[name], with_icon.images[name].as_bytes(), "{name}");
    }
    assert_eq!(passmint_pkpass::lint(&with_icon), Ok(()));
}

#[test]
fn default_icon_is_not_added_when_an_icon_is_given() {
    let mut spec = sample_spec(PassStyle::Coupon);
    spec.images.remove("icon@2x.png");
    spec.images.remove("icon@3x.png");
    let v = verified(&spec);
    assert_eq!(v.files["icon.png"], spec.images["icon.png"].as_bytes());
    assert!(!v.files.contains_key("icon@2x.png"));
}

#[test]
fn without_the_default_icon_a_missing_icon_is_refused() {
    let mut spec = sample_spec(PassStyle::Generic);
    spec.images.retain(|name, _| !name.starts_with("icon"));
    let err = PkpassBuilder::new(identity())
        .default_icon(false)
        .build(&spec)
        .unwrap_err();
    let errors = err.lint_errors().expect("a lint error");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].rule, LintRule::MissingIcon);
    assert!(err.to_string().contains("icon.png"), "{err}");
    // With the default (on), the same spec builds.
    verified(&spec);
}

#[test]
fn voided_is_written_only_when_true() {
    let mut spec = sample_spec(PassStyle::StoreCard);
    assert!(pass_json(&spec).get("voided").is_none());
    spec.voided = true;
    let v = verified(&spec);
    assert_eq!(v.pass_json["voided"], true);
}

#[test]
fn web_service_keys_are_written_only_when_given() {
    let mut spec = sample_spec(PassStyle::Generic);
    let v = verified(&spec);
    assert_eq!(
        v.pass_json["webServiceURL"],
        "https://passes.example.com/wallet"
    );
    assert_eq!(v.pass_json["authenticationToken"], TOKEN);

    spec.web_service_url = None;
    spec.authentication_token = None;
    let v = verified(&spec);
    assert!(v.pass_json.get("webServiceURL").is_none());
    assert!(v.pass_json.get("authenticationToken").is_none());

    // Test passes may use http.
    spec.mode = Mode::Test;
    spec.web_service_url = Some("http://localhost:8080/wallet".to_owned());
    spec.authentication_token = Some(TOKEN.to_owned());
    let v = verified(&spec);
    assert_eq!(v.pass_json["webServiceURL"], "http://localhost:8080/wallet");
}

#[test]
fn every_barcode_format_renders_and_code128_skips_the_legacy_key() {
    for (format, apple) in [
        (BarcodeFormat::Qr, "PKBarcodeFormatQR"),
        (BarcodeFormat::Pdf417, "PKBarcodeFormatPDF417"),
        (BarcodeFormat::Aztec, "PKBarcodeFormatAztec"),
        (BarcodeFormat::Code128, "PKBarcodeFormatCode128"),
    ] {
        let mut spec = sample_spec(PassStyle::EventTicket);
        spec.barcode = Some(Barcode::new(format, "Zoë-1"));
        let json = verified(&spec).pass_json;
        assert_eq!(
            json["barcodes"],
            json!([{"format": apple, "message": "Zoë-1", "messageEncoding": "iso-8859-1"}])
        );
        if format == BarcodeFormat::Code128 {
            assert!(json.get("barcode").is_none());
        } else {
            assert_eq!(json["barcode"], json["barcodes"][0]);
        }
    }
}

#[test]
fn all_transit_types_render() {
    use passmint_pkpass::TransitType::*;
    for (transit, apple) in [
        (Air, "PKTransitTypeAir"),
        (Boat, "PKTransitTypeBoat"),
        (Bus, "PKTransitTypeBus"),
        (Train, "PKTransitTypeTrain"),
        (Generic, "PKTransitTypeGeneric"),
    ] {
        let mut spec = sample_spec(PassStyle::BoardingPass);
        spec.transit_type = Some(transit);
        assert_eq!(pass_json(&spec)["boardingPass"]["transitType"], apple);
    }
}

#[test]
fn lint_errors_stop_the_build() {
    let mut spec = sample_spec(PassStyle::Generic);
    spec.serial_number.clear();
    spec.fields.back.push(PassField::new("gate", "dup"));
    let err = build_pkpass(&spec, identity()).unwrap_err();
    let rules: Vec<LintRule> = err.lint_errors().unwrap().iter().map(|e| e.rule).collect();
    assert_eq!(
        rules,
        [LintRule::MissingRequired, LintRule::DuplicateFieldKey]
    );
}

#[test]
fn identifiers_must_match_the_certificate() {
    let mut spec = sample_spec(PassStyle::Generic);
    spec.pass_type_identifier = "pass.com.other".to_owned();
    let err = build_pkpass(&spec, identity()).unwrap_err();
    assert!(matches!(err, PkpassError::IdentityMismatch(_)), "{err}");
    assert!(err.to_string().contains(PASS_TYPE_ID), "{err}");

    let mut spec = sample_spec(PassStyle::Generic);
    spec.team_identifier = "OTHERTEAM1".to_owned();
    let err = build_pkpass(&spec, identity()).unwrap_err();
    assert!(err.to_string().contains("OU"), "{err}");
}

#[test]
fn the_verifier_catches_tampering() {
    let pkpass = build_pkpass(&sample_spec(PassStyle::Coupon), identity()).unwrap();
    let files = common::unzip(&pkpass);
    let dir = common::TempDir::new("tamper");
    dir.write("signature", &files["signature"]);
    let mut manifest = files["manifest.json"].clone();
    manifest[5] ^= 1;
    dir.write("manifest.json", &manifest);
    dir.write("ca.pem", &identity().wwdr().to_pem().unwrap());
    let args = common::cms_verify_args("/dev/null");
    assert!(!common::openssl(&args, dir.path()).status.success());

    // A signature checked against another CA fails too.
    let other = SigningIdentity::generate_development(PASS_TYPE_ID, TEAM_ID).unwrap();
    dir.write("manifest.json", &files["manifest.json"]);
    dir.write("ca.pem", &other.wwdr().to_pem().unwrap());
    assert!(!common::openssl(&args, dir.path()).status.success());
}

#[test]
fn entries_are_stored_and_the_archive_is_plain() {
    let pkpass = build_pkpass(&sample_spec(PassStyle::Generic), identity()).unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&pkpass)).unwrap();
    for i in 0..archive.len() {
        let entry = archive.by_index(i).unwrap();
        assert_eq!(entry.compression(), zip::CompressionMethod::Stored);
        assert!(!entry.name().unwrap().contains('/'), "no directories");
    }
}

#[test]
fn builds_in_parallel_with_one_identity() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<SigningIdentity>();
    let spec = sample_spec(PassStyle::EventTicket);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|_| s.spawn(|| build_pkpass(&spec, identity()).unwrap()))
            .collect();
        for h in handles {
            common::verify_pkpass(&h.join().unwrap(), identity());
        }
    });
}

#[test]
fn large_images_build() {
    let mut spec = sample_spec(PassStyle::StoreCard);
    spec.images
        .insert("strip@3x.png".to_owned(), png(1125, 432, 11).into());
    let v = verified(&spec);
    assert_eq!(
        v.files["strip@3x.png"],
        spec.images["strip@3x.png"].as_bytes()
    );
}
