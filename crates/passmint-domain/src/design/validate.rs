//! Rules of a design that its types cannot express. See SPEC section 3.
//!
//! [`validate_design`] checks a whole design and reports the first violation as a
//! [`DomainError::Invalid`] whose `param` is relative to the design
//! (`fields.primary[0].key`, `images.icon@2x`); the caller prefixes it with
//! [`DomainError::under`].
//!
//! The limits the renderer must agree with are public: [`max_fields`] and
//! [`max_secondary_and_auxiliary`] (Apple's field counts per style), [`placeholders`]
//! (the `{{name}}` syntax), [`parse_color`], and, in [`images`], the image names,
//! per-style support, allotted sizes and the PNG header reader.
//!
//! Field limits follow Apple's PassKit package format reference: a pass has up to
//! three header fields, one primary field, up to four secondary and up to four
//! auxiliary fields; boarding passes have up to two primary and up to five auxiliary
//! fields; coupons, store cards and generic passes with a square barcode have up to
//! four secondary and auxiliary fields combined.

pub mod images;

pub use images::{
    ImageBounds, ImageKey, ImageKind, MAX_IMAGE_BYTES, image_bounds, png_dimensions,
    style_supports_image,
};

use super::{Barcode, BarcodeFormat, Colors, Design, Field, FieldArea, Location};
use crate::error::DomainError;
use crate::template::AppleStyle;
use crate::validate::MAX_FIELD_VALUE_LEN;
use passmint_apple::{PlaceholderError, is_name_char};
use std::collections::HashMap;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

pub const MAX_ORGANIZATION_NAME_LEN: usize = 200;
pub const MAX_DESCRIPTION_LEN: usize = 500;
pub const MAX_LOGO_TEXT_LEN: usize = 200;
pub const MAX_FIELD_KEY_LEN: usize = 64;
pub const MAX_FIELD_LABEL_LEN: usize = 200;
/// A field's default value shares the limit of a pass's `field_values`.
pub const MAX_FIELD_DEFAULT_VALUE_LEN: usize = MAX_FIELD_VALUE_LEN;
pub const MAX_CHANGE_MESSAGE_LEN: usize = 500;
/// The product's cap on back fields, for every style. Apple sets no limit on back
/// fields ([`passmint_apple::max_fields`] says `None`); Passmint refuses a design
/// with more than this many, so that a pass stays readable.
pub const MAX_BACK_FIELDS: usize = 20;
pub const MAX_BARCODE_MESSAGE_LEN: usize = 2000;
pub const MAX_BARCODE_ALT_TEXT_LEN: usize = 200;
pub const MAX_LOCATIONS: usize = 10;
pub const MAX_RELEVANT_TEXT_LEN: usize = 200;

/// Placeholders every pass can fill, besides the keys of the design's fields.
pub const BUILTIN_PLACEHOLDERS: [&str; 4] =
    ["serial_number", "pass_id", "holder_name", "holder_email"];

/// Checks every rule of SPEC section 3 for a design of the given style. The error's
/// `param` is relative to the design (`fields.primary[0].key`); callers prefix it.
pub fn validate_design(style: AppleStyle, design: &Design) -> Result<(), DomainError> {
    check_text(
        "organization_name",
        &design.organization_name,
        MAX_ORGANIZATION_NAME_LEN,
        true,
    )?;
    check_text(
        "description",
        &design.description,
        MAX_DESCRIPTION_LEN,
        true,
    )?;
    if let Some(logo_text) = &design.logo_text {
        check_text("logo_text", logo_text, MAX_LOGO_TEXT_LEN, false)?;
    }
    if let Some(colors) = &design.colors {
        check_colors(colors)?;
    }
    check_fields(style, design)?;
    if let Some(barcode) = &design.barcode {
        check_barcode(barcode, design)?;
    }
    images::check_images(style, &design.images)?;
    check_transit_type(style, design)?;
    check_locations(&design.locations)?;
    if let Some(date) = &design.relevant_date {
        check_date("relevant_date", date)?;
    }
    if let Some(date) = &design.expiration_date {
        check_date("expiration_date", date)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Field limits
// ---------------------------------------------------------------------------

/// The most fields in one area a design may have, `None` meaning unlimited:
/// Apple's limits ([`passmint_apple::max_fields`]), except that back fields, which
/// Apple does not limit, are capped at [`MAX_BACK_FIELDS`]. See also
/// [`max_secondary_and_auxiliary`].
///
/// | style        | header | primary | secondary | auxiliary | back |
/// | ------------ | ------ | ------- | --------- | --------- | ---- |
/// | boardingPass | 3      | 2       | 4         | 5         | 20   |
/// | coupon       | 3      | 1       | 4         | 4         | 20   |
/// | eventTicket  | 3      | 1       | 4         | 4         | 20   |
/// | generic      | 3      | 1       | 4         | 4         | 20   |
/// | storeCard    | 3      | 1       | 4         | 4         | 20   |
pub fn max_fields(style: AppleStyle, area: FieldArea) -> Option<usize> {
    match area {
        FieldArea::Back => Some(MAX_BACK_FIELDS),
        _ => passmint_apple::max_fields(style, area),
    }
}

/// Apple's combined limit on secondary plus auxiliary fields, `None` when only the
/// per-area limits apply: 4 for coupons and store cards, and for generic passes
/// with a square barcode (`qr` or `aztec`).
pub fn max_secondary_and_auxiliary(
    style: AppleStyle,
    barcode: Option<BarcodeFormat>,
) -> Option<usize> {
    let square = barcode.is_some_and(BarcodeFormat::is_square);
    passmint_apple::max_secondary_and_auxiliary(style, square)
}

fn plural(n: usize, one: &str) -> String {
    if n == 1 {
        format!("{n} {one} field")
    } else {
        format!("{n} {one} fields")
    }
}

fn check_field_counts(style: AppleStyle, design: &Design) -> Result<(), DomainError> {
    let style_str = style.as_str();
    let fields = &design.fields;
    for area in FieldArea::ALL {
        let count = fields.area(area).len();
        if let Some(max) = max_fields(style, area)
            && count > max
        {
            let name = area.as_str();
            let fix = match area {
                FieldArea::Back => "remove some, or merge their text".to_owned(),
                FieldArea::Header | FieldArea::Primary => {
                    "move the others to the secondary, auxiliary or back fields".to_owned()
                }
                FieldArea::Secondary | FieldArea::Auxiliary => {
                    "move the others to the back fields".to_owned()
                }
            };
            return Err(DomainError::invalid(
                format!("fields.{name}"),
                format!(
                    "{style_str} passes show at most {}, but {count} were given: {fix}",
                    plural(max, name)
                ),
            ));
        }
    }
    let barcode = design.barcode.as_ref().map(|b| b.format);
    let (secondary, auxiliary) = (fields.secondary.len(), fields.auxiliary.len());
    if let Some(max) = max_secondary_and_auxiliary(style, barcode)
        && secondary + auxiliary > max
    {
        let which = if style == AppleStyle::Generic {
            "generic passes with a square (qr or aztec) barcode".to_owned()
        } else {
            format!("{style_str} passes")
        };
        return Err(DomainError::invalid(
            "fields.auxiliary",
            format!(
                "{which} show at most {max} secondary and auxiliary fields combined, but \
                 {secondary} secondary and {auxiliary} auxiliary were given: move some to \
                 the back fields"
            ),
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Fields
// ---------------------------------------------------------------------------

fn check_fields(style: AppleStyle, design: &Design) -> Result<(), DomainError> {
    check_field_counts(style, design)?;
    let mut seen: HashMap<&str, String> = HashMap::new();
    for area in FieldArea::ALL {
        for (i, field) in design.fields.area(area).iter().enumerate() {
            let at = format!("fields.{}[{i}]", area.as_str());
            check_field(&at, field, design)?;
            if let Some(first) = seen.get(field.key.as_str()) {
                return Err(DomainError::invalid(
                    format!("{at}.key"),
                    format!(
                        "the key '{}' is already used by {first}: keys must be unique \
                         across all field areas, so rename one of them",
                        field.key
                    ),
                ));
            }
            seen.insert(&field.key, at);
        }
    }
    Ok(())
}

fn check_field(at: &str, field: &Field, design: &Design) -> Result<(), DomainError> {
    let key_param = format!("{at}.key");
    if field.key.is_empty() {
        return Err(DomainError::invalid(
            key_param,
            "every field needs a non-empty key made of ASCII letters, digits, '_', '-' \
             or '.' (for example 'member_id')",
        ));
    }
    if field.key.chars().count() > MAX_FIELD_KEY_LEN {
        return Err(DomainError::invalid(
            key_param,
            format!("field keys may be at most {MAX_FIELD_KEY_LEN} characters long: shorten it"),
        ));
    }
    if !field.key.chars().all(is_name_char) {
        return Err(DomainError::invalid(
            key_param,
            format!(
                "the key '{}' may only contain ASCII letters, digits, '_', '-' and '.' \
                 (no spaces): for example 'member_id'",
                field.key
            ),
        ));
    }
    if let Some(label) = &field.label {
        check_text(&format!("{at}.label"), label, MAX_FIELD_LABEL_LEN, false)?;
    }
    if let Some(value) = &field.value {
        let param = format!("{at}.value");
        check_text(&param, value, MAX_FIELD_DEFAULT_VALUE_LEN, false)?;
        check_placeholders(&param, value, design)?;
    }
    if let Some(message) = &field.change_message {
        let param = format!("{at}.change_message");
        check_text(&param, message, MAX_CHANGE_MESSAGE_LEN, false)?;
        if !message.contains("%@") {
            return Err(DomainError::invalid(
                param,
                "change_message must contain '%@', which Wallet replaces with the new \
                 value (for example 'Your balance is now %@')",
            ));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Placeholders
// ---------------------------------------------------------------------------

/// The names of the `{{name}}` placeholders in `s`, in order (repeats included),
/// by Apple's grammar ([`passmint_apple::placeholders`]). An unclosed `{{` or a
/// malformed name is an error whose text explains the fix. Lone `{`, `}` or `}}`
/// are plain text.
pub fn placeholders(s: &str) -> Result<Vec<&str>, String> {
    passmint_apple::placeholders(s).map_err(|e| match e {
        PlaceholderError::Unclosed => "contains a '{{' that is never closed: write placeholders \
             as {{name}}, for example {{serial_number}}"
            .to_owned(),
        PlaceholderError::Malformed(name) => {
            let name = clip(name);
            format!(
                "contains a malformed placeholder '{{{{{name}}}}}': write {{{{name}}}} with \
                 no spaces, the name made of ASCII letters, digits, '_', '-' or '.'"
            )
        }
    })
}

/// Every placeholder in `s` must be a built-in one or a field key of the design.
fn check_placeholders(param: &str, s: &str, design: &Design) -> Result<(), DomainError> {
    let names = placeholders(s).map_err(|m| DomainError::invalid(param, format!("{param} {m}")))?;
    for name in names {
        if !BUILTIN_PLACEHOLDERS.contains(&name) && design.fields.find(name).is_none() {
            let name = clip(name);
            return Err(DomainError::invalid(
                param,
                format!(
                    "{param} uses the unknown placeholder '{{{{{name}}}}}': use \
                     {{{{serial_number}}}}, {{{{pass_id}}}}, {{{{holder_name}}}}, \
                     {{{{holder_email}}}} or {{{{key}}}} with the key of a field of this \
                     design"
                ),
            ));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Text, colours, barcode, transit type, locations, dates
// ---------------------------------------------------------------------------

/// User input echoed in a message, cut to a readable length.
fn clip(s: &str) -> String {
    const MAX: usize = 40;
    if s.chars().count() <= MAX {
        s.to_owned()
    } else {
        let head: String = s.chars().take(MAX).collect();
        format!("{head}...")
    }
}

fn check_text(param: &str, s: &str, max: usize, required: bool) -> Result<(), DomainError> {
    if required && s.trim().is_empty() {
        return Err(DomainError::invalid(
            param,
            format!("{param} is required and must not be empty or only spaces"),
        ));
    }
    if s.chars().count() > max {
        return Err(DomainError::invalid(
            param,
            format!("{param} may be at most {max} characters long: shorten it"),
        ));
    }
    Ok(())
}

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

fn check_colors(colors: &Colors) -> Result<(), DomainError> {
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

fn check_barcode(barcode: &Barcode, design: &Design) -> Result<(), DomainError> {
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

fn check_transit_type(style: AppleStyle, design: &Design) -> Result<(), DomainError> {
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

fn check_locations(locations: &[Location]) -> Result<(), DomainError> {
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

fn check_date(param: &str, value: &str) -> Result<(), DomainError> {
    // `time` accepts any separator between date and time; RFC 3339's grammar (and
    // Apple's pass.json) wants `T`.
    let t_separated = matches!(value.as_bytes().get(10), Some(b'T' | b't'));
    if !t_separated || OffsetDateTime::parse(value, &Rfc3339).is_err() {
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

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::design::{Fields, TransitType};
    use base64::Engine;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE};

    const STYLES: [AppleStyle; 5] = AppleStyle::ALL;

    /// A PNG header: signature, IHDR with the given size, 4 bytes standing for the CRC.
    fn png(width: u32, height: u32) -> Vec<u8> {
        let mut b = images::PNG_SIGNATURE.to_vec();
        b.extend_from_slice(&13u32.to_be_bytes());
        b.extend_from_slice(b"IHDR");
        b.extend_from_slice(&width.to_be_bytes());
        b.extend_from_slice(&height.to_be_bytes());
        b.extend_from_slice(&[8, 6, 0, 0, 0]);
        b.extend_from_slice(&[0, 0, 0, 0]);
        b
    }

    fn b64png(width: u32, height: u32) -> String {
        STANDARD.encode(png(width, height))
    }

    fn field(key: &str) -> Field {
        Field {
            key: key.to_owned(),
            ..Field::default()
        }
    }

    fn fields(prefix: &str, n: usize) -> Vec<Field> {
        (0..n).map(|i| field(&format!("{prefix}{i}"))).collect()
    }

    fn minimal(style: AppleStyle) -> Design {
        Design {
            organization_name: "Acme".into(),
            description: "Acme pass".into(),
            transit_type: (style == AppleStyle::BoardingPass).then_some(TransitType::Air),
            ..Design::default()
        }
    }

    fn param_of(style: AppleStyle, design: &Design) -> String {
        match validate_design(style, design) {
            Err(DomainError::Invalid {
                param: Some(p),
                code: None,
                ..
            }) => p,
            other => panic!("expected an Invalid error with a param, got {other:?}"),
        }
    }

    fn message_of(style: AppleStyle, design: &Design) -> String {
        match validate_design(style, design) {
            Err(DomainError::Invalid { message, .. }) => message,
            other => panic!("expected an Invalid error, got {other:?}"),
        }
    }

    fn ok(style: AppleStyle, design: &Design) {
        if let Err(e) = validate_design(style, design) {
            panic!("expected {style:?} design to be valid, got {e:?}");
        }
    }

    // --- whole designs ---------------------------------------------------------

    #[test]
    fn minimal_design_is_valid_for_every_style() {
        for style in STYLES {
            ok(style, &minimal(style));
        }
    }

    #[test]
    fn complete_design_is_valid() {
        let mut d = minimal(AppleStyle::EventTicket);
        d.logo_text = Some("Acme Live".into());
        d.colors = Some(Colors {
            background: Some("#1A2b3C".into()),
            foreground: Some("rgb(255, 255, 255)".into()),
            label: Some("rgb(0,0,0)".into()),
        });
        d.fields = Fields {
            header: vec![Field {
                key: "date".into(),
                label: Some("DATE".into()),
                value: Some("2025-06-01".into()),
                ..Field::default()
            }],
            primary: vec![Field {
                key: "event".into(),
                value: Some("Concert for {{holder_name}}".into()),
                change_message: Some("Event changed to %@".into()),
                ..Field::default()
            }],
            secondary: fields("s", 4),
            auxiliary: fields("a", 4),
            back: vec![Field {
                key: "terms".into(),
                value: Some("Ticket {{serial_number}} for {{event}} on {{date}}".into()),
                ..Field::default()
            }],
        };
        d.barcode = Some(Barcode {
            format: BarcodeFormat::Qr,
            message: Some("{{pass_id}}:{{serial_number}}".into()),
            alt_text: Some("{{holder_email}}".into()),
        });
        for (k, w, h) in [
            ("icon", 29, 29),
            ("icon@2x", 58, 58),
            ("icon@3x", 87, 87),
            ("logo", 160, 50),
            ("logo@2x", 320, 100),
            ("background@2x", 360, 440),
            ("thumbnail@3x", 270, 270),
        ] {
            d.images.insert(k.into(), b64png(w, h));
        }
        d.locations = vec![Location {
            latitude: 48.8566,
            longitude: 2.3522,
            relevant_text: Some("Welcome to the venue".into()),
        }];
        d.relevant_date = Some("2025-06-01T18:30:00Z".into());
        d.expiration_date = Some("2025-06-02T00:00:00+02:00".into());
        d.sharing_prohibited = Some(true);
        ok(AppleStyle::EventTicket, &d);
    }

    #[test]
    fn params_are_prefixed_by_the_caller() {
        let mut d = minimal(AppleStyle::Generic);
        d.fields.primary = vec![field("")];
        let err = validate_design(AppleStyle::Generic, &d)
            .unwrap_err()
            .under("design");
        assert!(
            matches!(err, DomainError::Invalid { param: Some(ref p), .. } if p == "design.fields.primary[0].key"),
            "{err:?}"
        );
    }

    // --- organization_name, description, logo_text ----------------------------

    #[test]
    fn organization_name_and_description_are_required_and_bounded() {
        let s = AppleStyle::Generic;
        for bad in ["", "   ", "\t\n"] {
            let mut d = minimal(s);
            d.organization_name = bad.into();
            assert_eq!(param_of(s, &d), "organization_name");
            assert!(message_of(s, &d).contains("required"));
            let mut d = minimal(s);
            d.description = bad.into();
            assert_eq!(param_of(s, &d), "description");
        }
        let mut d = minimal(s);
        d.organization_name = "é".repeat(200);
        d.description = "é".repeat(500);
        ok(s, &d);
        d.organization_name = "é".repeat(201);
        assert_eq!(param_of(s, &d), "organization_name");
        assert!(message_of(s, &d).contains("at most 200"));
        let mut d = minimal(s);
        d.description = "x".repeat(501);
        assert_eq!(param_of(s, &d), "description");
    }

    #[test]
    fn logo_text_is_bounded() {
        let s = AppleStyle::StoreCard;
        let mut d = minimal(s);
        d.logo_text = Some(String::new());
        ok(s, &d);
        d.logo_text = Some("x".repeat(200));
        ok(s, &d);
        d.logo_text = Some("x".repeat(201));
        assert_eq!(param_of(s, &d), "logo_text");
    }

    // --- colours ---------------------------------------------------------------

    #[test]
    fn parse_color_accepts_hex_and_rgb() {
        assert_eq!(parse_color("#000000"), Some((0, 0, 0)));
        assert_eq!(parse_color("#FFffFf"), Some((255, 255, 255)));
        assert_eq!(parse_color("#1a2B3c"), Some((0x1a, 0x2b, 0x3c)));
        assert_eq!(parse_color("rgb(1,2,3)"), Some((1, 2, 3)));
        assert_eq!(parse_color("rgb(255, 0, 128)"), Some((255, 0, 128)));
        assert_eq!(parse_color("rgb(10,  20,   30)"), Some((10, 20, 30)));
        assert_eq!(parse_color("rgb(007,0,0)"), Some((7, 0, 0)));
    }

    #[test]
    fn parse_color_refuses_everything_else() {
        for bad in [
            "",
            "#",
            "#abc",
            "#abcde",
            "#abcdef0",
            "#abcdeg",
            "abcdef",
            "# abcdef",
            "#+1a2b3",
            "red",
            "rgb(256,0,0)",
            "rgb(-1,0,0)",
            "rgb(+1,0,0)",
            "rgb(1,2)",
            "rgb(1,2,3,4)",
            "rgb(1,2,3,)",
            "rgb(1.5,2,3)",
            "rgb(1,,3)",
            "rgb( 1,2,3)",
            "rgb(1 ,2,3)",
            "rgb(1,2,3 )",
            "rgb(1,2,3",
            "rgb 1,2,3)",
            "rgba(1,2,3)",
            "RGB(1,2,3)",
            "rgb(1000,0,0)",
            "rgb(0001,0,0)",
            "rgb(1,\t2,3)",
            " #abcdef",
        ] {
            assert_eq!(parse_color(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn echoed_input_is_clipped() {
        let s = AppleStyle::Generic;
        let mut d = minimal(s);
        d.colors = Some(Colors {
            background: Some("x".repeat(10_000)),
            ..Colors::default()
        });
        let msg = message_of(s, &d);
        assert!(msg.len() < 300 && msg.contains("xxx..."), "{msg}");
        let mut d = minimal(s);
        d.fields.back = vec![Field {
            value: Some(format!("{{{{{}}}}}", "k".repeat(1500))),
            ..field("a")
        }];
        assert!(message_of(s, &d).len() < 400);
        assert_eq!(clip("short"), "short");
        assert_eq!(clip(&"é".repeat(41)), format!("{}...", "é".repeat(40)));
    }

    #[test]
    fn each_colour_is_checked_with_its_own_param() {
        let s = AppleStyle::Coupon;
        for (name, set) in [("background", 0usize), ("foreground", 1), ("label", 2)] {
            let mut colors = Colors {
                background: Some("#ffffff".into()),
                foreground: Some("rgb(1, 2, 3)".into()),
                label: Some("#000000".into()),
            };
            let slot = [
                &mut colors.background,
                &mut colors.foreground,
                &mut colors.label,
            ];
            *slot.into_iter().nth(set).unwrap() = Some("#12345".into());
            let mut d = minimal(s);
            d.colors = Some(colors);
            assert_eq!(param_of(s, &d), format!("colors.{name}"));
            assert!(message_of(s, &d).contains("#RRGGBB"));
        }
        let mut d = minimal(s);
        d.colors = Some(Colors::default());
        ok(s, &d);
    }

    // --- field limits ----------------------------------------------------------

    #[test]
    fn max_fields_table() {
        use FieldArea::*;
        for style in STYLES {
            let boarding = style == AppleStyle::BoardingPass;
            assert_eq!(max_fields(style, Header), Some(3), "{style:?}");
            assert_eq!(
                max_fields(style, Primary),
                Some(if boarding { 2 } else { 1 })
            );
            assert_eq!(max_fields(style, Secondary), Some(4));
            assert_eq!(
                max_fields(style, Auxiliary),
                Some(if boarding { 5 } else { 4 })
            );
            assert_eq!(max_fields(style, Back), Some(MAX_BACK_FIELDS));
        }
    }

    /// Apple does not limit back fields; the product caps them at 20, and 21 get
    /// exactly this answer.
    #[test]
    fn back_fields_are_capped_by_the_product_not_by_apple() {
        assert_eq!(MAX_BACK_FIELDS, 20);
        for style in STYLES {
            assert_eq!(passmint_apple::max_fields(style, FieldArea::Back), None);
            let mut d = minimal(style);
            d.fields.back = fields("b", 20);
            ok(style, &d);
            d.fields.back = fields("b", 21);
            assert_eq!(param_of(style, &d), "fields.back");
            assert_eq!(
                message_of(style, &d),
                format!(
                    "{style} passes show at most 20 back fields, but 21 were given: \
                     remove some, or merge their text"
                )
            );
        }
    }

    #[test]
    fn combined_secondary_auxiliary_table() {
        use AppleStyle::*;
        use BarcodeFormat::*;
        for b in [None, Some(Qr), Some(Aztec), Some(Pdf417), Some(Code128)] {
            assert_eq!(max_secondary_and_auxiliary(Coupon, b), Some(4));
            assert_eq!(max_secondary_and_auxiliary(StoreCard, b), Some(4));
            assert_eq!(max_secondary_and_auxiliary(EventTicket, b), None);
            assert_eq!(max_secondary_and_auxiliary(BoardingPass, b), None);
        }
        assert_eq!(max_secondary_and_auxiliary(Generic, Some(Qr)), Some(4));
        assert_eq!(max_secondary_and_auxiliary(Generic, Some(Aztec)), Some(4));
        assert_eq!(max_secondary_and_auxiliary(Generic, Some(Pdf417)), None);
        assert_eq!(max_secondary_and_auxiliary(Generic, Some(Code128)), None);
        assert_eq!(max_secondary_and_auxiliary(Generic, None), None);
    }

    /// Every area filled to its limit passes; one more field is refused on that area.
    #[test]
    fn area_limits_are_enforced_for_every_style() {
        for style in STYLES {
            for area in FieldArea::ALL {
                let max = max_fields(style, area).unwrap();
                let set = |d: &mut Design, n: usize| {
                    let v = fields(&format!("{}_", area.as_str()), n);
                    match area {
                        FieldArea::Header => d.fields.header = v,
                        FieldArea::Primary => d.fields.primary = v,
                        FieldArea::Secondary => d.fields.secondary = v,
                        FieldArea::Auxiliary => d.fields.auxiliary = v,
                        FieldArea::Back => d.fields.back = v,
                    }
                };
                let mut d = minimal(style);
                set(&mut d, max);
                ok(style, &d);
                set(&mut d, max + 1);
                assert_eq!(param_of(style, &d), format!("fields.{}", area.as_str()));
                let msg = message_of(style, &d);
                assert!(msg.contains(&format!("at most {max}")), "{msg}");
                assert!(msg.contains(style.as_str()), "{msg}");
            }
        }
    }

    #[test]
    fn boarding_pass_allows_two_primary_and_five_auxiliary() {
        let s = AppleStyle::BoardingPass;
        let mut d = minimal(s);
        d.fields.header = fields("h", 3);
        d.fields.primary = fields("p", 2);
        d.fields.secondary = fields("s", 4);
        d.fields.auxiliary = fields("a", 5);
        ok(s, &d);
        d.fields.primary = fields("p", 3);
        assert_eq!(param_of(s, &d), "fields.primary");
        let mut d = minimal(AppleStyle::EventTicket);
        d.fields.primary = fields("p", 2);
        assert_eq!(param_of(AppleStyle::EventTicket, &d), "fields.primary");
        assert!(message_of(AppleStyle::EventTicket, &d).contains("at most 1 primary field,"));
    }

    #[test]
    fn coupons_and_store_cards_share_four_secondary_and_auxiliary_fields() {
        for s in [AppleStyle::Coupon, AppleStyle::StoreCard] {
            let mut d = minimal(s);
            d.fields.secondary = fields("s", 2);
            d.fields.auxiliary = fields("a", 2);
            ok(s, &d);
            d.fields.secondary = fields("s", 4);
            d.fields.auxiliary = Vec::new();
            ok(s, &d);
            d.fields.auxiliary = fields("a", 1);
            assert_eq!(param_of(s, &d), "fields.auxiliary");
            let msg = message_of(s, &d);
            assert!(
                msg.contains("combined") && msg.contains("4 secondary and 1 auxiliary"),
                "{msg}"
            );
            d.fields.secondary = fields("s", 3);
            d.fields.auxiliary = fields("a", 2);
            assert_eq!(param_of(s, &d), "fields.auxiliary");
        }
    }

    #[test]
    fn generic_combined_limit_depends_on_a_square_barcode() {
        let s = AppleStyle::Generic;
        let mut d = minimal(s);
        d.fields.secondary = fields("s", 4);
        d.fields.auxiliary = fields("a", 4);
        ok(s, &d);
        for format in [BarcodeFormat::Pdf417, BarcodeFormat::Code128] {
            d.barcode = Some(Barcode {
                format,
                message: None,
                alt_text: None,
            });
            ok(s, &d);
        }
        for format in [BarcodeFormat::Qr, BarcodeFormat::Aztec] {
            d.barcode = Some(Barcode {
                format,
                message: None,
                alt_text: None,
            });
            assert_eq!(param_of(s, &d), "fields.auxiliary");
            assert!(message_of(s, &d).contains("square"));
        }
        d.fields.secondary = fields("s", 1);
        d.fields.auxiliary = fields("a", 3);
        ok(s, &d);
    }

    #[test]
    fn event_tickets_have_no_combined_limit() {
        let s = AppleStyle::EventTicket;
        let mut d = minimal(s);
        d.fields.secondary = fields("s", 4);
        d.fields.auxiliary = fields("a", 4);
        d.barcode = Some(Barcode {
            format: BarcodeFormat::Qr,
            message: None,
            alt_text: None,
        });
        ok(s, &d);
    }

    // --- fields ----------------------------------------------------------------

    #[test]
    fn field_keys_are_required_well_formed_and_bounded() {
        let s = AppleStyle::Generic;
        let mut d = minimal(s);
        d.fields.back = vec![field("ok"), field("")];
        assert_eq!(param_of(s, &d), "fields.back[1].key");
        assert!(message_of(s, &d).contains("non-empty key"));
        for bad in [
            "has space",
            "é",
            "a{b",
            "a}b",
            "a/b",
            " lead",
            "tab\t",
            "a+b",
            "a@b",
        ] {
            d.fields.back = vec![field(bad)];
            assert_eq!(param_of(s, &d), "fields.back[0].key", "{bad:?}");
        }
        for good in ["a", "A-Z_0.9", "member_id", "x".repeat(64).as_str(), "1"] {
            d.fields.back = vec![field(good)];
            ok(s, &d);
        }
        d.fields.back = vec![field(&"x".repeat(65))];
        assert_eq!(param_of(s, &d), "fields.back[0].key");
        assert!(message_of(s, &d).contains("at most 64"));
    }

    #[test]
    fn field_keys_are_unique_across_the_whole_design() {
        let s = AppleStyle::BoardingPass;
        let mut d = minimal(s);
        d.fields.header = vec![field("gate")];
        d.fields.primary = vec![field("from"), field("to")];
        d.fields.back = vec![field("notes"), field("to")];
        assert_eq!(param_of(s, &d), "fields.back[1].key");
        let msg = message_of(s, &d);
        assert!(
            msg.contains("'to'") && msg.contains("fields.primary[1]"),
            "{msg}"
        );

        let mut d = minimal(s);
        d.fields.auxiliary = vec![field("seat"), field("seat")];
        assert_eq!(param_of(s, &d), "fields.auxiliary[1].key");

        let mut d = minimal(s);
        d.fields.header = vec![field("Seat")];
        d.fields.auxiliary = vec![field("seat")];
        ok(s, &d);
    }

    #[test]
    fn change_message_must_contain_the_value_marker() {
        let s = AppleStyle::StoreCard;
        let mut d = minimal(s);
        d.fields.primary = vec![Field {
            change_message: Some("Balance now %@".into()),
            ..field("balance")
        }];
        ok(s, &d);
        for bad in [
            "",
            "Balance changed",
            "Balance now %",
            "Balance now @%",
            "%s",
        ] {
            d.fields.primary[0].change_message = Some(bad.into());
            assert_eq!(
                param_of(s, &d),
                "fields.primary[0].change_message",
                "{bad:?}"
            );
            assert!(message_of(s, &d).contains("%@"));
        }
        d.fields.primary[0].change_message = Some(format!("%@{}", "x".repeat(499)));
        assert_eq!(param_of(s, &d), "fields.primary[0].change_message");
    }

    #[test]
    fn label_and_value_lengths_are_bounded() {
        let s = AppleStyle::Coupon;
        let mut d = minimal(s);
        d.fields.secondary = vec![Field {
            label: Some("l".repeat(200)),
            value: Some("v".repeat(2000)),
            ..field("offer")
        }];
        ok(s, &d);
        d.fields.secondary[0].label = Some("l".repeat(201));
        assert_eq!(param_of(s, &d), "fields.secondary[0].label");
        d.fields.secondary[0].label = Some(String::new());
        d.fields.secondary[0].value = Some("v".repeat(2001));
        assert_eq!(param_of(s, &d), "fields.secondary[0].value");
        d.fields.secondary[0].value = Some(String::new());
        ok(s, &d);
    }

    // --- placeholders ----------------------------------------------------------

    #[test]
    fn placeholders_lists_names_in_order() {
        assert_eq!(placeholders("").unwrap(), Vec::<&str>::new());
        assert_eq!(placeholders("plain text").unwrap(), Vec::<&str>::new());
        assert_eq!(
            placeholders("{{serial_number}}").unwrap(),
            vec!["serial_number"]
        );
        assert_eq!(
            placeholders("Hi {{holder_name}}, seat {{seat}} ({{seat}}) {{a.b-c_1}}!").unwrap(),
            vec!["holder_name", "seat", "seat", "a.b-c_1"]
        );
        assert_eq!(placeholders("{{a}}{{b}}").unwrap(), vec!["a", "b"]);
        assert_eq!(placeholders("{single} } }} {x{{y}}").unwrap(), vec!["y"]);
        assert!(placeholders("€ {{é_key}}").is_err());
        assert_eq!(placeholders("€ {{k}} €").unwrap(), vec!["k"]);
    }

    #[test]
    fn placeholders_refuses_unclosed_and_malformed() {
        for bad in [
            "{{",
            "{{serial_number",
            "{{serial_number}",
            "a {{b}} {{c",
            "{{}}",
            "{{ serial_number }}",
            "{{serial number}}",
            "{{{serial_number}}}",
            "{{a{{b}}",
            "{{a\n}}",
        ] {
            let err = placeholders(bad).unwrap_err();
            assert!(err.contains("{{"), "{bad:?}: {err}");
        }
        assert!(placeholders("{{x").unwrap_err().contains("never closed"));
        assert!(placeholders("{{ x }}").unwrap_err().contains("malformed"));
    }

    #[test]
    fn field_values_may_use_builtins_and_field_keys() {
        let s = AppleStyle::Generic;
        let mut d = minimal(s);
        d.fields.primary = vec![Field {
            value: Some("{{member}}".into()),
            ..field("name")
        }];
        d.fields.back = vec![
            Field {
                value: Some(
                    "{{serial_number}} {{pass_id}} {{holder_name}} {{holder_email}} {{name}}"
                        .into(),
                ),
                ..field("member")
            },
            Field {
                value: Some("{{self}}".into()),
                ..field("self")
            },
        ];
        ok(s, &d);
    }

    #[test]
    fn unknown_or_malformed_placeholders_are_refused_where_they_appear() {
        let s = AppleStyle::Generic;
        let mut d = minimal(s);
        d.fields.header = vec![field("seat")];
        d.fields.back = vec![
            field("notes"),
            Field {
                value: Some("Seat {{seat}} for {{holder}}".into()),
                ..field("x")
            },
        ];
        assert_eq!(param_of(s, &d), "fields.back[1].value");
        let msg = message_of(s, &d);
        assert!(
            msg.contains("{{holder}}") && msg.contains("{{serial_number}}"),
            "{msg}"
        );

        d.fields.back[1].value = Some("Seat {{seat".into());
        assert_eq!(param_of(s, &d), "fields.back[1].value");
        assert!(message_of(s, &d).contains("never closed"));

        // Placeholders are only interpreted in values, not in labels.
        d.fields.back[1].value = None;
        d.fields.back[1].label = Some("{{whatever".into());
        ok(s, &d);
    }

    #[test]
    fn barcode_texts_are_checked() {
        let s = AppleStyle::Coupon;
        let barcode = |message: Option<&str>, alt: Option<&str>| Barcode {
            format: BarcodeFormat::Pdf417,
            message: message.map(str::to_owned),
            alt_text: alt.map(str::to_owned),
        };
        let mut d = minimal(s);
        d.fields.primary = vec![field("code")];
        d.barcode = Some(barcode(None, None));
        ok(s, &d);
        d.barcode = Some(barcode(
            Some("{{code}}-{{serial_number}}"),
            Some("Code {{code}}"),
        ));
        ok(s, &d);

        for empty in ["", "  "] {
            d.barcode = Some(barcode(Some(empty), None));
            assert_eq!(param_of(s, &d), "barcode.message");
            assert!(message_of(s, &d).contains("{{serial_number}}"));
            d.barcode = Some(barcode(None, Some(empty)));
            assert_eq!(param_of(s, &d), "barcode.alt_text");
        }
        d.barcode = Some(barcode(Some("{{nope}}"), None));
        assert_eq!(param_of(s, &d), "barcode.message");
        d.barcode = Some(barcode(Some("{{code}}"), Some("{{code")));
        assert_eq!(param_of(s, &d), "barcode.alt_text");
        d.barcode = Some(barcode(Some("{{code}}"), Some("{{holder_phone}}")));
        assert_eq!(param_of(s, &d), "barcode.alt_text");

        d.barcode = Some(barcode(Some(&"m".repeat(2000)), Some(&"a".repeat(200))));
        ok(s, &d);
        d.barcode = Some(barcode(Some(&"m".repeat(2001)), None));
        assert_eq!(param_of(s, &d), "barcode.message");
        d.barcode = Some(barcode(None, Some(&"a".repeat(201))));
        assert_eq!(param_of(s, &d), "barcode.alt_text");
    }

    // --- images ----------------------------------------------------------------

    fn with_image(style: AppleStyle, key: &str, value: String) -> Design {
        let mut d = minimal(style);
        d.images.insert(key.into(), value);
        d
    }

    #[test]
    fn image_keys_parse() {
        assert_eq!(
            ImageKey::parse("icon"),
            Some(ImageKey {
                kind: ImageKind::Icon,
                scale: 1
            })
        );
        assert_eq!(
            ImageKey::parse("strip@2x"),
            Some(ImageKey {
                kind: ImageKind::Strip,
                scale: 2
            })
        );
        assert_eq!(
            ImageKey::parse("footer@3x").unwrap().file_name(),
            "footer@3x.png"
        );
        assert_eq!(ImageKey::parse("logo").unwrap().file_name(), "logo.png");
        for bad in [
            "",
            "Icon",
            "icon.png",
            "icon@1x",
            "icon@4x",
            "icon@2X",
            "icon@",
            "icon@2x@2x",
            "@2x",
            "poster",
            "icon ",
            "logo@2x.png",
        ] {
            assert_eq!(ImageKey::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn unknown_image_keys_are_refused() {
        let s = AppleStyle::Generic;
        for key in [
            "foo",
            "icon@1x",
            "icon@4x",
            "Icon",
            "icon.png",
            "logo@2x.png",
        ] {
            let d = with_image(s, key, b64png(29, 29));
            assert_eq!(param_of(s, &d), format!("images.{key}"));
            assert!(message_of(s, &d).contains("@2x or @3x"));
        }
    }

    #[test]
    fn images_a_style_does_not_show_are_refused() {
        use AppleStyle::*;
        use ImageKind::*;
        let supported = |style, kind| match kind {
            Icon | Logo => true,
            Strip => matches!(style, Coupon | StoreCard | EventTicket),
            Background => style == EventTicket,
            Thumbnail => matches!(style, EventTicket | Generic),
            Footer => style == BoardingPass,
        };
        for style in STYLES {
            for kind in ImageKind::ALL {
                assert_eq!(
                    style_supports_image(style, kind),
                    supported(style, kind),
                    "{style:?} {kind:?}"
                );
                assert_eq!(image_bounds(style, kind).is_some(), supported(style, kind));
                let key = format!("{}@2x", kind.as_str());
                let d = with_image(style, &key, b64png(58, 30));
                if supported(style, kind) && kind != Icon {
                    ok(style, &d);
                } else if !supported(style, kind) {
                    assert_eq!(param_of(style, &d), format!("images.{key}"));
                    let msg = message_of(style, &d);
                    assert!(
                        msg.contains(style.as_str()) && msg.contains("remove"),
                        "{msg}"
                    );
                }
            }
        }
    }

    #[test]
    fn event_ticket_strip_excludes_background_and_thumbnail() {
        let s = AppleStyle::EventTicket;
        let mut d = with_image(s, "strip", b64png(375, 98));
        ok(s, &d);
        d.images.insert("thumbnail@2x".into(), b64png(180, 180));
        assert_eq!(param_of(s, &d), "images.thumbnail@2x");
        assert!(message_of(s, &d).contains("not both"));
        let mut d = with_image(s, "strip@3x", b64png(1125, 294));
        d.images.insert("background".into(), b64png(180, 220));
        assert_eq!(param_of(s, &d), "images.background");
        let mut d = with_image(s, "background", b64png(180, 220));
        d.images.insert("thumbnail".into(), b64png(90, 90));
        ok(s, &d);
    }

    #[test]
    fn image_payload_must_be_base64_png_within_one_mib() {
        let s = AppleStyle::Coupon;
        let cases: Vec<(String, &str)> = vec![
            ("not base64!".into(), "base64"),
            ("iVBORw0KGgo".into(), "base64"),
            (format!("data:image/png;base64,{}", b64png(10, 10)), "data:"),
            (
                STANDARD.encode(&png(10, 10)[..32]).replace('=', ""),
                "base64",
            ),
            (format!("{}\n", b64png(10, 10)), "base64"),
            (format!(" {}", b64png(10, 10)), "base64"),
            (URL_SAFE.encode([0xFB; 33]), "base64"),
            (String::new(), "PNG"),
            (
                STANDARD.encode([0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F']),
                "PNG",
            ),
            (STANDARD.encode(&png(10, 10)[..20]), "truncated"),
            (STANDARD.encode(&png(10, 10)[..32]), "truncated"),
            (STANDARD.encode(&png(10, 10)[..8]), "truncated"),
            (STANDARD.encode(png(0, 10)), "width and height"),
            (STANDARD.encode(png(10, 0)), "width and height"),
            (STANDARD.encode(png(u32::MAX, 10)), "width and height"),
        ];
        for (value, needle) in cases {
            let d = with_image(s, "logo@2x", value.clone());
            assert_eq!(param_of(s, &d), "images.logo@2x", "{value:.40}");
            let msg = message_of(s, &d);
            assert!(msg.contains(needle), "{value:.40}: {msg}");
        }
        let mut bad_ihdr = png(10, 10);
        bad_ihdr[12..16].copy_from_slice(b"IDAT");
        let d = with_image(s, "logo", STANDARD.encode(bad_ihdr));
        assert!(message_of(s, &d).contains("IHDR"));

        // Exactly 1 MiB is fine, one byte more is not.
        let mut big = png(160, 50);
        big.resize(MAX_IMAGE_BYTES, 0);
        let d = with_image(s, "logo", STANDARD.encode(&big));
        ok(s, &d);
        big.push(0);
        let d = with_image(s, "logo", STANDARD.encode(&big));
        assert_eq!(param_of(s, &d), "images.logo");
        assert!(message_of(s, &d).contains("1 MiB"));
        // Far too large is refused without decoding.
        let d = with_image(s, "logo", "A".repeat(3 * MAX_IMAGE_BYTES));
        assert!(message_of(s, &d).contains("1 MiB"));
    }

    #[test]
    fn png_dimensions_reads_ihdr() {
        assert_eq!(png_dimensions(&png(375, 123)), Ok((375, 123)));
        assert_eq!(png_dimensions(&png(1, 1)), Ok((1, 1)));
        let mut longer = png(7, 9);
        longer.extend_from_slice(b"more chunks follow");
        assert_eq!(png_dimensions(&longer), Ok((7, 9)));
        assert!(png_dimensions(b"").is_err());
        assert!(png_dimensions(b"GIF89a..........................").is_err());
    }

    /// (style, image, scale, largest accepted width, height): one pixel more on either
    /// side is refused, and the documented size is accepted.
    #[test]
    fn image_sizes_follow_apple_scaled_by_variant() {
        use AppleStyle::*;
        let cases = [
            (Generic, "logo", 160, 50),
            (BoardingPass, "logo", 160, 50),
            (EventTicket, "thumbnail", 90, 90),
            (Generic, "thumbnail", 90, 90),
            (EventTicket, "strip", 375, 98),
            (Coupon, "strip", 375, 144),
            (StoreCard, "strip", 375, 144),
            (EventTicket, "background", 180, 220),
            (BoardingPass, "footer", 286, 15),
        ];
        for (style, name, w, h) in cases {
            for scale in 1..=3u32 {
                let key = match scale {
                    1 => name.to_owned(),
                    s => format!("{name}@{s}x"),
                };
                let (mw, mh) = (w * scale, h * scale);
                ok(style, &with_image(style, &key, b64png(mw, mh)));
                ok(style, &with_image(style, &key, b64png(1, 1)));
                ok(style, &with_image(style, &key, b64png(mw / 2, mh)));
                for (tw, th) in [(mw + 1, mh), (mw, mh + 1), (mw * 3, mh * 3)] {
                    let d = with_image(style, &key, b64png(tw, th));
                    assert_eq!(
                        param_of(style, &d),
                        format!("images.{key}"),
                        "{style:?} {key} {tw}x{th}"
                    );
                    let msg = message_of(style, &d);
                    assert!(
                        msg.contains(&format!("{tw}x{th}"))
                            && msg.contains(&format!("at most {mw}x{mh}")),
                        "{msg}"
                    );
                }
            }
        }
    }

    #[test]
    fn icon_size_is_a_range() {
        let s = AppleStyle::StoreCard;
        for scale in 1..=3u32 {
            let key = match scale {
                1 => "icon".to_owned(),
                s => format!("icon@{s}x"),
            };
            for (w, h) in [(29, 29), (38, 38), (29, 38), (32, 32)] {
                ok(s, &with_image(s, &key, b64png(w * scale, h * scale)));
            }
            for (w, h) in [
                (29 * scale - 1, 29 * scale),
                (29 * scale, 29 * scale - 1),
                (38 * scale + 1, 38 * scale),
                (1024, 1024),
                (1, 1),
            ] {
                let d = with_image(s, &key, b64png(w, h));
                assert_eq!(param_of(s, &d), format!("images.{key}"), "{key} {w}x{h}");
                let msg = message_of(s, &d);
                assert!(
                    msg.contains(&format!(
                        "between {}x{} and {}x{}",
                        29 * scale,
                        29 * scale,
                        38 * scale,
                        38 * scale
                    )),
                    "{msg}"
                );
            }
        }
    }

    #[test]
    fn no_images_at_all_is_fine() {
        for style in STYLES {
            let d = minimal(style);
            assert!(d.images.is_empty());
            ok(style, &d);
        }
    }

    // --- transit type ----------------------------------------------------------

    #[test]
    fn transit_type_is_required_for_boarding_passes_only() {
        let mut d = minimal(AppleStyle::BoardingPass);
        for t in [
            TransitType::Air,
            TransitType::Boat,
            TransitType::Bus,
            TransitType::Train,
            TransitType::Generic,
        ] {
            d.transit_type = Some(t);
            ok(AppleStyle::BoardingPass, &d);
        }
        d.transit_type = None;
        assert_eq!(param_of(AppleStyle::BoardingPass, &d), "transit_type");
        let msg = message_of(AppleStyle::BoardingPass, &d);
        assert!(
            msg.contains("required") && msg.contains("boardingPass"),
            "{msg}"
        );

        for style in STYLES
            .into_iter()
            .filter(|s| *s != AppleStyle::BoardingPass)
        {
            let mut d = minimal(style);
            d.transit_type = Some(TransitType::Bus);
            assert_eq!(param_of(style, &d), "transit_type");
            assert!(message_of(style, &d).contains("only allowed for boardingPass"));
        }
    }

    // --- locations -------------------------------------------------------------

    fn location(latitude: f64, longitude: f64) -> Location {
        Location {
            latitude,
            longitude,
            relevant_text: None,
        }
    }

    #[test]
    fn at_most_ten_locations() {
        let s = AppleStyle::StoreCard;
        let mut d = minimal(s);
        d.locations = vec![location(1.0, 2.0); 10];
        ok(s, &d);
        d.locations.push(location(1.0, 2.0));
        assert_eq!(param_of(s, &d), "locations");
        assert!(message_of(s, &d).contains("at most 10"));
    }

    #[test]
    fn coordinates_are_bounded_and_finite() {
        let s = AppleStyle::Coupon;
        let mut d = minimal(s);
        d.locations = vec![
            location(90.0, 180.0),
            location(-90.0, -180.0),
            location(0.0, 0.0),
        ];
        ok(s, &d);
        for (lat, lon, param) in [
            (90.0001, 0.0, "latitude"),
            (-91.0, 0.0, "latitude"),
            (f64::NAN, 0.0, "latitude"),
            (f64::INFINITY, 0.0, "latitude"),
            (0.0, 180.5, "longitude"),
            (0.0, -180.0001, "longitude"),
            (0.0, f64::NEG_INFINITY, "longitude"),
            (0.0, f64::NAN, "longitude"),
        ] {
            d.locations[2] = location(lat, lon);
            assert_eq!(
                param_of(s, &d),
                format!("locations[2].{param}"),
                "{lat} {lon}"
            );
        }
    }

    #[test]
    fn relevant_text_is_bounded() {
        let s = AppleStyle::Generic;
        let mut d = minimal(s);
        d.locations = vec![Location {
            relevant_text: Some("t".repeat(200)),
            ..location(1.0, 1.0)
        }];
        ok(s, &d);
        d.locations.push(Location {
            relevant_text: Some("t".repeat(201)),
            ..location(1.0, 1.0)
        });
        assert_eq!(param_of(s, &d), "locations[1].relevant_text");
    }

    // --- dates -----------------------------------------------------------------

    #[test]
    fn dates_are_rfc3339() {
        let s = AppleStyle::EventTicket;
        for good in [
            "2025-06-01T18:30:00Z",
            "2025-06-01T18:30:00.123Z",
            "2025-06-01T20:30:00+02:00",
            "2025-06-01t18:30:00z",
        ] {
            let mut d = minimal(s);
            d.relevant_date = Some(good.into());
            d.expiration_date = Some(good.into());
            ok(s, &d);
        }
        for bad in [
            "",
            "2025-06-01",
            "2025-06-01T18:30:00",
            "2025-06-01 18:30:00Z",
            "2025-06-01_18:30:00Z",
            "2025-06-01T18:30Z",
            "2025-13-01T00:00:00Z",
            "tomorrow",
            "1717266600",
        ] {
            let mut d = minimal(s);
            d.relevant_date = Some(bad.into());
            assert_eq!(param_of(s, &d), "relevant_date", "{bad:?}");
            assert!(message_of(s, &d).contains("RFC 3339"));
            let mut d = minimal(s);
            d.expiration_date = Some(bad.into());
            assert_eq!(param_of(s, &d), "expiration_date", "{bad:?}");
        }
    }

    #[test]
    fn every_error_names_a_param_and_has_no_code() {
        // A sample of violations, one per rule family: all are plain 400s with a param.
        let s = AppleStyle::Generic;
        let mut samples = Vec::new();
        let mut d = minimal(s);
        d.description = String::new();
        samples.push(d);
        let mut d = minimal(s);
        d.images.insert("strip".into(), b64png(1, 1));
        samples.push(d);
        let mut d = minimal(s);
        d.locations = vec![location(100.0, 0.0)];
        samples.push(d);
        for d in samples {
            match validate_design(s, &d) {
                Err(DomainError::Invalid {
                    param: Some(p),
                    message,
                    code: None,
                }) => {
                    assert!(!p.is_empty() && !p.starts_with('.') && !p.starts_with("design"));
                    assert!(message.len() > 20, "{message}");
                }
                other => panic!("{other:?}"),
            }
        }
    }
}
