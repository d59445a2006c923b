//! Apple Wallet's pass vocabulary, shared by the domain (which validates designs)
//! and the .pkpass builder (which lints and renders passes), so that both speak of
//! the same styles, areas, limits and images.
//!
//! - [`style`]: pass styles, field areas, transit types, text alignments, date
//!   styles and barcode formats (serde names are the API's: `eventTicket`, `qr`).
//! - [`limits`]: how many fields each style shows per area, and the size of pass.json.
//! - [`images`]: image kinds, which style shows which, their allotted sizes and the
//!   PNG header reader.
//! - [`localization`]: the language tags of `.lproj` directories and the
//!   `pass.strings` file.
//! - [`placeholders`]: the `{{name}}` grammar, parsed and rendered.
//! - [`semantics`]: the semantic tags, their names and types, and the preferred
//!   style schemes of an event ticket.
//!
//! Only Apple's rules live here; product rules (such as a cap on back fields) belong
//! to the caller.

pub mod areas;
pub mod images;
pub mod limits;
pub mod localization;
pub mod placeholders;
pub mod semantics;
pub mod style;

pub use areas::{Areas, Keyed};
pub use images::{
    ImageBounds, ImageKey, ImageKind, PNG_SIGNATURE, PngError, image_bounds, png_dimensions,
    png_file_len, style_shows_image,
};
pub use limits::{
    MAX_NFC_MESSAGE_BYTES, MAX_PASS_JSON_BYTES, P256_SPKI_LEN, P256_SPKI_PREFIX, TooManyFields,
    max_fields, max_secondary_and_auxiliary, too_many_fields,
};
pub use localization::{
    MAX_LANGUAGE_TAG_LEN, check_language_tag, language_tag_key, pass_strings_text,
    pass_strings_utf16,
};
pub use placeholders::{
    PlaceholderError, is_name_char, placeholders, render_placeholders, render_placeholders_within,
};
pub use semantics::{
    POSTER_REQUIRED_TAGS, SEMANTIC_TAGS, SemanticTag, StyleScheme, TagType, closest,
    poster_required_tags, semantic_tag, semantic_tag_by_apple,
};
pub use style::{BarcodeFormat, DateStyle, FieldArea, PassStyle, TextAlignment, TransitType};
