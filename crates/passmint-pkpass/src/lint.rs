//! The lint: refuses, before signing, what Apple Wallet would refuse or silently
//! break, with messages that say how to fix it.
//!
//! [`lint`] reports every problem at once, each a [`LintError`] with a
//! [`LintRule`], a `path` into the [`PassSpec`] (`fields.primary[1].key`,
//! `images.logo@2x.png`) and a message. The builder runs it on every pass (with the
//! default icon counted as present unless it is turned off).
//!
//! | rule | refused |
//! | ---- | ------- |
//! | [`LintRule::MissingRequired`] | empty `pass_type_identifier`, `team_identifier`, `serial_number`, `organization_name` or `description` |
//! | [`LintRule::MissingIcon`] | no `icon.png` (only when the builder's default icon is off or `@2x`/`@3x` icons come without `icon.png`) |
//! | [`LintRule::UnknownImage`] | an image file name that is not `icon`, `logo`, `strip`, `thumbnail`, `background` or `footer` + optional `@2x`/`@3x` + `.png` |
//! | [`LintRule::ImageNotShown`] | an image the style does not show (a footer on a coupon, ...) |
//! | [`LintRule::ImageNotPng`] | bytes that are not a PNG with a valid IHDR header |
//! | [`LintRule::ImageSize`] | PNG dimensions outside Apple's size for that image, style and scale |
//! | [`LintRule::ImageConflict`] | an event ticket with a strip and a background or thumbnail |
//! | [`LintRule::EmptyFieldKey`] | a field without a key |
//! | [`LintRule::DuplicateFieldKey`] | a key used twice across all field areas |
//! | [`LintRule::TooManyFields`] | more fields in an area than the style shows (see [`max_fields`], [`max_secondary_and_auxiliary`]) |
//! | [`LintRule::ChangeMessageFormat`] | a `change_message` without `%@` |
//! | [`LintRule::EmptyBarcodeMessage`] | a barcode with an empty message |
//! | [`LintRule::TransitTypeMissing`] | a boarding pass without a transit type |
//! | [`LintRule::TransitTypeNotAllowed`] | a transit type on another style |
//! | [`LintRule::TooManyLocations`] | more than [`MAX_LOCATIONS`] locations |
//! | [`LintRule::LocationOutOfRange`] | a latitude outside -90..90, a longitude outside -180..180, a non-finite altitude |
//! | [`LintRule::DateOutOfRange`] | a date RFC 3339 cannot write (year outside 0-9999) |
//! | [`LintRule::RelevantDateOrder`] | an interval of `relevant_dates` that does not end after it starts |
//! | [`LintRule::NfcMessage`] | an `nfc` message that is empty or longer than [`MAX_NFC_MESSAGE_BYTES`] bytes |
//! | [`LintRule::NfcEncryptionKey`] | an `nfc` encryption key that is not base64 of the DER SubjectPublicKeyInfo of a P-256 key |
//! | [`LintRule::SemanticTagUnknown`] | a key of `semantics` (or of one of its objects) that Apple does not list |
//! | [`LintRule::SemanticTagType`] | a semantic tag whose value is not of Apple's type (a date not RFC 3339, a seat that is not an object, ...) |
//! | [`LintRule::StyleSchemeNotAllowed`] | `preferred_style_schemes` on a style other than `eventTicket` |
//! | [`LintRule::PosterTagMissing`] | the `posterEventTicket` scheme without a semantic tag it requires (`eventName`, `venueName`, `venueRegionName`, `venueRoom`; both team abbreviations for `PKEventTypeSports`; `performerNames` for `PKEventTypeLivePerformance`) |
//! | [`LintRule::LocalizationLanguage`] | a key of `localizations` that is not a language tag of an `.lproj` directory (`fr`, `pt-BR`, `zh-Hans`), or two that differ only by case or separator |
//! | [`LintRule::LocalizationEmpty`] | a language with neither strings nor images |
//! | [`LintRule::LocalizationStringKey`] | an empty key among a language's strings |
//! | [`LintRule::WebServiceIncomplete`] | `web_service_url` without `authentication_token`, or the reverse |
//! | [`LintRule::WebServiceUrlInvalid`] | a `web_service_url` that is not an absolute http(s) URL without query or fragment |
//! | [`LintRule::WebServiceNotHttps`] | an http `web_service_url` in [`Mode::Live`] |
//! | [`LintRule::AuthenticationTokenTooShort`] | a token shorter than [`MIN_AUTHENTICATION_TOKEN_LEN`] characters |
//! | [`LintRule::AuthenticationTokenInvalid`] | a token with characters other than printable ASCII (it travels in an HTTP header) |
//!
//! Localized images (`localizations.fr.images.logo.png`) follow the image rules
//! above, except that a language needs no icon.
//!
//! A pass with `nfc` also needs a Pass Type ID certificate that Apple enabled for
//! NFC: nothing in the certificate tells, so the lint cannot check it, and the NFC
//! rules' messages say so.

use crate::images::{ImageKind, ImageName, image_bounds, png_dimensions, style_shows_image};
use crate::pass_json::format_date;
use crate::spec::{FieldArea, Mode, PassSpec, PassStyle, RelevantDate, StyleScheme};
use passmint_apple::semantics::object_keys;
use passmint_apple::{TagType, closest, poster_required_tags, semantic_tag, semantic_tag_by_apple};
use serde_json::Value;
use std::collections::HashMap;
use std::fmt;

pub use passmint_apple::MAX_NFC_MESSAGE_BYTES;

/// Said by every NFC rule: what the lint cannot see.
const NFC_CERTIFICATE: &str = "(NFC passes also need a Pass Type ID certificate that Apple \
    enabled for NFC: request one in Apple's developer portal)";

/// Apple's minimum length of `authenticationToken`.
pub const MIN_AUTHENTICATION_TOKEN_LEN: usize = 16;

/// Apple's maximum number of `locations`.
pub const MAX_LOCATIONS: usize = 10;

/// Which rule a [`LintError`] breaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LintRule {
    /// A required top-level string is empty.
    MissingRequired,
    /// No `icon.png`.
    MissingIcon,
    /// An image file name Apple does not know.
    UnknownImage,
    /// An image the style does not show.
    ImageNotShown,
    /// Image bytes that are not a PNG.
    ImageNotPng,
    /// Image dimensions outside Apple's limits.
    ImageSize,
    /// Strip together with background/thumbnail on an event ticket.
    ImageConflict,
    /// A field without a key.
    EmptyFieldKey,
    /// A field key used twice.
    DuplicateFieldKey,
    /// More fields than the style shows.
    TooManyFields,
    /// A change message without `%@`.
    ChangeMessageFormat,
    /// A barcode with an empty message.
    EmptyBarcodeMessage,
    /// A boarding pass without transit type.
    TransitTypeMissing,
    /// A transit type on a style other than boarding pass.
    TransitTypeNotAllowed,
    /// More than [`MAX_LOCATIONS`] locations.
    TooManyLocations,
    /// Coordinates out of range.
    LocationOutOfRange,
    /// A date RFC 3339 cannot express.
    DateOutOfRange,
    /// A relevant interval that does not end after it starts.
    RelevantDateOrder,
    /// An NFC message that is empty or too long.
    NfcMessage,
    /// An NFC encryption key that is not a P-256 SubjectPublicKeyInfo.
    NfcEncryptionKey,
    /// A semantic tag (or a key of its object) Apple does not list.
    SemanticTagUnknown,
    /// A semantic tag whose value is not of Apple's type.
    SemanticTagType,
    /// Preferred style schemes on a style other than an event ticket.
    StyleSchemeNotAllowed,
    /// The poster event ticket scheme without a tag it requires.
    PosterTagMissing,
    /// A localization whose key is not a language tag, or a duplicate of another
    /// but for case.
    LocalizationLanguage,
    /// A localization with neither strings nor images.
    LocalizationEmpty,
    /// A localized string with an empty key.
    LocalizationStringKey,
    /// Web service URL without token or token without URL.
    WebServiceIncomplete,
    /// A web service URL that is not an absolute http(s) URL.
    WebServiceUrlInvalid,
    /// An http web service URL on a live pass.
    WebServiceNotHttps,
    /// An authentication token shorter than 16 characters.
    AuthenticationTokenTooShort,
    /// An authentication token with characters unfit for an HTTP header.
    AuthenticationTokenInvalid,
}

impl LintRule {
    /// A stable snake_case code (`missing_icon`).
    pub fn code(self) -> &'static str {
        match self {
            LintRule::MissingRequired => "missing_required",
            LintRule::MissingIcon => "missing_icon",
            LintRule::UnknownImage => "unknown_image",
            LintRule::ImageNotShown => "image_not_shown",
            LintRule::ImageNotPng => "image_not_png",
            LintRule::ImageSize => "image_size",
            LintRule::ImageConflict => "image_conflict",
            LintRule::EmptyFieldKey => "empty_field_key",
            LintRule::DuplicateFieldKey => "duplicate_field_key",
            LintRule::TooManyFields => "too_many_fields",
            LintRule::ChangeMessageFormat => "change_message_format",
            LintRule::EmptyBarcodeMessage => "empty_barcode_message",
            LintRule::TransitTypeMissing => "transit_type_missing",
            LintRule::TransitTypeNotAllowed => "transit_type_not_allowed",
            LintRule::TooManyLocations => "too_many_locations",
            LintRule::LocationOutOfRange => "location_out_of_range",
            LintRule::DateOutOfRange => "date_out_of_range",
            LintRule::RelevantDateOrder => "relevant_date_order",
            LintRule::NfcMessage => "nfc_message",
            LintRule::NfcEncryptionKey => "nfc_encryption_key",
            LintRule::SemanticTagUnknown => "semantic_tag_unknown",
            LintRule::SemanticTagType => "semantic_tag_type",
            LintRule::StyleSchemeNotAllowed => "style_scheme_not_allowed",
            LintRule::PosterTagMissing => "poster_tag_missing",
            LintRule::LocalizationLanguage => "localization_language",
            LintRule::LocalizationEmpty => "localization_empty",
            LintRule::LocalizationStringKey => "localization_string_key",
            LintRule::WebServiceIncomplete => "web_service_incomplete",
            LintRule::WebServiceUrlInvalid => "web_service_url_invalid",
            LintRule::WebServiceNotHttps => "web_service_not_https",
            LintRule::AuthenticationTokenTooShort => "authentication_token_too_short",
            LintRule::AuthenticationTokenInvalid => "authentication_token_invalid",
        }
    }
}

/// One reason a spec is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LintError {
    /// The rule broken.
    pub rule: LintRule,
    /// Where, in the spec's field names: `serial_number`, `fields.back[2].key`,
    /// `images.strip@2x.png`, `locations[0].latitude`.
    pub path: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl fmt::Display for LintError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl std::error::Error for LintError {}

/// Checks `spec` as it stands (an absent icon is an error here: see
/// [`PassSpec::with_default_icon`]) and returns every problem found.
pub fn lint(spec: &PassSpec) -> Result<(), Vec<LintError>> {
    lint_with(spec, false)
}

/// [`lint`], with `default_icon` telling whether the builder will add the built-in
/// icon (so an absent icon is fine).
pub(crate) fn lint_with(spec: &PassSpec, default_icon: bool) -> Result<(), Vec<LintError>> {
    let mut lint = Lint::default();
    lint.required(spec);
    lint.images(spec, default_icon);
    lint.fields(spec);
    lint.barcode(spec);
    lint.transit_type(spec);
    lint.locations(spec);
    lint.dates(spec);
    lint.nfc(spec);
    lint.semantics(spec);
    lint.style_schemes(spec);
    lint.localizations(spec);
    lint.web_service(spec);
    if lint.errors.is_empty() {
        Ok(())
    } else {
        Err(lint.errors)
    }
}

use passmint_apple::too_many_fields;
/// Apple's field counts per style and area (back fields: no limit).
pub use passmint_apple::{max_fields, max_secondary_and_auxiliary};

#[derive(Default)]
struct Lint {
    errors: Vec<LintError>,
}

impl Lint {
    fn push(&mut self, rule: LintRule, path: impl Into<String>, message: impl Into<String>) {
        self.errors.push(LintError {
            rule,
            path: path.into(),
            message: message.into(),
        });
    }

    fn required(&mut self, spec: &PassSpec) {
        let required = [
            (
                "pass_type_identifier",
                &spec.pass_type_identifier,
                "set it to your Pass Type ID (the UID of the signing certificate, for \
                 example 'pass.com.example.tickets')",
            ),
            (
                "team_identifier",
                &spec.team_identifier,
                "set it to your Apple Developer Team ID (the OU of the signing certificate)",
            ),
            (
                "serial_number",
                &spec.serial_number,
                "give every pass a unique serial number",
            ),
            (
                "organization_name",
                &spec.organization_name,
                "set it to the name shown on the lock screen",
            ),
            (
                "description",
                &spec.description,
                "describe the pass for VoiceOver (for example 'Concert ticket')",
            ),
        ];
        for (path, value, fix) in required {
            if value.trim().is_empty() {
                self.push(
                    LintRule::MissingRequired,
                    path,
                    format!("{path} is required by Apple and must not be empty: {fix}"),
                );
            }
        }
    }

    fn images(&mut self, spec: &PassSpec, default_icon: bool) {
        self.image_files(spec.style, "images", &spec.images);
        let icon_missing = !spec.images.contains_key("icon.png");
        let default_applies = default_icon && !spec.has_icon();
        if icon_missing && !default_applies {
            let message = if spec.has_icon() {
                "icon.png is required even when @2x or @3x icons are given: add a 29x29 \
                 pixel icon.png"
            } else {
                "every pass needs an icon: add icon.png (29x29 pixels, with icon@2x.png \
                 and icon@3x.png at 58x58 and 87x87), or let the builder add its default \
                 icon (PkpassBuilder::default_icon(true) or PassSpec::with_default_icon)"
            };
            self.push(LintRule::MissingIcon, "images.icon.png", message);
        }
    }

    /// The image rules but the icon's, for the images at `prefix` (`images`,
    /// `localizations.fr.images`).
    fn image_files(
        &mut self,
        style: PassStyle,
        prefix: &str,
        images: &std::collections::BTreeMap<String, crate::spec::PassImage>,
    ) {
        let (mut has_strip, mut background_or_thumbnail) = (false, None);
        for (name, png) in images {
            let path = format!("{prefix}.{name}");
            let Some(image) = ImageName::parse_file_name(name) else {
                self.push(
                    LintRule::UnknownImage,
                    path,
                    format!(
                        "'{name}' is not an Apple pass image: name it icon, logo, strip, \
                         thumbnail, background or footer, optionally with @2x or @3x, \
                         followed by .png (for example 'logo@2x.png')"
                    ),
                );
                continue;
            };
            let kind = image.kind.as_str();
            let Some(bounds) = image_bounds(style, image.kind) else {
                let shown: Vec<&str> = ImageKind::ALL
                    .into_iter()
                    .filter(|k| style_shows_image(style, *k))
                    .map(ImageKind::as_str)
                    .collect();
                self.push(
                    LintRule::ImageNotShown,
                    path,
                    format!(
                        "{style} passes do not show a {kind} image: remove {name} (this \
                         style shows {})",
                        shown.join(", ")
                    ),
                );
                continue;
            };
            match image.kind {
                ImageKind::Strip => has_strip = true,
                ImageKind::Background | ImageKind::Thumbnail => {
                    background_or_thumbnail.get_or_insert(name.as_str());
                }
                _ => {}
            }
            let (width, height) = match png_dimensions(png) {
                Ok(size) => size,
                Err(why) => {
                    self.push(
                        LintRule::ImageNotPng,
                        path,
                        format!("{name} {why}: Wallet only shows PNG images, convert it to PNG"),
                    );
                    continue;
                }
            };
            let px = bounds.scaled(image.scale);
            if !px.contains(width, height) {
                let expected = if bounds.min_width > 1 {
                    format!(
                        "between {}x{} and {}x{} pixels",
                        px.min_width, px.min_height, px.max_width, px.max_height
                    )
                } else {
                    format!("at most {}x{} pixels", px.max_width, px.max_height)
                };
                let scale = match image.scale {
                    1 => "@1x".to_owned(),
                    s => format!("@{s}x, {s} pixels per point"),
                };
                self.push(
                    LintRule::ImageSize,
                    path,
                    format!(
                        "{name} is {width}x{height} pixels but a {kind} image on a {style} \
                         pass must be {expected} ({scale}): resize it"
                    ),
                );
            }
        }
        if style == PassStyle::EventTicket
            && has_strip
            && let Some(other) = background_or_thumbnail
        {
            self.push(
                LintRule::ImageConflict,
                format!("{prefix}.{other}"),
                "eventTicket passes show either a strip image or a background and \
                 thumbnail image, not both: remove the strip or the background and \
                 thumbnail images",
            );
        }
    }

    fn localizations(&mut self, spec: &PassSpec) {
        let mut seen: HashMap<String, &str> = HashMap::new();
        for (lang, localization) in &spec.localizations {
            let path = format!("localizations.{lang}");
            if let Err(why) = passmint_apple::check_language_tag(lang) {
                self.push(
                    LintRule::LocalizationLanguage,
                    &path,
                    format!("'{lang}' {why}: Wallet reads <lang>.lproj directories"),
                );
            } else if let Some(other) = seen.insert(passmint_apple::language_tag_key(lang), lang) {
                self.push(
                    LintRule::LocalizationLanguage,
                    &path,
                    format!(
                        "'{other}' and '{lang}' are the same language but for case: their \
                         .lproj directories would collide, keep one"
                    ),
                );
            }
            if localization.strings.is_empty() && localization.images.is_empty() {
                self.push(
                    LintRule::LocalizationEmpty,
                    &path,
                    format!("{path} has neither strings nor images: give it some or remove it"),
                );
            }
            if localization.strings.keys().any(|k| k.trim().is_empty()) {
                self.push(
                    LintRule::LocalizationStringKey,
                    format!("{path}.strings"),
                    format!(
                        "{path}.strings has an empty key: a key is a text of pass.json (a \
                         label or value) that Wallet looks up, give it one"
                    ),
                );
            }
            self.image_files(spec.style, &format!("{path}.images"), &localization.images);
        }
    }

    fn fields(&mut self, spec: &PassSpec) {
        let style = spec.style;
        let fields = &spec.fields;
        let square = spec
            .barcode
            .as_ref()
            .is_some_and(|b| b.format.is_square())
            .then_some("QR or Aztec");
        let count = |area| fields.area(area).len();
        for found in too_many_fields(style, count, |area| max_fields(style, area), square) {
            self.push(LintRule::TooManyFields, found.param, found.message);
        }

        let mut seen: HashMap<&str, (FieldArea, usize)> = HashMap::new();
        for area in FieldArea::ALL {
            for (i, field) in fields.area(area).iter().enumerate() {
                let at = format!("fields.{}[{i}]", area.as_str());
                if field.key.is_empty() {
                    self.push(
                        LintRule::EmptyFieldKey,
                        format!("{at}.key"),
                        "every field needs a key that is unique within the pass: set one \
                         (for example 'seat')",
                    );
                } else if let Some((first_area, first)) = seen.get(field.key.as_str()) {
                    self.push(
                        LintRule::DuplicateFieldKey,
                        format!("{at}.key"),
                        format!(
                            "the key '{}' is already used by fields.{}[{first}]: keys must \
                             be unique across all field areas, rename one of them",
                            field.key,
                            first_area.as_str()
                        ),
                    );
                } else {
                    seen.insert(&field.key, (area, i));
                }
                if let Some(message) = &field.change_message
                    && !message.contains("%@")
                {
                    self.push(
                        LintRule::ChangeMessageFormat,
                        format!("{at}.change_message"),
                        "a change message must contain '%@', which Wallet replaces with the \
                         new value: write it like 'Your gate is now %@'",
                    );
                }
            }
        }
    }

    fn barcode(&mut self, spec: &PassSpec) {
        if let Some(barcode) = &spec.barcode
            && barcode.message.is_empty()
        {
            self.push(
                LintRule::EmptyBarcodeMessage,
                "barcode.message",
                "a barcode needs a message to encode: set it (for example to the serial \
                 number) or remove the barcode",
            );
        }
    }

    fn transit_type(&mut self, spec: &PassSpec) {
        match (spec.style, spec.transit_type) {
            (PassStyle::BoardingPass, None) => self.push(
                LintRule::TransitTypeMissing,
                "transit_type",
                "boardingPass passes need a transit type: set transit_type to Air, Boat, \
                 Bus, Train or Generic",
            ),
            (PassStyle::BoardingPass, Some(_)) | (_, None) => {}
            (style, Some(_)) => self.push(
                LintRule::TransitTypeNotAllowed,
                "transit_type",
                format!(
                    "only boardingPass passes have a transit type, not {style} passes: \
                     remove transit_type or make the pass a boarding pass"
                ),
            ),
        }
    }

    fn locations(&mut self, spec: &PassSpec) {
        if spec.locations.len() > MAX_LOCATIONS {
            self.push(
                LintRule::TooManyLocations,
                "locations",
                format!(
                    "Apple accepts at most {MAX_LOCATIONS} locations, but {} were given: \
                     keep the {MAX_LOCATIONS} most relevant",
                    spec.locations.len()
                ),
            );
        }
        for (i, location) in spec.locations.iter().enumerate() {
            for (name, value, limit) in [
                ("latitude", location.latitude, 90.0),
                ("longitude", location.longitude, 180.0),
            ] {
                if !value.is_finite() || !(-limit..=limit).contains(&value) {
                    self.push(
                        LintRule::LocationOutOfRange,
                        format!("locations[{i}].{name}"),
                        format!(
                            "{name} must be a number of degrees from -{limit} to {limit}, \
                             but {value} was given: check the coordinates (latitude first)"
                        ),
                    );
                }
            }
            if let Some(altitude) = location.altitude
                && !altitude.is_finite()
            {
                self.push(
                    LintRule::LocationOutOfRange,
                    format!("locations[{i}].altitude"),
                    "altitude must be a finite number of metres: set it or leave it out",
                );
            }
        }
    }

    fn dates(&mut self, spec: &PassSpec) {
        let mut dates = vec![
            ("relevant_date".to_owned(), spec.relevant_date),
            ("expiration_date".to_owned(), spec.expiration_date),
        ];
        for (i, d) in spec.relevant_dates.iter().enumerate() {
            match *d {
                RelevantDate::Interval { start, end } => {
                    dates.push((format!("relevant_dates[{i}].start"), Some(start)));
                    dates.push((format!("relevant_dates[{i}].end"), Some(end)));
                    if end <= start {
                        self.push(
                            LintRule::RelevantDateOrder,
                            format!("relevant_dates[{i}].end"),
                            "a relevant interval must end after it starts: set a later end, \
                             or give a single date",
                        );
                    }
                }
                RelevantDate::Date(date) => {
                    dates.push((format!("relevant_dates[{i}].date"), Some(date)));
                }
            }
        }
        for (path, date) in dates {
            if let Some(date) = date
                && format_date(date).is_none()
            {
                self.push(
                    LintRule::DateOutOfRange,
                    &path,
                    format!(
                        "{path} must fall between the years 0 and 9999 to be written as an \
                         RFC 3339 date: check the date"
                    ),
                );
            }
        }
    }

    fn nfc(&mut self, spec: &PassSpec) {
        let Some(nfc) = &spec.nfc else {
            return;
        };
        let len = nfc.message.len();
        if len == 0 || len > MAX_NFC_MESSAGE_BYTES {
            self.push(
                LintRule::NfcMessage,
                "nfc.message",
                format!(
                    "an NFC message is 1 to {MAX_NFC_MESSAGE_BYTES} bytes of UTF-8, but this \
                     one has {len}: give the payload terminals read {NFC_CERTIFICATE}"
                ),
            );
        }
        if let Some(key) = &nfc.encryption_public_key
            && !is_p256_public_key(key)
        {
            self.push(
                LintRule::NfcEncryptionKey,
                "nfc.encryption_public_key",
                format!(
                    "the NFC encryption key must be the base64 of the DER \
                     SubjectPublicKeyInfo of an ECDH P-256 key, on one line without PEM \
                     headers {NFC_CERTIFICATE}"
                ),
            );
        }
    }

    fn semantics(&mut self, spec: &PassSpec) {
        for (key, value) in &spec.semantics {
            let path = format!("semantics.{key}");
            let Some(tag) = semantic_tag_by_apple(key) else {
                let near = closest(key, passmint_apple::SEMANTIC_TAGS.iter().map(|t| t.apple))
                    .unwrap_or_default();
                self.push(
                    LintRule::SemanticTagUnknown,
                    &path,
                    format!("{key} is not one of Apple's semantic tags: did you mean {near}?"),
                );
                continue;
            };
            if let Some(keys) = object_keys(tag.kind) {
                let objects: Vec<&Value> = match value {
                    Value::Array(items) => items.iter().collect(),
                    other => vec![other],
                };
                for object in objects.iter().filter_map(|o| o.as_object()) {
                    for sub in object.keys() {
                        if !keys.iter().any(|k| k.1 == sub) {
                            let near = closest(sub, keys.iter().map(|k| k.1)).unwrap_or_default();
                            self.push(
                                LintRule::SemanticTagUnknown,
                                format!("{path}.{sub}"),
                                format!(
                                    "{sub} is not a key of {key}'s objects: did you mean {near}?"
                                ),
                            );
                        }
                    }
                }
            }
            if let Some(what) = type_mismatch(tag.kind, value) {
                self.push(
                    LintRule::SemanticTagType,
                    &path,
                    format!("semantic tag {key} must be {what}: Wallet ignores it otherwise"),
                );
            }
        }
    }

    fn style_schemes(&mut self, spec: &PassSpec) {
        if spec.preferred_style_schemes.is_empty() {
            return;
        }
        if spec.style != PassStyle::EventTicket {
            self.push(
                LintRule::StyleSchemeNotAllowed,
                "preferred_style_schemes",
                format!(
                    "preferredStyleSchemes are for event tickets, not {}: remove them",
                    spec.style
                ),
            );
            return;
        }
        if !spec
            .preferred_style_schemes
            .contains(&StyleScheme::PosterEventTicket)
        {
            return;
        }
        let event_type = spec.semantics.get("eventType").and_then(Value::as_str);
        for name in poster_required_tags(event_type) {
            let Some(tag) = semantic_tag(name) else {
                continue;
            };
            if !spec.semantics.contains_key(tag.apple) {
                self.push(
                    LintRule::PosterTagMissing,
                    format!("semantics.{}", tag.apple),
                    format!(
                        "the posterEventTicket scheme requires the semantic tag {}; without it                          Wallet shows the classic event ticket: add it",
                        tag.apple
                    ),
                );
            }
        }
    }

    fn web_service(&mut self, spec: &PassSpec) {
        match (&spec.web_service_url, &spec.authentication_token) {
            (Some(_), None) => self.push(
                LintRule::WebServiceIncomplete,
                "authentication_token",
                "a pass with web_service_url also needs an authentication_token (16 or \
                 more characters, unique per pass): set one, or remove web_service_url",
            ),
            (None, Some(_)) => self.push(
                LintRule::WebServiceIncomplete,
                "web_service_url",
                "authentication_token is only used with a web_service_url: set the web \
                 service's base URL, or remove authentication_token",
            ),
            _ => {}
        }
        if let Some(url) = &spec.web_service_url {
            let rest = url
                .strip_prefix("https://")
                .or_else(|| url.strip_prefix("http://"));
            let host = rest.map(|r| r.split('/').next().unwrap_or_default());
            if rest.is_none()
                || host.is_none_or(str::is_empty)
                || url.contains(['?', '#'])
                || url.chars().any(|c| c.is_whitespace() || c.is_control())
            {
                self.push(
                    LintRule::WebServiceUrlInvalid,
                    "web_service_url",
                    format!(
                        "'{url}' is not a web service URL: give the absolute base URL, with \
                         no query or fragment, for example 'https://passes.example.com/wallet'"
                    ),
                );
            } else if spec.mode == Mode::Live && url.starts_with("http://") {
                self.push(
                    LintRule::WebServiceNotHttps,
                    "web_service_url",
                    "Apple accepts only https web service URLs on live passes: serve the web \
                     service over https, or leave web_service_url and authentication_token \
                     out (the pass then gets no updates)",
                );
            }
        }
        if let Some(token) = &spec.authentication_token {
            let len = token.chars().count();
            if len < MIN_AUTHENTICATION_TOKEN_LEN {
                self.push(
                    LintRule::AuthenticationTokenTooShort,
                    "authentication_token",
                    format!(
                        "authentication_token must be at least {MIN_AUTHENTICATION_TOKEN_LEN} \
                         characters long, but has {len}: use a longer random token"
                    ),
                );
            } else if !token.bytes().all(|b| b.is_ascii_graphic()) {
                self.push(
                    LintRule::AuthenticationTokenInvalid,
                    "authentication_token",
                    "authentication_token travels in an HTTP header, so it may only contain \
                     printable ASCII characters without spaces: use a random alphanumeric \
                     token",
                );
            }
        }
    }
}

/// What a value of type `kind` must be, when `value` is not.
fn type_mismatch(kind: TagType, value: &Value) -> Option<String> {
    let is_date = |v: &Value| {
        v.as_str().is_some_and(|s| {
            time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).is_ok()
        })
    };
    let strings = |v: &Value, allowed: Option<&[&str]>| {
        v.as_array().is_some_and(|items| {
            items.iter().all(|i| {
                i.as_str()
                    .is_some_and(|s| allowed.is_none_or(|a| a.contains(&s)))
            })
        })
    };
    let objects = |v: &Value| {
        v.as_array()
            .is_some_and(|items| items.iter().all(Value::is_object))
    };
    let (ok, what) = match kind {
        TagType::Text => (value.is_string(), "a string".to_owned()),
        TagType::Number => (value.is_number(), "a number".to_owned()),
        TagType::Bool => (value.is_boolean(), "true or false".to_owned()),
        TagType::Date => (is_date(value), "an RFC 3339 date-time string".to_owned()),
        TagType::Enum(values) => (
            value.as_str().is_some_and(|s| values.contains(&s)),
            format!("one of {}", values.join(", ")),
        ),
        TagType::TextList => (strings(value, None), "a list of strings".to_owned()),
        TagType::EnumList(values) => (
            strings(value, Some(values)),
            format!("a list of {}", values.join(", ")),
        ),
        TagType::Location => (
            ["latitude", "longitude"]
                .iter()
                .all(|k| value.get(k).is_some_and(Value::is_number)),
            "an object with numbers latitude and longitude".to_owned(),
        ),
        TagType::CurrencyAmount => (
            value.is_object()
                && ["amount", "currencyCode"]
                    .iter()
                    .all(|k| value.get(k).is_none_or(Value::is_string)),
            "an object with strings amount and currencyCode".to_owned(),
        ),
        TagType::PersonName => (value.is_object(), "an object of name components".to_owned()),
        TagType::Seats => (objects(value), "a list of seat objects".to_owned()),
        TagType::WifiNetworks => (
            objects(value)
                && value.as_array().into_iter().flatten().all(|n| {
                    ["ssid", "password"]
                        .iter()
                        .all(|k| n.get(k).is_some_and(Value::is_string))
                }),
            "a list of objects with strings ssid and password".to_owned(),
        ),
    };
    (!ok).then_some(what)
}

/// Whether `key` is base64 of the DER SubjectPublicKeyInfo of a P-256 key whose
/// point OpenSSL accepts.
fn is_p256_public_key(key: &str) -> bool {
    use openssl::base64::decode_block;
    use openssl::nid::Nid;
    let Ok(der) = decode_block(key) else {
        return false;
    };
    let Ok(pkey) = openssl::pkey::PKey::public_key_from_der(&der) else {
        return false;
    };
    pkey.ec_key().is_ok_and(|ec| {
        ec.group().curve_name() == Some(Nid::X9_62_PRIME256V1) && ec.check_key().is_ok()
    })
}
