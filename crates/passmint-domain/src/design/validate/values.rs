//! Colours, barcode, transit type, locations and dates of a design.

use super::placeholders::check_placeholders;
use super::text::{check_text, clip};
use crate::design::{Barcode, Colors, Design, Location};
use crate::error::DomainError;
use crate::template::AppleStyle;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

pub const MAX_BARCODE_MESSAGE_LEN: usize = 2000;
pub const MAX_BARCODE_ALT_TEXT_LEN: usize = 200;
pub const MAX_LOCATIONS: usize = 10;
pub const MAX_RELEVANT_TEXT_LEN: usize = 200;

/// Parses `#RRGGBB` (hex digits in either case) or `rgb(r,g,b)` with integers
/// 0..=255, spaces allowed after the commas. Apple's pass.json wants
/// `rgb(r, g, b)`, so the renderer converts with this.
pub fn parse_color(s: &str) -> Option<(u8, u8, u8)> {
    if let Some(hex) = s.strip_prefix('#') {
        if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let channel = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
        return Some((channel(0)?, channel(2)?, channel(4)?));
    }
    let inner = s.strip_prefix("rgb(")?.strip_suffix(')')?;
    let mut parts = inner.split(',');
    let mut channel = |first: bool| -> Option<u8> {
        let part = parts.next()?;
        let part = if first {
            part
        } else {
            part.trim_start_matches(' ')
        };
        if part.is_empty() || part.len() > 3 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        part.parse().ok()
    };
    let rgb = (channel(true)?, channel(false)?, channel(false)?);
    if parts.next().is_some() {
        return None;
    }
    Some(rgb)
}

pub(super) fn check_colors(colors: &Colors) -> Result<(), DomainError> {
    for (name, value) in [
        ("background", &colors.background),
        ("foreground", &colors.foreground),
        ("label", &colors.label),
    ] {
        if let Some(value) = value
            && parse_color(value).is_none()
        {
            let value = clip(value);
            return Err(DomainError::invalid(
                format!("colors.{name}"),
                format!(
                    "'{value}' is not a colour: use '#RRGGBB' (for example '#1a2b3c') or \
                     'rgb(r, g, b)' with whole numbers from 0 to 255"
                ),
            ));
        }
    }
    Ok(())
}

pub(super) fn check_barcode(barcode: &Barcode, design: &Design) -> Result<(), DomainError> {
    for (name, value, max) in [
        ("message", &barcode.message, MAX_BARCODE_MESSAGE_LEN),
        ("alt_text", &barcode.alt_text, MAX_BARCODE_ALT_TEXT_LEN),
    ] {
        if let Some(value) = value {
            let param = format!("barcode.{name}");
            if value.trim().is_empty() {
                let fix = if name == "message" {
                    "omit it to use the default {{serial_number}}"
                } else {
                    "omit it to show no text under the barcode"
                };
                return Err(DomainError::invalid(
                    &param,
                    format!("{param} must not be empty: {fix}"),
                ));
            }
            check_text(&param, value, max, false)?;
            check_placeholders(&param, value, design)?;
        }
    }
    Ok(())
}

pub(super) fn check_transit_type(style: AppleStyle, design: &Design) -> Result<(), DomainError> {
    match (style, design.transit_type) {
        (AppleStyle::BoardingPass, None) => Err(DomainError::invalid(
            "transit_type",
            "transit_type is required for boardingPass templates: set it to air, boat, \
             bus, train or generic",
        )),
        (AppleStyle::BoardingPass, Some(_)) | (_, None) => Ok(()),
        (other, Some(_)) => Err(DomainError::invalid(
            "transit_type",
            format!(
                "transit_type is only allowed for boardingPass templates, not {}: remove it",
                other.as_str()
            ),
        )),
    }
}

pub(super) fn check_locations(locations: &[Location]) -> Result<(), DomainError> {
    if locations.len() > MAX_LOCATIONS {
        return Err(DomainError::invalid(
            "locations",
            format!(
                "a design may have at most {MAX_LOCATIONS} locations, but {} were given: \
                 keep the {MAX_LOCATIONS} most relevant",
                locations.len()
            ),
        ));
    }
    for (i, location) in locations.iter().enumerate() {
        for (name, value, limit) in [
            ("latitude", location.latitude, 90.0),
            ("longitude", location.longitude, 180.0),
        ] {
            if !value.is_finite() || !(-limit..=limit).contains(&value) {
                return Err(DomainError::invalid(
                    format!("locations[{i}].{name}"),
                    format!(
                        "{name} must be a number of degrees from -{limit} to {limit}, but \
                         {value} was given"
                    ),
                ));
            }
        }
        if let Some(text) = &location.relevant_text {
            check_text(
                &format!("locations[{i}].relevant_text"),
                text,
                MAX_RELEVANT_TEXT_LEN,
                false,
            )?;
        }
    }
    Ok(())
}

/// `value` as an RFC 3339 date-time with a `T` separator, as a design's dates and
/// rendered relevant dates must be.
pub fn parse_date(value: &str) -> Option<OffsetDateTime> {
    // `time` accepts any separator between date and time; RFC 3339's grammar (and
    // Apple's pass.json) wants `T`.
    let t_separated = matches!(value.as_bytes().get(10), Some(b'T' | b't'));
    if !t_separated {
        return None;
    }
    OffsetDateTime::parse(value, &Rfc3339).ok()
}

pub(super) fn check_date(param: &str, value: &str) -> Result<(), DomainError> {
    if parse_date(value).is_none() {
        let value = clip(value);
        return Err(DomainError::invalid(
            param,
            format!(
                "'{value}' is not an RFC 3339 date-time: write it like \
                 '2025-06-01T18:30:00Z' or '2025-06-01T20:30:00+02:00'"
            ),
        ));
    }
    Ok(())
}
