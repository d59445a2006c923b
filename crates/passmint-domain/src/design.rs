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
pub use passmint_apple::{BarcodeFormat, DateStyle, FieldArea, TextAlignment, TransitType};

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
    /// RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relevant_date: Option<String>,
    /// RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sharing_prohibited: Option<bool>,
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
