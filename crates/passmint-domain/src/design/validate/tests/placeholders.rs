use super::*;

// --- placeholders ----------------------------------------------------------

#[test]
fn placeholders_lists_names_in_order() {
    assert_eq!(placeholders("").unwrap(), Vec::<&str>::new());
    assert_eq!(placeholders("plain text").unwrap(), Vec::<&str>::new());
    assert_eq!(
        placeholders("{{serial_number}}").unwrap(),
        vec!["serial_number"]
    );
    assert_eq!(
        placeholders("Hi {{holder_name}}, seat {{seat}} ({{seat}}) {{a.b-c_1}}!").unwrap(),
        vec!["holder_name", "seat", "seat", "a.b-c_1"]
    );
    assert_eq!(placeholders("{{a}}{{b}}").unwrap(), vec!["a", "b"]);
    assert_eq!(placeholders("{single} } }} {x{{y}}").unwrap(), vec!["y"]);
    assert!(placeholders("€ {{é_key}}").is_err());
    assert_eq!(placeholders("€ {{k}} €").unwrap(), vec!["k"]);
}

#[test]
fn placeholders_refuses_unclosed_and_malformed() {
    for bad in [
        "{{",
        "{{serial_number",
        "{{serial_number}",
        "a {{b}} {{c",
        "{{}}",
        "{{ serial_number }}",
        "{{serial number}}",
        "{{{serial_number}}}",
        "{{a{{b}}",
        "{{a\n}}",
    ] {
        let err = placeholders(bad).unwrap_err();
        assert!(err.contains("{{"), "{bad:?}: {err}");
    }
    assert!(placeholders("{{x").unwrap_err().contains("never closed"));
    assert!(placeholders("{{ x }}").unwrap_err().contains("malformed"));
}

#[test]
fn field_values_may_use_builtins_and_field_keys() {
    let s = AppleStyle::Generic;
    let mut d = minimal(s);
    d.fields.primary = vec![Field {
        value: Some("{{member}}".into()),
        ..field("name")
    }];
    d.fields.back = vec![
        Field {
            value: Some(
                "{{serial_number}} {{pass_id}} {{holder_name}} {{holder_email}} {{name}}".into(),
            ),
            ..field("member")
        },
        Field {
            value: Some("{{self}}".into()),
            ..field("self")
        },
    ];
    ok(s, &d);
}

#[test]
fn unknown_or_malformed_placeholders_are_refused_where_they_appear() {
    let s = AppleStyle::Generic;
    let mut d = minimal(s);
    d.fields.header = vec![field("seat")];
    d.fields.back = vec![
        field("notes"),
        Field {
            value: Some("Seat {{seat}} for {{holder}}".into()),
            ..field("x")
        },
    ];
    refused(
        s,
        &d,
        "fields.back[1].value",
        &["{{holder}}", "{{serial_number}}"],
    );

    d.fields.back[1].value = Some("Seat {{seat".into());
    refused(s, &d, "fields.back[1].value", &["never closed"]);

    // Placeholders are only interpreted in values, not in labels.
    d.fields.back[1].value = None;
    d.fields.back[1].label = Some("{{whatever".into());
    ok(s, &d);
}

#[test]
fn barcode_texts_are_checked() {
    let s = AppleStyle::Coupon;
    let barcode = |message: Option<&str>, alt: Option<&str>| Barcode {
        format: BarcodeFormat::Pdf417,
        message: message.map(str::to_owned),
        alt_text: alt.map(str::to_owned),
    };
    let mut d = minimal(s);
    d.fields.primary = vec![field("code")];
    d.barcode = Some(barcode(None, None));
    ok(s, &d);
    d.barcode = Some(barcode(
        Some("{{code}}-{{serial_number}}"),
        Some("Code {{code}}"),
    ));
    ok(s, &d);

    for empty in ["", "  "] {
        d.barcode = Some(barcode(Some(empty), None));
        refused(s, &d, "barcode.message", &["{{serial_number}}"]);
        d.barcode = Some(barcode(None, Some(empty)));
        assert_eq!(param_of(s, &d), "barcode.alt_text");
    }
    d.barcode = Some(barcode(Some("{{nope}}"), None));
    assert_eq!(param_of(s, &d), "barcode.message");
    d.barcode = Some(barcode(Some("{{code}}"), Some("{{code")));
    assert_eq!(param_of(s, &d), "barcode.alt_text");
    d.barcode = Some(barcode(Some("{{code}}"), Some("{{holder_phone}}")));
    assert_eq!(param_of(s, &d), "barcode.alt_text");

    d.barcode = Some(barcode(Some(&"m".repeat(2000)), Some(&"a".repeat(200))));
    ok(s, &d);
    d.barcode = Some(barcode(Some(&"m".repeat(2001)), None));
    assert_eq!(param_of(s, &d), "barcode.message");
    d.barcode = Some(barcode(None, Some(&"a".repeat(201))));
    assert_eq!(param_of(s, &d), "barcode.alt_text");
}
