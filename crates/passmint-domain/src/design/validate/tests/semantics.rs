//! `semantics` and `preferred_style_schemes`: every refusal names its param.

use super::*;
use crate::design::StyleScheme;
use serde_json::{Value, json};

const S: AppleStyle = AppleStyle::EventTicket;

/// An event ticket with a `seat` and an `attendee` field and the given tags.
fn with_tags(tags: Value) -> Design {
    let mut d = minimal(S);
    d.fields.primary = vec![field("attendee")];
    d.fields.secondary = vec![field("seat"), field("start")];
    d.semantics = serde_json::from_value(tags).unwrap();
    d
}

/// The tags a poster event ticket needs.
fn poster_tags() -> Value {
    json!({
        "event_name": "Spring Concert",
        "venue_name": "Grand Hall",
        "venue_region_name": "Lyon",
        "venue_room": "Main room",
    })
}

fn poster(tags: Value) -> Design {
    let mut d = with_tags(tags);
    d.preferred_style_schemes = vec![StyleScheme::PosterEventTicket, StyleScheme::EventTicket];
    d
}

#[test]
fn semantics_take_every_type_apple_lists() {
    ok(
        S,
        &with_tags(json!({
            "event_name": "Spring Concert",
            "attendee_name": "{{holder_name}}",
            "event_start_date": "2026-05-01T19:30:00+02:00",
            "event_end_date": "{{start}}",
            "event_type": "PKEventTypeLivePerformance",
            "duration": 7200,
            "silence_requested": true,
            "performer_names": ["The Band", "{{holder_name}}"],
            "venue_location": {"latitude": 45.76, "longitude": 4.83},
            "total_price": {"amount": "42.50", "currency_code": "EUR"},
            "balance": {"amount": "{{seat}}", "currency_code": "USD"},
            "passenger_name": {"given_name": "Ada", "family_name": "{{attendee}}"},
            "seats": [{"seat_section": "A", "seat_row": "3", "seat_number": "{{seat}}"}],
            "wifi_access": [{"ssid": "Hall", "password": "secret"}],
            "passenger_capabilities": ["PKPassengerCapabilityCarryon"],
        })),
    );
    // A tag is not tied to a style: a store card's balance.
    let mut d = minimal(AppleStyle::StoreCard);
    d.semantics =
        serde_json::from_value(json!({"balance": {"amount": "-3", "currency_code": "EUR"}}))
            .unwrap();
    ok(AppleStyle::StoreCard, &d);
}

#[test]
fn an_unknown_tag_is_refused_naming_the_closest() {
    let d = with_tags(json!({"eventName": "x"}));
    refused(
        S,
        &d,
        "semantics.eventName",
        &["not a semantic tag", "did you mean event_name?"],
    );
    let d = with_tags(json!({"venu_name": "x"}));
    refused(S, &d, "semantics.venu_name", &["did you mean venue_name?"]);
    let d = with_tags(json!({"seats": [{"seat_nummer": "1"}]}));
    refused(
        S,
        &d,
        "semantics.seats[0].seat_nummer",
        &["did you mean seat_number?"],
    );
    let d = with_tags(json!({"venue_location": {"lat": 1.0, "longitude": 2.0}}));
    refused(
        S,
        &d,
        "semantics.venue_location.lat",
        &["did you mean latitude?"],
    );
}

#[test]
fn each_tag_must_have_its_type() {
    for (tags, param, needle) in [
        (json!({"event_name": 3}), "semantics.event_name", "a string"),
        (
            json!({"event_name": "  "}),
            "semantics.event_name",
            "required",
        ),
        (
            json!({"event_name": "x".repeat(MAX_SEMANTIC_TEXT_LEN + 1)}),
            "semantics.event_name",
            "at most 500",
        ),
        (
            json!({"event_name": "{{nope}}"}),
            "semantics.event_name",
            "unknown placeholder",
        ),
        (json!({"duration": "2h"}), "semantics.duration", "a number"),
        (
            json!({"silence_requested": "yes"}),
            "semantics.silence_requested",
            "true or false",
        ),
        (
            json!({"event_start_date": "tomorrow"}),
            "semantics.event_start_date",
            "RFC 3339",
        ),
        (
            json!({"event_start_date": 1_750_000_000}),
            "semantics.event_start_date",
            "RFC 3339",
        ),
        (
            json!({"event_type": "PKEventTypeSport"}),
            "semantics.event_type",
            "did you mean PKEventTypeSports?",
        ),
        (
            json!({"performer_names": "The Band"}),
            "semantics.performer_names",
            "a list of strings",
        ),
        (
            json!({"performer_names": []}),
            "semantics.performer_names",
            "at least one",
        ),
        (
            json!({"performer_names": vec!["a"; MAX_SEMANTIC_LIST_LEN + 1]}),
            "semantics.performer_names",
            "at most 20",
        ),
        (
            json!({"performer_names": ["a", 1]}),
            "semantics.performer_names[1]",
            "a string",
        ),
        (
            json!({"passenger_capabilities": ["Carryon"]}),
            "semantics.passenger_capabilities[0]",
            "PKPassengerCapabilityCarryon",
        ),
        (
            json!({"venue_location": [45.0, 4.0]}),
            "semantics.venue_location",
            "an object with latitude, longitude",
        ),
        (
            json!({"venue_location": {"latitude": 91.0, "longitude": 4.0}}),
            "semantics.venue_location.latitude",
            "between -90 and 90",
        ),
        (
            json!({"venue_location": {"latitude": 45.0}}),
            "semantics.venue_location.longitude",
            "required",
        ),
        (
            json!({"total_price": {"amount": 12.5, "currency_code": "EUR"}}),
            "semantics.total_price.amount",
            "a string",
        ),
        (
            json!({"total_price": {"amount": "12,50", "currency_code": "EUR"}}),
            "semantics.total_price.amount",
            "not a decimal number",
        ),
        (
            json!({"total_price": {"amount": "12.50"}}),
            "semantics.total_price.currency_code",
            "required",
        ),
        (
            json!({"total_price": {"amount": "12.50", "currency_code": "eur"}}),
            "semantics.total_price.currency_code",
            "ISO 4217",
        ),
        (
            json!({"passenger_name": {}}),
            "semantics.passenger_name",
            "at least one of",
        ),
        (
            json!({"seats": [{"seat_row": 3}]}),
            "semantics.seats[0].seat_row",
            "a string",
        ),
        (
            json!({"seats": [{}]}),
            "semantics.seats[0]",
            "at least one of",
        ),
        (
            json!({"wifi_access": [{"ssid": "Hall"}]}),
            "semantics.wifi_access[0].password",
            "required",
        ),
    ] {
        refused(S, &with_tags(tags.clone()), param, &[needle]);
    }
}

#[test]
fn the_poster_scheme_takes_event_tickets_with_its_tags() {
    ok(S, &poster(poster_tags()));
    // The scheme alone: the classic fallback is added when rendered.
    let mut d = poster(poster_tags());
    d.preferred_style_schemes = vec![StyleScheme::PosterEventTicket];
    ok(S, &d);
    assert_eq!(
        d.style_schemes(),
        [StyleScheme::PosterEventTicket, StyleScheme::EventTicket]
    );
    assert_eq!(minimal(S).style_schemes(), []);
    let mut sports = poster_tags();
    sports["event_type"] = json!("PKEventTypeSports");
    sports["home_team_abbreviation"] = json!("LYO");
    sports["away_team_abbreviation"] = json!("PAR");
    ok(S, &poster(sports));
}

#[test]
fn the_poster_scheme_refusals_name_their_param() {
    for tag in [
        "event_name",
        "venue_name",
        "venue_region_name",
        "venue_room",
    ] {
        let mut tags = poster_tags();
        tags.as_object_mut().unwrap().remove(tag);
        refused(
            S,
            &poster(tags),
            &format!("semantics.{tag}"),
            &["poster_event_ticket scheme needs", tag],
        );
    }
    let mut sports = poster_tags();
    sports["event_type"] = json!("PKEventTypeSports");
    sports["home_team_abbreviation"] = json!("LYO");
    refused(
        S,
        &poster(sports),
        "semantics.away_team_abbreviation",
        &["sports event"],
    );
    let mut live = poster_tags();
    live["event_type"] = json!("PKEventTypeLivePerformance");
    refused(
        S,
        &poster(live),
        "semantics.performer_names",
        &["live performance"],
    );

    for style in [AppleStyle::Generic, AppleStyle::StoreCard] {
        let mut d = minimal(style);
        d.preferred_style_schemes = vec![StyleScheme::EventTicket];
        refused(
            style,
            &d,
            "preferred_style_schemes",
            &["apple_style eventTicket", style.as_str()],
        );
    }
    let mut d = poster(poster_tags());
    d.preferred_style_schemes
        .push(StyleScheme::PosterEventTicket);
    refused(
        S,
        &d,
        "preferred_style_schemes[2]",
        &["repeats poster_event_ticket"],
    );
}
