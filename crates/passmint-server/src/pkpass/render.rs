//! Domain -> [`passmint_pkpass::PassSpec`]: a pass of a template, rendered.
//!
//! - The texts that depend on the pass (field values, the barcode message and its
//!   alt text) come from the domain's [`render_pass`]: placeholders expand in the
//!   design's texts only, never inside a pass's values, and within the caps of
//!   docs/api.md §10. A pass that breaks them (stored before they existed) gets
//!   empty texts here, and [`check`] refuses to build its .pkpass.
//! - Colours go through the domain's `parse_color`; dates are RFC 3339 (checked
//!   when the design was stored; relevant dates once rendered for the pass, by
//!   [`render_pass`]); images are the design's base64 PNGs, decoded once per
//!   template version by the caller ([`decode_images`]).
//! - `localizations` are the design's strings and its localized images, each
//!   language a `<lang>.lproj/` directory of the .pkpass (docs/api.md §3).
//! - `nfc` carries its rendered message (docs/api.md §3).
//! - `semantics` are the rendered tags under Apple's names, and
//!   `preferred_style_schemes` the design's (the pkpass crate adds the classic
//!   `eventTicket` fallback), docs/api.md §3.
//! - `webServiceURL` is `{PUBLIC_URL}/wallet` with the pass's `auth_token`, left
//!   out for live passes when the public URL is not https (docs/api.md §6).
//! - Styles, field areas and the field and barcode enumerations are the same
//!   `passmint-apple` types on both sides, so they need no mapping.

use base64::Engine;
use passmint_domain::design::Design;
use passmint_domain::design::render::{RenderProblem, RenderedDate, render_pass};
use passmint_domain::design::validate::{parse_color, parse_date};
use passmint_domain::mode::Mode;
use passmint_domain::pass::Pass;
use passmint_domain::template::Template;
use passmint_pkpass::{
    Barcode, Colors, Location, Nfc, PassField, PassImage, PassSpec, RelevantDate, Rgb,
};
use std::collections::BTreeMap;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// What a rendering needs besides the pass and its template.
pub struct RenderContext<'a> {
    pub public_url: &'a str,
    pub pass_type_identifier: &'a str,
    pub team_identifier: &'a str,
    /// The template's images, decoded ([`decode_images`]).
    pub images: &'a BTreeMap<String, PassImage>,
}

/// The design's images as pass files (`icon@2x` -> `icon@2x.png`), and its
/// localized images under their language's directory (`fr` `logo` ->
/// `fr.lproj/logo.png`, docs/api.md §3), which [`pass_spec`] moves to the spec's
/// localizations.
pub fn decode_images(design: &Design) -> Result<BTreeMap<String, PassImage>, String> {
    let localized = design.localizations.iter().flat_map(|(lang, l)| {
        l.images
            .iter()
            .map(move |(name, b64)| (format!("{lang}{LPROJ}{name}"), b64))
    });
    design
        .images
        .iter()
        .map(|(name, b64)| (name.clone(), b64))
        .chain(localized)
        .map(|(name, b64)| {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(b64.trim())
                .map_err(|e| format!("image '{name}' is not base64: {e}"))?;
            Ok((format!("{name}.png"), PassImage::from(bytes)))
        })
        .collect()
}

/// What separates a language from an image name in [`decode_images`]'s keys.
const LPROJ: &str = ".lproj/";

/// The design's localizations with their images from `images` (as
/// [`decode_images`] named them); returns the images that are not localized.
fn localizations(
    design: &Design,
    images: &BTreeMap<String, PassImage>,
) -> (
    BTreeMap<String, PassImage>,
    BTreeMap<String, passmint_pkpass::Localization>,
) {
    let mut plain = BTreeMap::new();
    let mut localized: BTreeMap<String, passmint_pkpass::Localization> = design
        .localizations
        .iter()
        .map(|(lang, l)| {
            let strings = l.strings.clone();
            (
                lang.clone(),
                passmint_pkpass::Localization {
                    strings,
                    images: BTreeMap::new(),
                },
            )
        })
        .collect();
    for (name, image) in images {
        match name.split_once(LPROJ) {
            Some((lang, file)) if localized.contains_key(lang) => {
                if let Some(l) = localized.get_mut(lang) {
                    l.images.insert(file.to_owned(), image.clone());
                }
            }
            _ => {
                plain.insert(name.clone(), image.clone());
            }
        }
    }
    (plain, localized)
}

/// Whether passes of `mode` carry the web service (URL + token).
pub fn has_web_service(public_url: &str, mode: Mode) -> bool {
    mode == Mode::Test || public_url.starts_with("https://")
}

fn rgb(s: Option<&String>) -> Option<Rgb> {
    s.and_then(|s| parse_color(s)).map(Rgb::from)
}

fn date(s: Option<&String>) -> Option<OffsetDateTime> {
    s.and_then(|s| OffsetDateTime::parse(s, &Rfc3339).ok())
}

/// The pass as the builder's input (a pass that cannot be rendered gets empty
/// texts: fine for its landing page; its .pkpass needs [`checked_pass_spec`]).
pub fn pass_spec(pass: &Pass, template: &Template, ctx: &RenderContext<'_>) -> PassSpec {
    spec_and_problem(pass, template, ctx).0
}

/// The builder's input, or why the pass cannot be rendered (see
/// [`render_pass`]): the texts are rendered once for both.
pub fn checked_pass_spec(
    pass: &Pass,
    template: &Template,
    ctx: &RenderContext<'_>,
) -> Result<PassSpec, RenderProblem> {
    match spec_and_problem(pass, template, ctx) {
        (spec, None) => Ok(spec),
        (_, Some(problem)) => Err(problem),
    }
}

fn spec_and_problem(
    pass: &Pass,
    template: &Template,
    ctx: &RenderContext<'_>,
) -> (PassSpec, Option<RenderProblem>) {
    let design = &template.design;
    let (mut texts, problem) = render_pass(design, pass);

    let mut spec = PassSpec::new(
        ctx.pass_type_identifier,
        ctx.team_identifier,
        &pass.serial_number,
        &design.organization_name,
        &design.description,
        template.apple_style,
    );
    spec.logo_text = design.logo_text.clone();
    spec.transit_type = design.transit_type;
    for (area, f) in design.fields.iter() {
        spec.fields.area_mut(area).push(PassField {
            key: f.key.clone(),
            label: f.label.clone(),
            value: texts.fields.remove(&f.key).unwrap_or_default(),
            change_message: f.change_message.clone(),
            text_alignment: f.text_alignment,
            date_style: f.date_style,
            time_style: f.time_style,
        });
    }
    spec.barcode = design.barcode.as_ref().map(|b| Barcode {
        format: b.format,
        message: texts.barcode_message.take().unwrap_or_default(),
        alt_text: texts.barcode_alt_text.take(),
    });
    if let Some(c) = &design.colors {
        spec.colors = Colors {
            background: rgb(c.background.as_ref()),
            foreground: rgb(c.foreground.as_ref()),
            label: rgb(c.label.as_ref()),
        };
    }
    (spec.images, spec.localizations) = localizations(design, ctx.images);
    spec.locations = design
        .locations
        .iter()
        .map(|l| Location {
            latitude: l.latitude,
            longitude: l.longitude,
            altitude: None,
            relevant_text: l.relevant_text.clone(),
        })
        .collect();
    spec.relevant_date = date(design.relevant_date.as_ref());
    // A date that does not parse is a problem `render_pass` reported: left out.
    spec.relevant_dates = texts
        .relevant_dates
        .iter()
        .filter_map(|d| match d {
            RenderedDate::Interval { start, end } => Some(RelevantDate::Interval {
                start: parse_date(start)?,
                end: parse_date(end)?,
            }),
            RenderedDate::Date(d) => parse_date(d).map(RelevantDate::Date),
        })
        .collect();
    spec.nfc = design.nfc.as_ref().map(|nfc| Nfc {
        message: texts.nfc_message.take().unwrap_or_default(),
        encryption_public_key: nfc.encryption_public_key.clone(),
        requires_authentication: nfc.requires_authentication.unwrap_or(false),
    });
    spec.semantics = std::mem::take(&mut texts.semantics);
    spec.preferred_style_schemes = design.preferred_style_schemes.clone();
    spec.expiration_date = date(design.expiration_date.as_ref());
    spec.sharing_prohibited = design.sharing_prohibited.unwrap_or(false);
    spec.voided = pass.voided();
    if has_web_service(ctx.public_url, pass.mode) {
        spec.web_service_url = Some(format!("{}/wallet", ctx.public_url));
        spec.authentication_token = Some(pass.auth_token.clone());
    }
    spec.mode = match pass.mode {
        Mode::Test => passmint_pkpass::Mode::Test,
        Mode::Live => passmint_pkpass::Mode::Live,
    };
    (spec, problem)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use passmint_domain::design::{self, Barcode as DBarcode, Colors as DColors, Field};
    use passmint_testkit::fixtures;

    fn sample() -> (Pass, Template) {
        let account = fixtures::account();
        let mut template = fixtures::template(&account);
        template.design.fields.secondary.push(Field {
            key: "greeting".into(),
            value: Some("Hi {{holder_name}} ({{serial_number}})".into()),
            ..Default::default()
        });
        template.design.barcode = Some(DBarcode {
            format: design::BarcodeFormat::Qr,
            message: Some("{{pass_id}}:{{seat}}:{{greeting}}".into()),
            alt_text: Some("{{holder_email}}".into()),
        });
        template.design.colors = Some(DColors {
            background: Some("#102030".into()),
            foreground: Some("rgb(1, 2, 3)".into()),
            label: None,
        });
        template.design.relevant_date = Some("2026-04-16T12:00:00Z".into());
        let mut pass = fixtures::pass(&account, Mode::Test, &template);
        pass.field_values.insert("seat".into(), "A12".into());
        pass.holder_email = None;
        (pass, template)
    }

    #[test]
    fn placeholders_overrides_colours_dates_and_web_service() {
        let (pass, template) = sample();
        let images = BTreeMap::new();
        let ctx = RenderContext {
            public_url: "http://127.0.0.1:8080",
            pass_type_identifier: "pass.x",
            team_identifier: "TEAM",
            images: &images,
        };
        let spec = pass_spec(&pass, &template, &ctx);
        assert_eq!(spec.fields.primary[0].value, "A12", "field_values override");
        let holder = pass.holder_name.clone().unwrap();
        assert_eq!(
            spec.fields.secondary[0].value,
            format!("Hi {holder} ({})", pass.serial_number)
        );
        let barcode = spec.barcode.clone().unwrap();
        assert_eq!(
            barcode.message,
            format!("{}:A12:Hi {holder} ({})", pass.id, pass.serial_number)
        );
        assert_eq!(barcode.alt_text.as_deref(), Some(""));
        assert_eq!(spec.colors.background, Some(Rgb::new(16, 32, 48)));
        assert_eq!(spec.colors.foreground, Some(Rgb::new(1, 2, 3)));
        assert_eq!(spec.relevant_date.unwrap().unix_timestamp(), 1_776_340_800);
        assert_eq!(
            spec.web_service_url.as_deref(),
            Some("http://127.0.0.1:8080/wallet"),
            "test passes keep an http web service"
        );
        assert_eq!(
            spec.authentication_token.as_deref(),
            Some(&*pass.auth_token)
        );
        assert!(!spec.voided);

        let mut live = pass.clone();
        live.mode = Mode::Live;
        live.voided_at = Some(live.created_at);
        let spec = pass_spec(&live, &template, &ctx);
        assert_eq!(spec.web_service_url, None, "live passes need https");
        assert_eq!(spec.authentication_token, None);
        assert!(spec.voided);
        let https = RenderContext {
            public_url: "https://passes.example.com",
            ..ctx
        };
        let spec = pass_spec(&live, &template, &https);
        assert_eq!(
            spec.web_service_url.as_deref(),
            Some("https://passes.example.com/wallet")
        );
    }

    /// The domain's bound of pass.json's size is never below the real size, even
    /// with every text at its longest and escaped at its worst.
    #[test]
    fn the_domain_bounds_the_real_pass_json() {
        use passmint_domain::design::render::pass_json_bound;
        use passmint_domain::design::{DateStyle, Location as DLocation, TextAlignment};
        let account = fixtures::account();
        let mut template = fixtures::template(&account);
        template.apple_style = passmint_domain::template::AppleStyle::BoardingPass;
        let d = &mut template.design;
        d.organization_name = "\"".repeat(200);
        d.description = "\u{1}".repeat(500);
        d.logo_text = Some("é".repeat(200));
        d.transit_type = Some(design::TransitType::Air);
        d.colors = Some(DColors {
            background: Some("rgb(255, 255, 255)".into()),
            foreground: Some("rgb(255, 255, 255)".into()),
            label: Some("rgb(255, 255, 255)".into()),
        });
        d.relevant_date = Some("2026-04-16T12:00:00+02:00".into());
        d.relevant_dates = (0..10)
            .map(|_| design::RelevantDate {
                start_date: Some("2026-04-16T12:00:00.123456789+02:00".into()),
                end_date: Some("9999-12-31T23:59:59.999999999-23:59".into()),
                date: None,
            })
            .collect();
        d.expiration_date = Some("2026-04-16T12:00:00+02:00".into());
        d.sharing_prohibited = Some(true);
        d.nfc = Some(design::Nfc {
            message: "\u{1}".repeat(64),
            encryption_public_key: Some("K".repeat(124)),
            requires_authentication: Some(true),
        });
        let seat =
            serde_json::json!({"seat_number": "\"".repeat(500), "seat_row": "\u{5}".repeat(500)});
        d.semantics = serde_json::from_value(serde_json::json!({
            "event_name": "\u{6}".repeat(500),
            "seats": vec![seat; 20],
            "duration": -1.234_567_890_123_456_7e300,
            "total_price": {"amount": "-12345678901234567890.5", "currency_code": "EUR"},
        }))
        .unwrap();
        d.preferred_style_schemes = vec![design::StyleScheme::PosterEventTicket];
        let field = |key: String| Field {
            key,
            label: Some("\n".repeat(200)),
            value: Some("\u{1f}".repeat(2000)),
            change_message: Some(format!("{}%@", "\\".repeat(498))),
            text_alignment: Some(TextAlignment::Natural),
            date_style: Some(DateStyle::Medium),
            time_style: Some(DateStyle::Medium),
        };
        let fields = |prefix: &str, n: usize| -> Vec<Field> {
            (0..n)
                .map(|i| field(format!("{prefix}{i}{}", "k".repeat(60))))
                .collect()
        };
        d.fields.header = fields("h", 3);
        d.fields.primary = fields("p", 2);
        d.fields.secondary = fields("s", 4);
        d.fields.auxiliary = fields("a", 5);
        d.fields.back = fields("b", 20);
        d.barcode = Some(DBarcode {
            format: design::BarcodeFormat::Pdf417,
            message: Some("\u{2}".repeat(2000)),
            alt_text: Some("\u{3}".repeat(200)),
        });
        d.locations = (0..10)
            .map(|_| DLocation {
                latitude: -89.123_456_789_012_34,
                longitude: -179.123_456_789_012_34,
                relevant_text: Some("\u{4}".repeat(200)),
            })
            .collect();
        let mut pass = fixtures::pass(&account, Mode::Live, &template);
        pass.field_values.clear();
        let images = BTreeMap::new();
        let ctx = RenderContext {
            public_url: &format!("https://{}.example.com", "w".repeat(200)),
            pass_type_identifier: &format!("pass.{}", "x".repeat(200)),
            team_identifier: "ABCDE12345",
            images: &images,
        };
        let spec = pass_spec(&pass, &template, &ctx);
        assert_eq!(spec.relevant_dates.len(), 10);
        assert_eq!(spec.nfc.as_ref().map(|n| n.message.len()), Some(64));
        assert_eq!(spec.semantics["seats"].as_array().map(Vec::len), Some(20));
        let real = serde_json::to_vec(&passmint_pkpass::pass_json(&spec))
            .unwrap()
            .len();
        let (texts, _) = render_pass(&template.design, &pass);
        let bound = pass_json_bound(&template.design, &texts);
        assert!(
            real <= bound,
            "pass.json is {real} bytes, the bound {bound}"
        );
    }

    #[test]
    fn images_are_decoded_once_per_name() {
        let mut design = fixtures::design();
        design.images.insert("icon@2x".into(), "AAEC".into());
        let images = decode_images(&design).unwrap();
        assert_eq!(images["icon@2x.png"].as_bytes(), &[0, 1, 2]);
        design.images.insert("logo".into(), "not base64!".into());
        assert!(decode_images(&design).is_err());
    }

    #[test]
    fn localized_images_go_to_their_language() {
        let (pass, mut template) = sample();
        template.design.images.insert("logo".into(), "AAEC".into());
        template.design.localizations.insert(
            "fr".into(),
            design::Localization {
                strings: [("GATE".to_owned(), "Porte".to_owned())].into(),
                images: [("logo@2x".to_owned(), "AwQF".to_owned())].into(),
            },
        );
        template.design.localizations.insert(
            "de".into(),
            design::Localization {
                strings: [("GATE".to_owned(), "Flugsteig".to_owned())].into(),
                ..Default::default()
            },
        );
        let images = decode_images(&template.design).unwrap();
        assert!(images.contains_key("fr.lproj/logo@2x.png"));
        let ctx = RenderContext {
            public_url: "https://passmint.example.com",
            pass_type_identifier: "pass.example",
            team_identifier: "ABCDE12345",
            images: &images,
        };
        let spec = pass_spec(&pass, &template, &ctx);
        assert_eq!(spec.images.keys().collect::<Vec<_>>(), ["logo.png"]);
        let fr = &spec.localizations["fr"];
        assert_eq!(fr.strings["GATE"], "Porte");
        assert_eq!(fr.images["logo@2x.png"].as_bytes(), &[3, 4, 5]);
        assert!(spec.localizations["de"].images.is_empty());
        assert_eq!(spec.localizations["de"].strings["GATE"], "Flugsteig");
    }
}
