//! The `semantics` part of a template's design schema: Apple's semantic tags with
//! their types and limits, the preferred style schemes and the poster event
//! ticket's rules (docs/api.md §3). Split from [`super::design`], which uses it.

use super::design::{PLACEHOLDERS, bounded_text, closed_object};
use super::schemas::{desc, not_blank, reference, string, string_enum};
use passmint_domain::design::StyleScheme;
use passmint_domain::design::validate::semantics::{
    CURRENCY_AMOUNT_KEYS, EVENT_TYPES, LOCATION_KEYS, MAX_SEMANTIC_LIST_LEN, MAX_SEMANTIC_TEXT_LEN,
    POSTER_REQUIRED_TAGS, SEMANTIC_TAGS, TagType, WIFI_NETWORK_KEYS, poster_required_tags,
};
use serde_json::{Value, json};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{
    AnyOfBuilder, ArrayBuilder, KnownFormat, Object, ObjectBuilder, Schema, SchemaFormat, Type,
};

/// The JSON Schema rules of the poster scheme, for the design's `allOf`: with
/// `poster_event_ticket` in `preferred_style_schemes`, `semantics` holds the tags
/// it needs for the design's `event_type` (docs/api.md §3).
pub fn poster_rules() -> Value {
    let by_event_type: Vec<Value> = EVENT_TYPES
        .iter()
        .filter_map(|t| {
            let extra: Vec<&str> = poster_required_tags(Some(t))
                .into_iter()
                .filter(|tag| !POSTER_REQUIRED_TAGS.contains(tag))
                .collect();
            (!extra.is_empty()).then(|| {
                json!({
                    "if": {"required": ["event_type"], "properties": {"event_type": {"const": t}}},
                    "then": {"required": extra}
                })
            })
        })
        .collect();
    json!([{
        "if": {
            "required": ["preferred_style_schemes"],
            "properties": {
                "preferred_style_schemes": {"contains": {"const": "poster_event_ticket"}}
            }
        },
        "then": {
            "required": ["semantics"],
            "properties": {
                "semantics": {"required": POSTER_REQUIRED_TAGS, "allOf": by_event_type}
            }
        }
    }])
}

/// A string with a placeholder in it (checked once rendered, not by its form).
const PLACEHOLDER_PATTERN: &str = r"\{\{";
/// `CurrencyAmount.amount`: a decimal number, or placeholders.
const AMOUNT_PATTERN: &str = r"^-?[0-9]+(\.[0-9]+)?$|\{\{";

/// A string of a semantic tag: free text with placeholders.
fn semantic_text(what: &str) -> ObjectBuilder {
    desc(
        not_blank(bounded_text(MAX_SEMANTIC_TEXT_LEN)),
        format!(
            "{what} {PLACEHOLDERS} Once rendered for a pass it must not be empty (else \
             issuing or updating the pass is a 400 naming the pass's value)."
        ),
    )
}

fn semantic_list(items: impl Into<RefOr<Schema>>, what: &str) -> ArrayBuilder {
    let items: RefOr<Schema> = items.into();
    ArrayBuilder::new()
        .items(items)
        .min_items(Some(1))
        .max_items(Some(MAX_SEMANTIC_LIST_LEN))
        .description(Some(format!(
            "{what}: 1 to {MAX_SEMANTIC_LIST_LEN} entries."
        )))
}

/// The schema of one semantic tag's value.
fn semantic_value(apple: &str, kind: TagType) -> RefOr<Schema> {
    let of = |what: &str| format!("Apple's `{apple}`: {what}.");
    match kind {
        TagType::Text => semantic_text(&of("a string")).into(),
        TagType::Number => desc(
            ObjectBuilder::new().schema_type(Type::Number),
            of("a number"),
        )
        .into(),
        TagType::Bool => desc(
            ObjectBuilder::new().schema_type(Type::Boolean),
            of("true or false"),
        )
        .into(),
        TagType::Date => {
            let text = || not_blank(bounded_text(MAX_SEMANTIC_TEXT_LEN));
            Schema::from(
                AnyOfBuilder::new()
                    .item(text().format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime))))
                    .item(text().pattern(Some(PLACEHOLDER_PATTERN)))
                    .description(Some(format!(
                        "Apple's `{apple}`: a date and time, RFC 3339 with a `T` separator \
                         (`2025-06-01T18:30:00Z`), or placeholders that render to one for \
                         every pass (else issuing or updating the pass is a 400 naming the \
                         pass's value). {PLACEHOLDERS}"
                    ))),
            )
            .into()
        }
        TagType::Enum(values) => desc(string_enum(values.iter().copied()), of("one value")).into(),
        TagType::TextList => {
            semantic_list(semantic_text("One entry."), &of("a list of strings")).into()
        }
        TagType::EnumList(values) => {
            semantic_list(string_enum(values.iter().copied()), &of("a list of values")).into()
        }
        TagType::Location => reference("SemanticLocation"),
        TagType::CurrencyAmount => reference("SemanticCurrencyAmount"),
        TagType::PersonName => reference("SemanticPersonName"),
        TagType::Seats => semantic_list(reference("SemanticSeat"), &of("a list of seats")).into(),
        TagType::WifiNetworks => semantic_list(
            reference("SemanticWifiNetwork"),
            &of("a list of Wi-Fi networks"),
        )
        .into(),
    }
}

pub(super) fn semantics() -> Object {
    let mut b = closed_object().description(Some(
        "Apple's semantic tags by their snake_case name; each value of the type Apple lists \
         for the tag. Strings may hold placeholders and are checked once rendered for each \
         pass (a date must still be a date). Unknown keys are refused.",
    ));
    for tag in SEMANTIC_TAGS {
        b = b.property(tag.name, semantic_value(tag.apple, tag.kind));
    }
    b.examples([json!({
        "event_name": "Summer Jam",
        "event_type": "PKEventTypeLivePerformance",
        "event_start_date": "2025-06-01T18:30:00Z",
        "performer_names": ["The Band"],
        "venue_name": "Grand Hall",
        "venue_region_name": "Lyon",
        "venue_room": "Main room",
        "venue_location": {"latitude": 45.76, "longitude": 4.83},
        "attendee_name": "{{holder_name}}",
        "seats": [{"seat_section": "A", "seat_row": "3", "seat_number": "{{seatNumber}}"}]
    })])
    .build()
}

pub(super) fn semantic_location() -> Object {
    let degrees = |max: f64, what: &str| {
        desc(
            ObjectBuilder::new()
                .schema_type(Type::Number)
                .minimum(Some(-max))
                .maximum(Some(max)),
            format!("{what} in degrees, -{max} to {max}."),
        )
    };
    debug_assert_eq!(LOCATION_KEYS.map(|k| k.0), ["latitude", "longitude"]);
    closed_object()
        .description(Some(
            "Coordinates (Apple's `Location`). Unknown keys are refused.",
        ))
        .property("latitude", degrees(90.0, "Latitude"))
        .required("latitude")
        .property("longitude", degrees(180.0, "Longitude"))
        .required("longitude")
        .build()
}

pub(super) fn currency_amount() -> Object {
    debug_assert_eq!(
        CURRENCY_AMOUNT_KEYS.map(|k| k.0),
        ["amount", "currency_code"]
    );
    closed_object()
        .description(Some(
            "An amount of money (Apple's `CurrencyAmount`). Unknown keys are refused.",
        ))
        .property(
            "amount",
            desc(
                not_blank(bounded_text(MAX_SEMANTIC_TEXT_LEN)).pattern(Some(AMOUNT_PATTERN)),
                format!(
                    "A decimal number as a string (`12.50`, `-3`), pass.json `amount`, or \
                     placeholders that render to one for every pass. {PLACEHOLDERS}"
                ),
            ),
        )
        .required("amount")
        .property(
            "currency_code",
            desc(
                string().pattern(Some("^[A-Z]{3}$")),
                "ISO 4217 code of the currency (`EUR`), pass.json `currencyCode`.",
            ),
        )
        .required("currency_code")
        .examples([json!({"amount": "42.50", "currency_code": "EUR"})])
        .build()
}

/// An object of optional strings (with placeholders), at least one given.
pub(super) fn strings_object(keys: &[(&'static str, &'static str)], what: &str) -> Object {
    let mut b = closed_object()
        .description(Some(what.to_owned()))
        .min_properties(Some(1));
    for (name, apple) in keys {
        b = b.property(*name, semantic_text(&format!("pass.json `{apple}`.")));
    }
    b.build()
}

pub(super) fn wifi_network() -> Object {
    let mut b = closed_object().description(Some(
        "A Wi-Fi network (Apple's `WifiNetwork`): both keys required. Unknown keys are \
         refused.",
    ));
    for (name, apple) in WIFI_NETWORK_KEYS {
        b = b
            .property(name, semantic_text(&format!("pass.json `{apple}`.")))
            .required(name);
    }
    b.build()
}

pub(super) fn style_scheme() -> Object {
    desc(
        string_enum(StyleScheme::ALL.map(StyleScheme::as_str)),
        "A preferred style scheme of an event ticket: `poster_event_ticket` (pass.json \
         `posterEventTicket`, the poster layout of iOS 26) or `event_ticket` (`eventTicket`, \
         the classic ticket).",
    )
    .build()
}
