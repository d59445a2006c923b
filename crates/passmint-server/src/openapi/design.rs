//! The schema of a template's `design`, built by hand because the domain crate knows
//! nothing of OpenAPI. It follows the serde shape of
//! [`passmint_domain::design::Design`] key for key: snake_case keys, unknown keys
//! refused (`additionalProperties: false`), `null` accepted wherever serde reads an
//! `Option` and refused where it reads a list, a map or a struct. The limits of
//! [`passmint_domain::design::validate`] are written as JSON Schema keywords where
//! they can be (lengths, counts, patterns, ranges) and described otherwise (limits
//! that depend on the template's `apple_style`). The tests compare this schema with
//! serde on sample designs.

use super::schemas::{
    desc, field_key_pattern, not_blank, or_null, ref_or_null, reference, serde_name, string,
    string_enum,
};
use super::semantics;
use passmint_domain::design::validate::semantics::{
    PERSON_NAME_KEYS, POSTER_REQUIRED_TAGS, SEAT_KEYS,
};
use passmint_domain::design::validate::{
    self, MAX_BARCODE_ALT_TEXT_LEN, MAX_BARCODE_MESSAGE_LEN, MAX_CHANGE_MESSAGE_LEN,
    MAX_DESCRIPTION_LEN, MAX_FIELD_DEFAULT_VALUE_LEN, MAX_FIELD_KEY_LEN, MAX_FIELD_LABEL_LEN,
    MAX_IMAGE_BYTES, MAX_LOCALIZATIONS, MAX_LOCALIZED_IMAGES_BYTES, MAX_LOCALIZED_KEY_LEN,
    MAX_LOCALIZED_STRINGS, MAX_LOCALIZED_TEXT_LEN, MAX_LOCATIONS, MAX_LOGO_TEXT_LEN,
    MAX_NFC_KEY_LEN, MAX_NFC_MESSAGE_BYTES, MAX_NFC_MESSAGE_LEN, MAX_ORGANIZATION_NAME_LEN,
    MAX_RELEVANT_DATE_LEN, MAX_RELEVANT_DATES, MAX_RELEVANT_TEXT_LEN, images::ImageKind,
};
use passmint_domain::design::{
    Barcode, BarcodeFormat, DateStyle, FieldArea, StyleScheme, TextAlignment, TransitType,
};
use passmint_domain::template::AppleStyle;
use serde::Serialize;
use serde_json::{Value, json};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{
    AdditionalProperties, AllOfBuilder, ArrayBuilder, KnownFormat, Object, ObjectBuilder, OneOf,
    OneOfBuilder, Schema, SchemaFormat, Type,
};

/// The components this module defines, by name.
pub fn components() -> Vec<(&'static str, RefOr<Schema>)> {
    vec![
        ("Design", design().into()),
        ("DesignColors", colors().into()),
        ("DesignFields", fields().into()),
        ("DesignField", field().into()),
        ("DesignBarcode", barcode().into()),
        ("DesignImages", images().into()),
        ("DesignLocation", location().into()),
        ("DesignRelevantDate", Schema::from(relevant_date()).into()),
        ("DesignNfc", nfc().into()),
        ("DesignLocalization", localization().into()),
        ("DesignSemantics", semantics::semantics().into()),
        ("SemanticLocation", semantics::semantic_location().into()),
        ("SemanticCurrencyAmount", semantics::currency_amount().into()),
        ("SemanticPersonName", semantics::strings_object(&PERSON_NAME_KEYS, "The parts of a person's name (Apple's `PersonNameComponents`): at least one. Unknown keys are refused.").into()),
        ("SemanticSeat", semantics::strings_object(&SEAT_KEYS, "One seat (Apple's `Seat`): at least one of its keys. Unknown keys are refused.").into()),
        ("SemanticWifiNetwork", semantics::wifi_network().into()),
        ("StyleScheme", semantics::style_scheme().into()),
        ("TextAlignment", text_alignment().into()),
        ("DateStyle", date_style().into()),
        ("BarcodeFormat", barcode_format().into()),
        ("TransitType", transit_type().into()),
    ]
}

/// `Design`, for `value_type = …` attributes.
pub struct DesignSchema;

impl utoipa::PartialSchema for DesignSchema {
    fn schema() -> RefOr<Schema> {
        design().into()
    }
}

impl utoipa::ToSchema for DesignSchema {
    fn name() -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Borrowed("Design")
    }
}

/// `design` of a template update: a whole new design, or null.
pub fn design_patch() -> RefOr<Schema> {
    ref_or_null("Design")
        .description(Some(
            "A whole new design (it replaces the current one, it is not merged), checked \
             against the template's `apple_style`. Omitted or null: unchanged.",
        ))
        .into()
}

/// An object that refuses unknown keys, as `#[serde(deny_unknown_fields)]` does.
pub(super) fn closed_object() -> ObjectBuilder {
    ObjectBuilder::new()
        .additional_properties(Some(AdditionalProperties::<Schema>::FreeForm(false)))
}

pub(super) fn bounded_text(max: usize) -> ObjectBuilder {
    string().max_length(Some(max))
}

fn nullable_text(max: usize) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(or_null(Type::String))
        .max_length(Some(max))
}

pub(super) const PLACEHOLDERS: &str = "May contain placeholders: `{{serial_number}}`, `{{pass_id}}`, \
    `{{holder_name}}`, `{{holder_email}}` and `{{<field key>}}` for any field of the design.";

// ----- enums -------------------------------------------------------------------

fn values<T: Serialize>(all: &[T]) -> Vec<Value> {
    all.iter().map(serde_name).collect()
}

/// The variants of each design enum. The matches make a new variant a compile
/// error here, so the schema cannot fall behind the domain.
pub fn all_text_alignments() -> [TextAlignment; 4] {
    use TextAlignment::*;
    let all = [Left, Center, Right, Natural];
    for v in all {
        match v {
            Left | Center | Right | Natural => {}
        }
    }
    all
}

pub fn all_date_styles() -> [DateStyle; 5] {
    use DateStyle::*;
    let all = [None, Short, Medium, Long, Full];
    for v in all {
        match v {
            None | Short | Medium | Long | Full => {}
        }
    }
    all
}

pub fn all_barcode_formats() -> [BarcodeFormat; 4] {
    use BarcodeFormat::*;
    let all = [Qr, Pdf417, Aztec, Code128];
    for v in all {
        match v {
            Qr | Pdf417 | Aztec | Code128 => {}
        }
    }
    all
}

pub fn all_transit_types() -> [TransitType; 5] {
    use TransitType::*;
    let all = [Air, Boat, Bus, Train, Generic];
    for v in all {
        match v {
            Air | Boat | Bus | Train | Generic => {}
        }
    }
    all
}

fn text_alignment() -> Object {
    desc(
        string_enum(values(&all_text_alignments())),
        "Alignment of a field's text on the pass.",
    )
    .build()
}

fn date_style() -> Object {
    desc(
        string_enum(values(&all_date_styles())),
        "How Wallet formats a field whose value is an RFC 3339 date-time; set \
         `date_style` and/or `time_style` to have it localised.",
    )
    .build()
}

fn barcode_format() -> Object {
    desc(
        string_enum(values(&all_barcode_formats())),
        "Barcode symbology: `qr` and `aztec` are square, `pdf417` and `code128` \
         rectangular.",
    )
    .build()
}

fn transit_type() -> Object {
    desc(
        string_enum(values(&all_transit_types())),
        "The vehicle of a boarding pass.",
    )
    .build()
}

// ----- design --------------------------------------------------------------------

/// `^(icon|logo|…)(@[23]x)?$` from the domain's image kinds.
pub fn image_key_pattern() -> String {
    let names: Vec<&str> = ImageKind::ALL.into_iter().map(ImageKind::as_str).collect();
    format!("^({})(@[23]x)?$", names.join("|"))
}

/// `#RRGGBB`, or `rgb(r,g,b)` with whole numbers 0 to 255 (leading zeros allowed, up
/// to three digits) and any spaces after the commas, as `validate::parse_color`.
pub const COLOR_PATTERN: &str = r"^(#[0-9A-Fa-f]{6}|rgb\(([01]?[0-9]{1,2}|2[0-4][0-9]|25[0-5]), *([01]?[0-9]{1,2}|2[0-4][0-9]|25[0-5]), *([01]?[0-9]{1,2}|2[0-4][0-9]|25[0-5])\))$";

/// The most fields any style allows in an area.
fn max_in_area(area: FieldArea) -> usize {
    AppleStyle::ALL
        .into_iter()
        .filter_map(|s| validate::max_fields(s, area))
        .max()
        .unwrap_or(0)
}

fn limits_per_style() -> String {
    let mut rows = vec![
        "| style | header | primary | secondary | auxiliary | back | secondary + auxiliary |"
            .to_owned(),
        "| --- | --- | --- | --- | --- | --- | --- |".to_owned(),
    ];
    for style in AppleStyle::ALL {
        let cell = |area| {
            validate::max_fields(style, area).map_or_else(|| "any".to_owned(), |n| n.to_string())
        };
        let combined = match (
            validate::max_secondary_and_auxiliary(style, Some(BarcodeFormat::Qr)),
            validate::max_secondary_and_auxiliary(style, Some(BarcodeFormat::Pdf417)),
        ) {
            (Some(a), Some(b)) if a == b => a.to_string(),
            (Some(a), None) => format!("{a} with a square (qr, aztec) barcode"),
            _ => "-".to_owned(),
        };
        rows.push(format!(
            "| {} | {} | {} | {} | {} | {} | {combined} |",
            style.as_str(),
            cell(FieldArea::Header),
            cell(FieldArea::Primary),
            cell(FieldArea::Secondary),
            cell(FieldArea::Auxiliary),
            cell(FieldArea::Back),
        ));
    }
    rows.join("\n")
}

fn design() -> Object {
    closed_object()
        .description(Some(
            "How the template's passes look and what they show. Keys are snake_case; \
             unknown keys are refused (400 with `param` naming the key). Every rule is \
             checked on create and update, and a violation is a 400 whose `param` is the \
             path of the offending value (`design.fields.primary[0].key`).",
        ))
        .property(
            "organization_name",
            desc(
                not_blank(bounded_text(MAX_ORGANIZATION_NAME_LEN)),
                "Name of the issuer, pass.json `organizationName` (shown on the lock \
                 screen). Not only white space.",
            ),
        )
        .required("organization_name")
        .property(
            "description",
            desc(
                not_blank(bounded_text(MAX_DESCRIPTION_LEN)),
                "What the pass is, pass.json `description` (read by accessibility \
                 features). Not only white space.",
            ),
        )
        .required("description")
        .property(
            "logo_text",
            desc(
                nullable_text(MAX_LOGO_TEXT_LEN),
                "Text shown next to the logo.",
            ),
        )
        .property("colors", ref_or_null("DesignColors"))
        .property("fields", reference("DesignFields"))
        .property("barcode", ref_or_null("DesignBarcode"))
        .property("images", reference("DesignImages"))
        .property(
            "transit_type",
            ref_or_null("TransitType").description(Some(
                "The vehicle of a boarding pass: required when the template's \
                 `apple_style` is `boardingPass`, refused for every other style.",
            )),
        )
        .property(
            "locations",
            ArrayBuilder::new()
                .items(reference("DesignLocation"))
                .max_items(Some(MAX_LOCATIONS))
                .description(Some(format!(
                    "Places where the pass is relevant (Wallet may show it on the lock \
                     screen nearby): at most {MAX_LOCATIONS}."
                ))),
        )
        .property(
            "relevant_date",
            desc(
                nullable_date_time(),
                "When the pass is relevant, RFC 3339 with a `T` separator \
                 (`2025-06-01T18:30:00Z`, `2025-06-01T20:30:00+02:00`). Superseded by \
                 `relevant_dates`: giving both is a 400 with `param` `relevant_dates`.",
            ),
        )
        .property(
            "relevant_dates",
            ArrayBuilder::new()
                .items(reference("DesignRelevantDate"))
                .max_items(Some(MAX_RELEVANT_DATES))
                .description(Some(format!(
                    "When the pass is relevant (pass.json `relevantDates`, iOS 18): at \
                     most {MAX_RELEVANT_DATES} intervals or single dates. The first (its \
                     date, or the interval's start) is also written as `relevantDate` for \
                     older devices. Not together with `relevant_date`; an empty list is \
                     none."
                ))),
        )
        .property(
            "expiration_date",
            desc(
                nullable_date_time(),
                "When the pass expires, RFC 3339 with a `T` separator.",
            ),
        )
        .property(
            "sharing_prohibited",
            desc(
                ObjectBuilder::new().schema_type(or_null(Type::Boolean)),
                "Whether Wallet hides the share button.",
            ),
        )
        .property(
            "nfc",
            ref_or_null("DesignNfc").description(Some(
                "What the pass transmits to an NFC terminal (Apple's Value Added \
                 Services), pass.json `nfc`. Devices use it only on passes signed with \
                 a Pass Type ID certificate that Apple enabled for NFC.",
            )),
        )
        .property(
            "semantics",
            AllOfBuilder::new()
                .item(reference("DesignSemantics"))
                .description(Some(
                    "Apple's semantic tags (pass.json `semantics`): machine-readable facts \
                     about the pass (event, venue, seats, flight, balance) that Wallet and \
                     the system use. Keys are Apple's tag names in snake_case (`event_name` \
                     for `eventName`, `artist_ids` for `artistIDs`); an unknown key is a 400 \
                     whose `param` is `design.semantics.<key>` and whose message names the \
                     closest known one.",
                )),
        )
        .property(
            "preferred_style_schemes",
            ArrayBuilder::new()
                .items(reference("StyleScheme"))
                .max_items(Some(StyleScheme::ALL.len()))
                .unique_items(true)
                .description(Some(format!(
                    "pass.json `preferredStyleSchemes`, only on templates of `apple_style` \
                     `eventTicket` (else a 400 with `param` `design.preferred_style_schemes`). \
                     `poster_event_ticket` (iOS 26) needs the semantic tags {}, plus \
                     `home_team_abbreviation` and `away_team_abbreviation` when `event_type` is \
                     `PKEventTypeSports` and `performer_names` when it is \
                     `PKEventTypeLivePerformance` (a missing one is a 400 naming it). \
                     `event_ticket` (the classic ticket) is always written last as the \
                     fallback for older devices. An empty list is none.",
                    POSTER_REQUIRED_TAGS.map(|t| format!("`{t}`")).join(", ")
                ))),
        )
        .property(
            "localizations",
            ObjectBuilder::new()
                .description(Some(format!(
                    "Localized texts and images by language tag, each written as the \
                     `<lang>.lproj/` directory of the .pkpass (`pass.strings`, UTF-16 with a \
                     byte order mark, and the images). Labels, values and the other texts \
                     of the design may be keys of the strings: pass.json carries the key and \
                     the device shows the text of its language (a key without a string is \
                     shown as is). At most {MAX_LOCALIZATIONS} languages; a tag is a \
                     language of 2 or 3 letters, optionally a script of 4 letters and a \
                     region of 2 letters or 3 digits (`en`, `fr`, `pt-BR`, `zh-Hans`, \
                     `es-419`); two tags that differ only by case (or `-` and `_`) are a \
                     400 with `param` `design.localizations.<tag>`."
                )))
                .property_names(Some(string().pattern(Some(LANGUAGE_TAG_PATTERN))))
                .max_properties(Some(MAX_LOCALIZATIONS))
                .additional_properties(Some(AdditionalProperties::RefOr(reference(
                    "DesignLocalization",
                )))),
        )
        .examples([example()])
        .build()
}

/// A language tag as `.lproj` directories take it, as
/// `passmint_apple::check_language_tag` (letters of any case, `-` or `_`).
pub const LANGUAGE_TAG_PATTERN: &str =
    r"^[A-Za-z]{2,3}([-_][A-Za-z]{4})?([-_]([A-Za-z]{2}|[0-9]{3}))?$";

fn localization() -> Object {
    closed_object()
        .description(Some(format!(
            "One language of `localizations`: strings, images, or both (a language with \
             neither is a 400). Its localized images together with every other \
             language's are at most {} MiB once decoded. Unknown keys are refused.",
            MAX_LOCALIZED_IMAGES_BYTES / (1024 * 1024)
        )))
        .property(
            "strings",
            ObjectBuilder::new()
                .description(Some(format!(
                    "The entries of this language's `pass.strings`: a text of the design \
                     (the key, as pass.json carries it) to the text shown in this \
                     language. At most {MAX_LOCALIZED_STRINGS} per language; keys of 1 to \
                     {MAX_LOCALIZED_KEY_LEN} characters, not only white space (an empty \
                     key is a 400 with `param` `design.localizations.<tag>.strings`); texts \
                     of at most {MAX_LOCALIZED_TEXT_LEN} characters (else a 400 with \
                     `param` `design.localizations.<tag>.strings.<key>`). Quotes, \
                     backslashes and newlines are escaped for you."
                )))
                .property_names(Some(not_blank(bounded_text(MAX_LOCALIZED_KEY_LEN))))
                .max_properties(Some(MAX_LOCALIZED_STRINGS))
                .additional_properties(Some(AdditionalProperties::RefOr(
                    bounded_text(MAX_LOCALIZED_TEXT_LEN).into(),
                ))),
        )
        .property(
            "images",
            AllOfBuilder::new()
                .item(reference("DesignImages"))
                .description(Some(
                    "Images of this language, named and checked as the design's `images` \
                     (written as `<lang>.lproj/<name>.png`); a device of this language \
                     shows them instead of the design's.",
                )),
        )
        .examples([json!({
            "strings": {"Gate": "Porte", "Seat": "Place"},
            "images": {}
        })])
        .build()
}

fn nullable_date_time() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(or_null(Type::String))
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
}

fn colors() -> Object {
    let color = |what: &str| {
        desc(
            ObjectBuilder::new()
                .schema_type(or_null(Type::String))
                .pattern(Some(COLOR_PATTERN)),
            format!("{what}: `#RRGGBB` or `rgb(r, g, b)` with whole numbers 0 to 255."),
        )
    };
    closed_object()
        .description(Some("Colours of the pass. Unknown keys are refused."))
        .property("background", color("Background colour"))
        .property("foreground", color("Colour of the field values"))
        .property("label", color("Colour of the field labels"))
        .examples([json!({"background": "#112233", "foreground": "rgb(255, 255, 255)"})])
        .build()
}

fn fields() -> Object {
    let area = |area: FieldArea, what: &str| {
        ArrayBuilder::new()
            .items(reference("DesignField"))
            .max_items(Some(max_in_area(area)))
            .description(Some(format!(
                "{what} The most fields this area may hold depends on the template's \
                 `apple_style` (see `DesignFields`)."
            )))
    };
    closed_object()
        .description(Some(format!(
            "The fields of the pass by area, in Apple's order. Field keys must be unique \
             across all areas. Unknown keys are refused; an area left out is empty (but \
             `null` is refused).\n\nMost fields per area and style:\n\n{}",
            limits_per_style()
        )))
        .property(
            "header",
            area(
                FieldArea::Header,
                "Shown at the top of the pass, also when it is stacked in Wallet.",
            ),
        )
        .property(
            "primary",
            area(FieldArea::Primary, "The most prominent fields."),
        )
        .property(
            "secondary",
            area(FieldArea::Secondary, "Shown below the primary fields."),
        )
        .property(
            "auxiliary",
            area(FieldArea::Auxiliary, "Shown below the secondary fields."),
        )
        .property(
            "back",
            area(FieldArea::Back, "Shown on the back of the pass."),
        )
        .build()
}

fn field() -> Object {
    let nullable_ref =
        |name: &str, what: &str| ref_or_null(name).description(Some(format!("{what}.")));
    closed_object()
        .description(Some("One field of the pass. Unknown keys are refused."))
        .property(
            "key",
            desc(
                string()
                    .min_length(Some(1))
                    .max_length(Some(MAX_FIELD_KEY_LEN))
                    .pattern(Some(field_key_pattern())),
                format!(
                    "Identifies the field: unique across all areas of the design, 1 to \
                     {MAX_FIELD_KEY_LEN} ASCII letters, digits, `_`, `-` or `.`. It is the \
                     key of the pass's `field_values` and of the `{{{{<key>}}}}` \
                     placeholder."
                ),
            ),
        )
        .required("key")
        .property(
            "label",
            desc(
                nullable_text(MAX_FIELD_LABEL_LEN),
                "Label shown above the value.",
            ),
        )
        .property(
            "value",
            desc(
                nullable_text(MAX_FIELD_DEFAULT_VALUE_LEN),
                format!("Default value; a pass's `field_values` override it. {PLACEHOLDERS}"),
            ),
        )
        .property(
            "change_message",
            desc(
                nullable_text(MAX_CHANGE_MESSAGE_LEN).pattern(Some("%@")),
                "Notification shown when the value changes; must contain `%@`, which \
                 Wallet replaces with the new value (`Your seat is now %@`).",
            ),
        )
        .property(
            "text_alignment",
            nullable_ref("TextAlignment", "Alignment of the text"),
        )
        .property(
            "date_style",
            nullable_ref("DateStyle", "Date style of a date-time value"),
        )
        .property(
            "time_style",
            nullable_ref("DateStyle", "Time style of a date-time value"),
        )
        .examples([json!({"key": "seatNumber", "label": "Seat", "value": "GA"})])
        .build()
}

fn barcode() -> Object {
    closed_object()
        .description(Some("The pass's barcode. Unknown keys are refused."))
        .property("format", reference("BarcodeFormat"))
        .required("format")
        .property(
            "message",
            desc(
                not_blank(nullable_text(MAX_BARCODE_MESSAGE_LEN))
                    .default(Some(json!(Barcode::DEFAULT_MESSAGE))),
                format!(
                    "The encoded message; not only white space. Omitted or null: `{}`. \
                     {PLACEHOLDERS} Each placeholder must have a non-empty value for every \
                     pass (else issuing or updating it is a 400), and the rendered \
                     message is at most 2000 characters.",
                    Barcode::DEFAULT_MESSAGE
                ),
            ),
        )
        .property(
            "alt_text",
            desc(
                not_blank(nullable_text(MAX_BARCODE_ALT_TEXT_LEN)),
                format!(
                    "Text shown under the barcode; not only white space. Omitted or null: \
                     none. {PLACEHOLDERS}"
                ),
            ),
        )
        .examples([json!({"format": "qr"})])
        .build()
}

fn images_per_style() -> String {
    let mut rows = vec![
        "| style | images (maximum size at @1x, in points) |".to_owned(),
        "| --- | --- |".to_owned(),
    ];
    for style in AppleStyle::ALL {
        let cells: Vec<String> = ImageKind::ALL
            .into_iter()
            .filter_map(|kind| {
                validate::image_bounds(style, kind).map(|b| {
                    if b.min_width > 1 || b.min_height > 1 {
                        format!(
                            "{} {}x{} to {}x{}",
                            kind.as_str(),
                            b.min_width,
                            b.min_height,
                            b.max_width,
                            b.max_height
                        )
                    } else {
                        format!("{} up to {}x{}", kind.as_str(), b.max_width, b.max_height)
                    }
                })
            })
            .collect();
        rows.push(format!("| {} | {} |", style.as_str(), cells.join(", ")));
    }
    rows.join("\n")
}

/// Longest base64 text of an image of [`MAX_IMAGE_BYTES`].
pub fn max_image_base64_len() -> usize {
    4 * MAX_IMAGE_BYTES.div_ceil(3)
}

fn images() -> Object {
    let names: Vec<&str> = ImageKind::ALL.into_iter().map(ImageKind::as_str).collect();
    ObjectBuilder::new()
        .description(Some(format!(
            "PNG images by name: {} — each variant its own key (`icon`, `icon@2x`, \
             `icon@3x`). Values are standard base64 with padding (no `data:` prefix) of \
             a whole PNG file (nothing after its IEND chunk; its image data must decode) \
             of at most {} KiB, and {} MiB for all of a design's images together. A \
             default icon is supplied when none is given. \
             Which images a style shows, and their sizes (multiply by 2 or 3 for the \
             @2x and @3x variants; an eventTicket has a strip or a background and \
             thumbnail, not both):\n\n{}",
            names.join(", "),
            MAX_IMAGE_BYTES / 1024,
            passmint_domain::design::validate::MAX_DESIGN_IMAGES_BYTES / (1024 * 1024),
            images_per_style()
        )))
        .property_names(Some(string().pattern(Some(image_key_pattern()))))
        .additional_properties(Some(AdditionalProperties::RefOr(
            string()
                .max_length(Some(max_image_base64_len()))
                .content_encoding("base64")
                .content_media_type("image/png")
                .into(),
        )))
        .build()
}

fn location() -> Object {
    let degrees = |max: f64, what: &str| {
        desc(
            ObjectBuilder::new()
                .schema_type(Type::Number)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Double)))
                .minimum(Some(-max))
                .maximum(Some(max)),
            format!("{what} in degrees, -{max} to {max}."),
        )
    };
    closed_object()
        .description(Some("A place where the pass is relevant. Unknown keys are refused."))
        .property("latitude", degrees(90.0, "Latitude"))
        .required("latitude")
        .property("longitude", degrees(180.0, "Longitude"))
        .required("longitude")
        .property(
            "relevant_text",
            desc(
                nullable_text(MAX_RELEVANT_TEXT_LEN),
                "Text shown on the lock screen near the place.",
            ),
        )
        .examples([json!({"latitude": 48.8566, "longitude": 2.3522, "relevant_text": "Welcome to the venue"})])
        .build()
}

fn relevant_date() -> OneOf {
    let value = |what: &str| {
        desc(
            not_blank(bounded_text(MAX_RELEVANT_DATE_LEN)),
            format!(
                "{what}: RFC 3339 with a `T` separator (`2025-06-01T18:30:00Z`), or \
                 placeholders a pass fills (`{{{{eventStart}}}}` with the key of a field \
                 whose value the pass gives), which must render to an RFC 3339 date-time \
                 for every pass (else issuing or updating it is a 400 naming the pass's \
                 value)."
            ),
        )
    };
    let null = || ObjectBuilder::new().schema_type(Type::Null);
    OneOfBuilder::new()
        .item(
            closed_object()
                .title(Some("Interval"))
                .property("start_date", value("Start of the interval"))
                .required("start_date")
                .property(
                    "end_date",
                    value("End of the interval, later than its start"),
                )
                .required("end_date")
                .property("date", null()),
        )
        .item(
            closed_object()
                .title(Some("Date"))
                .property("date", value("The date"))
                .required("date")
                .property("start_date", null())
                .property("end_date", null()),
        )
        .description(Some(
            "One relevant date: an interval (`start_date` and `end_date`, pass.json \
             `startDate`/`endDate`) or a single `date`, not both. Unknown keys are refused.",
        ))
        .examples([
            json!({"start_date": "2025-06-01T18:30:00Z", "end_date": "2025-06-01T23:00:00Z"}),
            json!({"date": "{{eventStart}}"}),
        ])
        .build()
}

fn nfc() -> Object {
    closed_object()
        .description(Some(
            "The NFC payload of the pass. Unknown keys are refused. Wallet uses it only on \
             passes signed with a Pass Type ID certificate that Apple enabled for NFC.",
        ))
        .property(
            "message",
            desc(
                not_blank(bounded_text(MAX_NFC_MESSAGE_LEN)),
                format!(
                    "What the pass transmits to the terminal, pass.json `message`: at most \
                     {MAX_NFC_MESSAGE_BYTES} bytes of UTF-8 once rendered (Apple's limit; the \
                     text outside placeholders is checked when the design is stored, the \
                     rendered message when a pass is issued or updated). {PLACEHOLDERS}"
                ),
            ),
        )
        .required("message")
        .property(
            "encryption_public_key",
            desc(
                nullable_text(MAX_NFC_KEY_LEN).pattern(Some(NFC_KEY_PATTERN)),
                "The terminal's key, pass.json `encryptionPublicKey`: base64 of the DER \
                 SubjectPublicKeyInfo of an ECDH P-256 key (named curve `prime256v1`, \
                 uncompressed point), on one line without PEM headers \
                 (`openssl ec -in key.pem -pubout -outform DER | base64 -w0`).",
            ),
        )
        .property(
            "requires_authentication",
            desc(
                ObjectBuilder::new().schema_type(or_null(Type::Boolean)),
                "Whether the holder must authenticate (Face ID, Touch ID, passcode) each \
                 time the pass is used, pass.json `requiresAuthentication`.",
            ),
        )
        .examples([
            json!({"message": "member:{{serial_number}}", "requires_authentication": false}),
        ])
        .build()
}

/// Base64 with padding: the characters of an `encryption_public_key`.
pub const NFC_KEY_PATTERN: &str = r"^[A-Za-z0-9+/]+={0,2}$";

/// The reference's example design: a concert ticket.
pub fn example() -> Value {
    json!({
        "organization_name": "Passmint Live",
        "description": "VIP concert ticket",
        "colors": {"background": "#112233", "foreground": "rgb(255,255,255)"},
        "fields": {
            "primary": [{"key": "event", "label": "Event", "value": "Summer Jam"}],
            "secondary": [{"key": "seatNumber", "label": "Seat", "value": "GA"}],
            "back": [{"key": "terms", "label": "Terms", "value": "No refunds"}]
        },
        "barcode": {"format": "qr"}
    })
}
