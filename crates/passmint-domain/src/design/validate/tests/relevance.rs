//! `relevant_dates` and `nfc`: every refusal names its param.

use super::*;
use crate::design::{Nfc, RelevantDate};

/// Base64 of the DER SubjectPublicKeyInfo of a P-256 key (uncompressed point).
pub const P256_KEY: &str = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE7cufgWa4X88kOcCgMReBOAt6Id0aAH7IIKXho4hk47PWgCXokEQiwvTCqJAATtcA9fwOGHYJ46ts/zC3+hRIjg==";

fn date(value: &str) -> RelevantDate {
    RelevantDate {
        date: Some(value.into()),
        ..RelevantDate::default()
    }
}

fn interval(start: &str, end: &str) -> RelevantDate {
    RelevantDate {
        start_date: Some(start.into()),
        end_date: Some(end.into()),
        date: None,
    }
}

fn with_dates(dates: Vec<RelevantDate>) -> Design {
    let mut d = minimal(AppleStyle::EventTicket);
    d.fields.primary = vec![field("eventStart")];
    d.relevant_dates = dates;
    d
}

const S: AppleStyle = AppleStyle::EventTicket;

#[test]
fn relevant_dates_take_intervals_dates_and_placeholders() {
    ok(
        S,
        &with_dates(vec![
            interval("2025-06-01T18:30:00Z", "2025-06-01T23:00:00+02:00"),
            date("2025-06-02T18:30:00Z"),
            date("{{eventStart}}"),
            interval("{{eventStart}}", "2025-06-03T00:00:00Z"),
        ]),
    );
    ok(
        S,
        &with_dates(
            (0..MAX_RELEVANT_DATES)
                .map(|_| date("2025-06-01T18:30:00Z"))
                .collect(),
        ),
    );
}

#[test]
fn relevant_dates_refusals_name_their_param() {
    let d = with_dates(
        (0..=MAX_RELEVANT_DATES)
            .map(|_| date("2025-06-01T18:30:00Z"))
            .collect(),
    );
    refused(S, &d, "relevant_dates", &["at most 10"]);

    let mut d = with_dates(vec![date("2025-06-01T18:30:00Z")]);
    d.relevant_date = Some("2025-06-01T18:30:00Z".into());
    refused(
        S,
        &d,
        "relevant_dates",
        &["not both", "remove relevant_date"],
    );

    let d = with_dates(vec![date("2025-06-01T18:30:00Z"), RelevantDate::default()]);
    refused(S, &d, "relevant_dates[1]", &["start_date and end_date"]);

    let at = || Some("2025-06-01T18:30:00Z".to_owned());
    let both = RelevantDate {
        date: at(),
        ..interval("2025-06-01T18:30:00Z", "2025-06-01T20:30:00Z")
    };
    let half = RelevantDate {
        start_date: at(),
        ..date("2025-06-01T18:30:00Z")
    };
    let start_only = RelevantDate {
        start_date: at(),
        ..RelevantDate::default()
    };
    let end_only = RelevantDate {
        end_date: at(),
        ..RelevantDate::default()
    };
    for (entry, path, says) in [
        (both, "relevant_dates[0]", "not both"),
        (half, "relevant_dates[0]", "not both"),
        (start_only, "relevant_dates[0].end_date", "required"),
        (end_only, "relevant_dates[0].start_date", "required"),
    ] {
        refused(S, &with_dates(vec![entry]), path, &[says]);
    }

    for (end, what) in [
        ("2025-06-01T18:30:00Z", "equal"),
        ("2025-06-01T20:29:00+02:00", "earlier, in another offset"),
    ] {
        let d = with_dates(vec![interval("2025-06-01T18:30:00Z", end)]);
        assert_eq!(param_of(S, &d), "relevant_dates[0].end_date", "{what}");
        assert!(
            message_of(S, &d).contains("later than start_date"),
            "{what}"
        );
    }

    for (entry, param) in [
        (date("tomorrow"), "relevant_dates[0].date"),
        (date("2025-06-01 18:30:00Z"), "relevant_dates[0].date"),
        (date(""), "relevant_dates[0].date"),
        (
            interval("2025-06-01", "2025-06-02T00:00:00Z"),
            "relevant_dates[0].start_date",
        ),
        (
            interval("2025-06-01T00:00:00Z", "2025-06-01T25:00:00Z"),
            "relevant_dates[0].end_date",
        ),
        (date("{{nope}}"), "relevant_dates[0].date"),
        (date("{{eventStart"), "relevant_dates[0].date"),
        (date(&"1".repeat(101)), "relevant_dates[0].date"),
    ] {
        assert_eq!(
            param_of(S, &with_dates(vec![entry.clone()])),
            param,
            "{entry:?}"
        );
    }
}

fn with_nfc(message: &str, key: Option<&str>) -> Design {
    let mut d = minimal(AppleStyle::StoreCard);
    d.fields.primary = vec![field("member")];
    d.nfc = Some(Nfc {
        message: message.into(),
        encryption_public_key: key.map(str::to_owned),
        requires_authentication: Some(true),
    });
    d
}

#[test]
fn nfc_takes_a_message_of_64_bytes_and_a_p256_key() {
    let s = AppleStyle::StoreCard;
    ok(s, &with_nfc(&"m".repeat(64), Some(P256_KEY)));
    ok(s, &with_nfc("member {{member}} {{serial_number}}", None));
    // Placeholders count once rendered, not here.
    ok(
        s,
        &with_nfc(&format!("{}{{{{member}}}}", "m".repeat(64)), None),
    );
}

#[test]
fn nfc_refusals_name_their_param() {
    let s = AppleStyle::StoreCard;
    refused(
        s,
        &with_nfc(&"m".repeat(65), None),
        "nfc.message",
        &["65 bytes", "at most 64"],
    );
    // Bytes, not characters: 33 two-byte characters are 66 bytes.
    refused(
        s,
        &with_nfc(&"é".repeat(33), None),
        "nfc.message",
        &["66 bytes"],
    );
    refused(s, &with_nfc("  ", None), "nfc.message", &["required"]);
    refused(
        s,
        &with_nfc("{{unknown}}", None),
        "nfc.message",
        &["unknown"],
    );

    let key = "nfc.encryption_public_key";
    refused(s, &with_nfc("m", Some("not base64!")), key, &["not base64"]);
    let pem = format!("-----BEGIN PUBLIC KEY-----\n{P256_KEY}\n-----END PUBLIC KEY-----");
    refused(s, &with_nfc("m", Some(&pem)), key, &["is PEM"]);
    // P-384, and P-256 with a compressed point: not what Apple takes.
    let p384 = "MHYwEAYHKoZIzj0CAQYFK4EEACIDYgAEOprL2jGsZ+4QGZ4C/cDhX7OWybzkkl4JkEptxhW7yzBE0BGbZAbWtuEb4DESz8736Hiba1HMtyjcR/fJRzNiq4kVssbCqrfIxhaSaP/vWJ8Ydp/gSSKVMac8IumKd3h9";
    let compressed =
        "MDkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDIgAC7cufgWa4X88kOcCgMReBOAt6Id0aAH7IIKXho4hk47M=";
    for other in [p384, compressed] {
        refused(s, &with_nfc("m", Some(other)), key, &["P-256"]);
    }
    // The right structure around a point off the curve.
    let mut der = STANDARD.decode(P256_KEY).unwrap();
    let last = der.len() - 1;
    der[last] ^= 1;
    let off_curve = STANDARD.encode(&der);
    refused(
        s,
        &with_nfc("m", Some(&off_curve)),
        key,
        &["not on the P-256 curve"],
    );
    refused(s, &with_nfc("m", Some("")), key, &["required"]);
}
