use super::*;

// --- whole designs ---------------------------------------------------------

#[test]
fn minimal_design_is_valid_for_every_style() {
    for style in STYLES {
        ok(style, &minimal(style));
    }
}

#[test]
fn complete_design_is_valid() {
    let mut d = minimal(AppleStyle::EventTicket);
    d.logo_text = Some("Acme Live".into());
    d.colors = Some(Colors {
        background: Some("#1A2b3C".into()),
        foreground: Some("rgb(255, 255, 255)".into()),
        label: Some("rgb(0,0,0)".into()),
    });
    d.fields = Fields {
        header: vec![Field {
            key: "date".into(),
            label: Some("DATE".into()),
            value: Some("2025-06-01".into()),
            ..Field::default()
        }],
        primary: vec![Field {
            key: "event".into(),
            value: Some("Concert for {{holder_name}}".into()),
            change_message: Some("Event changed to %@".into()),
            ..Field::default()
        }],
        secondary: fields("s", 4),
        auxiliary: fields("a", 4),
        back: vec![Field {
            key: "terms".into(),
            value: Some("Ticket {{serial_number}} for {{event}} on {{date}}".into()),
            ..Field::default()
        }],
    };
    d.barcode = Some(Barcode {
        format: BarcodeFormat::Qr,
        message: Some("{{pass_id}}:{{serial_number}}".into()),
        alt_text: Some("{{holder_email}}".into()),
    });
    for (k, w, h) in [
        ("icon", 29, 29),
        ("icon@2x", 58, 58),
        ("icon@3x", 87, 87),
        ("logo", 160, 50),
        ("logo@2x", 320, 100),
        ("background@2x", 360, 440),
        ("thumbnail@3x", 270, 270),
    ] {
        d.images.insert(k.into(), b64png(w, h));
    }
    d.locations = vec![Location {
        latitude: 48.8566,
        longitude: 2.3522,
        relevant_text: Some("Welcome to the venue".into()),
    }];
    d.relevant_date = Some("2025-06-01T18:30:00Z".into());
    d.expiration_date = Some("2025-06-02T00:00:00+02:00".into());
    d.sharing_prohibited = Some(true);
    ok(AppleStyle::EventTicket, &d);
}

#[test]
fn params_are_prefixed_by_the_caller() {
    let mut d = minimal(AppleStyle::Generic);
    d.fields.primary = vec![field("")];
    let err = validate_design(AppleStyle::Generic, &d)
        .unwrap_err()
        .under("design");
    assert!(
        matches!(err, DomainError::Invalid { param: Some(ref p), .. } if p == "design.fields.primary[0].key"),
        "{err:?}"
    );
}

#[test]
fn nul_is_refused_in_any_string() {
    let mut d = minimal(AppleStyle::Generic);
    d.fields.back = vec![field("terms")];
    d.fields.back[0].label = Some("a\u{0}b".into());
    assert_eq!(param_of(AppleStyle::Generic, &d), "fields.back[0].label");
    let mut d = minimal(AppleStyle::Generic);
    d.organization_name = "\u{0}".into();
    assert_eq!(param_of(AppleStyle::Generic, &d), "organization_name");
}

// --- organization_name, description, logo_text ----------------------------

#[test]
fn organization_name_and_description_are_required_and_bounded() {
    let s = AppleStyle::Generic;
    for bad in ["", "   ", "\t\n"] {
        let mut d = minimal(s);
        d.organization_name = bad.into();
        refused(s, &d, "organization_name", &["required"]);
        let mut d = minimal(s);
        d.description = bad.into();
        assert_eq!(param_of(s, &d), "description");
    }
    let mut d = minimal(s);
    d.organization_name = "é".repeat(200);
    d.description = "é".repeat(500);
    ok(s, &d);
    d.organization_name = "é".repeat(201);
    refused(s, &d, "organization_name", &["at most 200"]);
    let mut d = minimal(s);
    d.description = "x".repeat(501);
    assert_eq!(param_of(s, &d), "description");
}

#[test]
fn logo_text_is_bounded() {
    let s = AppleStyle::StoreCard;
    let mut d = minimal(s);
    d.logo_text = Some(String::new());
    ok(s, &d);
    d.logo_text = Some("x".repeat(200));
    ok(s, &d);
    d.logo_text = Some("x".repeat(201));
    assert_eq!(param_of(s, &d), "logo_text");
}

// --- colours ---------------------------------------------------------------

#[test]
fn parse_color_accepts_hex_and_rgb() {
    assert_eq!(parse_color("#000000"), Some((0, 0, 0)));
    assert_eq!(parse_color("#FFffFf"), Some((255, 255, 255)));
    assert_eq!(parse_color("#1a2B3c"), Some((0x1a, 0x2b, 0x3c)));
    assert_eq!(parse_color("rgb(1,2,3)"), Some((1, 2, 3)));
    assert_eq!(parse_color("rgb(255, 0, 128)"), Some((255, 0, 128)));
    assert_eq!(parse_color("rgb(10,  20,   30)"), Some((10, 20, 30)));
    assert_eq!(parse_color("rgb(007,0,0)"), Some((7, 0, 0)));
}

#[test]
fn parse_color_refuses_everything_else() {
    for bad in [
        "",
        "#",
        "#abc",
        "#abcde",
        "#abcdef0",
        "#abcdeg",
        "abcdef",
        "# abcdef",
        "#+1a2b3",
        "red",
        "rgb(256,0,0)",
        "rgb(-1,0,0)",
        "rgb(+1,0,0)",
        "rgb(1,2)",
        "rgb(1,2,3,4)",
        "rgb(1,2,3,)",
        "rgb(1.5,2,3)",
        "rgb(1,,3)",
        "rgb( 1,2,3)",
        "rgb(1 ,2,3)",
        "rgb(1,2,3 )",
        "rgb(1,2,3",
        "rgb 1,2,3)",
        "rgba(1,2,3)",
        "RGB(1,2,3)",
        "rgb(1000,0,0)",
        "rgb(0001,0,0)",
        "rgb(1,\t2,3)",
        " #abcdef",
    ] {
        assert_eq!(parse_color(bad), None, "{bad:?}");
    }
}

#[test]
fn echoed_input_is_clipped() {
    let s = AppleStyle::Generic;
    let mut d = minimal(s);
    d.colors = Some(Colors {
        background: Some("x".repeat(10_000)),
        ..Colors::default()
    });
    let msg = message_of(s, &d);
    assert!(msg.len() < 300 && msg.contains("xxx..."), "{msg}");
    let mut d = minimal(s);
    d.fields.back = vec![Field {
        value: Some(format!("{{{{{}}}}}", "k".repeat(1500))),
        ..field("a")
    }];
    assert!(message_of(s, &d).len() < 400);
    assert_eq!(clip("short"), "short");
    assert_eq!(clip(&"é".repeat(41)), format!("{}...", "é".repeat(40)));
}

#[test]
fn each_colour_is_checked_with_its_own_param() {
    let s = AppleStyle::Coupon;
    for (name, set) in [("background", 0usize), ("foreground", 1), ("label", 2)] {
        let mut colors = Colors {
            background: Some("#ffffff".into()),
            foreground: Some("rgb(1, 2, 3)".into()),
            label: Some("#000000".into()),
        };
        let slot = [
            &mut colors.background,
            &mut colors.foreground,
            &mut colors.label,
        ];
        *slot.into_iter().nth(set).unwrap() = Some("#12345".into());
        let mut d = minimal(s);
        d.colors = Some(colors);
        refused(s, &d, &format!("colors.{name}"), &["#RRGGBB"]);
    }
    let mut d = minimal(s);
    d.colors = Some(Colors::default());
    ok(s, &d);
}
