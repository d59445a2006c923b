//! Test and benchmark images: valid PNG files of any size, made without a PNG
//! library. Shared by the benchmark example and the integration tests.
//!
//! Pixels are 8-bit indexes into a 16-colour palette, filled with a seeded
//! pseudo-random pattern and stored uncompressed, so a file weighs about one byte
//! per pixel: the size of a real compressed logo of the same dimensions, not of a
//! flat colour that compresses to nothing.

/// The icons (1x to 3x) and logos (1x, 2x) every sample pass carries, by file name.
pub fn icons_and_logos() -> [(&'static str, Vec<u8>); 5] {
    [
        ("icon.png", png(29, 29, 1)),
        ("icon@2x.png", png(58, 58, 2)),
        ("icon@3x.png", png(87, 87, 3)),
        ("logo.png", png(160, 50, 4)),
        ("logo@2x.png", png(320, 100, 5)),
    ]
}

/// A `width` x `height` PNG whose pixels depend on `seed`.
pub fn png(width: u32, height: u32, seed: u32) -> Vec<u8> {
    let mut state = seed.wrapping_mul(2_654_435_761).max(1);
    let mut next_index = move || {
        // xorshift32
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        (state & 0x0F) as u8
    };
    let mut raw = Vec::with_capacity(((width + 1) * height) as usize);
    for _ in 0..height {
        // Filter type "none", then the row's palette indexes.
        let row = std::iter::once(0).chain((0..width).map(|_| next_index()));
        raw.extend(row);
    }
    let palette: Vec<u8> = (0..16u8)
        .flat_map(|i| [i * 16, 255 - i * 16, ((u32::from(i) * 37) % 255) as u8])
        .collect();
    // 8-bit indexed colour
    passmint_pkpass::images::encode_png((width, height), (8, 3), &[(b"PLTE", &palette)], &raw)
}
