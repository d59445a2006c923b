//! Rendering a [`PassSpec`] as Apple's pass.json.
//!
//! Only keys from Apple's PassKit package format are written, in a fixed order:
//! `formatVersion` (1), the identifiers, `organizationName`, `description`,
//! `logoText`, the colours (`rgb(r, g, b)`), the style key (`eventTicket`,
//! `generic`, `storeCard`, `coupon` or `boardingPass`, with `transitType` for
//! boarding passes) holding `headerFields` ... `backFields`, `barcodes` plus the
//! legacy `barcode` (not for Code 128, which only `barcodes` may carry),
//! `locations`, `relevantDate` (else the first of `relevantDates`: the date or the
//! interval's start), `relevantDates` (`startDate`/`endDate` or `date`) and
//! `expirationDate` (RFC 3339, whole seconds), `sharingProhibited` and `voided`
//! (only when true), `nfc` (`message`, `encryptionPublicKey`,
//! `requiresAuthentication` only when true), `semantics` (as given, Apple's
//! names), `preferredStyleSchemes` (with `eventTicket` last as the fallback),
//! `webServiceURL` and
//! `authenticationToken` (only when given). Empty field areas and absent optional
//! values are left out.
//!
//! The same serde view is used by [`pass_json`] and by the builder, which writes
//! it straight to bytes without an intermediate [`serde_json::Value`].

use crate::spec::{
    Barcode, FieldArea, Location, Nfc, PassField, PassSpec, PassStyle, RelevantDate, Rgb,
    StyleScheme,
};
use serde::Serialize;
use serde::ser::{SerializeSeq, Serializer};
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

/// Apple's pass.json for `spec`, as a JSON value. It does not lint the spec: a date
/// that RFC 3339 cannot express (a year outside 0-9999) is left out here and
/// refused by [`crate::lint()`].
pub fn pass_json(spec: &PassSpec) -> serde_json::Value {
    serde_json::to_value(PassJson::new(spec)).unwrap_or(serde_json::Value::Null)
}

/// pass.json as compact bytes (what the builder zips).
pub(crate) fn pass_json_bytes(spec: &PassSpec) -> Result<Vec<u8>, serde_json::Error> {
    let mut out = Vec::with_capacity(1024);
    serde_json::to_writer(&mut out, &PassJson::new(spec))?;
    Ok(out)
}

/// `dt` as RFC 3339 with whole seconds, in its own offset when that offset has no
/// seconds part, else in UTC. `None` when the year is outside 0-9999.
pub(crate) fn format_date(dt: OffsetDateTime) -> Option<String> {
    let dt = dt.replace_nanosecond(0).ok()?;
    let dt = if dt.offset().seconds_past_minute() == 0 {
        dt
    } else {
        dt.to_offset(UtcOffset::UTC)
    };
    dt.format(&Rfc3339).ok()
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PassJson<'a> {
    format_version: u8,
    pass_type_identifier: &'a str,
    team_identifier: &'a str,
    serial_number: &'a str,
    organization_name: &'a str,
    description: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    logo_text: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    background_color: Option<Color>,
    #[serde(skip_serializing_if = "Option::is_none")]
    foreground_color: Option<Color>,
    #[serde(skip_serializing_if = "Option::is_none")]
    label_color: Option<Color>,
    #[serde(skip_serializing_if = "Option::is_none")]
    event_ticket: Option<Structure<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    generic: Option<Structure<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    store_card: Option<Structure<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    coupon: Option<Structure<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    boarding_pass: Option<Structure<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    barcodes: Option<[BarcodeJson<'a>; 1]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    barcode: Option<BarcodeJson<'a>>,
    #[serde(skip_serializing_if = "Locations::is_empty")]
    locations: Locations<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    relevant_date: Option<String>,
    #[serde(skip_serializing_if = "RelevantDates::is_empty")]
    relevant_dates: RelevantDates<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expiration_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sharing_prohibited: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    voided: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    nfc: Option<NfcJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    semantics: Option<&'a serde_json::Map<String, serde_json::Value>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    preferred_style_schemes: Vec<&'static str>,
    #[serde(rename = "webServiceURL", skip_serializing_if = "Option::is_none")]
    web_service_url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    authentication_token: Option<&'a str>,
}

impl<'a> PassJson<'a> {
    fn new(spec: &'a PassSpec) -> Self {
        let structure = Structure::new(spec);
        let style = |s: PassStyle| (spec.style == s).then_some(structure);
        let barcode = spec.barcode.as_ref().map(BarcodeJson::new);
        let legacy = spec
            .barcode
            .as_ref()
            .filter(|b| b.format != crate::spec::BarcodeFormat::Code128)
            .map(BarcodeJson::new);
        PassJson {
            format_version: 1,
            pass_type_identifier: &spec.pass_type_identifier,
            team_identifier: &spec.team_identifier,
            serial_number: &spec.serial_number,
            organization_name: &spec.organization_name,
            description: &spec.description,
            logo_text: spec.logo_text.as_deref(),
            background_color: spec.colors.background.map(Color),
            foreground_color: spec.colors.foreground.map(Color),
            label_color: spec.colors.label.map(Color),
            event_ticket: style(PassStyle::EventTicket),
            generic: style(PassStyle::Generic),
            store_card: style(PassStyle::StoreCard),
            coupon: style(PassStyle::Coupon),
            boarding_pass: style(PassStyle::BoardingPass),
            barcodes: barcode.map(|b| [b]),
            barcode: legacy,
            locations: Locations(&spec.locations),
            relevant_date: spec
                .relevant_date
                .or_else(|| spec.relevant_dates.first().map(RelevantDate::first))
                .and_then(format_date),
            relevant_dates: RelevantDates(&spec.relevant_dates),
            expiration_date: spec.expiration_date.and_then(format_date),
            sharing_prohibited: spec.sharing_prohibited.then_some(true),
            voided: spec.voided.then_some(true),
            nfc: spec.nfc.as_ref().map(NfcJson::new),
            semantics: (!spec.semantics.is_empty()).then_some(&spec.semantics),
            preferred_style_schemes: style_schemes(&spec.preferred_style_schemes),
            web_service_url: spec.web_service_url.as_deref(),
            authentication_token: spec.authentication_token.as_deref(),
        }
    }
}

/// Apple's names of `schemes`, with the classic `eventTicket` last when they do
/// not name it (a device without the other schemes shows that one).
fn style_schemes(schemes: &[StyleScheme]) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = schemes.iter().map(|s| s.as_apple_str()).collect();
    if !out.is_empty() && !schemes.contains(&StyleScheme::EventTicket) {
        out.push(StyleScheme::EventTicket.as_apple_str());
    }
    out
}

/// `rgb(r, g, b)`.
struct Color(Rgb);

impl Serialize for Color {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

#[derive(Clone, Copy, Serialize)]
#[serde(rename_all = "camelCase")]
struct Structure<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    transit_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Fields::is_empty")]
    header_fields: Fields<'a>,
    #[serde(skip_serializing_if = "Fields::is_empty")]
    primary_fields: Fields<'a>,
    #[serde(skip_serializing_if = "Fields::is_empty")]
    secondary_fields: Fields<'a>,
    #[serde(skip_serializing_if = "Fields::is_empty")]
    auxiliary_fields: Fields<'a>,
    #[serde(skip_serializing_if = "Fields::is_empty")]
    back_fields: Fields<'a>,
}

impl<'a> Structure<'a> {
    fn new(spec: &'a PassSpec) -> Self {
        let fields = |area| Fields(spec.fields.area(area));
        Structure {
            // Written for boarding passes only; the lint refuses it elsewhere.
            transit_type: (spec.style == PassStyle::BoardingPass)
                .then_some(spec.transit_type)
                .flatten()
                .map(|t| t.as_apple_str()),
            header_fields: fields(FieldArea::Header),
            primary_fields: fields(FieldArea::Primary),
            secondary_fields: fields(FieldArea::Secondary),
            auxiliary_fields: fields(FieldArea::Auxiliary),
            back_fields: fields(FieldArea::Back),
        }
    }
}

#[derive(Clone, Copy)]
struct Fields<'a>(&'a [PassField]);

impl Fields<'_> {
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Serialize for Fields<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        for field in self.0 {
            seq.serialize_element(&FieldJson::new(field))?;
        }
        seq.end()
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FieldJson<'a> {
    key: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    label: Option<&'a str>,
    value: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    change_message: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    text_alignment: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    date_style: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    time_style: Option<&'static str>,
}

impl<'a> FieldJson<'a> {
    fn new(field: &'a PassField) -> Self {
        FieldJson {
            key: &field.key,
            label: field.label.as_deref(),
            value: &field.value,
            change_message: field.change_message.as_deref(),
            text_alignment: field.text_alignment.map(|a| a.as_apple_str()),
            date_style: field.date_style.map(|s| s.as_apple_str()),
            time_style: field.time_style.map(|s| s.as_apple_str()),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BarcodeJson<'a> {
    format: &'static str,
    message: &'a str,
    message_encoding: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    alt_text: Option<&'a str>,
}

impl<'a> BarcodeJson<'a> {
    fn new(barcode: &'a Barcode) -> Self {
        let latin1 = barcode.message.chars().all(|c| u32::from(c) <= 0xFF);
        BarcodeJson {
            format: barcode.format.as_apple_str(),
            message: &barcode.message,
            message_encoding: if latin1 { "iso-8859-1" } else { "utf-8" },
            alt_text: barcode.alt_text.as_deref(),
        }
    }
}

struct Locations<'a>(&'a [Location]);

impl Locations<'_> {
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Serialize for Locations<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct LocationJson<'a> {
            latitude: f64,
            longitude: f64,
            #[serde(skip_serializing_if = "Option::is_none")]
            altitude: Option<f64>,
            #[serde(skip_serializing_if = "Option::is_none")]
            relevant_text: Option<&'a str>,
        }
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        for l in self.0 {
            seq.serialize_element(&LocationJson {
                latitude: l.latitude,
                longitude: l.longitude,
                altitude: l.altitude,
                relevant_text: l.relevant_text.as_deref(),
            })?;
        }
        seq.end()
    }
}

struct RelevantDates<'a>(&'a [RelevantDate]);

impl RelevantDates<'_> {
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Serialize for RelevantDates<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct DateJson {
            #[serde(skip_serializing_if = "Option::is_none")]
            start_date: Option<String>,
            #[serde(skip_serializing_if = "Option::is_none")]
            end_date: Option<String>,
            #[serde(skip_serializing_if = "Option::is_none")]
            date: Option<String>,
        }
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        for d in self.0 {
            seq.serialize_element(&match *d {
                RelevantDate::Interval { start, end } => DateJson {
                    start_date: format_date(start),
                    end_date: format_date(end),
                    date: None,
                },
                RelevantDate::Date(date) => DateJson {
                    start_date: None,
                    end_date: None,
                    date: format_date(date),
                },
            })?;
        }
        seq.end()
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct NfcJson<'a> {
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    encryption_public_key: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    requires_authentication: Option<bool>,
}

impl<'a> NfcJson<'a> {
    fn new(nfc: &'a Nfc) -> Self {
        NfcJson {
            message: &nfc.message,
            encryption_public_key: nfc.encryption_public_key.as_deref(),
            requires_authentication: nfc.requires_authentication.then_some(true),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn dates_are_rfc3339_whole_seconds() {
        assert_eq!(
            format_date(datetime!(2025-06-01 18:30:00.123 UTC)).unwrap(),
            "2025-06-01T18:30:00Z"
        );
        assert_eq!(
            format_date(datetime!(2025-06-01 20:30:00 +02:00)).unwrap(),
            "2025-06-01T20:30:00+02:00"
        );
        assert_eq!(
            format_date(datetime!(2025-06-01 20:30:00 +02:00:30)).unwrap(),
            "2025-06-01T18:29:30Z"
        );
    }

    #[test]
    fn relevant_dates_and_the_legacy_relevant_date() {
        let mut spec = PassSpec {
            relevant_dates: vec![
                RelevantDate::Interval {
                    start: datetime!(2025-06-01 18:30:00.5 UTC),
                    end: datetime!(2025-06-01 23:00:00 +02:00),
                },
                RelevantDate::Date(datetime!(2025-06-02 10:00:00 UTC)),
            ],
            ..PassSpec::default()
        };
        let v = pass_json(&spec);
        assert_eq!(
            v["relevantDates"],
            serde_json::json!([
                {"startDate": "2025-06-01T18:30:00Z", "endDate": "2025-06-01T23:00:00+02:00"},
                {"date": "2025-06-02T10:00:00Z"}
            ])
        );
        assert_eq!(v["relevantDate"], "2025-06-01T18:30:00Z", "the first start");
        spec.relevant_date = Some(datetime!(2025-05-01 00:00:00 UTC));
        assert_eq!(pass_json(&spec)["relevantDate"], "2025-05-01T00:00:00Z");
        let v = pass_json(&PassSpec::default());
        assert!(v.get("relevantDates").is_none() && v.get("relevantDate").is_none());
    }

    #[test]
    fn nfc_keys_as_apple_names_them() {
        let mut spec = PassSpec {
            nfc: Some(Nfc {
                message: "m".into(),
                encryption_public_key: Some("KEY".into()),
                requires_authentication: true,
            }),
            ..PassSpec::default()
        };
        assert_eq!(
            pass_json(&spec)["nfc"],
            serde_json::json!({"message": "m", "encryptionPublicKey": "KEY", "requiresAuthentication": true})
        );
        spec.nfc = Some(Nfc {
            message: "m".into(),
            ..Nfc::default()
        });
        assert_eq!(pass_json(&spec)["nfc"], serde_json::json!({"message": "m"}));
    }

    #[test]
    fn semantics_and_style_schemes_as_apple_names_them() {
        let mut spec = PassSpec {
            style: PassStyle::EventTicket,
            ..PassSpec::default()
        };
        let v = pass_json(&spec);
        assert!(v.get("semantics").is_none() && v.get("preferredStyleSchemes").is_none());
        let tags = serde_json::json!({
            "eventName": "Concert",
            "seats": [{"seatNumber": "12", "seatRow": "C"}],
            "venueLocation": {"latitude": 45.5, "longitude": 4.8},
            "totalPrice": {"amount": "42.50", "currencyCode": "EUR"},
            "duration": 7200,
            "silenceRequested": true,
        });
        spec.semantics = tags.as_object().unwrap().clone();
        spec.preferred_style_schemes = vec![StyleScheme::PosterEventTicket];
        let v = pass_json(&spec);
        assert_eq!(v["semantics"], tags);
        assert_eq!(
            v["preferredStyleSchemes"],
            serde_json::json!(["posterEventTicket", "eventTicket"]),
            "the classic ticket is the fallback"
        );
        spec.preferred_style_schemes =
            vec![StyleScheme::EventTicket, StyleScheme::PosterEventTicket];
        assert_eq!(
            pass_json(&spec)["preferredStyleSchemes"],
            serde_json::json!(["eventTicket", "posterEventTicket"]),
            "an order given is kept"
        );
    }

    #[test]
    fn non_latin1_barcodes_say_utf8() {
        let b = Barcode::new(crate::BarcodeFormat::Qr, "Łukasz");
        assert_eq!(BarcodeJson::new(&b).message_encoding, "utf-8");
        let b = Barcode::new(crate::BarcodeFormat::Qr, "Zoë");
        assert_eq!(BarcodeJson::new(&b).message_encoding, "iso-8859-1");
    }
}
