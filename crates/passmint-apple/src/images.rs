//! Pass images: Apple's names, which style shows which image, the allotted sizes,
//! a PNG header reader (signature and IHDR only; no pixel is decoded) and the
//! chunk walk that finds where a PNG file ends.

use crate::style::PassStyle;

/// The 8 bytes every PNG file starts with.
pub const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];

/// The images a pass may carry, by the base name of their file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ImageKind {
    /// `icon`: required, shown on the lock screen and in notifications.
    Icon,
    /// `logo`: top left of the pass.
    Logo,
    /// `strip`: behind the primary fields.
    Strip,
    /// `thumbnail`: next to the fields.
    Thumbnail,
    /// `background`: blurred behind an event ticket.
    Background,
    /// `footer`: above the barcode of a boarding pass.
    Footer,
}

impl ImageKind {
    /// Every kind.
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

    /// The kind named by [`ImageKind::as_str`], exactly.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One image variant: `logo` (scale 1), `logo@2x`, `logo@3x`; its file inside the
/// .pkpass is `logo.png`, `logo@2x.png`, `logo@3x.png`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ImageKey {
    /// Which image.
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

    /// Parses an Apple image file name (`logo@2x.png`); anything else (`Icon.png`,
    /// `icon@1x.png`, `icon.jpg`, `en.lproj/logo.png`) is `None`.
    pub fn parse_file_name(file_name: &str) -> Option<Self> {
        Self::parse(file_name.strip_suffix(".png")?)
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
    /// Smallest width.
    pub min_width: u32,
    /// Smallest height.
    pub min_height: u32,
    /// Largest width.
    pub max_width: u32,
    /// Largest height.
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

    /// Whether `width` x `height` lies within the bounds.
    pub fn contains(self, width: u32, height: u32) -> bool {
        (self.min_width..=self.max_width).contains(&width)
            && (self.min_height..=self.max_height).contains(&height)
    }
}

/// Whether Apple's layout for `style` shows an image of this kind (the icon and the
/// logo are shown by every style). An eventTicket carries a strip or a background
/// and thumbnail, never both; that pairing rule is checked separately.
pub fn style_shows_image(style: PassStyle, kind: ImageKind) -> bool {
    match kind {
        ImageKind::Icon | ImageKind::Logo => true,
        ImageKind::Strip => matches!(
            style,
            PassStyle::Coupon | PassStyle::StoreCard | PassStyle::EventTicket
        ),
        ImageKind::Background => style == PassStyle::EventTicket,
        ImageKind::Thumbnail => matches!(style, PassStyle::EventTicket | PassStyle::Generic),
        ImageKind::Footer => style == PassStyle::BoardingPass,
    }
}

/// Apple's allotted space for an image at @1x, in points, or `None` when the style
/// does not show that image. The icon is 29x29 points in Apple's pass design guide
/// and 38x38 in newer material, so both and anything between are accepted; every
/// other image may be smaller than its allotted space (Wallet scales it) but not
/// larger. Strip heights follow Apple's per-style figures (98 points for event
/// tickets, 144 for coupons and store cards, 123 otherwise).
pub fn image_bounds(style: PassStyle, kind: ImageKind) -> Option<ImageBounds> {
    if !style_shows_image(style, kind) {
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
            PassStyle::EventTicket => ImageBounds::up_to(375, 98),
            PassStyle::Coupon | PassStyle::StoreCard => ImageBounds::up_to(375, 144),
            _ => ImageBounds::up_to(375, 123),
        },
        ImageKind::Background => ImageBounds::up_to(180, 220),
        ImageKind::Footer => ImageBounds::up_to(286, 15),
    })
}

/// Why [`png_dimensions`] refused a file; callers word the message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PngError {
    /// The PNG signature is missing.
    NotPng,
    /// The IHDR chunk is incomplete.
    Truncated,
    /// The first chunk is not a 13-byte IHDR.
    IhdrNotFirst,
    /// Width or height is 0 or above 2^31-1.
    BadSize,
}

/// Width and height from a PNG's signature and IHDR chunk (which must come first,
/// complete with its CRC; the CRC itself is not verified).
pub fn png_dimensions(bytes: &[u8]) -> Result<(u32, u32), PngError> {
    if bytes.len() < PNG_SIGNATURE.len() || bytes[..8] != PNG_SIGNATURE {
        return Err(PngError::NotPng);
    }
    // signature (8) + length (4) + "IHDR" (4) + data (13) + CRC (4)
    if bytes.len() < 33 {
        return Err(PngError::Truncated);
    }
    let be = |i: usize| u32::from_be_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
    if be(8) != 13 || &bytes[12..16] != b"IHDR" {
        return Err(PngError::IhdrNotFirst);
    }
    let (width, height) = (be(16), be(20));
    if width == 0 || height == 0 || width > i32::MAX as u32 || height > i32::MAX as u32 {
        return Err(PngError::BadSize);
    }
    Ok((width, height))
}

/// The length of the PNG file at the start of `bytes`: the offset just past its
/// `IEND` chunk, found by walking the chunks (length, type, data, CRC; CRCs are not
/// verified). `None` when the signature is missing, a chunk runs past the end, or
/// there is no `IEND`. Bytes after that offset are not part of the image.
pub fn png_file_len(bytes: &[u8]) -> Option<usize> {
    if !bytes.starts_with(&PNG_SIGNATURE) {
        return None;
    }
    let mut at = PNG_SIGNATURE.len();
    loop {
        let header = bytes.get(at..at.checked_add(8)?)?;
        let len = u32::from_be_bytes([header[0], header[1], header[2], header[3]]);
        let end = at
            .checked_add(12)?
            .checked_add(usize::try_from(len).ok()?)?;
        if end > bytes.len() {
            return None;
        }
        if &header[4..8] == b"IEND" {
            return Some(end);
        }
        at = end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let mut bytes = PNG_SIGNATURE.to_vec();
        bytes.extend_from_slice(&13u32.to_be_bytes());
        bytes.extend_from_slice(b"IHDR");
        bytes.extend_from_slice(&width.to_be_bytes());
        bytes.extend_from_slice(&height.to_be_bytes());
        bytes.extend_from_slice(&[8, 6, 0, 0, 0, 0, 0, 0, 0]);
        bytes
    }

    #[test]
    fn parses_keys_and_file_names() {
        let logo3 = ImageKey {
            kind: ImageKind::Logo,
            scale: 3,
        };
        assert_eq!(ImageKey::parse("logo@3x"), Some(logo3));
        assert_eq!(ImageKey::parse_file_name("logo@3x.png"), Some(logo3));
        assert_eq!(logo3.file_name(), "logo@3x.png");
        for bad in ["Icon.png", "icon@1x.png", "icon.jpg", "icon", "x/icon.png"] {
            assert_eq!(ImageKey::parse_file_name(bad), None, "{bad}");
        }
        for bad in ["Icon", "icon@1x", "icon.png"] {
            assert_eq!(ImageKey::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn bounds_per_style() {
        assert_eq!(image_bounds(PassStyle::Generic, ImageKind::Footer), None);
        let strip = image_bounds(PassStyle::EventTicket, ImageKind::Strip);
        assert_eq!(strip.map(|b| b.max_height), Some(98));
        let icon = image_bounds(PassStyle::Coupon, ImageKind::Icon).map(|b| b.scaled(2));
        assert_eq!(icon.map(|b| (b.min_width, b.max_width)), Some((58, 76)));
    }

    fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut c = (data.len() as u32).to_be_bytes().to_vec();
        c.extend_from_slice(kind);
        c.extend_from_slice(data);
        c.extend_from_slice(&[0; 4]);
        c
    }

    #[test]
    fn finds_the_end_of_the_file() {
        let mut file = PNG_SIGNATURE.to_vec();
        file.extend(chunk(b"IHDR", &[0; 13]));
        file.extend(chunk(b"IDAT", &[1, 2, 3]));
        assert_eq!(png_file_len(&file), None, "no IEND");
        file.extend(chunk(b"IEND", &[]));
        let len = file.len();
        assert_eq!(png_file_len(&file), Some(len));
        file.extend_from_slice(b"trailing");
        assert_eq!(
            png_file_len(&file),
            Some(len),
            "trailing bytes are not the file"
        );
        assert_eq!(png_file_len(&file[..len - 1]), None, "IEND cut short");
        assert_eq!(png_file_len(b"GIF89a"), None);
        let mut huge = PNG_SIGNATURE.to_vec();
        huge.extend_from_slice(&u32::MAX.to_be_bytes());
        huge.extend_from_slice(b"IDAT");
        assert_eq!(png_file_len(&huge), None, "a chunk longer than the file");
    }

    #[test]
    fn reads_the_png_header() {
        assert_eq!(png_dimensions(&png(3, 4)), Ok((3, 4)));
        assert_eq!(png_dimensions(b"GIF89a"), Err(PngError::NotPng));
        assert_eq!(png_dimensions(&PNG_SIGNATURE), Err(PngError::Truncated));
        assert_eq!(png_dimensions(&png(0, 4)), Err(PngError::BadSize));
        let mut bad = png(1, 1);
        bad[12] = b'X';
        assert_eq!(png_dimensions(&bad), Err(PngError::IhdrNotFirst));
    }
}
