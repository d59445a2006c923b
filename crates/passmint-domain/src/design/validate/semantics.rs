//! `semantics` and `preferred_style_schemes` of a design (docs/api.md §3): each
//! tag known to Apple and of Apple's type, strings with placeholders checked once
//! rendered; the poster event ticket only on event tickets, with the tags it needs.

use super::placeholders::{check_placeholders, placeholders};
use super::text::{check_text, clip};
use super::values::check_date;
use crate::design::{Design, StyleScheme};
use crate::error::DomainError;
use crate::template::AppleStyle;
use passmint_apple::semantics::SubKey;
use passmint_apple::{closest, semantic_tag};

/// Apple's semantic tags and their types, and the tags of the poster scheme.
pub use passmint_apple::semantics::{
    CURRENCY_AMOUNT_KEYS, EVENT_TYPES, LOCATION_KEYS, PERSON_NAME_KEYS, SEAT_KEYS,
    WIFI_NETWORK_KEYS,
};
pub use passmint_apple::{
    POSTER_REQUIRED_TAGS, SEMANTIC_TAGS, SemanticTag, TagType, poster_required_tags,
};
use serde_json::Value;

/// The longest string of a semantic tag in a design, in characters,
/// placeholders included.
pub const MAX_SEMANTIC_TEXT_LEN: usize = 500;
/// The most entries of a semantic tag that is a list (seats, performers, ...).
/// Apple sets no figure; a ticket for a group or a lineup stays far below.
pub const MAX_SEMANTIC_LIST_LEN: usize = 20;

pub(super) fn check_semantics(style: AppleStyle, design: &Design) -> Result<(), DomainError> {
    for (key, value) in &design.semantics {
        let param = format!("semantics.{key}");
        let Some(tag) = semantic_tag(key) else {
            return Err(unknown_key(
                &param,
                key,
                SEMANTIC_TAGS.iter().map(|t| t.name),
                "semantic tag",
            ));
        };
        check_value(&param, tag.kind, value, design)?;
    }
    check_schemes(style, design)
}

fn unknown_key<'a>(
    param: &str,
    key: &str,
    known: impl IntoIterator<Item = &'a str>,
    what: &str,
) -> DomainError {
    let key = clip(key);
    let hint = match closest(&key, known) {
        Some(near) => format!(": did you mean {near}? (names are snake_case, docs/api.md §3)"),
        None => String::new(),
    };
    DomainError::invalid(param, format!("{param}: '{key}' is not a {what}{hint}"))
}

fn expected(param: &str, what: &str) -> DomainError {
    DomainError::invalid(param, format!("{param} must be {what}"))
}

/// Whether `s` holds placeholders (checked once rendered, not here).
fn has_placeholders(s: &str) -> bool {
    placeholders(s).is_ok_and(|names| !names.is_empty())
}

/// A string of a tag: present, not too long, placeholders known.
fn check_string<'a>(
    param: &str,
    value: &'a Value,
    design: &Design,
) -> Result<&'a str, DomainError> {
    let Some(s) = value.as_str() else {
        return Err(expected(param, "a string"));
    };
    check_text(param, s, MAX_SEMANTIC_TEXT_LEN, true)?;
    check_placeholders(param, s, design)?;
    Ok(s)
}

/// Whether `s` is a decimal number as Apple's `CurrencyAmount.amount` writes it
/// (`12`, `12.50`, `-3.5`).
pub fn is_decimal_amount(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, "0"));
    !whole.is_empty()
        && !fraction.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.bytes().all(|b| b.is_ascii_digit())
}

fn check_value(
    param: &str,
    kind: TagType,
    value: &Value,
    design: &Design,
) -> Result<(), DomainError> {
    match kind {
        TagType::Text => {
            check_string(param, value, design)?;
        }
        TagType::Number => {
            if !value.is_number() {
                return Err(expected(param, "a number, such as 7200"));
            }
        }
        TagType::Bool => {
            if !value.is_boolean() {
                return Err(expected(param, "true or false"));
            }
        }
        TagType::Date => {
            let s = value.as_str().ok_or_else(|| {
                expected(
                    param,
                    "an RFC 3339 date-time string such as '2025-06-01T18:30:00Z', or \
                     placeholders",
                )
            })?;
            check_string(param, value, design)?;
            if !has_placeholders(s) {
                check_date(param, s)?;
            }
        }
        TagType::Enum(values) => check_enum(param, value, values)?,
        TagType::TextList | TagType::EnumList(_) => {
            let items = list(param, value, "strings")?;
            for (i, item) in items.iter().enumerate() {
                let at = format!("{param}[{i}]");
                match kind {
                    TagType::EnumList(values) => check_enum(&at, item, values)?,
                    _ => {
                        check_string(&at, item, design)?;
                    }
                }
            }
        }
        TagType::Location => {
            let keys = object(param, value, &passmint_apple::semantics::LOCATION_KEYS)?;
            for (name, range) in [("latitude", 90.0), ("longitude", 180.0)] {
                let at = format!("{param}.{name}");
                match keys.get(name).and_then(Value::as_f64) {
                    Some(v) if (-range..=range).contains(&v) => {}
                    Some(_) => {
                        return Err(expected(&at, &format!("between -{range} and {range}")));
                    }
                    None if keys.contains_key(name) => return Err(expected(&at, "a number")),
                    None => return Err(required(&at)),
                }
            }
        }
        TagType::CurrencyAmount => {
            let keys = object(
                param,
                value,
                &passmint_apple::semantics::CURRENCY_AMOUNT_KEYS,
            )?;
            let amount_param = format!("{param}.amount");
            let amount = keys.get("amount").ok_or_else(|| required(&amount_param))?;
            let amount = check_string(&amount_param, amount, design)?;
            if !has_placeholders(amount) && !is_decimal_amount(amount) {
                return Err(DomainError::invalid(
                    &amount_param,
                    format!(
                        "{amount_param} is '{}', not a decimal number: write it as a string \
                         such as \"12.50\"",
                        clip(amount)
                    ),
                ));
            }
            let code_param = format!("{param}.currency_code");
            let code = keys
                .get("currency_code")
                .ok_or_else(|| required(&code_param))?;
            let is_code = |s: &str| s.len() == 3 && s.bytes().all(|b| b.is_ascii_uppercase());
            if !code.as_str().is_some_and(is_code) {
                return Err(expected(
                    &code_param,
                    "an ISO 4217 currency code of three capital letters, such as \"EUR\"",
                ));
            }
        }
        TagType::PersonName => {
            check_strings_object(
                param,
                value,
                &passmint_apple::semantics::PERSON_NAME_KEYS,
                design,
            )?;
        }
        TagType::Seats => {
            for (i, seat) in list(param, value, "seat objects")?.iter().enumerate() {
                check_strings_object(
                    &format!("{param}[{i}]"),
                    seat,
                    &passmint_apple::semantics::SEAT_KEYS,
                    design,
                )?;
            }
        }
        TagType::WifiNetworks => {
            for (i, network) in list(param, value, "Wi-Fi network objects")?
                .iter()
                .enumerate()
            {
                let at = format!("{param}[{i}]");
                let keys = object(&at, network, &passmint_apple::semantics::WIFI_NETWORK_KEYS)?;
                for name in ["ssid", "password"] {
                    let key_param = format!("{at}.{name}");
                    let v = keys.get(name).ok_or_else(|| required(&key_param))?;
                    check_string(&key_param, v, design)?;
                }
            }
        }
    }
    Ok(())
}

fn required(param: &str) -> DomainError {
    DomainError::invalid(param, format!("{param} is required"))
}

fn check_enum(param: &str, value: &Value, values: &[&str]) -> Result<(), DomainError> {
    match value.as_str() {
        Some(s) if values.contains(&s) => Ok(()),
        other => {
            let given = other.map_or_else(|| value.to_string(), str::to_owned);
            let near = closest(&given, values.iter().copied()).unwrap_or_default();
            Err(DomainError::invalid(
                param,
                format!(
                    "{param} is '{}', not one of {}: did you mean {near}?",
                    clip(&given),
                    values.join(", ")
                ),
            ))
        }
    }
}

fn list<'a>(param: &str, value: &'a Value, what: &str) -> Result<&'a Vec<Value>, DomainError> {
    let items = value
        .as_array()
        .ok_or_else(|| expected(param, &format!("a list of {what}")))?;
    if items.is_empty() {
        return Err(DomainError::invalid(
            param,
            format!("{param} is empty: give at least one entry, or leave the tag out"),
        ));
    }
    if items.len() > MAX_SEMANTIC_LIST_LEN {
        return Err(DomainError::invalid(
            param,
            format!(
                "{param} may have at most {MAX_SEMANTIC_LIST_LEN} entries, but {} were given",
                items.len()
            ),
        ));
    }
    Ok(items)
}

/// An object whose keys are among `keys` (by the API's name).
fn object<'a>(
    param: &str,
    value: &'a Value,
    keys: &[SubKey],
) -> Result<&'a serde_json::Map<String, Value>, DomainError> {
    let map = value.as_object().ok_or_else(|| {
        let names: Vec<&str> = keys.iter().map(|k| k.0).collect();
        expected(param, &format!("an object with {}", names.join(", ")))
    })?;
    for key in map.keys() {
        if !keys.iter().any(|k| k.0 == key) {
            return Err(unknown_key(
                &format!("{param}.{key}"),
                key,
                keys.iter().map(|k| k.0),
                "key of this object",
            ));
        }
    }
    Ok(map)
}

/// An object of optional strings, at least one given.
fn check_strings_object(
    param: &str,
    value: &Value,
    keys: &[SubKey],
    design: &Design,
) -> Result<(), DomainError> {
    let map = object(param, value, keys)?;
    if map.is_empty() {
        let names: Vec<&str> = keys.iter().map(|k| k.0).collect();
        return Err(DomainError::invalid(
            param,
            format!(
                "{param} is empty: give at least one of {}",
                names.join(", ")
            ),
        ));
    }
    for (key, v) in map {
        check_string(&format!("{param}.{key}"), v, design)?;
    }
    Ok(())
}

/// `preferred_style_schemes`: event tickets only, each scheme once, and the poster
/// scheme with the tags Apple requires for it.
fn check_schemes(style: AppleStyle, design: &Design) -> Result<(), DomainError> {
    let schemes = &design.preferred_style_schemes;
    if schemes.is_empty() {
        return Ok(());
    }
    let param = "preferred_style_schemes";
    if style != AppleStyle::EventTicket {
        return Err(DomainError::invalid(
            param,
            format!(
                "{param} applies only to templates of apple_style eventTicket, not {}: \
                 remove it, or use an eventTicket template",
                style.as_str()
            ),
        ));
    }
    for (i, scheme) in schemes.iter().enumerate() {
        if schemes[..i].contains(scheme) {
            return Err(DomainError::invalid(
                format!("{param}[{i}]"),
                format!(
                    "{param}[{i}] repeats {}: give each scheme once",
                    scheme.as_str()
                ),
            ));
        }
    }
    if schemes.contains(&StyleScheme::PosterEventTicket) {
        let event_type = design.semantics.get("event_type").and_then(Value::as_str);
        for tag in poster_required_tags(event_type) {
            if !design.semantics.contains_key(tag) {
                let why = match tag {
                    "away_team_abbreviation" | "home_team_abbreviation" => {
                        " for a sports event (event_type PKEventTypeSports)"
                    }
                    "performer_names" => {
                        " for a live performance (event_type PKEventTypeLivePerformance)"
                    }
                    _ => "",
                };
                return Err(DomainError::invalid(
                    format!("semantics.{tag}"),
                    format!(
                        "the poster_event_ticket scheme needs semantics.{tag}{why}; Wallet \
                         shows the classic ticket without it: give semantics.{tag}, or remove \
                         poster_event_ticket from {param}"
                    ),
                ));
            }
        }
    }
    Ok(())
}
