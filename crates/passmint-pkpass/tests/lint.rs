//! One test per lint refusal, plus the limits that must still pass.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{P256_KEY, TOKEN, errors, png, refused, sample_spec};
use passmint_pkpass::{
    Barcode, BarcodeFormat, LintRule, Location, Mode, Nfc, PassField, PassSpec, PassStyle,
    RelevantDate, StyleScheme, TransitType, lint,
};
use serde_json::json;

#[test]
fn sample_specs_of_every_style_pass() {
    for style in PassStyle::ALL {
        assert_eq!(lint(&sample_spec(style)), Ok(()), "{style}");
    }
}

#[test]
fn missing_required_strings() {
    for (path, clear) in [
        (
            "pass_type_identifier",
            (|s: &mut PassSpec| s.pass_type_identifier.clear()) as fn(&mut PassSpec),
        ),
        ("team_identifier", |s| s.team_identifier.clear()),
        ("serial_number", |s| s.serial_number = "  ".to_owned()),
        ("organization_name", |s| s.organization_name.clear()),
        ("description", |s| s.description.clear()),
    ] {
        let mut spec = sample_spec(PassStyle::Generic);
        clear(&mut spec);
        refused(
            &spec,
            LintRule::MissingRequired,
            path,
            &[path, "required by Apple"],
        );
    }
}

#[test]
fn missing_icon() {
    let mut spec = sample_spec(PassStyle::Generic);
    spec.images.retain(|n, _| !n.starts_with("icon"));
    refused(
        &spec,
        LintRule::MissingIcon,
        "images.icon.png",
        &["add icon.png", "29x29", "default icon"],
    );
    // The default icon fixes it.
    assert_eq!(lint(&spec.clone().with_default_icon()), Ok(()));

    // @2x without the base icon: the default icon does not apply.
    spec.images
        .insert("icon@2x.png".to_owned(), png(58, 58, 1).into());
    refused(
        &spec.clone().with_default_icon(),
        LintRule::MissingIcon,
        "images.icon.png",
        &["icon.png is required", "29x29"],
    );
}

#[test]
fn unknown_image_names() {
    for name in [
        "Logo.png",
        "logo.jpg",
        "logo@4x.png",
        "en.lproj/logo.png",
        "banner.png",
    ] {
        let mut spec = sample_spec(PassStyle::Generic);
        spec.images.insert(name.to_owned(), png(10, 10, 1).into());
        refused(
            &spec,
            LintRule::UnknownImage,
            &format!("images.{name}"),
            &["icon, logo, strip, thumbnail, background or footer", "@2x"],
        );
    }
}

#[test]
fn images_the_style_does_not_show() {
    for (style, name) in [
        (PassStyle::Coupon, "footer.png"),
        (PassStyle::Generic, "strip.png"),
        (PassStyle::BoardingPass, "thumbnail.png"),
        (PassStyle::StoreCard, "background@2x.png"),
    ] {
        let mut spec = sample_spec(style);
        spec.images.insert(name.to_owned(), png(10, 10, 1).into());
        refused(
            &spec,
            LintRule::ImageNotShown,
            &format!("images.{name}"),
            &["do not show", "remove", style.as_str()],
        );
    }
}

#[test]
fn images_must_be_png() {
    let mut spec = sample_spec(PassStyle::Generic);
    spec.images
        .insert("logo.png".to_owned(), b"GIF89a....".to_vec().into());
    refused(
        &spec,
        LintRule::ImageNotPng,
        "images.logo.png",
        &["not a PNG", "convert it to PNG"],
    );
    let mut truncated = png(10, 10, 1);
    truncated.truncate(20);
    spec.images.insert("logo.png".to_owned(), truncated.into());
    refused(
        &spec,
        LintRule::ImageNotPng,
        "images.logo.png",
        &["truncated"],
    );
}

#[test]
fn image_sizes_follow_apple_limits_per_file_and_scale() {
    let cases: &[(PassStyle, &str, (u32, u32), &str)] = &[
        (
            PassStyle::Generic,
            "icon.png",
            (28, 28),
            "between 29x29 and 38x38 pixels",
        ),
        (
            PassStyle::Generic,
            "icon@2x.png",
            (29, 29),
            "between 58x58 and 76x76 pixels",
        ),
        (
            PassStyle::Generic,
            "icon@3x.png",
            (120, 120),
            "between 87x87 and 114x114",
        ),
        (
            PassStyle::Generic,
            "logo.png",
            (161, 50),
            "at most 160x50 pixels",
        ),
        (
            PassStyle::Generic,
            "logo@3x.png",
            (480, 151),
            "at most 480x150 pixels",
        ),
        (
            PassStyle::EventTicket,
            "strip.png",
            (375, 99),
            "at most 375x98",
        ),
        (
            PassStyle::Coupon,
            "strip@2x.png",
            (750, 289),
            "at most 750x288",
        ),
        (
            PassStyle::Generic,
            "thumbnail.png",
            (91, 90),
            "at most 90x90",
        ),
        (
            PassStyle::EventTicket,
            "background.png",
            (181, 220),
            "at most 180x220",
        ),
        (
            PassStyle::BoardingPass,
            "footer@2x.png",
            (572, 31),
            "at most 572x30",
        ),
    ];
    for (style, name, (w, h), says) in cases {
        let mut spec = sample_spec(*style);
        if *style == PassStyle::EventTicket && name.starts_with("strip") {
            spec.images
                .retain(|n, _| !n.starts_with("background") && !n.starts_with("thumbnail"));
        }
        spec.images
            .insert((*name).to_owned(), png(*w, *h, 1).into());
        refused(
            &spec,
            LintRule::ImageSize,
            &format!("images.{name}"),
            &[&format!("{w}x{h}"), says, "resize"],
        );
    }
    // Upper bounds themselves are fine, and smaller images than the space too.
    let mut spec = sample_spec(PassStyle::Generic);
    spec.images
        .insert("icon@3x.png".to_owned(), png(114, 114, 1).into());
    spec.images
        .insert("logo@3x.png".to_owned(), png(480, 150, 1).into());
    spec.images
        .insert("thumbnail.png".to_owned(), png(1, 1, 1).into());
    assert_eq!(lint(&spec), Ok(()));
}

#[test]
fn event_ticket_strip_conflicts_with_background_and_thumbnail() {
    let mut spec = sample_spec(PassStyle::EventTicket);
    spec.images
        .insert("strip.png".to_owned(), png(375, 98, 1).into());
    refused(
        &spec,
        LintRule::ImageConflict,
        "images.background.png",
        &["either a strip", "not both", "remove"],
    );
}

#[test]
fn field_keys_must_be_present_and_unique_across_areas() {
    let mut spec = sample_spec(PassStyle::Generic);
    spec.fields.back.push(PassField::new("seat", "again"));
    refused(
        &spec,
        LintRule::DuplicateFieldKey,
        "fields.back[3].key",
        &["'seat'", "fields.secondary[1]", "rename"],
    );

    let mut spec = sample_spec(PassStyle::Generic);
    spec.fields.back.push(PassField::new("", "no key"));
    refused(
        &spec,
        LintRule::EmptyFieldKey,
        "fields.back[3].key",
        &["needs a key"],
    );
}

#[test]
fn too_many_fields_for_the_style() {
    let extra = |n: usize, prefix: &str| -> Vec<PassField> {
        (0..n)
            .map(|i| PassField::new(format!("{prefix}{i}"), "v"))
            .collect()
    };
    // Per area.
    for (style, area, max) in [
        (PassStyle::EventTicket, "header", 3),
        (PassStyle::EventTicket, "primary", 1),
        (PassStyle::BoardingPass, "primary", 2),
        (PassStyle::EventTicket, "secondary", 4),
        (PassStyle::EventTicket, "auxiliary", 4),
        (PassStyle::BoardingPass, "auxiliary", 5),
    ] {
        let mut spec = sample_spec(style);
        spec.barcode = Some(Barcode::new(BarcodeFormat::Pdf417, "x"));
        let fields = match area {
            "header" => &mut spec.fields.header,
            "primary" => &mut spec.fields.primary,
            "secondary" => &mut spec.fields.secondary,
            _ => &mut spec.fields.auxiliary,
        };
        *fields = extra(max, area);
        if area == "secondary" || area == "auxiliary" {
            let other = if area == "secondary" {
                &mut spec.fields.auxiliary
            } else {
                &mut spec.fields.secondary
            };
            other.clear();
        }
        assert_eq!(lint(&spec), Ok(()), "{style} {area} at {max}");
        let fields = match area {
            "header" => &mut spec.fields.header,
            "primary" => &mut spec.fields.primary,
            "secondary" => &mut spec.fields.secondary,
            _ => &mut spec.fields.auxiliary,
        };
        fields.push(PassField::new("one_more", "v"));
        refused(
            &spec,
            LintRule::TooManyFields,
            &format!("fields.{area}"),
            &[
                &format!("at most {max} {area}"),
                &format!("{} were given", max + 1),
                "move",
            ],
        );
    }
    // Combined secondary + auxiliary.
    for (style, barcode) in [
        (PassStyle::Coupon, BarcodeFormat::Pdf417),
        (PassStyle::StoreCard, BarcodeFormat::Code128),
        (PassStyle::Generic, BarcodeFormat::Qr),
        (PassStyle::Generic, BarcodeFormat::Aztec),
    ] {
        let mut spec = sample_spec(style);
        spec.barcode = Some(Barcode::new(barcode, "x"));
        spec.fields.secondary = extra(3, "s");
        spec.fields.auxiliary = extra(2, "a");
        refused(
            &spec,
            LintRule::TooManyFields,
            "fields.auxiliary",
            &["at most 4 secondary and auxiliary fields combined", "back"],
        );
    }
    // A generic pass with a rectangular barcode may use both areas fully.
    let mut spec = sample_spec(PassStyle::Generic);
    spec.barcode = Some(Barcode::new(BarcodeFormat::Pdf417, "x"));
    spec.fields.secondary = extra(4, "s");
    spec.fields.auxiliary = extra(4, "a");
    assert_eq!(lint(&spec), Ok(()));
    // Back fields are unlimited.
    spec.fields.back = extra(40, "b");
    assert_eq!(lint(&spec), Ok(()));
}

#[test]
fn change_messages_need_the_placeholder() {
    let mut spec = sample_spec(PassStyle::Generic);
    spec.fields.auxiliary[0].change_message = Some("Gate changed".to_owned());
    refused(
        &spec,
        LintRule::ChangeMessageFormat,
        "fields.auxiliary[0].change_message",
        &["%@"],
    );
}

#[test]
fn barcode_messages_must_not_be_empty() {
    let mut spec = sample_spec(PassStyle::Generic);
    spec.barcode = Some(Barcode::new(BarcodeFormat::Qr, ""));
    refused(
        &spec,
        LintRule::EmptyBarcodeMessage,
        "barcode.message",
        &["set it", "remove the barcode"],
    );
}

#[test]
fn transit_type_is_required_for_boarding_passes_only() {
    let mut spec = sample_spec(PassStyle::BoardingPass);
    spec.transit_type = None;
    refused(
        &spec,
        LintRule::TransitTypeMissing,
        "transit_type",
        &["Air, Boat, Bus, Train or Generic"],
    );
    let mut spec = sample_spec(PassStyle::Coupon);
    spec.transit_type = Some(TransitType::Bus);
    refused(
        &spec,
        LintRule::TransitTypeNotAllowed,
        "transit_type",
        &["remove transit_type"],
    );
}

#[test]
fn locations_are_limited_and_in_range() {
    let mut spec = sample_spec(PassStyle::Generic);
    spec.locations = vec![Location::new(1.0, 2.0); 11];
    refused(
        &spec,
        LintRule::TooManyLocations,
        "locations",
        &["at most 10", "11 were given"],
    );
    spec.locations = vec![Location::new(1.0, 2.0); 10];
    assert_eq!(lint(&spec), Ok(()));

    for (location, path) in [
        (Location::new(90.5, 0.0), "locations[0].latitude"),
        (Location::new(f64::NAN, 0.0), "locations[0].latitude"),
        (Location::new(0.0, -180.1), "locations[0].longitude"),
        (
            Location {
                altitude: Some(f64::INFINITY),
                ..Location::new(0.0, 0.0)
            },
            "locations[0].altitude",
        ),
    ] {
        spec.locations = vec![location];
        refused(&spec, LintRule::LocationOutOfRange, path, &[""]);
    }
}

#[test]
fn dates_must_be_expressible_in_rfc3339() {
    let mut spec = sample_spec(PassStyle::Generic);
    // About 1 BC: RFC 3339 has no negative years.
    spec.expiration_date =
        Some(time::OffsetDateTime::from_unix_timestamp(-62_200_000_000).unwrap());
    refused(
        &spec,
        LintRule::DateOutOfRange,
        "expiration_date",
        &["between the years 0 and 9999"],
    );
}

#[test]
fn relevant_intervals_end_after_they_start_and_are_rfc3339() {
    let at = |h: i64| time::OffsetDateTime::from_unix_timestamp(1_750_000_000 + h * 3600).unwrap();
    let mut spec = sample_spec(PassStyle::EventTicket);
    spec.relevant_dates = vec![
        RelevantDate::Interval {
            start: at(0),
            end: at(2),
        },
        RelevantDate::Date(at(30)),
    ];
    assert_eq!(lint(&spec), Ok(()));
    spec.relevant_dates.push(RelevantDate::Interval {
        start: at(5),
        end: at(5),
    });
    refused(
        &spec,
        LintRule::RelevantDateOrder,
        "relevant_dates[2].end",
        &["end after it starts"],
    );
    spec.relevant_dates = vec![RelevantDate::Date(
        time::OffsetDateTime::from_unix_timestamp(-62_200_000_000).unwrap(),
    )];
    refused(
        &spec,
        LintRule::DateOutOfRange,
        "relevant_dates[0].date",
        &["between the years 0 and 9999"],
    );
}

#[test]
fn nfc_messages_fit_64_bytes_and_keys_are_p256() {
    let mut spec = sample_spec(PassStyle::StoreCard);
    spec.nfc = Some(Nfc {
        message: "é".repeat(32),
        encryption_public_key: Some(P256_KEY.to_owned()),
        requires_authentication: true,
    });
    assert_eq!(lint(&spec), Ok(()));
    for message in ["é".repeat(32) + "x", String::new()] {
        let mut spec = spec.clone();
        spec.nfc.as_mut().unwrap().message = message;
        refused(
            &spec,
            LintRule::NfcMessage,
            "nfc.message",
            &["1 to 64 bytes", "enabled for NFC"],
        );
    }
    let p384 = "MHYwEAYHKoZIzj0CAQYFK4EEACIDYgAEOprL2jGsZ+4QGZ4C/cDhX7OWybzkkl4JkEptxhW7yzBE0BGbZAbWtuEb4DESz8736Hiba1HMtyjcR/fJRzNiq4kVssbCqrfIxhaSaP/vWJ8Ydp/gSSKVMac8IumKd3h9";
    for key in ["not base64", p384, "MFkw"] {
        let mut spec = spec.clone();
        spec.nfc.as_mut().unwrap().encryption_public_key = Some(key.to_owned());
        refused(
            &spec,
            LintRule::NfcEncryptionKey,
            "nfc.encryption_public_key",
            &["P-256", "enabled for NFC"],
        );
    }
}

/// Apple's tags of a poster event ticket.
fn poster_spec() -> PassSpec {
    let mut spec = sample_spec(PassStyle::EventTicket);
    spec.semantics = json!({
        "eventName": "Concert",
        "venueName": "Grand Hall",
        "venueRegionName": "Lyon",
        "venueRoom": "Main room",
        "eventStartDate": "2026-05-01T19:30:00+02:00",
        "seats": [{"seatNumber": "12"}],
    })
    .as_object()
    .unwrap()
    .clone();
    spec.preferred_style_schemes = vec![StyleScheme::PosterEventTicket];
    spec
}

#[test]
fn semantic_tags_are_apple_s_with_their_types() {
    assert_eq!(lint(&poster_spec()), Ok(()));
    for (key, value, rule, path, says) in [
        (
            "eventname",
            json!("x"),
            LintRule::SemanticTagUnknown,
            "semantics.eventname",
            "did you mean eventName?",
        ),
        (
            "seats",
            json!([{"seatNum": "1"}]),
            LintRule::SemanticTagUnknown,
            "semantics.seats.seatNum",
            "did you mean seatNumber?",
        ),
        (
            "eventStartDate",
            json!("tomorrow"),
            LintRule::SemanticTagType,
            "semantics.eventStartDate",
            "RFC 3339",
        ),
        (
            "duration",
            json!("2h"),
            LintRule::SemanticTagType,
            "semantics.duration",
            "a number",
        ),
        (
            "eventType",
            json!("PKEventTypeParty"),
            LintRule::SemanticTagType,
            "semantics.eventType",
            "PKEventTypeGeneric",
        ),
        (
            "seats",
            json!({"seatNumber": "1"}),
            LintRule::SemanticTagType,
            "semantics.seats",
            "a list of seat objects",
        ),
        (
            "venueLocation",
            json!({"latitude": "45"}),
            LintRule::SemanticTagType,
            "semantics.venueLocation",
            "latitude and longitude",
        ),
        (
            "wifiAccess",
            json!([{"ssid": "x"}]),
            LintRule::SemanticTagType,
            "semantics.wifiAccess",
            "ssid and password",
        ),
    ] {
        let mut spec = poster_spec();
        spec.semantics.insert(key.to_owned(), value);
        refused(&spec, rule, path, &[says]);
    }
}

#[test]
fn the_poster_scheme_needs_its_tags_and_an_event_ticket() {
    for tag in ["eventName", "venueName", "venueRegionName", "venueRoom"] {
        let mut spec = poster_spec();
        spec.semantics.remove(tag);
        refused(
            &spec,
            LintRule::PosterTagMissing,
            &format!("semantics.{tag}"),
            &[
                "posterEventTicket scheme requires",
                tag,
                "classic event ticket",
            ],
        );
    }
    let mut spec = poster_spec();
    spec.semantics
        .insert("eventType".into(), json!("PKEventTypeSports"));
    spec.semantics
        .insert("homeTeamAbbreviation".into(), json!("LYO"));
    refused(
        &spec,
        LintRule::PosterTagMissing,
        "semantics.awayTeamAbbreviation",
        &["awayTeamAbbreviation"],
    );
    spec.semantics
        .insert("eventType".into(), json!("PKEventTypeLivePerformance"));
    refused(
        &spec,
        LintRule::PosterTagMissing,
        "semantics.performerNames",
        &["performerNames"],
    );
    // The classic scheme alone needs no tag.
    let mut spec = sample_spec(PassStyle::EventTicket);
    spec.preferred_style_schemes = vec![StyleScheme::EventTicket];
    assert_eq!(lint(&spec), Ok(()));
    let mut spec = sample_spec(PassStyle::Generic);
    spec.preferred_style_schemes = vec![StyleScheme::EventTicket];
    refused(
        &spec,
        LintRule::StyleSchemeNotAllowed,
        "preferred_style_schemes",
        &["event tickets, not generic"],
    );
}

#[test]
fn web_service_url_and_token_come_together() {
    let mut spec = sample_spec(PassStyle::Generic);
    spec.authentication_token = None;
    refused(
        &spec,
        LintRule::WebServiceIncomplete,
        "authentication_token",
        &[
            "also needs an authentication_token",
            "or remove web_service_url",
        ],
    );
    let mut spec = sample_spec(PassStyle::Generic);
    spec.web_service_url = None;
    refused(
        &spec,
        LintRule::WebServiceIncomplete,
        "web_service_url",
        &["remove authentication_token"],
    );
}

#[test]
fn authentication_tokens_are_long_enough_and_header_safe() {
    let mut spec = sample_spec(PassStyle::Generic);
    spec.authentication_token = Some("0123456789abcde".to_owned());
    refused(
        &spec,
        LintRule::AuthenticationTokenTooShort,
        "authentication_token",
        &["at least 16", "has 15"],
    );
    spec.authentication_token = Some("0123456789abcdef".to_owned());
    assert_eq!(lint(&spec), Ok(()));
    spec.authentication_token = Some("0123456789 abcdef".to_owned());
    refused(
        &spec,
        LintRule::AuthenticationTokenInvalid,
        "authentication_token",
        &["printable ASCII"],
    );
}

#[test]
fn live_passes_need_https_web_services() {
    let mut spec = sample_spec(PassStyle::Generic);
    spec.web_service_url = Some("http://passes.example.com/wallet".to_owned());
    refused(
        &spec,
        LintRule::WebServiceNotHttps,
        "web_service_url",
        &[
            "https",
            "leave web_service_url and authentication_token out",
        ],
    );
    spec.mode = Mode::Test;
    assert_eq!(lint(&spec), Ok(()));
}

#[test]
fn web_service_urls_must_be_absolute() {
    for url in [
        "passes.example.com/wallet",
        "https://",
        "https:///wallet",
        "ftp://example.com",
        "https://example.com/wallet?x=1",
        "https://example.com/wallet#top",
        "https://example.com/wal let",
    ] {
        let mut spec = sample_spec(PassStyle::Generic);
        spec.mode = Mode::Test;
        spec.web_service_url = Some(url.to_owned());
        refused(
            &spec,
            LintRule::WebServiceUrlInvalid,
            "web_service_url",
            &["absolute base URL"],
        );
    }
}

#[test]
fn every_problem_is_reported_at_once_with_codes() {
    let mut spec = PassSpec::new("", "", "", "", "", PassStyle::BoardingPass);
    spec.authentication_token = Some(TOKEN.to_owned());
    let errors = errors(&spec);
    let codes: Vec<&str> = errors.iter().map(|e| e.rule.code()).collect();
    assert_eq!(
        codes,
        [
            "missing_required",
            "missing_required",
            "missing_required",
            "missing_required",
            "missing_required",
            "missing_icon",
            "transit_type_missing",
            "web_service_incomplete",
        ]
    );
    assert!(errors[0].to_string().starts_with("pass_type_identifier: "));
}

/// Apple sets no limit on back fields, so the lint accepts any number of them (a
/// cap, if any, is the caller's product rule).
#[test]
fn back_fields_are_not_limited() {
    for style in PassStyle::ALL {
        assert_eq!(
            passmint_pkpass::lint::max_fields(style, passmint_pkpass::FieldArea::Back),
            None
        );
        let mut spec = sample_spec(style);
        spec.fields.back = (0..50)
            .map(|i| PassField::new(format!("back{i}"), "v"))
            .collect();
        assert_eq!(lint(&spec), Ok(()), "{style}");
    }
}
