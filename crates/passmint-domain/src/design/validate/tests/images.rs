use super::*;

// --- images ----------------------------------------------------------------

fn with_image(style: AppleStyle, key: &str, value: String) -> Design {
    let mut d = minimal(style);
    d.images.insert(key.into(), value);
    d
}

#[test]
fn image_keys_parse() {
    assert_eq!(
        ImageKey::parse("icon"),
        Some(ImageKey {
            kind: ImageKind::Icon,
            scale: 1
        })
    );
    assert_eq!(
        ImageKey::parse("strip@2x"),
        Some(ImageKey {
            kind: ImageKind::Strip,
            scale: 2
        })
    );
    assert_eq!(
        ImageKey::parse("footer@3x").unwrap().file_name(),
        "footer@3x.png"
    );
    assert_eq!(ImageKey::parse("logo").unwrap().file_name(), "logo.png");
    for bad in [
        "",
        "Icon",
        "icon.png",
        "icon@1x",
        "icon@4x",
        "icon@2X",
        "icon@",
        "icon@2x@2x",
        "@2x",
        "poster",
        "icon ",
        "logo@2x.png",
    ] {
        assert_eq!(ImageKey::parse(bad), None, "{bad:?}");
    }
}

#[test]
fn unknown_image_keys_are_refused() {
    let s = AppleStyle::Generic;
    for key in [
        "foo",
        "icon@1x",
        "icon@4x",
        "Icon",
        "icon.png",
        "logo@2x.png",
    ] {
        let d = with_image(s, key, b64png(29, 29));
        refused(s, &d, &format!("images.{key}"), &["@2x or @3x"]);
    }
}

#[test]
fn images_a_style_does_not_show_are_refused() {
    use AppleStyle::*;
    use ImageKind::*;
    let supported = |style, kind| match kind {
        Icon | Logo => true,
        Strip => matches!(style, Coupon | StoreCard | EventTicket),
        Background => style == EventTicket,
        Thumbnail => matches!(style, EventTicket | Generic),
        Footer => style == BoardingPass,
    };
    for style in STYLES {
        for kind in ImageKind::ALL {
            assert_eq!(
                style_supports_image(style, kind),
                supported(style, kind),
                "{style:?} {kind:?}"
            );
            assert_eq!(image_bounds(style, kind).is_some(), supported(style, kind));
            let key = format!("{}@2x", kind.as_str());
            let d = with_image(style, &key, b64png(58, 30));
            if supported(style, kind) && kind != Icon {
                ok(style, &d);
            } else if !supported(style, kind) {
                assert_eq!(param_of(style, &d), format!("images.{key}"));
                let msg = message_of(style, &d);
                assert!(
                    msg.contains(style.as_str()) && msg.contains("remove"),
                    "{msg}"
                );
            }
        }
    }
}

#[test]
fn event_ticket_strip_excludes_background_and_thumbnail() {
    let s = AppleStyle::EventTicket;
    let mut d = with_image(s, "strip", b64png(375, 98));
    ok(s, &d);
    d.images.insert("thumbnail@2x".into(), b64png(180, 180));
    refused(s, &d, "images.thumbnail@2x", &["not both"]);
    let mut d = with_image(s, "strip@3x", b64png(1125, 294));
    d.images.insert("background".into(), b64png(180, 220));
    assert_eq!(param_of(s, &d), "images.background");
    let mut d = with_image(s, "background", b64png(180, 220));
    d.images.insert("thumbnail".into(), b64png(90, 90));
    ok(s, &d);
}

#[test]
fn image_payload_must_be_base64_png_within_the_cap() {
    let s = AppleStyle::Coupon;
    let cases: Vec<(String, &str)> = vec![
        ("not base64!".into(), "base64"),
        ("iVBORw0KGgo".into(), "base64"),
        (format!("data:image/png;base64,{}", b64png(10, 10)), "data:"),
        (
            STANDARD.encode(&png(10, 10)[..32]).replace('=', ""),
            "base64",
        ),
        (format!("{}\n", b64png(10, 10)), "base64"),
        (format!(" {}", b64png(10, 10)), "base64"),
        (URL_SAFE.encode([0xFB; 33]), "base64"),
        (String::new(), "PNG"),
        (
            STANDARD.encode([0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F']),
            "PNG",
        ),
        (STANDARD.encode(&png(10, 10)[..20]), "truncated"),
        (STANDARD.encode(&png(10, 10)[..32]), "truncated"),
        (STANDARD.encode(&png(10, 10)[..8]), "truncated"),
        (STANDARD.encode(png(0, 10)), "width and height"),
        (STANDARD.encode(png(10, 0)), "width and height"),
        (STANDARD.encode(png(u32::MAX, 10)), "width and height"),
    ];
    for (value, needle) in cases {
        let d = with_image(s, "logo@2x", value.clone());
        assert_eq!(param_of(s, &d), "images.logo@2x", "{value:.40}");
        let msg = message_of(s, &d);
        assert!(msg.contains(needle), "{value:.40}: {msg}");
    }
    let mut bad_ihdr = png(10, 10);
    bad_ihdr[12..16].copy_from_slice(b"IDAT");
    let d = with_image(s, "logo", STANDARD.encode(bad_ihdr));
    assert!(message_of(s, &d).contains("IHDR"));

    // Exactly 512 KiB is fine, one byte more is not.
    let d = with_image(
        s,
        "logo",
        STANDARD.encode(padded_png(160, 50, MAX_IMAGE_BYTES)),
    );
    ok(s, &d);
    let big = padded_png(160, 50, MAX_IMAGE_BYTES + 1);
    let d = with_image(s, "logo", STANDARD.encode(&big));
    refused(s, &d, "images.logo", &["512 KiB"]);
    // Far too large is refused without decoding.
    let d = with_image(s, "logo", "A".repeat(3 * MAX_IMAGE_BYTES));
    assert!(message_of(s, &d).contains("512 KiB"));
}

#[test]
fn images_are_whole_png_files() {
    let s = AppleStyle::Generic;
    // Bytes after IEND: refused, however few.
    let mut trailing = png(160, 50);
    trailing.extend_from_slice(b"padding");
    let d = with_image(s, "logo", STANDARD.encode(&trailing));
    refused(s, &d, "images.logo", &["7 bytes after the end"]);
    // A header alone (no image data, no IEND).
    let mut header = png(160, 50);
    header.truncate(33);
    let d = with_image(s, "logo", STANDARD.encode(&header));
    assert!(message_of(s, &d).contains("not a complete PNG"));
    // Image data that does not decode (the IDAT chunk's bytes spoiled).
    let mut spoiled = png(160, 50);
    let idat = spoiled.windows(4).position(|w| w == b"IDAT").unwrap();
    for b in &mut spoiled[idat + 4..idat + 10] {
        *b = 0xff;
    }
    let d = with_image(s, "logo", STANDARD.encode(&spoiled));
    refused(s, &d, "images.logo", &["cannot be decoded"]);
}

#[test]
fn a_designs_images_are_capped_in_all() {
    let s = AppleStyle::EventTicket;
    let mut d = minimal(s);
    let third = MAX_DESIGN_IMAGES_BYTES / 3;
    for key in ["logo", "logo@2x", "logo@3x"] {
        d.images
            .insert(key.to_owned(), STANDARD.encode(padded_png(10, 10, third)));
    }
    ok(s, &d);
    d.images.insert(
        "thumbnail".to_owned(),
        STANDARD.encode(padded_png(10, 10, 1024)),
    );
    refused(s, &d, "images.thumbnail", &["1 MiB in all"]);
}

#[test]
fn png_dimensions_reads_ihdr() {
    assert_eq!(png_dimensions(&png(375, 123)), Ok((375, 123)));
    assert_eq!(png_dimensions(&png(1, 1)), Ok((1, 1)));
    let mut longer = png(7, 9);
    longer.extend_from_slice(b"more chunks follow");
    assert_eq!(png_dimensions(&longer), Ok((7, 9)));
    assert!(png_dimensions(b"").is_err());
    assert!(png_dimensions(b"GIF89a..........................").is_err());
}

/// (style, image, scale, largest accepted width, height): one pixel more on either
/// side is refused, and the documented size is accepted.
#[test]
fn image_sizes_follow_apple_scaled_by_variant() {
    use AppleStyle::*;
    let cases = [
        (Generic, "logo", 160, 50),
        (BoardingPass, "logo", 160, 50),
        (EventTicket, "thumbnail", 90, 90),
        (Generic, "thumbnail", 90, 90),
        (EventTicket, "strip", 375, 98),
        (Coupon, "strip", 375, 144),
        (StoreCard, "strip", 375, 144),
        (EventTicket, "background", 180, 220),
        (BoardingPass, "footer", 286, 15),
    ];
    for (style, name, w, h) in cases {
        for scale in 1..=3u32 {
            let key = match scale {
                1 => name.to_owned(),
                s => format!("{name}@{s}x"),
            };
            let (mw, mh) = (w * scale, h * scale);
            ok(style, &with_image(style, &key, b64png(mw, mh)));
            ok(style, &with_image(style, &key, b64png(1, 1)));
            ok(style, &with_image(style, &key, b64png(mw / 2, mh)));
            for (tw, th) in [(mw + 1, mh), (mw, mh + 1), (mw * 3, mh * 3)] {
                let d = with_image(style, &key, b64png(tw, th));
                assert_eq!(
                    param_of(style, &d),
                    format!("images.{key}"),
                    "{style:?} {key} {tw}x{th}"
                );
                let msg = message_of(style, &d);
                assert!(
                    msg.contains(&format!("{tw}x{th}"))
                        && msg.contains(&format!("at most {mw}x{mh}")),
                    "{msg}"
                );
            }
        }
    }
}

#[test]
fn icon_size_is_a_range() {
    let s = AppleStyle::StoreCard;
    for scale in 1..=3u32 {
        let key = match scale {
            1 => "icon".to_owned(),
            s => format!("icon@{s}x"),
        };
        for (w, h) in [(29, 29), (38, 38), (29, 38), (32, 32)] {
            ok(s, &with_image(s, &key, b64png(w * scale, h * scale)));
        }
        for (w, h) in [
            (29 * scale - 1, 29 * scale),
            (29 * scale, 29 * scale - 1),
            (38 * scale + 1, 38 * scale),
            (1024, 1024),
            (1, 1),
        ] {
            let d = with_image(s, &key, b64png(w, h));
            assert_eq!(param_of(s, &d), format!("images.{key}"), "{key} {w}x{h}");
            let msg = message_of(s, &d);
            assert!(
                msg.contains(&format!(
                    "between {}x{} and {}x{}",
                    29 * scale,
                    29 * scale,
                    38 * scale,
                    38 * scale
                )),
                "{msg}"
            );
        }
    }
}

#[test]
fn no_images_at_all_is_fine() {
    for style in STYLES {
        let d = minimal(style);
        assert!(d.images.is_empty());
        ok(style, &d);
    }
}
