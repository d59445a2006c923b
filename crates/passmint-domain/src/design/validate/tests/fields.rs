use super::*;

// --- field limits ----------------------------------------------------------

#[test]
fn max_fields_table() {
    use FieldArea::*;
    for style in STYLES {
        let boarding = style == AppleStyle::BoardingPass;
        assert_eq!(max_fields(style, Header), Some(3), "{style:?}");
        assert_eq!(
            max_fields(style, Primary),
            Some(if boarding { 2 } else { 1 })
        );
        assert_eq!(max_fields(style, Secondary), Some(4));
        assert_eq!(
            max_fields(style, Auxiliary),
            Some(if boarding { 5 } else { 4 })
        );
        assert_eq!(max_fields(style, Back), Some(MAX_BACK_FIELDS));
    }
}

/// Apple does not limit back fields; the product caps them at 20, and 21 get
/// exactly this answer.
#[test]
fn back_fields_are_capped_by_the_product_not_by_apple() {
    assert_eq!(MAX_BACK_FIELDS, 20);
    for style in STYLES {
        assert_eq!(passmint_apple::max_fields(style, FieldArea::Back), None);
        let mut d = minimal(style);
        d.fields.back = fields("b", 20);
        ok(style, &d);
        d.fields.back = fields("b", 21);
        assert_eq!(param_of(style, &d), "fields.back");
        assert_eq!(
            message_of(style, &d),
            format!(
                "{style} passes show at most 20 back fields, but 21 were given: \
                 remove some, or merge their text"
            )
        );
    }
}

#[test]
fn combined_secondary_auxiliary_table() {
    use AppleStyle::*;
    use BarcodeFormat::*;
    for b in [None, Some(Qr), Some(Aztec), Some(Pdf417), Some(Code128)] {
        assert_eq!(max_secondary_and_auxiliary(Coupon, b), Some(4));
        assert_eq!(max_secondary_and_auxiliary(StoreCard, b), Some(4));
        assert_eq!(max_secondary_and_auxiliary(EventTicket, b), None);
        assert_eq!(max_secondary_and_auxiliary(BoardingPass, b), None);
    }
    assert_eq!(max_secondary_and_auxiliary(Generic, Some(Qr)), Some(4));
    assert_eq!(max_secondary_and_auxiliary(Generic, Some(Aztec)), Some(4));
    assert_eq!(max_secondary_and_auxiliary(Generic, Some(Pdf417)), None);
    assert_eq!(max_secondary_and_auxiliary(Generic, Some(Code128)), None);
    assert_eq!(max_secondary_and_auxiliary(Generic, None), None);
}

/// Every area filled to its limit passes; one more field is refused on that area.
#[test]
fn area_limits_are_enforced_for_every_style() {
    for style in STYLES {
        for area in FieldArea::ALL {
            let max = max_fields(style, area).unwrap();
            let set = |d: &mut Design, n: usize| {
                let v = fields(&format!("{}_", area.as_str()), n);
                match area {
                    FieldArea::Header => d.fields.header = v,
                    FieldArea::Primary => d.fields.primary = v,
                    FieldArea::Secondary => d.fields.secondary = v,
                    FieldArea::Auxiliary => d.fields.auxiliary = v,
                    FieldArea::Back => d.fields.back = v,
                }
            };
            let mut d = minimal(style);
            set(&mut d, max);
            ok(style, &d);
            set(&mut d, max + 1);
            refused(
                style,
                &d,
                &format!("fields.{}", area.as_str()),
                &[&format!("at most {max}"), style.as_str()],
            );
        }
    }
}

#[test]
fn boarding_pass_allows_two_primary_and_five_auxiliary() {
    let s = AppleStyle::BoardingPass;
    let mut d = minimal(s);
    d.fields.header = fields("h", 3);
    d.fields.primary = fields("p", 2);
    d.fields.secondary = fields("s", 4);
    d.fields.auxiliary = fields("a", 5);
    ok(s, &d);
    d.fields.primary = fields("p", 3);
    assert_eq!(param_of(s, &d), "fields.primary");
    let mut d = minimal(AppleStyle::EventTicket);
    d.fields.primary = fields("p", 2);
    refused(
        AppleStyle::EventTicket,
        &d,
        "fields.primary",
        &["at most 1 primary field,"],
    );
}

#[test]
fn coupons_and_store_cards_share_four_secondary_and_auxiliary_fields() {
    for s in [AppleStyle::Coupon, AppleStyle::StoreCard] {
        let mut d = minimal(s);
        d.fields.secondary = fields("s", 2);
        d.fields.auxiliary = fields("a", 2);
        ok(s, &d);
        d.fields.secondary = fields("s", 4);
        d.fields.auxiliary = Vec::new();
        ok(s, &d);
        d.fields.auxiliary = fields("a", 1);
        refused(
            s,
            &d,
            "fields.auxiliary",
            &["combined", "4 secondary and 1 auxiliary"],
        );
        d.fields.secondary = fields("s", 3);
        d.fields.auxiliary = fields("a", 2);
        assert_eq!(param_of(s, &d), "fields.auxiliary");
    }
}

#[test]
fn generic_combined_limit_depends_on_a_square_barcode() {
    let s = AppleStyle::Generic;
    let mut d = minimal(s);
    d.fields.secondary = fields("s", 4);
    d.fields.auxiliary = fields("a", 4);
    ok(s, &d);
    for format in [BarcodeFormat::Pdf417, BarcodeFormat::Code128] {
        d.barcode = Some(Barcode {
            format,
            message: None,
            alt_text: None,
        });
        ok(s, &d);
    }
    for format in [BarcodeFormat::Qr, BarcodeFormat::Aztec] {
        d.barcode = Some(Barcode {
            format,
            message: None,
            alt_text: None,
        });
        refused(s, &d, "fields.auxiliary", &["square"]);
    }
    d.fields.secondary = fields("s", 1);
    d.fields.auxiliary = fields("a", 3);
    ok(s, &d);
}

#[test]
fn event_tickets_have_no_combined_limit() {
    let s = AppleStyle::EventTicket;
    let mut d = minimal(s);
    d.fields.secondary = fields("s", 4);
    d.fields.auxiliary = fields("a", 4);
    d.barcode = Some(Barcode {
        format: BarcodeFormat::Qr,
        message: None,
        alt_text: None,
    });
    ok(s, &d);
}

// --- fields ----------------------------------------------------------------

#[test]
fn field_keys_are_required_well_formed_and_bounded() {
    let s = AppleStyle::Generic;
    let mut d = minimal(s);
    d.fields.back = vec![field("ok"), field("")];
    refused(s, &d, "fields.back[1].key", &["non-empty key"]);
    for bad in [
        "has space",
        "é",
        "a{b",
        "a}b",
        "a/b",
        " lead",
        "tab\t",
        "a+b",
        "a@b",
    ] {
        d.fields.back = vec![field(bad)];
        assert_eq!(param_of(s, &d), "fields.back[0].key", "{bad:?}");
    }
    for good in ["a", "A-Z_0.9", "member_id", "x".repeat(64).as_str(), "1"] {
        d.fields.back = vec![field(good)];
        ok(s, &d);
    }
    d.fields.back = vec![field(&"x".repeat(65))];
    refused(s, &d, "fields.back[0].key", &["at most 64"]);
}

#[test]
fn field_keys_are_unique_across_the_whole_design() {
    let s = AppleStyle::BoardingPass;
    let mut d = minimal(s);
    d.fields.header = vec![field("gate")];
    d.fields.primary = vec![field("from"), field("to")];
    d.fields.back = vec![field("notes"), field("to")];
    refused(s, &d, "fields.back[1].key", &["'to'", "fields.primary[1]"]);

    let mut d = minimal(s);
    d.fields.auxiliary = vec![field("seat"), field("seat")];
    assert_eq!(param_of(s, &d), "fields.auxiliary[1].key");

    let mut d = minimal(s);
    d.fields.header = vec![field("Seat")];
    d.fields.auxiliary = vec![field("seat")];
    ok(s, &d);
}

#[test]
fn change_message_must_contain_the_value_marker() {
    let s = AppleStyle::StoreCard;
    let mut d = minimal(s);
    d.fields.primary = vec![Field {
        change_message: Some("Balance now %@".into()),
        ..field("balance")
    }];
    ok(s, &d);
    for bad in [
        "",
        "Balance changed",
        "Balance now %",
        "Balance now @%",
        "%s",
    ] {
        d.fields.primary[0].change_message = Some(bad.into());
        assert_eq!(
            param_of(s, &d),
            "fields.primary[0].change_message",
            "{bad:?}"
        );
        assert!(message_of(s, &d).contains("%@"));
    }
    d.fields.primary[0].change_message = Some(format!("%@{}", "x".repeat(499)));
    assert_eq!(param_of(s, &d), "fields.primary[0].change_message");
}

#[test]
fn label_and_value_lengths_are_bounded() {
    let s = AppleStyle::Coupon;
    let mut d = minimal(s);
    d.fields.secondary = vec![Field {
        label: Some("l".repeat(200)),
        value: Some("v".repeat(2000)),
        ..field("offer")
    }];
    ok(s, &d);
    d.fields.secondary[0].label = Some("l".repeat(201));
    assert_eq!(param_of(s, &d), "fields.secondary[0].label");
    d.fields.secondary[0].label = Some(String::new());
    d.fields.secondary[0].value = Some("v".repeat(2001));
    assert_eq!(param_of(s, &d), "fields.secondary[0].value");
    d.fields.secondary[0].value = Some(String::new());
    ok(s, &d);
}
