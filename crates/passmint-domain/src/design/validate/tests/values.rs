use super::*;

// --- transit type ----------------------------------------------------------

#[test]
fn transit_type_is_required_for_boarding_passes_only() {
    let mut d = minimal(AppleStyle::BoardingPass);
    for t in [
        TransitType::Air,
        TransitType::Boat,
        TransitType::Bus,
        TransitType::Train,
        TransitType::Generic,
    ] {
        d.transit_type = Some(t);
        ok(AppleStyle::BoardingPass, &d);
    }
    d.transit_type = None;
    assert_eq!(param_of(AppleStyle::BoardingPass, &d), "transit_type");
    let msg = message_of(AppleStyle::BoardingPass, &d);
    assert!(
        msg.contains("required") && msg.contains("boardingPass"),
        "{msg}"
    );

    for style in STYLES
        .into_iter()
        .filter(|s| *s != AppleStyle::BoardingPass)
    {
        let mut d = minimal(style);
        d.transit_type = Some(TransitType::Bus);
        refused(
            style,
            &d,
            "transit_type",
            &["only allowed for boardingPass"],
        );
    }
}

// --- locations -------------------------------------------------------------

fn location(latitude: f64, longitude: f64) -> Location {
    Location {
        latitude,
        longitude,
        relevant_text: None,
    }
}

#[test]
fn at_most_ten_locations() {
    let s = AppleStyle::StoreCard;
    let mut d = minimal(s);
    d.locations = vec![location(1.0, 2.0); 10];
    ok(s, &d);
    d.locations.push(location(1.0, 2.0));
    refused(s, &d, "locations", &["at most 10"]);
}

#[test]
fn coordinates_are_bounded_and_finite() {
    let s = AppleStyle::Coupon;
    let mut d = minimal(s);
    d.locations = vec![
        location(90.0, 180.0),
        location(-90.0, -180.0),
        location(0.0, 0.0),
    ];
    ok(s, &d);
    for (lat, lon, param) in [
        (90.0001, 0.0, "latitude"),
        (-91.0, 0.0, "latitude"),
        (f64::NAN, 0.0, "latitude"),
        (f64::INFINITY, 0.0, "latitude"),
        (0.0, 180.5, "longitude"),
        (0.0, -180.0001, "longitude"),
        (0.0, f64::NEG_INFINITY, "longitude"),
        (0.0, f64::NAN, "longitude"),
    ] {
        d.locations[2] = location(lat, lon);
        assert_eq!(
            param_of(s, &d),
            format!("locations[2].{param}"),
            "{lat} {lon}"
        );
    }
}

#[test]
fn relevant_text_is_bounded() {
    let s = AppleStyle::Generic;
    let mut d = minimal(s);
    d.locations = vec![Location {
        relevant_text: Some("t".repeat(200)),
        ..location(1.0, 1.0)
    }];
    ok(s, &d);
    d.locations.push(Location {
        relevant_text: Some("t".repeat(201)),
        ..location(1.0, 1.0)
    });
    assert_eq!(param_of(s, &d), "locations[1].relevant_text");
}

// --- dates -----------------------------------------------------------------

#[test]
fn dates_are_rfc3339() {
    let s = AppleStyle::EventTicket;
    for good in [
        "2025-06-01T18:30:00Z",
        "2025-06-01T18:30:00.123Z",
        "2025-06-01T20:30:00+02:00",
        "2025-06-01t18:30:00z",
    ] {
        let mut d = minimal(s);
        d.relevant_date = Some(good.into());
        d.expiration_date = Some(good.into());
        ok(s, &d);
    }
    for bad in [
        "",
        "2025-06-01",
        "2025-06-01T18:30:00",
        "2025-06-01 18:30:00Z",
        "2025-06-01_18:30:00Z",
        "2025-06-01T18:30Z",
        "2025-13-01T00:00:00Z",
        "tomorrow",
        "1717266600",
    ] {
        let mut d = minimal(s);
        d.relevant_date = Some(bad.into());
        assert_eq!(param_of(s, &d), "relevant_date", "{bad:?}");
        assert!(message_of(s, &d).contains("RFC 3339"));
        let mut d = minimal(s);
        d.expiration_date = Some(bad.into());
        assert_eq!(param_of(s, &d), "expiration_date", "{bad:?}");
    }
}

#[test]
fn every_error_names_a_param_and_has_no_code() {
    // A sample of violations, one per rule family: all are plain 400s with a param.
    let s = AppleStyle::Generic;
    let mut samples = Vec::new();
    let mut d = minimal(s);
    d.description = String::new();
    samples.push(d);
    let mut d = minimal(s);
    d.images.insert("strip".into(), b64png(1, 1));
    samples.push(d);
    let mut d = minimal(s);
    d.locations = vec![location(100.0, 0.0)];
    samples.push(d);
    for d in samples {
        match validate_design(s, &d) {
            Err(DomainError::Invalid {
                param: Some(p),
                message,
                code: None,
            }) => {
                assert!(!p.is_empty() && !p.starts_with('.') && !p.starts_with("design"));
                assert!(message.len() > 20, "{message}");
            }
            other => panic!("{other:?}"),
        }
    }
}
