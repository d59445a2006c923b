//! The input model: everything a pass needs, already rendered.
//!
//! A [`PassSpec`] is a plain value with public fields. It knows nothing of templates
//! or placeholders: field values, barcode messages and the like are final strings
//! (render them first with [`crate::render_placeholders`] if they come from a
//! template). Whether a spec is acceptable to Apple is decided by [`crate::lint()`],
//! which [`crate::build_pkpass`] also runs.

use std::collections::BTreeMap;
use std::fmt;
use time::OffsetDateTime;

pub use crate::pass_image::PassImage;
pub use passmint_apple::{
    BarcodeFormat, DateStyle, FieldArea, PassStyle, StyleScheme, TextAlignment, TransitType,
};

/// One pass to render and sign.
///
/// [`PassSpec::new`] fills the required strings and leaves everything else empty;
/// set the remaining public fields directly.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PassSpec {
    /// `passTypeIdentifier`: must equal the UID of the signing certificate
    /// (`pass.com.example.tickets`).
    pub pass_type_identifier: String,
    /// `teamIdentifier`: must equal the OU of the signing certificate.
    pub team_identifier: String,
    /// `serialNumber`: unique per pass type.
    pub serial_number: String,
    /// `organizationName`: shown on the lock screen and by Wallet.
    pub organization_name: String,
    /// `description`: read by VoiceOver.
    pub description: String,
    /// `logoText`: shown next to the logo.
    pub logo_text: Option<String>,
    /// The pass style, which decides the style key of pass.json.
    pub style: PassStyle,
    /// `transitType`: required for [`PassStyle::BoardingPass`], refused otherwise.
    pub transit_type: Option<TransitType>,
    /// The five field areas.
    pub fields: PassFields,
    /// The barcode, written both as `barcodes` and as the legacy `barcode` key.
    pub barcode: Option<Barcode>,
    /// `backgroundColor`, `foregroundColor`, `labelColor`.
    pub colors: Colors,
    /// Images by their file name inside the .pkpass (`icon.png`, `icon@2x.png`,
    /// `logo@3x.png`, `strip.png`, ...) to the PNG file's bytes
    /// (`PassImage::from(vec)`; clones share the bytes and their SHA-1).
    pub images: BTreeMap<String, PassImage>,
    /// `locations`: at most 10.
    pub locations: Vec<Location>,
    /// `relevantDate`. Left out, the first of [`PassSpec::relevant_dates`] is
    /// written there for devices before iOS 18.
    pub relevant_date: Option<OffsetDateTime>,
    /// `relevantDates` (iOS 18): intervals or single dates.
    pub relevant_dates: Vec<RelevantDate>,
    /// `expirationDate`.
    pub expiration_date: Option<OffsetDateTime>,
    /// `sharingProhibited` (written only when `true`).
    pub sharing_prohibited: bool,
    /// `nfc`: needs a Pass Type ID certificate that Apple enabled for NFC.
    pub nfc: Option<Nfc>,
    /// `semantics`: semantic tags by Apple's names (`eventName`), each value of
    /// the type Apple lists for it (see [`passmint_apple::semantics`]); written
    /// only when not empty.
    pub semantics: serde_json::Map<String, serde_json::Value>,
    /// `preferredStyleSchemes` of an event ticket, in order (`posterEventTicket`);
    /// `eventTicket` is written last when missing, as every device's fallback.
    pub preferred_style_schemes: Vec<StyleScheme>,
    /// Localized resources by language tag (`fr`, `pt-BR`, `zh-Hans`): each
    /// becomes the `<lang>.lproj/` directory of the .pkpass, with its
    /// `pass.strings` and images. Wallet looks the texts of pass.json (labels,
    /// values, ...) up among the strings of the device's language.
    pub localizations: BTreeMap<String, Localization>,
    /// `voided` (written only when `true`).
    pub voided: bool,
    /// `webServiceURL`: the base URL of the Apple Wallet web service. Give it
    /// together with [`PassSpec::authentication_token`], or neither.
    pub web_service_url: Option<String>,
    /// `authenticationToken`: at least 16 characters.
    pub authentication_token: Option<String>,
    /// Live or test: live passes must use an https `webServiceURL`.
    pub mode: Mode,
}

impl PassSpec {
    /// A spec with the required strings set and everything else empty
    /// ([`Mode::Live`], no fields, no images: the builder adds a default icon).
    pub fn new(
        pass_type_identifier: impl Into<String>,
        team_identifier: impl Into<String>,
        serial_number: impl Into<String>,
        organization_name: impl Into<String>,
        description: impl Into<String>,
        style: PassStyle,
    ) -> Self {
        PassSpec {
            pass_type_identifier: pass_type_identifier.into(),
            team_identifier: team_identifier.into(),
            serial_number: serial_number.into(),
            organization_name: organization_name.into(),
            description: description.into(),
            style,
            ..PassSpec::default()
        }
    }

    /// Adds Passmint's built-in icon (`icon.png`, `icon@2x.png`, `icon@3x.png`)
    /// when the spec has no icon image at all; a spec with any icon file is
    /// returned unchanged. The builder does the same by itself unless
    /// [`crate::PkpassBuilder::default_icon`] turns it off, so this is for callers
    /// who lint or inspect the spec first.
    pub fn with_default_icon(mut self) -> Self {
        if !self.has_icon() {
            for icon in crate::images::default_icon() {
                self.images.insert(icon.name.to_owned(), icon.image.clone());
            }
        }
        self
    }

    /// Whether any icon file (`icon.png`, `icon@2x.png`, `icon@3x.png`) is given.
    pub fn has_icon(&self) -> bool {
        ["icon.png", "icon@2x.png", "icon@3x.png"]
            .iter()
            .any(|name| self.images.contains_key(*name))
    }
}

/// Live passes go to real devices: Apple accepts only an https `webServiceURL`.
/// Test passes may use http (devices accept it in developer mode).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Production rules (the default).
    #[default]
    Live,
    /// Development rules: an http `webServiceURL` is allowed.
    Test,
}

/// The five field areas of a pass, each in display order.
pub type PassFields = passmint_apple::Areas<PassField>;

impl passmint_apple::Keyed for PassField {
    fn key(&self) -> &str {
        &self.key
    }
}

/// One field of a pass. `value` is final text (placeholders already rendered).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PassField {
    /// `key`: unique across all areas of the pass.
    pub key: String,
    /// `label`
    pub label: Option<String>,
    /// `value`. With a [`DateStyle`], give an ISO 8601 date-time string.
    pub value: String,
    /// `changeMessage`: must contain `%@` (replaced by the new value).
    pub change_message: Option<String>,
    /// `textAlignment`
    pub text_alignment: Option<TextAlignment>,
    /// `dateStyle`
    pub date_style: Option<DateStyle>,
    /// `timeStyle`
    pub time_style: Option<DateStyle>,
}

impl PassField {
    /// A field with a key and a value and nothing else.
    pub fn new(key: impl Into<String>, value: impl Into<String>) -> Self {
        PassField {
            key: key.into(),
            value: value.into(),
            ..PassField::default()
        }
    }

    /// Sets the label.
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// Sets the change message (must contain `%@`).
    pub fn with_change_message(mut self, message: impl Into<String>) -> Self {
        self.change_message = Some(message.into());
        self
    }

    /// Sets the text alignment.
    pub fn with_text_alignment(mut self, alignment: TextAlignment) -> Self {
        self.text_alignment = Some(alignment);
        self
    }

    /// Sets the date and time styles.
    pub fn with_date_styles(mut self, date: DateStyle, time: DateStyle) -> Self {
        self.date_style = Some(date);
        self.time_style = Some(time);
        self
    }
}

/// The pass's barcode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Barcode {
    /// The symbology.
    pub format: BarcodeFormat,
    /// The payload (final text). Written with `messageEncoding` `iso-8859-1`, or
    /// `utf-8` when it has characters outside ISO 8859-1.
    pub message: String,
    /// `altText`: human-readable text under the barcode.
    pub alt_text: Option<String>,
}

impl Barcode {
    /// A barcode without alt text.
    pub fn new(format: BarcodeFormat, message: impl Into<String>) -> Self {
        Barcode {
            format,
            message: message.into(),
            alt_text: None,
        }
    }

    /// Sets the alt text.
    pub fn with_alt_text(mut self, alt_text: impl Into<String>) -> Self {
        self.alt_text = Some(alt_text.into());
        self
    }
}

/// An sRGB colour, written `rgb(r, g, b)` in pass.json.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Rgb {
    /// Red, 0-255.
    pub r: u8,
    /// Green, 0-255.
    pub g: u8,
    /// Blue, 0-255.
    pub b: u8,
}

impl Rgb {
    /// A colour from its channels.
    pub const fn new(r: u8, g: u8, b: u8) -> Self {
        Rgb { r, g, b }
    }
}

impl From<(u8, u8, u8)> for Rgb {
    fn from((r, g, b): (u8, u8, u8)) -> Self {
        Rgb { r, g, b }
    }
}

impl fmt::Display for Rgb {
    /// `rgb(r, g, b)`, Apple's colour syntax.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "rgb({}, {}, {})", self.r, self.g, self.b)
    }
}

/// The pass's colours; Wallet picks defaults for those left out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Colors {
    /// `backgroundColor`
    pub background: Option<Rgb>,
    /// `foregroundColor`
    pub foreground: Option<Rgb>,
    /// `labelColor`
    pub label: Option<Rgb>,
}

/// One entry of `relevantDates`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RelevantDate {
    /// `startDate` and `endDate`: the end must be later than the start.
    Interval {
        start: OffsetDateTime,
        end: OffsetDateTime,
    },
    /// `date`.
    Date(OffsetDateTime),
}

impl RelevantDate {
    /// The date written as the legacy `relevantDate`: the date, or the start.
    pub fn first(&self) -> OffsetDateTime {
        match *self {
            RelevantDate::Interval { start, .. } => start,
            RelevantDate::Date(date) => date,
        }
    }
}

/// `nfc`: the payload for Apple's Value Added Services terminals. Wallet only
/// uses it on passes signed with an NFC-enabled Pass Type ID certificate.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Nfc {
    /// `message`: at most 64 bytes of UTF-8.
    pub message: String,
    /// `encryptionPublicKey`: base64 of the DER SubjectPublicKeyInfo of an ECDH
    /// P-256 key.
    pub encryption_public_key: Option<String>,
    /// `requiresAuthentication` (written only when `true`).
    pub requires_authentication: bool,
}

/// One language of a pass: `<lang>.lproj/pass.strings` and localized images.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Localization {
    /// The entries of `pass.strings`: a text of pass.json (the key) to the text
    /// shown in this language. Written as UTF-16 with a byte order mark.
    pub strings: BTreeMap<String, String>,
    /// Images by file name (`logo.png`, `strip@2x.png`), as in
    /// [`PassSpec::images`], written as `<lang>.lproj/<name>`.
    pub images: BTreeMap<String, PassImage>,
}

impl Localization {
    /// The `pass.strings` file: `"key" = "value";` lines in UTF-16 (little
    /// endian) with its byte order mark; `None` without strings.
    pub fn pass_strings(&self) -> Option<Vec<u8>> {
        (!self.strings.is_empty()).then(|| {
            passmint_apple::pass_strings_utf16(
                self.strings.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            )
        })
    }
}

/// A place where the pass is relevant (shown on the lock screen nearby).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Location {
    /// Degrees, -90 to 90.
    pub latitude: f64,
    /// Degrees, -180 to 180.
    pub longitude: f64,
    /// Metres.
    pub altitude: Option<f64>,
    /// `relevantText`: shown on the lock screen.
    pub relevant_text: Option<String>,
}

impl Location {
    /// A location from its coordinates.
    pub fn new(latitude: f64, longitude: f64) -> Self {
        Location {
            latitude,
            longitude,
            altitude: None,
            relevant_text: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_icon_is_added_only_without_any_icon() {
        let spec = PassSpec::default().with_default_icon();
        assert_eq!(spec.images.len(), 3);
        let mut spec = PassSpec::default();
        spec.images
            .insert("icon@2x.png".to_owned(), PassImage::from(vec![0]));
        assert_eq!(spec.with_default_icon().images.len(), 1);
    }

    #[test]
    fn colours_print_as_apple_wants() {
        assert_eq!(Rgb::new(1, 22, 255).to_string(), "rgb(1, 22, 255)");
    }
}
