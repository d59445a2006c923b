//! Pass images: Apple's file names, which style shows which image, the allotted
//! sizes, a PNG header reader, and the built-in default icon.
//!
//! Nothing here decodes pixels: only the PNG signature and the IHDR chunk are read.
//! The default icon is generated once per process (an uncompressed PNG drawn in
//! code) and shared by every pass that needs it.

use crate::pass_image::PassImage;
use passmint_apple::PngError;
use std::sync::OnceLock;

pub use passmint_apple::images::{
    ImageBounds, ImageKind, PNG_SIGNATURE, image_bounds, style_shows_image,
};

/// A parsed image file name: `logo.png` (scale 1), `logo@2x.png`, `logo@3x.png`
/// (parse with [`ImageName::parse_file_name`]).
pub type ImageName = passmint_apple::ImageKey;

/// Width and height from a PNG's signature and IHDR chunk (which must come first;
/// its CRC is not verified). The error completes "the image ...".
pub fn png_dimensions(bytes: &[u8]) -> Result<(u32, u32), &'static str> {
    passmint_apple::png_dimensions(bytes).map_err(|e| match e {
        PngError::NotPng => "is not a PNG file (the PNG signature is missing)",
        PngError::Truncated => "is a truncated PNG file (its IHDR header is incomplete)",
        PngError::IhdrNotFirst => "is not a valid PNG file (the IHDR header must come first)",
        PngError::BadSize => "is not a valid PNG file (its width and height must be 1 to 2^31-1)",
    })
}

// ---------------------------------------------------------------------------
// Default icon
// ---------------------------------------------------------------------------

/// One generated file: its name and image (with its SHA-1 already computed).
pub(crate) struct DefaultIconFile {
    pub name: &'static str,
    pub image: PassImage,
}

/// The built-in icon at 1x, 2x and 3x (29, 58 and 87 pixels square), made once.
pub(crate) fn default_icon() -> &'static [DefaultIconFile; 3] {
    static ICON: OnceLock<[DefaultIconFile; 3]> = OnceLock::new();
    ICON.get_or_init(|| {
        let file = |name: &'static str, scale: u32| {
            let image = PassImage::new(draw_default_icon(29 * scale));
            image.sha1();
            DefaultIconFile { name, image }
        };
        [
            file("icon.png", 1),
            file("icon@2x.png", 2),
            file("icon@3x.png", 3),
        ]
    })
}

/// The built-in icon's files: `(file name, PNG bytes)` for `icon.png`,
/// `icon@2x.png` and `icon@3x.png` (29, 58 and 87 pixels square).
pub fn default_icon_files() -> impl Iterator<Item = (&'static str, &'static [u8])> {
    default_icon().iter().map(|f| (f.name, f.image.as_bytes()))
}

/// A mint rounded square with a white ring, `size` pixels square: a 2-bit
/// indexed PNG (transparent, mint, white), so even the @3x file is about 2 KB.
fn draw_default_icon(size: u32) -> Vec<u8> {
    let s = size as f32;
    let corner = s * 0.22;
    let center = s / 2.0;
    let (outer, inner) = (s * 0.30, s * 0.17);
    let row_bytes = (size as usize * 2).div_ceil(8);
    let mut raw = Vec::with_capacity((row_bytes + 1) * size as usize);
    for y in 0..size {
        raw.push(0); // filter type: none
        let row_start = raw.len();
        raw.resize(row_start + row_bytes, 0);
        for x in 0..size {
            let (px, py) = (x as f32 + 0.5, y as f32 + 0.5);
            // distance outside the rounded square's inner rectangle
            let dx = (corner - px).max(px - (s - corner)).max(0.0);
            let dy = (corner - py).max(py - (s - corner)).max(0.0);
            let in_square = dx * dx + dy * dy <= corner * corner;
            let r2 = (px - center).powi(2) + (py - center).powi(2);
            let in_ring = r2 <= outer * outer && r2 >= inner * inner;
            let index: u8 = match (in_square, in_ring) {
                (false, _) => 0,
                (true, false) => 1,
                (true, true) => 2,
            };
            let x = x as usize;
            raw[row_start + x / 4] |= index << (6 - 2 * (x % 4));
        }
    }
    let palette = [0, 0, 0, 0x1F, 0xA8, 0x7A, 0xFF, 0xFF, 0xFF];
    let alpha = [0, 0xFF, 0xFF];
    encode_png(
        (size, size),
        (2, 3), // 2 bits per pixel, indexed colour
        &[(b"PLTE", &palette), (b"tRNS", &alpha)],
        &raw,
    )
}

/// A PNG from filtered scanlines `raw`, with `(bit depth, colour type)`, extra
/// chunks written before the image data (PLTE, tRNS), and a zlib stream of stored
/// (uncompressed) deflate blocks. Also what the examples and tests make their
/// sample images with.
pub fn encode_png(
    (width, height): (u32, u32),
    (bit_depth, color_type): (u8, u8),
    extra_chunks: &[(&[u8; 4], &[u8])],
    raw: &[u8],
) -> Vec<u8> {
    let mut zlib = vec![0x78, 0x01];
    let mut blocks = raw.chunks(65_535).peekable();
    if blocks.peek().is_none() {
        zlib.extend_from_slice(&[1, 0, 0, 0xFF, 0xFF]);
    }
    while let Some(block) = blocks.next() {
        zlib.push(u8::from(blocks.peek().is_none()));
        let len = block.len() as u16;
        zlib.extend_from_slice(&len.to_le_bytes());
        zlib.extend_from_slice(&(!len).to_le_bytes());
        zlib.extend_from_slice(block);
    }
    zlib.extend_from_slice(&adler32(raw).to_be_bytes());

    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[bit_depth, color_type, 0, 0, 0]);

    let mut chunks: Vec<(&[u8; 4], &[u8])> = vec![(b"IHDR", &ihdr)];
    chunks.extend_from_slice(extra_chunks);
    chunks.push((b"IDAT", &zlib));
    chunks.push((b"IEND", &[]));
    let mut png = PNG_SIGNATURE.to_vec();
    for (kind, data) in chunks {
        png.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let start = png.len();
        png.extend_from_slice(kind);
        png.extend_from_slice(data);
        let crc = crc32(&png[start..]);
        png.extend_from_slice(&crc.to_be_bytes());
    }
    png
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for byte in data {
        a = (a + u32::from(*byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    (b << 16) | a
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for byte in data {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn parses_apple_file_names() {
        assert_eq!(
            ImageName::parse_file_name("logo@3x.png"),
            Some(ImageName {
                kind: ImageKind::Logo,
                scale: 3
            })
        );
        for bad in ["Icon.png", "icon@1x.png", "icon.jpg", "icon", "x/icon.png"] {
            assert_eq!(ImageName::parse_file_name(bad), None, "{bad}");
        }
    }

    #[test]
    fn default_icon_is_a_valid_png_of_the_right_size() {
        for (file, side) in default_icon().iter().zip([29, 58, 87]) {
            let png = file.image.as_bytes();
            assert_eq!(png_dimensions(png).unwrap(), (side, side));
            assert!(png.ends_with(&[0xAE, 0x42, 0x60, 0x82]), "IEND CRC");
            assert_eq!(file.image.sha1(), openssl::sha::sha1(png));
        }
    }

    #[test]
    fn checksums_match_known_values() {
        assert_eq!(crc32(b"IEND"), 0xAE42_6082);
        assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398);
    }

    #[test]
    fn png_dimensions_refuses_non_png() {
        assert!(png_dimensions(b"GIF89a").is_err());
        assert!(png_dimensions(&PNG_SIGNATURE).is_err());
    }
}
