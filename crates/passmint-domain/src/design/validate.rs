//! Rules of a design that its types cannot express. See docs/api.md §3.
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

mod fields;
pub mod images;
pub mod localizations;
mod nfc;
mod placeholders;
pub mod relevance;
pub mod semantics;
mod text;
mod values;

pub use images::{
    ImageBounds, ImageKey, ImageKind, MAX_DESIGN_IMAGES_BYTES, MAX_IMAGE_BYTES, check_png_file,
    image_bounds, png_dimensions, style_supports_image,
};

pub use fields::{
    MAX_BACK_FIELDS, MAX_CHANGE_MESSAGE_LEN, MAX_FIELD_DEFAULT_VALUE_LEN, MAX_FIELD_KEY_LEN,
    MAX_FIELD_LABEL_LEN, max_fields, max_secondary_and_auxiliary,
};
pub use localizations::{
    MAX_LOCALIZATIONS, MAX_LOCALIZED_IMAGES_BYTES, MAX_LOCALIZED_KEY_LEN, MAX_LOCALIZED_STRINGS,
    MAX_LOCALIZED_TEXT_LEN,
};
pub use nfc::{MAX_NFC_KEY_LEN, MAX_NFC_MESSAGE_LEN};
pub use passmint_apple::MAX_NFC_MESSAGE_BYTES;
pub use placeholders::{BUILTIN_PLACEHOLDERS, placeholders};
pub use relevance::{MAX_RELEVANT_DATE_LEN, MAX_RELEVANT_DATES};
pub use semantics::{MAX_SEMANTIC_LIST_LEN, MAX_SEMANTIC_TEXT_LEN, is_decimal_amount};
pub use values::{
    MAX_BARCODE_ALT_TEXT_LEN, MAX_BARCODE_MESSAGE_LEN, MAX_LOCATIONS, MAX_RELEVANT_TEXT_LEN,
    parse_color, parse_date,
};

use super::Design;
use crate::error::DomainError;
use crate::template::AppleStyle;
use text::check_text;
use values::{check_barcode, check_colors, check_date, check_locations, check_transit_type};

pub const MAX_ORGANIZATION_NAME_LEN: usize = 200;
pub const MAX_DESCRIPTION_LEN: usize = 500;
pub const MAX_LOGO_TEXT_LEN: usize = 200;

/// Checks every rule of docs/api.md §3 for a design of the given style. The error's
/// `param` is relative to the design (`fields.primary[0].key`); callers prefix it.
pub fn validate_design(style: AppleStyle, design: &Design) -> Result<(), DomainError> {
    // No NUL in any of its strings (docs/api.md §1), wherever it is.
    if let Ok(value) = serde_json::to_value(design) {
        crate::storable::check_json_text("", &value)?;
    }
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
    fields::check_fields(style, design)?;
    if let Some(barcode) = &design.barcode {
        check_barcode(barcode, design)?;
    }
    images::check_images(style, &design.images)?;
    check_transit_type(style, design)?;
    check_locations(&design.locations)?;
    if let Some(date) = &design.relevant_date {
        check_date("relevant_date", date)?;
    }
    relevance::check_relevant_dates(design)?;
    if let Some(date) = &design.expiration_date {
        check_date("expiration_date", date)?;
    }
    if let Some(nfc) = &design.nfc {
        nfc::check_nfc(nfc, design)?;
    }
    semantics::check_semantics(style, design)?;
    localizations::check_localizations(style, design)?;
    Ok(())
}

#[cfg(test)]
mod tests;
