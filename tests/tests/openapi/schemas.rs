//! The schemas against the code: the design, the DTOs and the requests agree with
//! their serde and the domain's validation.

use super::*;

/// A design with every key set and every list non-empty.
fn full_design() -> Design {
    let field = |key: &str| Field {
        key: key.into(),
        label: Some("Label".into()),
        value: Some("Value of {{serial_number}}".into()),
        change_message: Some("Now %@".into()),
        text_alignment: Some(TextAlignment::Center),
        date_style: Some(DateStyle::Short),
        time_style: Some(DateStyle::None),
    };
    Design {
        organization_name: "Acme".into(),
        description: "Boarding pass".into(),
        logo_text: Some("Acme Air".into()),
        colors: Some(Colors {
            background: Some("#1A2b3C".into()),
            foreground: Some("rgb(255, 255, 255)".into()),
            label: Some("rgb(0,0,0)".into()),
        }),
        fields: Fields {
            header: vec![field("gate")],
            primary: vec![field("from"), field("to")],
            secondary: vec![field("seat")],
            auxiliary: vec![field("boarding")],
            back: vec![field("terms")],
        },
        barcode: Some(Barcode {
            format: BarcodeFormat::Pdf417,
            message: Some("{{pass_id}}".into()),
            alt_text: Some("{{holder_name}}".into()),
        }),
        images: BTreeMap::from([
            ("icon".to_owned(), png_base64(29, 29)),
            ("footer@2x".to_owned(), png_base64(572, 30)),
        ]),
        transit_type: Some(TransitType::Air),
        locations: vec![Location {
            latitude: 48.8566,
            longitude: 2.3522,
            relevant_text: Some("At the airport".into()),
        }],
        // Exclusive with `relevant_dates`: checked on a design without them.
        relevant_date: None,
        relevant_dates: vec![
            RelevantDate {
                start_date: Some("2025-06-01T18:30:00Z".into()),
                end_date: Some("2025-06-01T23:00:00+02:00".into()),
                date: None,
            },
            // Built-in placeholders only, so that edits of the fields keep them
            // known (what they render to is checked per pass, not here).
            RelevantDate {
                date: Some("{{serial_number}}".into()),
                ..RelevantDate::default()
            },
        ],
        expiration_date: Some("2025-06-02T00:00:00+02:00".into()),
        sharing_prohibited: Some(true),
        nfc: Some(Nfc {
            message: "{{holder_name}}:{{serial_number}}".into(),
            encryption_public_key: Some(P256_KEY.into()),
            requires_authentication: Some(false),
        }),
        // One tag of each of Apple's types, built-in placeholders only. The
        // schemes are for event tickets only: checked on the minimal design.
        semantics: serde_json::from_value(json!({
            "event_name": "Flight {{serial_number}}",
            "event_start_date": "2025-06-01T18:30:00Z",
            "event_end_date": "{{serial_number}}",
            "duration": 7200,
            "silence_requested": false,
            "event_type": "PKEventTypeGeneric",
            "performer_names": ["The Band"],
            "passenger_capabilities": ["PKPassengerCapabilityCarryon"],
            "venue_location": {"latitude": 48.85, "longitude": 2.35},
            "total_price": {"amount": "42.50", "currency_code": "EUR"},
            "passenger_name": {"given_name": "{{holder_name}}"},
            "seats": [{"seat_number": "12", "seat_row": "C"}],
            "wifi_access": [{"ssid": "Lounge", "password": "{{pass_id}}"}]
        }))
        .unwrap(),
        preferred_style_schemes: Vec::new(),
        localizations: BTreeMap::from([
            (
                "fr".to_owned(),
                Localization {
                    strings: BTreeMap::from([
                        ("Label".to_owned(), "Libellé".to_owned()),
                        ("Gate \"A\"\n".to_owned(), "Porte \\ \"A\"".to_owned()),
                    ]),
                    images: BTreeMap::from([("logo@2x".to_owned(), png_base64(300, 90))]),
                },
            ),
            (
                "zh-Hans".to_owned(),
                Localization {
                    strings: BTreeMap::from([("Label".to_owned(), "标签".to_owned())]),
                    ..Localization::default()
                },
            ),
        ]),
    }
}

/// Base64 of the DER SubjectPublicKeyInfo of a P-256 key.
const P256_KEY: &str = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE7cufgWa4X88kOcCgMReBOAt6Id0aAH7IIKXho4hk47PWgCXokEQiwvTCqJAATtcA9fwOGHYJ46ts/zC3+hRIjg==";

/// Base64 of a PNG file of this size.
fn png_base64(width: u32, height: u32) -> String {
    use base64::Engine;
    let png = passmint_testkit::fixtures::png(width, height);
    base64::engine::general_purpose::STANDARD.encode(png)
}

#[test]
fn design_schema_lists_every_key_of_the_design_and_accepts_the_examples() {
    let doc = doc();
    let design = component(&doc, "Design");
    assert_valid(
        &design,
        &template_body()["design"],
        "template_body()'s design",
    );
    assert_valid(
        &design,
        &design_doc::example(),
        "the documented design example",
    );

    let full = full_design();
    assert!(validate_design(AppleStyle::BoardingPass, &full).is_ok());
    let v = to_value(&full);
    assert_valid(&design, &v, "a design with every key");
    // Key for key, nested objects included (`relevant_date` is exclusive with
    // `relevant_dates`, so it is set on a copy).
    let mut with_relevant_date = v.clone();
    with_relevant_date["relevant_date"] = json!("2025-06-01T18:30:00Z");
    with_relevant_date["preferred_style_schemes"] = json!(["event_ticket"]);
    for (name, value) in [
        ("Design", &with_relevant_date),
        ("DesignNfc", &v["nfc"]),
        ("DesignColors", &v["colors"]),
        ("DesignFields", &v["fields"]),
        ("DesignField", &v["fields"]["primary"][0]),
        ("DesignBarcode", &v["barcode"]),
        ("DesignLocation", &v["locations"][0]),
        ("DesignLocalization", &v["localizations"]["fr"]),
    ] {
        assert_eq!(
            schema_keys(&doc, name),
            keys(value),
            "properties of {name} differ from the serde keys"
        );
        assert_eq!(
            doc["components"]["schemas"][name]["additionalProperties"],
            json!(false),
            "{name} must refuse unknown keys as serde does"
        );
    }
    // Every semantic tag, and the keys of their objects, as the domain names them.
    let tag_names: BTreeSet<String> = SEMANTIC_TAGS.iter().map(|t| t.name.to_owned()).collect();
    assert_eq!(schema_keys(&doc, "DesignSemantics"), tag_names);
    for (name, sub) in [
        ("SemanticLocation", &LOCATION_KEYS[..]),
        ("SemanticCurrencyAmount", &CURRENCY_AMOUNT_KEYS[..]),
        ("SemanticPersonName", &PERSON_NAME_KEYS[..]),
        ("SemanticSeat", &SEAT_KEYS[..]),
        ("SemanticWifiNetwork", &WIFI_NETWORK_KEYS[..]),
        ("DesignSemantics", &[][..]),
    ] {
        if !sub.is_empty() {
            let names: BTreeSet<String> = sub.iter().map(|k| k.0.to_owned()).collect();
            assert_eq!(schema_keys(&doc, name), names, "{name}");
        }
        assert_eq!(
            doc["components"]["schemas"][name]["additionalProperties"],
            json!(false),
            "{name} must refuse unknown keys as the domain does"
        );
    }
    assert_eq!(
        enum_values(&doc, "StyleScheme"),
        ["poster_event_ticket", "event_ticket"]
    );
    assert_eq!(
        doc["components"]["schemas"]["DesignSemantics"]["properties"]["event_type"]["enum"],
        json!(EVENT_TYPES)
    );
    assert_eq!(
        required(&doc, "Design"),
        BTreeSet::from(["organization_name".into(), "description".into()])
    );
    assert_eq!(
        required(&doc, "DesignField"),
        BTreeSet::from(["key".into()])
    );
    assert_eq!(
        required(&doc, "DesignBarcode"),
        BTreeSet::from(["format".into()])
    );
    assert_eq!(
        required(&doc, "DesignLocation"),
        BTreeSet::from(["latitude".into(), "longitude".into()])
    );
    assert_eq!(
        doc["components"]["schemas"]["Design"]["properties"]["locations"]["maxItems"],
        10
    );
    assert_eq!(
        doc["components"]["schemas"]["DesignImages"]["propertyNames"]["pattern"],
        "^(icon|logo|strip|thumbnail|background|footer)(@[23]x)?$"
    );
}

#[test]
fn design_enums_have_the_domains_values() {
    fn check<T: DeserializeOwned + Serialize>(doc: &Value, name: &str, all: &[T]) {
        let documented = enum_values(doc, name);
        let domain: Vec<String> = all
            .iter()
            .map(|v| to_value(v).as_str().unwrap().to_owned())
            .collect();
        assert_eq!(documented, domain, "values of {name}");
        for v in &documented {
            assert!(serde_json::from_value::<T>(json!(v)).is_ok(), "{name}: {v}");
        }
    }
    let doc = doc();
    check(&doc, "TextAlignment", &design_doc::all_text_alignments());
    check(&doc, "DateStyle", &design_doc::all_date_styles());
    check(&doc, "BarcodeFormat", &design_doc::all_barcode_formats());
    check(&doc, "TransitType", &design_doc::all_transit_types());
    check(&doc, "TemplateType", &TemplateType::ALL);
    check(&doc, "AppleStyle", &AppleStyle::ALL);
    check(&doc, "EventType", &EventType::ALL);
    assert_eq!(enum_values(&doc, "Mode"), ["test", "live"]);
    assert_eq!(
        enum_values(&doc, "ErrorType"),
        [
            "invalid_request_error",
            "authentication_error",
            "billing_error",
            "not_found_error",
            "idempotency_error",
            "api_error"
        ]
    );
}

/// Whether the server would take this design for some style: serde, then the
/// domain's rules (a boarding pass gets a transit type, other styles lose it).
fn server_accepts_design(v: &Value) -> bool {
    let Ok(design) = serde_json::from_value::<Design>(v.clone()) else {
        return false;
    };
    AppleStyle::ALL.into_iter().any(|style| {
        let mut d = design.clone();
        if style == AppleStyle::BoardingPass {
            d.transit_type.get_or_insert(TransitType::Air);
        } else {
            d.transit_type = None;
        }
        validate_design(style, &d).is_ok()
    })
}

fn with(base: &Value, pointer: &str, value: Value) -> Value {
    let mut v = base.clone();
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    let target = if parent.is_empty() {
        &mut v
    } else {
        v.pointer_mut(parent)
            .unwrap_or_else(|| panic!("no {parent}"))
    };
    match target {
        Value::Object(o) => {
            if value == json!("<remove>") {
                o.remove(key);
            } else {
                o.insert(key.to_owned(), value);
            }
        }
        Value::Array(a) => a[key.parse::<usize>().unwrap()] = value,
        _ => panic!("{parent} is no container"),
    }
    v
}

/// The schema and the server agree on designs that differ from a valid one in one
/// respect the schema can express.
#[test]
fn design_schema_agrees_with_serde_and_the_domains_rules() {
    let doc = doc();
    let schema = component(&doc, "Design");
    let base = to_value(&full_design());
    let minimal = json!({"organization_name": "Acme", "description": "A pass"});
    let field = json!({"key": "k"});
    let many = |n: usize, item: Value| Value::Array(vec![item; n]);
    let fields_n =
        |n: usize| Value::Array((0..n).map(|i| json!({"key": format!("f{i}")})).collect());
    let location = json!({"latitude": 1, "longitude": 2});
    let remove = json!("<remove>");
    let strings_n = |n: usize| -> Value {
        (0..n)
            .map(|i| (format!("K{i}"), json!("v")))
            .collect::<Map<String, Value>>()
            .into()
    };
    let languages_n = |n: usize| -> Value {
        (0..n)
            .map(|i| {
                let tag: String = [b'a' + (i / 26) as u8, b'a' + (i % 26) as u8]
                    .map(char::from)
                    .iter()
                    .collect();
                (tag, json!({"strings": {"a": "b"}}))
            })
            .collect::<Map<String, Value>>()
            .into()
    };
    let key_200 = format!("/localizations/fr/strings/{}", "k".repeat(200));
    let key_201 = format!("/localizations/fr/strings/{}", "k".repeat(201));
    let single = with(&base, "/relevant_dates", remove.clone());
    let poster = with(
        &with(
            &minimal,
            "/semantics",
            json!({"event_name": "E", "venue_name": "V", "venue_region_name": "R", "venue_room": "M"}),
        ),
        "/preferred_style_schemes",
        json!(["poster_event_ticket"]),
    );
    let sports = with(
        &with(&poster, "/semantics/home_team_abbreviation", json!("H")),
        "/semantics/away_team_abbreviation",
        json!("A"),
    );
    let no_dates = with(&base, "/relevant_dates", json!([]));
    // (what, the design edited, where, the new value or `remove`)
    #[rustfmt::skip]
    let edits: Vec<(&str, &Value, &str, Value)> = vec![
        ("organization_name missing", &base, "/organization_name", remove.clone()),
        ("description missing", &base, "/description", remove.clone()),
        ("organization_name blank", &base, "/organization_name", json!("   ")),
        ("organization_name empty", &base, "/organization_name", json!("")),
        ("organization_name 200", &base, "/organization_name", json!("é".repeat(200))),
        ("organization_name 201", &base, "/organization_name", json!("é".repeat(201))),
        ("description 501", &base, "/description", json!("x".repeat(501))),
        ("organization_name null", &base, "/organization_name", Value::Null),
        ("unknown key", &base, "/colour", json!("#000000")),
        ("logo_text null", &base, "/logo_text", Value::Null),
        ("logo_text 201", &base, "/logo_text", json!("x".repeat(201))),
        ("logo_text number", &base, "/logo_text", json!(1)),
        ("colors null", &base, "/colors", Value::Null),
        ("colors empty", &base, "/colors", json!({})),
        ("colors unknown key", &base, "/colors/border", json!("#000000")),
        ("colour null", &base, "/colors/label", Value::Null),
        ("colour #abcdef", &base, "/colors/label", json!("#abcdef")),
        ("colour #ABCDE", &base, "/colors/label", json!("#ABCDE")),
        ("colour #GGGGGG", &base, "/colors/label", json!("#GGGGGG")),
        ("colour rgb spaces", &base, "/colors/label", json!("rgb(0,   0, 255)")),
        ("colour rgb leading zeros", &base, "/colors/label", json!("rgb(007,0,0)")),
        ("colour rgb 255", &base, "/colors/label", json!("rgb(255,255,255)")),
        ("colour rgb 256", &base, "/colors/label", json!("rgb(256,0,0)")),
        ("colour rgb 4 digits", &base, "/colors/label", json!("rgb(0001,0,0)")),
        ("colour rgb space first", &base, "/colors/label", json!("rgb( 0,0,0)")),
        ("colour rgb space before comma", &base, "/colors/label", json!("rgb(0 ,0,0)")),
        ("colour rgb tab after comma", &base, "/colors/label", json!("rgb(0,\t0,0)")),
        ("colour rgb trailing", &base, "/colors/label", json!("rgb(0,0,0) ")),
        ("colour RGB", &base, "/colors/label", json!("RGB(0,0,0)")),
        ("colour name", &base, "/colors/label", json!("navy")),
        ("fields null", &base, "/fields", Value::Null),
        ("fields empty", &base, "/fields", json!({})),
        ("fields unknown area", &base, "/fields/front", json!([])),
        ("area null", &base, "/fields/back", Value::Null),
        ("header 3", &base, "/fields/header", fields_n(3)),
        ("header 4", &base, "/fields/header", fields_n(4)),
        ("primary 3", &base, "/fields/primary", fields_n(3)),
        ("back 20", &base, "/fields/back", fields_n(20)),
        ("back 21", &base, "/fields/back", fields_n(21)),
        ("auxiliary 5", &minimal, "/fields", json!({"auxiliary": fields_n(5)})),
        ("auxiliary 6", &minimal, "/fields", json!({"auxiliary": fields_n(6)})),
        ("field object", &minimal, "/fields", json!({"back": [field]})),
        ("field unknown key", &base, "/fields/back/0/colour", json!("red")),
        ("field without key", &base, "/fields/back/0/key", remove.clone()),
        ("field key empty", &base, "/fields/back/0/key", json!("")),
        ("field key space", &base, "/fields/back/0/key", json!("a b")),
        ("field key chars", &base, "/fields/back/0/key", json!("a.b-c_D9")),
        ("field key 64", &base, "/fields/back/0/key", json!("k".repeat(64))),
        ("field key 65", &base, "/fields/back/0/key", json!("k".repeat(65))),
        ("field key null", &base, "/fields/back/0/key", Value::Null),
        ("label null", &base, "/fields/back/0/label", Value::Null),
        ("label 201", &base, "/fields/back/0/label", json!("x".repeat(201))),
        ("value 2000", &base, "/fields/back/0/value", json!("x".repeat(2000))),
        ("value 2001", &base, "/fields/back/0/value", json!("x".repeat(2001))),
        ("change_message without %@", &base, "/fields/back/0/change_message", json!("Changed")),
        ("change_message null", &base, "/fields/back/0/change_message", Value::Null),
        ("text_alignment null", &base, "/fields/back/0/text_alignment", Value::Null),
        ("text_alignment bad", &base, "/fields/back/0/text_alignment", json!("justified")),
        ("date_style bad", &base, "/fields/back/0/date_style", json!("short ")),
        ("time_style full", &base, "/fields/back/0/time_style", json!("full")),
        ("barcode null", &base, "/barcode", Value::Null),
        ("barcode without format", &base, "/barcode", json!({"message": "x"})),
        ("barcode format null", &base, "/barcode/format", Value::Null),
        ("barcode format bad", &base, "/barcode/format", json!("ean13")),
        ("barcode unknown key", &base, "/barcode/size", json!(2)),
        ("barcode message null", &base, "/barcode/message", Value::Null),
        ("barcode message blank", &base, "/barcode/message", json!("  ")),
        ("barcode message empty", &base, "/barcode/message", json!("")),
        ("barcode message 2001", &base, "/barcode/message", json!("x".repeat(2001))),
        ("barcode alt_text empty", &base, "/barcode/alt_text", json!("")),
        ("images null", &base, "/images", Value::Null),
        ("images empty", &base, "/images", json!({})),
        ("image icon@4x", &base, "/images/icon@4x", json!(png_base64(29, 29))),
        ("image Icon", &base, "/images/Icon", json!(png_base64(29, 29))),
        ("image icon.png", &base, "/images/icon.png", json!(png_base64(29, 29))),
        ("image icon@3x", &base, "/images/icon@3x", json!(png_base64(87, 87))),
        ("image number", &base, "/images/icon", json!(1)),
        ("image null", &base, "/images/icon", Value::Null),
        ("transit_type null", &base, "/transit_type", Value::Null),
        ("transit_type bad", &base, "/transit_type", json!("plane")),
        ("transit_type train", &base, "/transit_type", json!("train")),
        ("locations null", &base, "/locations", Value::Null),
        ("locations 10", &base, "/locations", many(10, location.clone())),
        ("locations 11", &base, "/locations", many(11, location.clone())),
        ("location unknown key", &base, "/locations/0/altitude", json!(1)),
        ("location without latitude", &base, "/locations/0/latitude", remove.clone()),
        ("latitude 90", &base, "/locations/0/latitude", json!(90)),
        ("latitude -90.5", &base, "/locations/0/latitude", json!(-90.5)),
        ("longitude 180", &base, "/locations/0/longitude", json!(180.0)),
        ("longitude 181", &base, "/locations/0/longitude", json!(181)),
        ("latitude string", &base, "/locations/0/latitude", json!("48.8")),
        ("relevant_text 201", &base, "/locations/0/relevant_text", json!("x".repeat(201))),
        ("relevant_date null", &base, "/relevant_date", Value::Null),
        ("relevant_date offset", &single, "/relevant_date", json!("2025-06-01T20:30:00+02:00")),
        ("relevant_date no zone", &single, "/relevant_date", json!("2025-06-01T20:30:00")),
        ("relevant_date date only", &single, "/relevant_date", json!("2025-06-01")),
        ("relevant_date bad hour", &single, "/relevant_date", json!("2025-06-01T25:30:00Z")),
        ("relevant_date and relevant_dates", &base, "/relevant_date", json!("2025-06-01T18:30:00Z")),
        ("relevant_date and no relevant_dates", &no_dates, "/relevant_date", json!("2025-06-01T18:30:00Z")),
        ("relevant_dates null", &base, "/relevant_dates", Value::Null),
        ("relevant_dates empty", &base, "/relevant_dates", json!([])),
        ("relevant_dates 10", &base, "/relevant_dates", many(10, json!({"date": "2025-06-01T18:30:00Z"}))),
        ("relevant_dates 11", &base, "/relevant_dates", many(11, json!({"date": "2025-06-01T18:30:00Z"}))),
        ("relevant date both kinds", &base, "/relevant_dates/0/date", json!("2025-06-01T18:30:00Z")),
        ("relevant date empty", &base, "/relevant_dates/0", json!({})),
        ("relevant date start only", &base, "/relevant_dates/0/end_date", remove.clone()),
        ("relevant date end null", &base, "/relevant_dates/0/end_date", Value::Null),
        ("relevant date unknown key", &base, "/relevant_dates/1/time", json!("x")),
        ("relevant date start null", &base, "/relevant_dates/1/start_date", Value::Null),
        ("relevant date blank", &base, "/relevant_dates/1/date", json!(" ")),
        ("relevant date 101", &base, "/relevant_dates/1/date", json!("1".repeat(101))),
        ("relevant date number", &base, "/relevant_dates/1/date", json!(1)),
        ("nfc null", &base, "/nfc", Value::Null),
        ("nfc empty", &base, "/nfc", json!({})),
        ("nfc unknown key", &base, "/nfc/terminal", json!("x")),
        ("nfc message blank", &base, "/nfc/message", json!(" ")),
        ("nfc message 201", &base, "/nfc/message", json!("x".repeat(201))),
        ("nfc key null", &base, "/nfc/encryption_public_key", Value::Null),
        ("nfc key not base64", &base, "/nfc/encryption_public_key", json!("not a key!")),
        ("nfc requires_authentication null", &base, "/nfc/requires_authentication", Value::Null),
        ("nfc requires_authentication string", &base, "/nfc/requires_authentication", json!("yes")),
        ("expiration_date space", &base, "/expiration_date", json!("2025-06-01 20:30:00Z")),
        ("sharing_prohibited null", &base, "/sharing_prohibited", Value::Null),
        ("sharing_prohibited string", &base, "/sharing_prohibited", json!("yes")),
        ("semantics null", &base, "/semantics", Value::Null),
        ("semantics empty", &base, "/semantics", json!({})),
        ("semantic tag unknown", &base, "/semantics/eventName", json!("x")),
        ("semantic tag null", &base, "/semantics/event_name", Value::Null),
        ("semantic text blank", &base, "/semantics/event_name", json!(" ")),
        ("semantic text 500", &base, "/semantics/event_name", json!("é".repeat(500))),
        ("semantic text 501", &base, "/semantics/event_name", json!("x".repeat(501))),
        ("semantic text number", &base, "/semantics/event_name", json!(1)),
        ("semantic date", &base, "/semantics/event_start_date", json!("2025-06-01T20:30:00+02:00")),
        ("semantic date words", &base, "/semantics/event_start_date", json!("tomorrow")),
        ("semantic date only", &base, "/semantics/event_start_date", json!("2025-06-01")),
        ("semantic date bad hour", &base, "/semantics/event_start_date", json!("2025-06-01T25:30:00Z")),
        ("semantic date placeholder", &base, "/semantics/event_start_date", json!("{{pass_id}}")),
        ("semantic number string", &base, "/semantics/duration", json!("2h")),
        ("semantic number float", &base, "/semantics/duration", json!(1.5)),
        ("semantic bool string", &base, "/semantics/silence_requested", json!("yes")),
        ("semantic enum bad", &base, "/semantics/event_type", json!("PKEventTypeParty")),
        ("semantic list empty", &base, "/semantics/performer_names", json!([])),
        ("semantic list 20", &base, "/semantics/performer_names", many(20, json!("a"))),
        ("semantic list 21", &base, "/semantics/performer_names", many(21, json!("a"))),
        ("semantic list number", &base, "/semantics/performer_names", json!([1])),
        ("semantic list string", &base, "/semantics/performer_names", json!("a")),
        ("semantic enum list bad", &base, "/semantics/passenger_capabilities", json!(["Carryon"])),
        ("semantic location 91", &base, "/semantics/venue_location/latitude", json!(91)),
        ("semantic location no longitude", &base, "/semantics/venue_location/longitude", remove.clone()),
        ("semantic location unknown key", &base, "/semantics/venue_location/altitude", json!(1)),
        ("semantic amount number", &base, "/semantics/total_price/amount", json!(42.5)),
        ("semantic amount comma", &base, "/semantics/total_price/amount", json!("42,50")),
        ("semantic amount negative", &base, "/semantics/total_price/amount", json!("-3")),
        ("semantic amount placeholder", &base, "/semantics/total_price/amount", json!("{{serial_number}}")),
        ("semantic currency lowercase", &base, "/semantics/total_price/currency_code", json!("eur")),
        ("semantic currency missing", &base, "/semantics/total_price/currency_code", remove.clone()),
        ("semantic name empty", &base, "/semantics/passenger_name", json!({})),
        ("semantic name unknown key", &base, "/semantics/passenger_name/first_name", json!("Ada")),
        ("semantic seats object", &base, "/semantics/seats", json!({"seat_row": "C"})),
        ("semantic seat empty", &base, "/semantics/seats/0", json!({})),
        ("semantic seat number", &base, "/semantics/seats/0/seat_row", json!(3)),
        ("semantic seat unknown key", &base, "/semantics/seats/0/seat", json!("3")),
        ("semantic wifi no password", &base, "/semantics/wifi_access/0/password", remove.clone()),
        ("schemes null", &minimal, "/preferred_style_schemes", Value::Null),
        ("schemes empty", &minimal, "/preferred_style_schemes", json!([])),
        ("schemes classic", &minimal, "/preferred_style_schemes", json!(["event_ticket"])),
        ("schemes unknown", &minimal, "/preferred_style_schemes", json!(["poster"])),
        ("schemes twice", &minimal, "/preferred_style_schemes", json!(["event_ticket", "event_ticket"])),
        ("poster without tags", &minimal, "/preferred_style_schemes", json!(["poster_event_ticket"])),
        ("poster with its tags", &poster, "/preferred_style_schemes", json!(["poster_event_ticket", "event_ticket"])),
        ("poster without venue_room", &poster, "/semantics/venue_room", remove.clone()),
        ("poster of a sports event", &poster, "/semantics/event_type", json!("PKEventTypeSports")),
        ("poster of a sports event with teams", &sports, "/semantics/event_type", json!("PKEventTypeSports")),
        ("poster of a live performance", &poster, "/semantics/event_type", json!("PKEventTypeLivePerformance")),
        ("poster of a movie", &poster, "/semantics/event_type", json!("PKEventTypeMovie")),
        ("localizations null", &base, "/localizations", Value::Null),
        ("localizations empty", &base, "/localizations", json!({})),
        ("localization region", &base, "/localizations/pt-BR", json!({"strings": {"a": "b"}})),
        ("localization underscore", &base, "/localizations/en_GB", json!({"strings": {"a": "b"}})),
        ("localization numeric region", &base, "/localizations/es-419", json!({"strings": {"a": "b"}})),
        ("localization word", &base, "/localizations/french", json!({"strings": {"a": "b"}})),
        ("localization lproj", &base, "/localizations/fr.lproj", json!({"strings": {"a": "b"}})),
        ("localization path", &base, "/localizations/..", json!({"strings": {"a": "b"}})),
        ("localization null value", &base, "/localizations/de", Value::Null),
        ("localization unknown key", &base, "/localizations/fr/texts", json!({})),
        ("localization strings null", &base, "/localizations/fr/strings", Value::Null),
        ("localization string number", &base, "/localizations/fr/strings/Label", json!(1)),
        ("localization blank key", &base, "/localizations/fr/strings/ ", json!("x")),
        ("localization key 200", &base, &key_200, json!("x")),
        ("localization key 201", &base, &key_201, json!("x")),
        ("localization text 2000", &base, "/localizations/fr/strings/Label", json!("t".repeat(2000))),
        ("localization text 2001", &base, "/localizations/fr/strings/Label", json!("t".repeat(2001))),
        ("localization 200 strings", &base, "/localizations/fr/strings", strings_n(200)),
        ("localization 201 strings", &base, "/localizations/fr/strings", strings_n(201)),
        ("localization 50 languages", &base, "/localizations", languages_n(50)),
        ("localization 51 languages", &base, "/localizations", languages_n(51)),
        ("localization image name", &base, "/localizations/fr/images/banner", json!(png_base64(10, 10))),
        ("localization images null", &base, "/localizations/fr/images", Value::Null),
    ];
    let mut cases: Vec<(&str, Value)> = vec![("minimal", minimal.clone()), ("full", base.clone())];
    cases.extend(
        edits
            .into_iter()
            .map(|(what, design, at, value)| (what, with(design, at, value))),
    );
    let mut disagreements = Vec::new();
    let mut accepted = 0;
    for (name, v) in &cases {
        let server = server_accepts_design(v);
        let documented = schema.is_valid(v);
        accepted += usize::from(server);
        if server != documented {
            disagreements.push(format!(
                "{name}: server {}, schema {}: {:?}",
                if server { "accepts" } else { "refuses" },
                if documented { "accepts" } else { "refuses" },
                errors(&schema, v)
            ));
        }
    }
    assert!(
        disagreements.is_empty(),
        "the Design schema and the server disagree:\n{}",
        disagreements.join("\n")
    );
    assert!(
        accepted > 30 && cases.len() - accepted > 40,
        "{accepted} of {}",
        cases.len()
    );
}

// ----- DTOs against their schemas ----------------------------------------------------

#[test]
fn dto_output_validates_and_lists_every_key() {
    let doc = doc();
    let mut pass = examples::pass();
    let mut anonymous = pass.clone();
    anonymous.holder_email = None;
    anonymous.holder_name = None;
    anonymous.metadata = Map::new();
    anonymous.field_values.clear();
    anonymous.mode = passmint_domain::Mode::Live;
    let voided = examples::voided_pass();
    let base = "https://passes.example.test";
    let passes: Vec<Value> = [&pass, &anonymous, &voided]
        .into_iter()
        .map(|p| to_value(&PassObject::new(p, base)))
        .collect();
    let validator = component(&doc, "PassObject");
    for p in &passes {
        assert_valid(&validator, p, "a PassObject");
        assert_eq!(schema_keys(&doc, "PassObject"), keys(p));
        assert_eq!(
            required(&doc, "PassObject"),
            keys(p),
            "every key is always sent"
        );
    }

    let template = to_value(&TemplateObject::from(&examples::template()));
    assert_valid(
        &component(&doc, "TemplateObject"),
        &template,
        "a TemplateObject",
    );
    assert_eq!(schema_keys(&doc, "TemplateObject"), keys(&template));
    assert_eq!(required(&doc, "TemplateObject"), keys(&template));

    let event_validator = component(&doc, "PassEventObject");
    let mut events = Vec::new();
    for kind in EventType::ALL {
        let e = PassEvent {
            kind,
            ..examples::event()
        };
        let v = to_value(&PassEventObject::from(&e));
        assert_valid(&event_validator, &v, "a PassEventObject");
        assert_eq!(schema_keys(&doc, "PassEventObject"), keys(&v));
        assert_eq!(required(&doc, "PassEventObject"), keys(&v));
        events.push(PassEventObject::from(&e));
    }

    let deleted = to_value(&DeletedObject {
        id: template["id"].as_str().unwrap().to_owned(),
        deleted: true,
    });
    assert_valid(
        &component(&doc, "DeletedObject"),
        &deleted,
        "a DeletedObject",
    );
    assert_eq!(schema_keys(&doc, "DeletedObject"), keys(&deleted));

    pass.voided_at = None;
    let lists = [
        (
            "PassList",
            to_value(&ListObject::new(
                vec![PassObject::new(&pass, base), PassObject::new(&voided, base)],
                true,
            )),
        ),
        (
            "PassList",
            to_value(&ListObject::<PassObject>::new(vec![], false)),
        ),
        (
            "TemplateList",
            to_value(&ListObject::new(
                vec![TemplateObject::from(&examples::template())],
                false,
            )),
        ),
        ("PassEventList", to_value(&ListObject::new(events, false))),
    ];
    for (name, list) in &lists {
        assert_valid(&component(&doc, name), list, name);
        assert_eq!(schema_keys(&doc, name), keys(list));
        assert_eq!(required(&doc, name), keys(list));
    }
    // A list item of the wrong kind is refused.
    assert!(!component(&doc, "PassList").is_valid(&lists[2].1));
}

#[test]
fn webhook_objects_validate_and_list_every_key() {
    let doc = doc();
    let mut webhook = examples::webhook();
    let mut quiet = webhook.clone();
    quiet.description = None;
    quiet.enabled = false;
    quiet.events = vec![passmint_domain::webhook::Subscription::All];
    for w in [&webhook, &quiet] {
        let plain = to_value(&WebhookObject::from(w));
        assert_valid(&component(&doc, "WebhookObject"), &plain, "a WebhookObject");
        assert_eq!(schema_keys(&doc, "WebhookObject"), keys(&plain));
        assert_eq!(required(&doc, "WebhookObject"), keys(&plain));
        assert!(plain.get("secret").is_none());
        let with_secret = to_value(&WebhookWithSecretObject::from(w));
        assert_valid(
            &component(&doc, "WebhookWithSecretObject"),
            &with_secret,
            "a WebhookWithSecretObject",
        );
        assert_eq!(
            schema_keys(&doc, "WebhookWithSecretObject"),
            keys(&with_secret)
        );
        assert_eq!(
            required(&doc, "WebhookWithSecretObject"),
            keys(&with_secret)
        );
        assert_eq!(with_secret["secret"], w.secret.expose());
    }
    // The reference's key order.
    webhook.previous_secret = None;
    let order: Vec<String> = serde_json::to_string(&WebhookWithSecretObject::from(&webhook))
        .unwrap()
        .split(['{', ','])
        .filter_map(|part| {
            part.split_once("\":")
                .map(|(k, _)| k.trim_matches('"').to_owned())
        })
        .filter(|k| !k.is_empty())
        .collect();
    assert_eq!(
        order,
        [
            "object",
            "id",
            "url",
            "events",
            "description",
            "enabled",
            "secret",
            "created_at"
        ]
    );

    let validator = component(&doc, "WebhookDeliveryObject");
    for status in passmint_domain::webhook::DeliveryStatus::ALL {
        for kind in EventType::ALL {
            let d = passmint_domain::webhook::WebhookDelivery {
                status,
                event_type: kind,
                ..examples::failed_delivery()
            };
            let v = to_value(&WebhookDeliveryObject::from(&d));
            assert_valid(&validator, &v, "a WebhookDeliveryObject");
            assert_eq!(schema_keys(&doc, "WebhookDeliveryObject"), keys(&v));
            assert_eq!(required(&doc, "WebhookDeliveryObject"), keys(&v));
            assert_eq!(v["event_type"], kind.webhook_type());
        }
    }
    let pending = passmint_domain::webhook::WebhookDelivery {
        status: passmint_domain::webhook::DeliveryStatus::Pending,
        attempts: 0,
        last_attempt_at: None,
        response_status: None,
        response_body: None,
        ..examples::failed_delivery()
    };
    assert_valid(
        &validator,
        &to_value(&WebhookDeliveryObject::from(&pending)),
        "a pending delivery",
    );
    let event = to_value(&WebhookEventObject::new(
        &examples::event(),
        &examples::pass(),
        "https://passes.example.test",
    ));
    assert_valid(
        &component(&doc, "WebhookEventObject"),
        &event,
        "a WebhookEventObject",
    );
    assert_eq!(event["type"], "pass.updated");
    assert_eq!(event["id"], event["data"]["event"]["id"]);
    assert_eq!(event["data"]["object"]["object"], "pass");
    assert_eq!(
        doc["webhooks"]["passEvent"]["post"]["requestBody"]["content"]["application/json"]["schema"]
            ["$ref"],
        "#/components/schemas/WebhookEventObject"
    );
    let events = enum_values_at(
        &doc["components"]["schemas"]["WebhookObject"]["properties"]["events"]["items"],
    );
    assert_eq!(events.len(), 8);
    assert!(events.contains(&"*".to_owned()));
    for t in EventType::ALL {
        assert!(events.contains(&t.webhook_type().to_owned()));
    }
}

fn enum_values_at(v: &Value) -> Vec<String> {
    v["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn webhook_request_schemas_agree_with_serde() {
    let doc = doc();
    let check = |name: &str, cases: &[(&str, Value, bool)]| {
        let schema = component(&doc, name);
        for (what, v, ok) in cases {
            let serde_ok = match name {
                "CreateWebhookRequest" => {
                    serde_json::from_value::<CreateWebhookRequest>(v.clone()).is_ok()
                }
                "UpdateWebhookRequest" => {
                    serde_json::from_value::<UpdateWebhookRequest>(v.clone()).is_ok()
                }
                _ => serde_json::from_value::<EmptyRequest>(v.clone()).is_ok(),
            };
            assert_eq!(serde_ok, *ok, "{name} {what}: serde");
            assert_eq!(
                schema.is_valid(v),
                *ok,
                "{name} {what}: schema errors {:?}",
                errors(&schema, v)
            );
        }
    };
    check(
        "CreateWebhookRequest",
        &[
            (
                "reference",
                json!({"url": "https://example.com/webhooks/passmint", "events": ["pass.created", "pass.installed"], "description": "Production webhook"}),
                true,
            ),
            (
                "all",
                json!({"url": "http://example.com", "events": ["*"], "enabled": false, "description": null}),
                true,
            ),
            ("no url", json!({"events": ["*"]}), false),
            ("no events", json!({"url": "https://example.com"}), false),
            (
                "events string",
                json!({"url": "https://example.com", "events": "*"}),
                false,
            ),
            (
                "unknown key",
                json!({"url": "https://example.com", "events": ["*"], "secret": "x"}),
                false,
            ),
            (
                "enabled string",
                json!({"url": "https://example.com", "events": ["*"], "enabled": "yes"}),
                false,
            ),
        ],
    );
    check(
        "UpdateWebhookRequest",
        &[
            ("empty", json!({}), true),
            (
                "nulls",
                json!({"url": null, "events": null, "description": null, "enabled": null}),
                true,
            ),
            (
                "reference",
                json!({"events": ["*"], "description": "All events"}),
                true,
            ),
            ("unknown key", json!({"secret": "x"}), false),
        ],
    );
    check(
        "EmptyRequest",
        &[
            ("empty", json!({}), true),
            ("a key", json!({"x": 1}), false),
        ],
    );
}

/// Requests: the schema and serde agree (unknown keys, nulls, types), and the
/// examples deserialise.
#[test]
fn request_schemas_agree_with_serde() {
    fn agree<T: DeserializeOwned>(doc: &Value, name: &str, cases: &[(&str, Value)]) {
        let schema = component(doc, name);
        for (what, v) in cases {
            let serde_ok = serde_json::from_value::<T>(v.clone()).is_ok();
            assert_eq!(
                serde_ok,
                schema.is_valid(v),
                "{name} {what}: serde {serde_ok}, schema errors {:?}",
                errors(&schema, v)
            );
        }
    }
    let doc = doc();
    let tmpl = "tmpl_3kTMd9XbQvWfZp7Lr2NcYh8A";
    agree::<CreateTemplateRequest>(
        &doc,
        "CreateTemplateRequest",
        &[
            ("template_body()", template_body()),
            (
                "unknown key",
                with(&template_body(), "/archived", json!(false)),
            ),
            (
                "no design",
                with(&template_body(), "/design", json!("<remove>")),
            ),
            ("type null", with(&template_body(), "/type", Value::Null)),
            (
                "type bad",
                with(&template_body(), "/type", json!("concert")),
            ),
            (
                "style bad",
                with(&template_body(), "/apple_style", json!("EventTicket")),
            ),
            (
                "design null",
                with(&template_body(), "/design", Value::Null),
            ),
        ],
    );
    agree::<UpdateTemplateRequest>(
        &doc,
        "UpdateTemplateRequest",
        &[
            ("empty", json!({})),
            (
                "all null",
                json!({"name": null, "design": null, "archived": null}),
            ),
            ("design", json!({"design": template_body()["design"]})),
            ("unknown key", json!({"type": "event"})),
            ("archived string", json!({"archived": "yes"})),
        ],
    );
    agree::<CreatePassRequest>(
        &doc,
        "CreatePassRequest",
        &[
            (
                "reference example",
                json!({
                    "template_id": tmpl, "holder_email": "alice@example.com",
                    "holder_name": "Alice Johnson", "field_values": {"seatNumber": "A12"},
                    "metadata": {"order_id": "ord_123"}
                }),
            ),
            ("only template_id", json!({"template_id": tmpl})),
            (
                "nulls",
                json!({"template_id": tmpl, "holder_email": null, "holder_name": null, "field_values": null, "metadata": null}),
            ),
            ("no template_id", json!({"holder_email": "a@b.c"})),
            ("unknown key", json!({"template_id": tmpl, "holder": "x"})),
            (
                "field value null",
                json!({"template_id": tmpl, "field_values": {"seatNumber": null}}),
            ),
            (
                "field value number",
                json!({"template_id": tmpl, "field_values": {"seatNumber": 1}}),
            ),
            (
                "metadata array",
                json!({"template_id": tmpl, "metadata": []}),
            ),
        ],
    );
    agree::<UpdatePassRequest>(
        &doc,
        "UpdatePassRequest",
        &[
            (
                "field values",
                json!({"field_values": {"seatNumber": "B7", "gate": null}}),
            ),
            ("metadata", json!({"metadata": {"order_id": null, "n": 1}})),
            (
                "unknown key",
                json!({"field_values": {}, "holder_name": "x"}),
            ),
            (
                "field value number",
                json!({"field_values": {"seatNumber": 1}}),
            ),
        ],
    );
    // Refused by the use case, not by serde: the schema says so too.
    let update = component(&doc, "UpdatePassRequest");
    for v in [
        json!({}),
        json!({"metadata": null}),
        json!({"field_values": null}),
    ] {
        assert!(!update.is_valid(&v), "{v} needs field_values or metadata");
    }
    // Metadata limits match the domain's.
    let metadata = component(&doc, "Metadata");
    let many =
        |n: usize| -> Map<String, Value> { (0..n).map(|i| (format!("k{i}"), json!(i))).collect() };
    for m in [
        many(50),
        many(51),
        Map::from_iter([("k".repeat(40), json!("v"))]),
        Map::from_iter([("k".repeat(41), json!("v"))]),
        Map::from_iter([(String::new(), json!("v"))]),
        Map::from_iter([("k".into(), json!("v".repeat(500)))]),
        Map::from_iter([("k".into(), json!("v".repeat(501)))]),
        Map::from_iter([("k".into(), json!({"nested": "v".repeat(501)}))]),
    ] {
        let v = Value::Object(m.clone());
        assert_eq!(
            check_metadata(&m).is_ok(),
            metadata.is_valid(&v),
            "Metadata {:?}",
            errors(&metadata, &v)
        );
    }
}
