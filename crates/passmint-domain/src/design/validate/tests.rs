//! Tests of design validation, one file per topic; the helpers are here.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod design;
mod fields;
mod images;
mod localizations;
mod placeholders;
mod relevance;
mod semantics;
mod values;

use super::text::clip;
use super::*;
use crate::design::{
    Barcode, BarcodeFormat, Colors, Field, FieldArea, Fields, Location, TransitType,
};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE};

const STYLES: [AppleStyle; 5] = AppleStyle::ALL;

/// A PNG file of the given size (transparent pixels); for sizes no encoder writes
/// (0, or larger than 4096), only a header: signature, IHDR, a placeholder CRC.
fn png(width: u32, height: u32) -> Vec<u8> {
    if (1..=4096).contains(&width) && (1..=4096).contains(&height) {
        let mut out = Vec::new();
        let pixels = vec![0u8; (width * height * 4) as usize];
        image::ImageEncoder::write_image(
            image::codecs::png::PngEncoder::new(&mut out),
            &pixels,
            width,
            height,
            image::ExtendedColorType::Rgba8,
        )
        .unwrap();
        return out;
    }
    let mut b = super::images::PNG_SIGNATURE.to_vec();
    b.extend_from_slice(&13u32.to_be_bytes());
    b.extend_from_slice(b"IHDR");
    b.extend_from_slice(&width.to_be_bytes());
    b.extend_from_slice(&height.to_be_bytes());
    b.extend_from_slice(&[8, 6, 0, 0, 0]);
    b.extend_from_slice(&[0, 0, 0, 0]);
    b
}

/// A valid PNG of the given size, padded to exactly `len` bytes with a private
/// ancillary chunk before its IEND.
fn padded_png(width: u32, height: u32, len: usize) -> Vec<u8> {
    let file = png(width, height);
    let (body, iend) = file.split_at(file.len() - 12);
    let data = len - file.len() - 12;
    let mut out = body.to_vec();
    out.extend_from_slice(&(data as u32).to_be_bytes());
    out.extend_from_slice(b"paDd");
    out.resize(out.len() + data, 0);
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(iend);
    out
}

fn b64png(width: u32, height: u32) -> String {
    STANDARD.encode(png(width, height))
}

fn field(key: &str) -> Field {
    Field {
        key: key.to_owned(),
        ..Field::default()
    }
}

fn fields(prefix: &str, n: usize) -> Vec<Field> {
    (0..n).map(|i| field(&format!("{prefix}{i}"))).collect()
}

fn minimal(style: AppleStyle) -> Design {
    Design {
        organization_name: "Acme".into(),
        description: "Acme pass".into(),
        transit_type: (style == AppleStyle::BoardingPass).then_some(TransitType::Air),
        ..Design::default()
    }
}

fn param_of(style: AppleStyle, design: &Design) -> String {
    match validate_design(style, design) {
        Err(DomainError::Invalid {
            param: Some(p),
            code: None,
            ..
        }) => p,
        other => panic!("expected an Invalid error with a param, got {other:?}"),
    }
}

fn message_of(style: AppleStyle, design: &Design) -> String {
    match validate_design(style, design) {
        Err(DomainError::Invalid { message, .. }) => message,
        other => panic!("expected an Invalid error, got {other:?}"),
    }
}

/// Asserts that `design` is refused at `param` with a message holding every one of
/// `needles`.
#[track_caller]
fn refused(style: AppleStyle, design: &Design, param: &str, needles: &[&str]) {
    assert_eq!(param_of(style, design), param);
    let msg = message_of(style, design);
    for needle in needles {
        assert!(msg.contains(needle), "{param}: {needle:?} not in {msg:?}");
    }
}

fn ok(style: AppleStyle, design: &Design) {
    if let Err(e) = validate_design(style, design) {
        panic!("expected {style:?} design to be valid, got {e:?}");
    }
}
