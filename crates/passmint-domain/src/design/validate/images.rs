//! Image rules: which images a pass style carries, Apple's allotted sizes, and the
//! base64 PNG payload (signature and IHDR only; nothing is decoded beyond that).

use crate::error::DomainError;
use crate::template::AppleStyle;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use std::collections::BTreeMap;

/// Largest decoded image accepted, per image key.
pub const MAX_IMAGE_BYTES: usize = 1024 * 1024;

/// The 8 bytes every PNG file starts with.
pub const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];

/// The images a pass may carry, by the base name of their file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ImageKind {
    Icon,
    Logo,
    Strip,
    Thumbnail,
    Background,
    Footer,
}

impl ImageKind {
    pub const ALL: [ImageKind; 6] = [
        ImageKind::Icon,
        ImageKind::Logo,
        ImageKind::Strip,
        ImageKind::Thumbnail,
        ImageKind::Background,
        ImageKind::Footer,
    ];

    /// The base name (`icon`), also the file name without `.png`.
    pub fn as_str(self) -> &'static str {
        match self {
            ImageKind::Icon => "icon",
            ImageKind::Logo => "logo",
            ImageKind::Strip => "strip",
            ImageKind::Thumbnail => "thumbnail",
            ImageKind::Background => "background",
            ImageKind::Footer => "footer",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// An image key of a design: `logo` (scale 1), `logo@2x`, `logo@3x`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImageKey {
    pub kind: ImageKind,
    /// 1, 2 or 3.
    pub scale: u32,
}

impl ImageKey {
    /// Parses `name`, `name@2x` or `name@3x`; anything else (`icon@1x`, `Icon`,
    /// `icon.png`) is `None`.
    pub fn parse(key: &str) -> Option<Self> {
        let (base, scale) = match key.split_once('@') {
            None => (key, 1),
            Some((base, "2x")) => (base, 2),
            Some((base, "3x")) => (base, 3),
            Some(_) => return None,
        };
        ImageKind::parse(base).map(|kind| ImageKey { kind, scale })
    }

    /// The file name inside the .pkpass: `logo.png`, `logo@2x.png`.
    pub fn file_name(self) -> String {
        match self.scale {
            1 => format!("{}.png", self.kind.as_str()),
            s => format!("{}@{s}x.png", self.kind.as_str()),
        }
    }
}

/// Bounds of an image at @1x, in points; multiply by the scale for pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImageBounds {
    pub min_width: u32,
    pub min_height: u32,
    pub max_width: u32,
    pub max_height: u32,
}

impl ImageBounds {
    const fn up_to(max_width: u32, max_height: u32) -> Self {
        ImageBounds {
            min_width: 1,
            min_height: 1,
            max_width,
            max_height,
        }
    }

    /// The same bounds in pixels for a `@{scale}x` variant.
    /// A minimum of 1 stays 1 (any size up to the maximum).
    pub fn scaled(self, scale: u32) -> Self {
        let min = |m: u32| if m > 1 { m * scale } else { m };
        ImageBounds {
            min_width: min(self.min_width),
            min_height: min(self.min_height),
            max_width: self.max_width * scale,
            max_height: self.max_height * scale,
        }
    }

    pub fn contains(self, width: u32, height: u32) -> bool {
        (self.min_width..=self.max_width).contains(&width)
            && (self.min_height..=self.max_height).contains(&height)
    }
}

/// Whether Apple's layout for `style` shows an image of this kind (the icon and the
/// logo are shown by every style). An eventTicket carries a strip or a background
/// and thumbnail, never both; that pairing rule is checked separately.
pub fn style_supports_image(style: AppleStyle, kind: ImageKind) -> bool {
    match kind {
        ImageKind::Icon | ImageKind::Logo => true,
        ImageKind::Strip => matches!(
            style,
            AppleStyle::Coupon | AppleStyle::StoreCard | AppleStyle::EventTicket
        ),
        ImageKind::Background => style == AppleStyle::EventTicket,
        ImageKind::Thumbnail => matches!(style, AppleStyle::EventTicket | AppleStyle::Generic),
        ImageKind::Footer => style == AppleStyle::BoardingPass,
    }
}

/// Apple's allotted space for an image at @1x, in points, or `None` when the style
/// does not show that image. The icon is 29x29 points in Apple's pass design guide
/// and 38x38 in newer material, so both and anything between are accepted; every
/// other image may be smaller than its allotted space (Wallet scales it) but not
/// larger. Strip heights follow Apple's per-style figures (98 points for event
/// tickets, 144 for coupons and store cards, 123 otherwise).
pub fn image_bounds(style: AppleStyle, kind: ImageKind) -> Option<ImageBounds> {
    if !style_supports_image(style, kind) {
        return None;
    }
    Some(match kind {
        ImageKind::Icon => ImageBounds {
            min_width: 29,
            min_height: 29,
            max_width: 38,
            max_height: 38,
        },
        ImageKind::Logo => ImageBounds::up_to(160, 50),
        ImageKind::Thumbnail => ImageBounds::up_to(90, 90),
        ImageKind::Strip => match style {
            AppleStyle::EventTicket => ImageBounds::up_to(375, 98),
            AppleStyle::Coupon | AppleStyle::StoreCard => ImageBounds::up_to(375, 144),
            _ => ImageBounds::up_to(375, 123),
        },
        ImageKind::Background => ImageBounds::up_to(180, 220),
        ImageKind::Footer => ImageBounds::up_to(286, 15),
    })
}

/// Width and height from a PNG's signature and IHDR chunk (which must come first,
/// complete with its CRC; the CRC itself is not verified).
pub fn png_dimensions(bytes: &[u8]) -> Result<(u32, u32), &'static str> {
    if bytes.len() < PNG_SIGNATURE.len() || bytes[..8] != PNG_SIGNATURE {
        return Err("is not a PNG file (the PNG signature is missing)");
    }
    // signature (8) + length (4) + "IHDR" (4) + data (13) + CRC (4)
    if bytes.len() < 33 {
        return Err("is a truncated PNG file (its IHDR header is incomplete)");
    }
    let be = |i: usize| u32::from_be_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
    if be(8) != 13 || &bytes[12..16] != b"IHDR" {
        return Err("is not a valid PNG file (the IHDR header must come first)");
    }
    let (width, height) = (be(16), be(20));
    if width == 0 || height == 0 || width > i32::MAX as u32 || height > i32::MAX as u32 {
        return Err("is not a valid PNG file (its width and height must be between 1 and 2^31-1)");
    }
    Ok((width, height))
}

/// Decodes a design's image value: standard base64 (with padding) of at most
/// [`MAX_IMAGE_BYTES`]. The error completes a sentence starting with the param.
pub fn decode_image(value: &str) -> Result<Vec<u8>, String> {
    let max_mib = MAX_IMAGE_BYTES / (1024 * 1024);
    if value.starts_with("data:") {
        return Err(
            "must be plain base64 of a PNG file: remove the 'data:image/png;base64,' prefix"
                .to_owned(),
        );
    }
    if value.len() > 4 * MAX_IMAGE_BYTES.div_ceil(3) {
        return Err(format!(
            "is too large: images may be at most {max_mib} MiB once decoded"
        ));
    }
    let bytes = STANDARD.decode(value).map_err(|_| {
        "is not valid base64: encode the PNG file with standard base64 (RFC 4648, \
         '+' and '/', with '=' padding, no line breaks)"
            .to_owned()
    })?;
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(format!(
            "is too large: images may be at most {max_mib} MiB once decoded"
        ));
    }
    Ok(bytes)
}

fn allowed_for(style: AppleStyle) -> String {
    let names: Vec<&str> = ImageKind::ALL
        .into_iter()
        .filter(|k| style_supports_image(style, *k))
        .map(ImageKind::as_str)
        .collect();
    names.join(", ")
}

pub(super) fn check_images(
    style: AppleStyle,
    images: &BTreeMap<String, String>,
) -> Result<(), DomainError> {
    let style_str = style.as_str();
    for (key, value) in images {
        let param = format!("images.{key}");
        let Some(image) = ImageKey::parse(key) else {
            return Err(DomainError::invalid(
                param,
                format!(
                    "'{key}' is not an image name: use icon, logo, strip, thumbnail, \
                     background or footer, optionally followed by @2x or @3x"
                ),
            ));
        };
        let Some(bounds) = image_bounds(style, image.kind) else {
            return Err(DomainError::invalid(
                param,
                format!(
                    "{style_str} passes do not show a {} image: remove it (this style \
                     accepts {})",
                    image.kind.as_str(),
                    allowed_for(style)
                ),
            ));
        };
        let bytes = decode_image(value)
            .map_err(|m| DomainError::invalid(&param, format!("{param} {m}")))?;
        let (width, height) = png_dimensions(&bytes).map_err(|m| {
            DomainError::invalid(&param, format!("{param} {m}: only PNG images are accepted"))
        })?;
        let px = bounds.scaled(image.scale);
        if !px.contains(width, height) {
            let (expected, points) = if bounds.min_width > 1 || bounds.min_height > 1 {
                (
                    format!(
                        "between {}x{} and {}x{} pixels",
                        px.min_width, px.min_height, px.max_width, px.max_height
                    ),
                    format!(
                        "{}x{} to {}x{} points",
                        bounds.min_width, bounds.min_height, bounds.max_width, bounds.max_height
                    ),
                )
            } else {
                (
                    format!("at most {}x{} pixels", px.max_width, px.max_height),
                    format!("up to {}x{} points", bounds.max_width, bounds.max_height),
                )
            };
            let (scale, fix) = match image.scale {
                1 => (
                    "at @1x".to_owned(),
                    format!(
                        "resize the image, and give high-resolution versions as {0}@2x \
                         and {0}@3x",
                        image.kind.as_str()
                    ),
                ),
                s => (
                    format!("times {s} for @{s}x"),
                    "resize the image".to_owned(),
                ),
            };
            return Err(DomainError::invalid(
                param,
                format!(
                    "{key} is {width}x{height} pixels but must be {expected} on a \
                     {style_str} pass (Apple's {} image is {points}, {scale}): {fix}",
                    image.kind.as_str()
                ),
            ));
        }
    }
    if style == AppleStyle::EventTicket {
        let kind_of = |k: &String| ImageKey::parse(k).map(|i| i.kind);
        let has_strip = images.keys().any(|k| kind_of(k) == Some(ImageKind::Strip));
        if has_strip
            && let Some(conflict) = images.keys().find(|k| {
                matches!(
                    kind_of(k),
                    Some(ImageKind::Background | ImageKind::Thumbnail)
                )
            })
        {
            return Err(DomainError::invalid(
                format!("images.{conflict}"),
                "eventTicket passes show either a strip image or a background and \
                 thumbnail image, not both: remove the strip or the background and \
                 thumbnail images",
            ));
        }
    }
    Ok(())
}
