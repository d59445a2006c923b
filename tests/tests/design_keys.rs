//! The newer pass.json keys of a design over HTTP on every engine (docs/api.md §3,
//! §6): `relevant_dates`, `nfc`, `semantics`, `preferred_style_schemes` and
//! `localizations` round-trip through the API, appear in the
//! downloaded pass.json as Apple names them, and a pass whose values would not
//! render them is refused when it is issued or changed, so every issued pass
//! downloads.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use passmint_e2e::verify::verify_pkpass;
use passmint_e2e::{Engine, TestServer, engine_tests};
use serde_json::{Value, json};

/// Base64 of the DER SubjectPublicKeyInfo of a P-256 key.
const P256_KEY: &str = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE7cufgWa4X88kOcCgMReBOAt6Id0aAH7IIKXho4hk47PWgCXokEQiwvTCqJAATtcA9fwOGHYJ46ts/zC3+hRIjg==";

fn event_design(relevant_dates: Value) -> Value {
    json!({
        "organization_name": "Passmint Live",
        "description": "Concert ticket",
        "fields": {
            "primary": [{"key": "event", "label": "Event", "value": "Summer Jam"}],
            "secondary": [{"key": "seatNumber", "label": "Seat", "value": "GA"}],
            "back": [{"key": "eventStart", "label": "Doors", "value": "2026-07-01T19:00:00Z",
                      "date_style": "short", "time_style": "short"}]
        },
        "barcode": {"format": "qr"},
        "relevant_dates": relevant_dates
    })
}

async fn create_template(s: &TestServer, style: &str, design: Value) -> passmint_e2e::Reply {
    s.post(
        "/v1/templates",
        json!({"name": "Keys", "type": "event", "apple_style": style, "design": design}),
    )
    .await
}

async fn download(s: &TestServer, pass: &Value) -> Value {
    let r = s
        .fetch_public(pass["download_url"].as_str().unwrap(), &[])
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    verify_pkpass(&r.bytes, &s.dev_ca_pem().await).pass_json
}

async fn relevant_dates_round_trip_and_render(engine: Engine) {
    let s = TestServer::start(engine).await;
    let dates = json!([
        {"start_date": "2026-07-01T18:00:00Z", "end_date": "2026-07-01T23:00:00+02:00"},
        {"date": "{{eventStart}}"}
    ]);
    let r = create_template(&s, "eventTicket", event_design(dates.clone())).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["design"]["relevant_dates"], dates);
    let tid = r.body["id"].as_str().unwrap().to_owned();
    let r = s.get(&format!("/v1/templates/{tid}")).await;
    assert_eq!(
        r.body["design"]["relevant_dates"], dates,
        "read back as written"
    );

    // The pass carries its own event time; the design's default fills the others.
    let pass = s.post_ok("/v1/passes", json!({"template_id": tid, "field_values": {"eventStart": "2026-07-02T20:00:00+02:00"}})).await;
    let pj = download(&s, &pass).await;
    assert_eq!(
        pj["relevantDates"],
        json!([
            {"startDate": "2026-07-01T18:00:00Z", "endDate": "2026-07-01T23:00:00+02:00"},
            {"date": "2026-07-02T20:00:00+02:00"}
        ])
    );
    assert_eq!(
        pj["relevantDate"], "2026-07-01T18:00:00Z",
        "the first, for older devices"
    );
    let r = s.post("/v1/passes", json!({"template_id": tid})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let pj = download(&s, &r.body).await;
    assert_eq!(
        pj["relevantDates"][1],
        json!({"date": "2026-07-01T19:00:00Z"})
    );

    // A value that renders no date-time: refused when issued and when changed.
    let r = s
        .post(
            "/v1/passes",
            json!({"template_id": tid, "field_values": {"eventStart": "next Friday"}}),
        )
        .await;
    let err = r.assert_error(
        400,
        "invalid_request_error",
        Some("field_values.eventStart"),
    );
    assert!(
        err["message"].as_str().unwrap().contains("RFC 3339"),
        "{err}"
    );
    let pass_id = pass["id"].as_str().unwrap();
    let r = s
        .patch_pass(pass_id, json!({"field_values": {"eventStart": "soon"}}))
        .await;
    r.assert_error(
        400,
        "invalid_request_error",
        Some("field_values.eventStart"),
    );
    let pj = download(&s, &pass).await;
    assert_eq!(pj["relevantDates"][1]["date"], "2026-07-02T20:00:00+02:00");

    // The design's own rules.
    let mut both = event_design(dates.clone());
    both["relevant_date"] = json!("2026-07-01T18:00:00Z");
    for (design, param) in [
        (both, "design.relevant_dates"),
        (
            event_design(
                json!([{"start_date": "2026-07-01T18:00:00Z", "end_date": "2026-07-01T17:00:00Z"}]),
            ),
            "design.relevant_dates[0].end_date",
        ),
        (
            event_design(
                json!([{"date": "2026-07-01T18:00:00Z", "start_date": "2026-07-01T18:00:00Z", "end_date": "2026-07-01T19:00:00Z"}]),
            ),
            "design.relevant_dates[0]",
        ),
        (
            event_design(json!([{"start_date": "2026-07-01T18:00:00Z"}])),
            "design.relevant_dates[0].end_date",
        ),
        (
            event_design(json!([{"date": "2026-07-01"}])),
            "design.relevant_dates[0].date",
        ),
        (
            event_design(Value::Array(vec![
                json!({"date": "2026-07-01T18:00:00Z"});
                11
            ])),
            "design.relevant_dates",
        ),
        (
            event_design(json!([{"date": "{{doors}}"}])),
            "design.relevant_dates[0].date",
        ),
    ] {
        let r = create_template(&s, "eventTicket", design).await;
        r.assert_error(400, "invalid_request_error", Some(param));
    }

    // A design change that a pass would not render is refused; another goes.
    let r = s
        .patch(
            &format!("/v1/templates/{tid}"),
            json!({"design": event_design(json!([{"date": "{{seatNumber}}"}]))}),
        )
        .await;
    r.assert_error(
        400,
        "invalid_request_error",
        Some("design.relevant_dates[0].date"),
    );
    let next = json!([{"date": "2026-08-01T12:00:00Z"}]);
    let r = s
        .patch(
            &format!("/v1/templates/{tid}"),
            json!({"design": event_design(next.clone())}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["design"]["relevant_dates"], next);
    let pj = download(&s, &pass).await;
    assert_eq!(
        pj["relevantDates"],
        json!([{"date": "2026-08-01T12:00:00Z"}])
    );
    assert_eq!(pj["relevantDate"], "2026-08-01T12:00:00Z");
}

fn member_design(nfc: Value) -> Value {
    json!({
        "organization_name": "Passmint Coffee",
        "description": "Loyalty card",
        "fields": {"primary": [{"key": "memberId", "label": "Member", "value": "guest"}]},
        "nfc": nfc
    })
}

async fn nfc_round_trips_and_renders(engine: Engine) {
    let s = TestServer::start(engine).await;
    let nfc = json!({
        "message": "member:{{memberId}}",
        "encryption_public_key": P256_KEY,
        "requires_authentication": true
    });
    let r = create_template(&s, "storeCard", member_design(nfc.clone())).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["design"]["nfc"], nfc);
    let tid = r.body["id"].as_str().unwrap().to_owned();
    let r = s.get(&format!("/v1/templates/{tid}")).await;
    assert_eq!(r.body["design"]["nfc"], nfc, "read back as written");

    let pass = s
        .post_ok(
            "/v1/passes",
            json!({"template_id": tid, "field_values": {"memberId": "M-1001"}}),
        )
        .await;
    let pj = download(&s, &pass).await;
    assert_eq!(
        pj["nfc"],
        json!({
            "message": "member:M-1001",
            "encryptionPublicKey": P256_KEY,
            "requiresAuthentication": true
        })
    );

    // 7 bytes of "member:" and 57 of the value are 64: the most Apple sends.
    let fits = "m".repeat(57);
    let r = s
        .post(
            "/v1/passes",
            json!({"template_id": tid, "field_values": {"memberId": fits}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let longer = "m".repeat(58);
    let r = s
        .post(
            "/v1/passes",
            json!({"template_id": tid, "field_values": {"memberId": longer}}),
        )
        .await;
    let err = r.assert_error(400, "invalid_request_error", Some("field_values.memberId"));
    assert!(
        err["message"].as_str().unwrap().contains("64 bytes"),
        "{err}"
    );
    let pass_id = pass["id"].as_str().unwrap();
    let r = s
        .patch_pass(pass_id, json!({"field_values": {"memberId": longer}}))
        .await;
    r.assert_error(400, "invalid_request_error", Some("field_values.memberId"));

    // The design's own rules.
    let mut off_curve = base64_decode(P256_KEY);
    let last = off_curve.len() - 1;
    off_curve[last] ^= 1;
    for (nfc, param) in [
        (json!({"message": "m".repeat(65)}), "design.nfc.message"),
        (json!({"message": " "}), "design.nfc.message"),
        (
            json!({"encryption_public_key": P256_KEY}),
            "design.nfc.message",
        ),
        (
            json!({"message": "m", "encryption_public_key": "not a key"}),
            "design.nfc.encryption_public_key",
        ),
        (
            json!({"message": "m", "encryption_public_key": base64_encode(&off_curve)}),
            "design.nfc.encryption_public_key",
        ),
        (
            json!({"message": "m", "requires_authentication": "yes"}),
            "design.nfc.requires_authentication",
        ),
    ] {
        let r = create_template(&s, "storeCard", member_design(nfc)).await;
        r.assert_error(400, "invalid_request_error", Some(param));
    }

    // Without the flag and the key: only the message.
    let r = s
        .patch(
            &format!("/v1/templates/{tid}"),
            json!({"design": member_design(json!({"message": "{{serial_number}}"}))}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let pj = download(&s, &pass).await;
    assert_eq!(pj["nfc"], json!({"message": pass["serial_number"]}));
}

/// A poster event ticket: Apple's required tags, and tags a pass fills.
fn poster_design() -> Value {
    let mut d = event_design(json!([]));
    d.as_object_mut().unwrap().remove("relevant_dates");
    d["fields"]["secondary"] = json!([
        {"key": "seatNumber", "label": "Seat", "value": "GA"},
        {"key": "price", "label": "Price", "value": "42.50"}
    ]);
    d["semantics"] = json!({
        "event_name": "Summer Jam",
        "event_type": "PKEventTypeLivePerformance",
        "performer_names": ["The Band", "Opening Act"],
        "event_start_date": "{{eventStart}}",
        "venue_name": "Grand Hall",
        "venue_region_name": "Lyon",
        "venue_room": "Main room",
        "venue_location": {"latitude": 45.76, "longitude": 4.83},
        "attendee_name": "{{holder_name}}",
        "seats": [{"seat_section": "A", "seat_row": "3", "seat_number": "{{seatNumber}}"}],
        "total_price": {"amount": "{{price}}", "currency_code": "EUR"},
        "duration": 7200,
        "silence_requested": true,
        "wifi_access": [{"ssid": "Hall", "password": "s3cret"}]
    });
    d["preferred_style_schemes"] = json!(["poster_event_ticket"]);
    d
}

async fn semantics_and_the_poster_scheme_round_trip_and_render(engine: Engine) {
    let s = TestServer::start(engine).await;
    let design = poster_design();
    let r = create_template(&s, "eventTicket", design.clone()).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["design"]["semantics"], design["semantics"]);
    assert_eq!(
        r.body["design"]["preferred_style_schemes"],
        json!(["poster_event_ticket"])
    );
    let tid = r.body["id"].as_str().unwrap().to_owned();
    let r = s.get(&format!("/v1/templates/{tid}")).await;
    assert_eq!(
        r.body["design"]["semantics"], design["semantics"],
        "read back as written"
    );

    // The pass carries its own seat, attendee, start and price.
    let pass = s.post_ok("/v1/passes", json!({
                "template_id": tid,
                "holder_name": "Ada Lovelace",
                "field_values": {"seatNumber": "12", "eventStart": "2026-07-02T20:00:00+02:00", "price": "55"}
            })).await;
    let pj = download(&s, &pass).await;
    assert_eq!(
        pj["semantics"],
        json!({
            "eventName": "Summer Jam",
            "eventType": "PKEventTypeLivePerformance",
            "performerNames": ["The Band", "Opening Act"],
            "eventStartDate": "2026-07-02T20:00:00+02:00",
            "venueName": "Grand Hall",
            "venueRegionName": "Lyon",
            "venueRoom": "Main room",
            "venueLocation": {"latitude": 45.76, "longitude": 4.83},
            "attendeeName": "Ada Lovelace",
            "seats": [{"seatSection": "A", "seatRow": "3", "seatNumber": "12"}],
            "totalPrice": {"amount": "55", "currencyCode": "EUR"},
            "duration": 7200,
            "silenceRequested": true,
            "wifiAccess": [{"ssid": "Hall", "password": "s3cret"}]
        })
    );
    assert_eq!(
        pj["preferredStyleSchemes"],
        json!(["posterEventTicket", "eventTicket"]),
        "the classic ticket as the fallback"
    );
    assert!(
        pj["eventTicket"]["primaryFields"].is_array(),
        "the classic fields stay for older devices"
    );

    // Values that would break a tag's type: refused when issued and when changed.
    for (values, holder, param, says) in [
        (
            json!({"eventStart": "next Friday"}),
            json!("Ada"),
            "field_values.eventStart",
            "RFC 3339",
        ),
        (
            json!({"eventStart": "2026-07-02T20:00:00Z", "price": "ten"}),
            json!("Ada"),
            "field_values.price",
            "decimal",
        ),
        (
            json!({"eventStart": "2026-07-02T20:00:00Z"}),
            Value::Null,
            "holder_name",
            "renders empty",
        ),
    ] {
        let r = s
            .post(
                "/v1/passes",
                json!({"template_id": tid, "holder_name": holder, "field_values": values}),
            )
            .await;
        let err = r.assert_error(400, "invalid_request_error", Some(param));
        assert!(err["message"].as_str().unwrap().contains(says), "{err}");
    }
    let pass_id = pass["id"].as_str().unwrap();
    let r = s
        .patch_pass(pass_id, json!({"field_values": {"eventStart": "soon"}}))
        .await;
    r.assert_error(
        400,
        "invalid_request_error",
        Some("field_values.eventStart"),
    );

    // The design's own rules.
    let with = |pointer: &str, value: Value| {
        let mut d = poster_design();
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        let target = d.pointer_mut(parent).unwrap().as_object_mut().unwrap();
        if value.is_null() {
            target.remove(key);
        } else {
            target.insert(key.to_owned(), value);
        }
        d
    };
    for (design, param, says) in [
        (
            with("/semantics/eventName", json!("x")),
            "design.semantics.eventName",
            "did you mean event_name?",
        ),
        (
            with("/semantics/venue_nam", json!("x")),
            "design.semantics.venue_nam",
            "did you mean venue_name?",
        ),
        (
            with("/semantics/event_start_date", json!("tomorrow")),
            "design.semantics.event_start_date",
            "RFC 3339",
        ),
        (
            with("/semantics/duration", json!("2h")),
            "design.semantics.duration",
            "a number",
        ),
        (
            with("/semantics/event_type", json!("PKEventTypeConcert")),
            "design.semantics.event_type",
            "PKEventTypeLivePerformance",
        ),
        (
            with("/semantics/seats", json!([{"seat_nummer": "1"}])),
            "design.semantics.seats[0].seat_nummer",
            "seat_number",
        ),
        (
            with("/semantics/total_price", json!({"amount": "1"})),
            "design.semantics.total_price.currency_code",
            "required",
        ),
        (
            with(
                "/semantics/venue_location",
                json!({"latitude": 91, "longitude": 0}),
            ),
            "design.semantics.venue_location.latitude",
            "between -90 and 90",
        ),
        (
            with("/semantics/venue_room", Value::Null),
            "design.semantics.venue_room",
            "poster_event_ticket",
        ),
        (
            with("/semantics/performer_names", Value::Null),
            "design.semantics.performer_names",
            "live performance",
        ),
        (
            with(
                "/preferred_style_schemes",
                json!(["poster_event_ticket", "poster_event_ticket"]),
            ),
            "design.preferred_style_schemes[1]",
            "repeats",
        ),
    ] {
        let r = create_template(&s, "eventTicket", design).await;
        let err = r.assert_error(400, "invalid_request_error", Some(param));
        assert!(
            err["message"].as_str().unwrap().contains(says),
            "{param}: {err}"
        );
    }
    // The schemes are for event tickets only; tags are for any style.
    let mut generic = member_design(json!({"message": "m"}));
    generic.as_object_mut().unwrap().remove("nfc");
    generic["preferred_style_schemes"] = json!(["event_ticket"]);
    let r = create_template(&s, "generic", generic.clone()).await;
    r.assert_error(
        400,
        "invalid_request_error",
        Some("design.preferred_style_schemes"),
    );
    generic
        .as_object_mut()
        .unwrap()
        .remove("preferred_style_schemes");
    generic["semantics"] = json!({"balance": {"amount": "12.50", "currency_code": "USD"}});
    let r = create_template(&s, "storeCard", generic).await;
    assert_eq!(r.status, 200, "{}", r.text);

    // A design change that a pass would not render is refused; another goes.
    let mut bad = poster_design();
    bad["semantics"]["event_end_date"] = json!("{{seatNumber}}");
    let r = s
        .patch(&format!("/v1/templates/{tid}"), json!({"design": bad}))
        .await;
    r.assert_error(
        400,
        "invalid_request_error",
        Some("design.semantics.event_end_date"),
    );
    let mut classic = poster_design();
    classic["preferred_style_schemes"] = json!(["event_ticket"]);
    let r = s
        .patch(&format!("/v1/templates/{tid}"), json!({"design": classic}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let pj = download(&s, &pass).await;
    assert_eq!(pj["preferredStyleSchemes"], json!(["eventTicket"]));
}

/// A ticket whose labels are keys of its French and Brazilian strings.
fn localized_design(localizations: Value) -> Value {
    json!({
        "organization_name": "Passmint Air",
        "description": "Gate card",
        "fields": {
            "primary": [{"key": "gate", "label": "GATE_LABEL", "value": "B12"}],
            "back": [{"key": "terms", "label": "TERMS", "value": "TERMS_TEXT"}]
        },
        "localizations": localizations
    })
}

/// The text of a pass.strings file, which must start with the UTF-16 LE BOM.
fn utf16_text(bytes: &[u8]) -> String {
    assert_eq!(
        &bytes[..2],
        &[0xFF, 0xFE],
        "pass.strings starts with its BOM"
    );
    let units: Vec<u16> = bytes[2..]
        .chunks(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    String::from_utf16(&units).unwrap()
}

async fn localizations_round_trip_and_render(engine: Engine) {
    let s = TestServer::start(engine).await;
    let logo = passmint_testkit::fixtures::png(150, 40);
    let localizations = json!({
        "fr": {
            "strings": {
                "GATE_LABEL": "Porte",
                "TERMS": "Conditions",
                "TERMS_TEXT": "Ni reprise ni échange.\nVoir \"conditions\" \\ art. 2"
            },
            "images": {"logo": base64_encode(&logo)}
        },
        "pt-BR": {"strings": {"GATE_LABEL": "Portão"}}
    });
    let r = create_template(&s, "generic", localized_design(localizations.clone())).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["design"]["localizations"], localizations);
    let tid = r.body["id"].as_str().unwrap().to_owned();
    let r = s.get(&format!("/v1/templates/{tid}")).await;
    assert_eq!(
        r.body["design"]["localizations"], localizations,
        "read back as written"
    );

    let pass = s.post_ok("/v1/passes", json!({"template_id": tid})).await;
    let d = s
        .fetch_public(pass["download_url"].as_str().unwrap(), &[])
        .await;
    assert_eq!(d.status, 200, "{}", d.text());
    // Unzipped, every file's SHA-1 checked against manifest.json, and the
    // signature verified with `openssl cms -verify`.
    let v = verify_pkpass(&d.bytes, &s.dev_ca_pem().await);
    // pass.json carries the keys; the device looks them up.
    assert_eq!(
        v.pass_json["generic"]["primaryFields"][0]["label"],
        "GATE_LABEL"
    );
    assert_eq!(
        utf16_text(&v.files["fr.lproj/pass.strings"]),
        "\"GATE_LABEL\" = \"Porte\";\n\"TERMS\" = \"Conditions\";\n\
         \"TERMS_TEXT\" = \"Ni reprise ni échange.\\nVoir \\\"conditions\\\" \\\\ art. 2\";\n"
    );
    assert_eq!(
        utf16_text(&v.files["pt-BR.lproj/pass.strings"]),
        "\"GATE_LABEL\" = \"Portão\";\n"
    );
    assert_eq!(v.files["fr.lproj/logo.png"], logo);
    assert!(!v.files.contains_key("pt-BR.lproj/logo.png"));
    let manifest: serde_json::Map<String, Value> =
        serde_json::from_slice(&v.files["manifest.json"]).unwrap();
    for name in [
        "fr.lproj/pass.strings",
        "fr.lproj/logo.png",
        "pt-BR.lproj/pass.strings",
    ] {
        let sha1: String = openssl::sha::sha1(&v.files[name])
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(manifest[name], sha1, "{name} in manifest.json");
    }

    // The design's own rules, each at its place.
    let png = |w, h| base64_encode(&passmint_testkit::fixtures::png(w, h));
    for (localizations, param) in [
        (
            json!({"french": {"strings": {"A": "B"}}}),
            "design.localizations.french",
        ),
        (
            json!({"pt-BR": {"strings": {"A": "B"}}, "pt-br": {"strings": {"A": "C"}}}),
            "design.localizations.pt-br",
        ),
        (json!({"fr": {}}), "design.localizations.fr"),
        (
            json!({"fr": {"strings": {"": "Porte"}}}),
            "design.localizations.fr.strings",
        ),
        (
            json!({"fr": {"strings": {"GATE_LABEL": "p".repeat(2001)}}}),
            "design.localizations.fr.strings.GATE_LABEL",
        ),
        (
            json!({"fr": {"images": {"banner": png(10, 10)}}}),
            "design.localizations.fr.images.banner",
        ),
        (
            json!({"fr": {"images": {"logo": png(200, 60)}}}),
            "design.localizations.fr.images.logo",
        ),
        (
            json!({"fr": {"texts": {}}}),
            "design.localizations.fr.texts",
        ),
    ] {
        let r = create_template(&s, "generic", localized_design(localizations)).await;
        r.assert_error(400, "invalid_request_error", Some(param));
    }

    // Without localizations the pass has no .lproj directory.
    let mut plain = localized_design(json!({}));
    plain.as_object_mut().unwrap().remove("localizations");
    let r = s
        .patch(&format!("/v1/templates/{tid}"), json!({"design": plain}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let d = s
        .fetch_public(pass["download_url"].as_str().unwrap(), &[])
        .await;
    let v = verify_pkpass(&d.bytes, &s.dev_ca_pem().await);
    assert!(
        !v.files.keys().any(|name| name.contains(".lproj/")),
        "{:?}",
        v.files.keys()
    );
}

fn base64_decode(s: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.decode(s).unwrap()
}

fn base64_encode(b: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(b)
}

engine_tests!(
    relevant_dates_round_trip_and_render,
    nfc_round_trips_and_renders,
    semantics_and_the_poster_scheme_round_trip_and_render,
    localizations_round_trip_and_render,
);
