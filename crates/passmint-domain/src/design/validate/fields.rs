//! Fields: how many each area of a style shows, their keys, labels, default
//! values and change messages.

use super::placeholders::check_placeholders;
use super::text::check_text;
use crate::design::{BarcodeFormat, Design, Field, FieldArea};
use crate::error::DomainError;
use crate::template::AppleStyle;
use crate::validate::MAX_FIELD_VALUE_LEN;
use passmint_apple::is_name_char;
use std::collections::HashMap;

pub const MAX_FIELD_KEY_LEN: usize = 64;
pub const MAX_FIELD_LABEL_LEN: usize = 200;
/// A field's default value shares the limit of a pass's `field_values`.
pub const MAX_FIELD_DEFAULT_VALUE_LEN: usize = MAX_FIELD_VALUE_LEN;
pub const MAX_CHANGE_MESSAGE_LEN: usize = 500;
/// The product's cap on back fields, for every style. Apple sets no limit on back
/// fields ([`passmint_apple::max_fields`] says `None`); Passmint refuses a design
/// with more than this many, so that a pass stays readable.
pub const MAX_BACK_FIELDS: usize = 20;

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

fn check_field_counts(style: AppleStyle, design: &Design) -> Result<(), DomainError> {
    let fields = &design.fields;
    let square = design
        .barcode
        .as_ref()
        .is_some_and(|b| b.format.is_square())
        .then_some("qr or aztec");
    let count = |area| fields.area(area).len();
    match passmint_apple::too_many_fields(style, count, |area| max_fields(style, area), square)
        .into_iter()
        .next()
    {
        Some(found) => Err(DomainError::invalid(found.param, found.message)),
        None => Ok(()),
    }
}

pub(super) fn check_fields(style: AppleStyle, design: &Design) -> Result<(), DomainError> {
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

pub(super) fn check_field(at: &str, field: &Field, design: &Design) -> Result<(), DomainError> {
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
