//! Image rules: which images a pass style carries, Apple's allotted sizes, and the
//! base64 PNG payload: a whole PNG file (nothing after its IEND chunk), decoded
//! once its header's dimensions are within Apple's bounds, each image and all of a
//! design's images together within a byte cap (docs/api.md §3, §10).

use crate::error::DomainError;
use crate::template::AppleStyle;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use passmint_apple::PngError;
use std::collections::BTreeMap;

/// Largest image accepted (decoded from base64, a PNG file), per image key.
pub const MAX_IMAGE_BYTES: usize = 512 * 1024;
/// Largest sum of a design's images (decoded from base64): what every .pkpass of
/// the template and every template in a list carries.
pub const MAX_DESIGN_IMAGES_BYTES: usize = 1024 * 1024;
/// Memory the PNG decoder may use for one image (Apple's largest image, @3x, is
/// well under this as 16-bit RGBA).
const DECODE_LIMIT_BYTES: u64 = 32 * 1024 * 1024;

pub use passmint_apple::images::{
    ImageBounds, ImageKey, ImageKind, PNG_SIGNATURE, image_bounds,
    style_shows_image as style_supports_image,
};

/// Width and height from a PNG's signature and IHDR chunk (read by
/// [`passmint_apple::png_dimensions`]); the error completes a sentence starting
/// with the param.
pub fn png_dimensions(bytes: &[u8]) -> Result<(u32, u32), &'static str> {
    passmint_apple::png_dimensions(bytes).map_err(|e| match e {
        PngError::NotPng => "is not a PNG file (the PNG signature is missing)",
        PngError::Truncated => "is a truncated PNG file (its IHDR header is incomplete)",
        PngError::IhdrNotFirst => "is not a valid PNG file (the IHDR header must come first)",
        PngError::BadSize => {
            "is not a valid PNG file (its width and height must be between 1 and 2^31-1)"
        }
    })
}

/// The PNG file must end with its IEND chunk and its image data must decode (with
/// the dimensions of its header). Call it once the header's dimensions are known
/// to be small. The error completes a sentence starting with the param.
pub fn check_png_file(bytes: &[u8]) -> Result<(u32, u32), String> {
    let Some(len) = passmint_apple::png_file_len(bytes) else {
        return Err(
            "is not a complete PNG file (its chunks are cut short or it has no IEND              chunk): export the image again"
                .to_owned(),
        );
    };
    if len < bytes.len() {
        return Err(format!(
            "has {} bytes after the end of the PNG image (its IEND chunk): remove them,              only the PNG file itself is accepted",
            bytes.len() - len
        ));
    }
    let undecodable = |_| {
        "is not a valid PNG file (its image data cannot be decoded): export the image          again"
            .to_owned()
    };
    let mut decoder =
        image::codecs::png::PngDecoder::new(std::io::Cursor::new(bytes)).map_err(undecodable)?;
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(DECODE_LIMIT_BYTES);
    image::ImageDecoder::set_limits(&mut decoder, limits).map_err(undecodable)?;
    let (width, height) = image::ImageDecoder::dimensions(&decoder);
    let size = usize::try_from(image::ImageDecoder::total_bytes(&decoder))
        .ok()
        .filter(|n| (*n as u64) <= DECODE_LIMIT_BYTES)
        .ok_or_else(|| "is too large to decode: make it smaller".to_owned())?;
    let mut pixels = vec![0; size];
    image::ImageDecoder::read_image(decoder, &mut pixels).map_err(undecodable)?;
    Ok((width, height))
}

/// `n` bytes in KiB or MiB, whichever is whole.
fn size_text(n: usize) -> String {
    if n.is_multiple_of(1024 * 1024) {
        format!("{} MiB", n / (1024 * 1024))
    } else {
        format!("{} KiB", n / 1024)
    }
}

/// Decodes a design's image value: standard base64 (with padding) of at most
/// [`MAX_IMAGE_BYTES`]. The error completes a sentence starting with the param.
pub fn decode_image(value: &str) -> Result<Vec<u8>, String> {
    let max = size_text(MAX_IMAGE_BYTES);
    if value.starts_with("data:") {
        return Err(
            "must be plain base64 of a PNG file: remove the 'data:image/png;base64,' prefix"
                .to_owned(),
        );
    }
    if value.len() > 4 * MAX_IMAGE_BYTES.div_ceil(3) {
        return Err(format!(
            "is too large: images may be at most {max} once decoded"
        ));
    }
    let bytes = STANDARD.decode(value).map_err(|_| {
        "is not valid base64: encode the PNG file with standard base64 (RFC 4648, \
         '+' and '/', with '=' padding, no line breaks)"
            .to_owned()
    })?;
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(format!(
            "is too large: images may be at most {max} once decoded"
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
    check_images_at("images", style, images).map(|_| ())
}

/// The rules of [`check_images`] for the images of the map at `prefix`
/// (`images`, `localizations.fr.images`); returns their decoded size in all.
pub(super) fn check_images_at(
    prefix: &str,
    style: AppleStyle,
    images: &BTreeMap<String, String>,
) -> Result<usize, DomainError> {
    let style_str = style.as_str();
    let mut total = 0usize;
    for (key, value) in images {
        let param = format!("{prefix}.{key}");
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
        total += bytes.len();
        if total > MAX_DESIGN_IMAGES_BYTES {
            return Err(DomainError::invalid(
                param,
                format!(
                    "the images of {whose} may be at most {} in all once decoded, and                      they pass it at {key}: make the images smaller (compress the PNGs)                      or leave some variants out",
                    size_text(MAX_DESIGN_IMAGES_BYTES),
                    whose = if prefix == "images" {
                        "a design".to_owned()
                    } else {
                        prefix.to_owned()
                    },
                ),
            ));
        }
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
        // The header is small enough: decode the whole file, whose real dimensions
        // must be the header's (they are, for a PNG the decoder accepts).
        let decoded = check_png_file(&bytes)
            .map_err(|m| DomainError::invalid(&param, format!("{param} {m}")))?;
        if decoded != (width, height) {
            return Err(DomainError::invalid(
                &param,
                format!("{param} is not a valid PNG file: export the image again"),
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
                format!("{prefix}.{conflict}"),
                "eventTicket passes show either a strip image or a background and \
                 thumbnail image, not both: remove the strip or the background and \
                 thumbnail images",
            ));
        }
    }
    Ok(total)
}
