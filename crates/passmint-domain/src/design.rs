//! A template's design: the value object every pass is rendered from.
//!
//! Its canonical form is the API's JSON (snake_case keys, unknown keys refused), so
//! the same serde shape is read from requests, stored and returned. Structural errors
//! (wrong types, unknown keys, missing required keys) surface while deserialising;
//! the rules that need more than a type (Apple's limits per style, colour syntax,
//! PNG sizes, placeholders) are checked by [`crate::design::validate`].

pub mod render;
pub mod validate;

/// Apple's vocabulary, in the API's serde names (`eventTicket`, `qr`, `pdf417`).
pub use passmint_apple::{
    BarcodeFormat, DateStyle, FieldArea, StyleScheme, TextAlignment, TransitType,
};

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Design {
    pub organization_name: String,
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo_text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub colors: Option<Colors>,
    #[serde(default)]
    pub fields: Fields,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub barcode: Option<Barcode>,
    /// Base64 PNGs by image name and variant (`icon`, `icon@2x`, `logo@3x`, ...).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub images: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transit_type: Option<TransitType>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub locations: Vec<Location>,
    /// RFC 3339. Superseded by `relevant_dates`; the two are exclusive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relevant_date: Option<String>,
    /// When the pass is relevant (docs/api.md §3): intervals or single dates.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub relevant_dates: Vec<RelevantDate>,
    /// RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sharing_prohibited: Option<bool>,
    /// The NFC payload of a pass for Apple's Value Added Services (docs/api.md §3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nfc: Option<Nfc>,
    /// Semantic tags by the API's name (`event_name`, docs/api.md §3), each value
    /// of Apple's type for that tag; strings may hold placeholders.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub semantics: BTreeMap<String, serde_json::Value>,
    /// `preferredStyleSchemes` of an event ticket (docs/api.md §3); the classic
    /// `eventTicket` is always added last as the fallback.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub preferred_style_schemes: Vec<StyleScheme>,
    /// Localized strings and images by language tag (`fr`, `pt-BR`), each
    /// written as `<lang>.lproj/` in the .pkpass (docs/api.md §3): labels and
    /// values of the design may be keys of the strings.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub localizations: BTreeMap<String, Localization>,
}

/// One language of `localizations`: `pass.strings` entries and localized images
/// (named and checked as `images`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Localization {
    /// Key (as written in pass.json) to the text shown in this language.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub strings: BTreeMap<String, String>,
    /// Base64 PNGs by image name and variant, as in `images`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub images: BTreeMap<String, String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Colors {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub background: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub foreground: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

/// The design's fields by area.
pub type Fields = passmint_apple::Areas<Field>;

impl passmint_apple::Keyed for Field {
    fn key(&self) -> &str {
        &self.key
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    pub key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Default value; a pass's `field_values` override it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Must contain `%@`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change_message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_alignment: Option<TextAlignment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_style: Option<DateStyle>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_style: Option<DateStyle>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Barcode {
    pub format: BarcodeFormat,
    /// Defaults to `{{serial_number}}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alt_text: Option<String>,
}

impl Barcode {
    pub const DEFAULT_MESSAGE: &'static str = "{{serial_number}}";

    pub fn message(&self) -> &str {
        self.message.as_deref().unwrap_or(Self::DEFAULT_MESSAGE)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Location {
    pub latitude: f64,
    pub longitude: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relevant_text: Option<String>,
}

/// One entry of `relevant_dates`: an interval (`start_date` and `end_date`) or a
/// single `date`, never both. Each value is RFC 3339 or holds placeholders that a
/// pass fills (checked once rendered, docs/api.md §6).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RelevantDate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
}

/// The relevant dates of a design or a pass, by kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateSpan<'a> {
    Interval { start: &'a str, end: &'a str },
    Date(&'a str),
}

impl RelevantDate {
    /// The entry's kind, `None` when it is neither an interval nor a date (which
    /// validation refuses).
    pub fn span(&self) -> Option<DateSpan<'_>> {
        match (&self.start_date, &self.end_date, &self.date) {
            (Some(start), Some(end), None) => Some(DateSpan::Interval { start, end }),
            (None, None, Some(date)) => Some(DateSpan::Date(date)),
            _ => None,
        }
    }
}

impl Design {
    /// Apple's `preferredStyleSchemes` for this design: the schemes asked for, and
    /// `eventTicket` last when they do not name it, so that a device without the
    /// poster layout shows the classic ticket. Empty when none is asked for.
    pub fn style_schemes(&self) -> Vec<StyleScheme> {
        let mut schemes = self.preferred_style_schemes.clone();
        if !schemes.is_empty() && !schemes.contains(&StyleScheme::EventTicket) {
            schemes.push(StyleScheme::EventTicket);
        }
        schemes
    }
}

/// `nfc`: what an NFC-enabled pass transmits to a Value Added Services terminal.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Nfc {
    /// At most 64 bytes once rendered; placeholders allowed.
    pub message: String,
    /// Base64 of the DER SubjectPublicKeyInfo of an ECDH P-256 key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption_public_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requires_authentication: Option<bool>,
}
