//! Apple's field counts per pass style, and the size cap of pass.json.

use crate::style::{FieldArea, PassStyle};

/// The largest pass.json a pass may render to, in bytes (docs/api.md §10). Apple
/// sets no figure; Wallet is made for passes of a few KiB, and this bound keeps
/// every .pkpass, its signature and the caches holding it small.
pub const MAX_PASS_JSON_BYTES: usize = 64 * 1024;

/// Apple's limit of an NFC pass's `nfc.message`, in bytes: the payload a device
/// transmits to a terminal (Wallet cuts anything longer).
pub const MAX_NFC_MESSAGE_BYTES: usize = 64;

/// The DER bytes that begin every SubjectPublicKeyInfo of an uncompressed P-256
/// key (algorithm `id-ecPublicKey`, named curve `prime256v1`, a 66-byte bit
/// string): Apple's `nfc.encryptionPublicKey` is such a structure in base64. The 65
/// bytes of the point (`04`, X, Y) follow.
pub const P256_SPKI_PREFIX: [u8; 26] = [
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a,
    0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
];

/// The length of that SubjectPublicKeyInfo: the prefix and the 65-byte point.
pub const P256_SPKI_LEN: usize = 91;

/// Apple's maximum number of fields in one area for a pass style, `None` for
/// unlimited: Apple sets no limit on back fields.
///
/// | style        | header | primary | secondary | auxiliary | back |
/// | ------------ | ------ | ------- | --------- | --------- | ---- |
/// | boardingPass | 3      | 2       | 4         | 5         | any  |
/// | other styles | 3      | 1       | 4         | 4         | any  |
pub fn max_fields(style: PassStyle, area: FieldArea) -> Option<usize> {
    let boarding = style == PassStyle::BoardingPass;
    match area {
        FieldArea::Header => Some(3),
        FieldArea::Primary if boarding => Some(2),
        FieldArea::Primary => Some(1),
        FieldArea::Secondary => Some(4),
        FieldArea::Auxiliary if boarding => Some(5),
        FieldArea::Auxiliary => Some(4),
        FieldArea::Back => None,
    }
}

/// Apple's combined limit on secondary plus auxiliary fields, `None` when only the
/// per-area limits apply: 4 for coupons and store cards, and for generic passes
/// with a square (QR or Aztec) barcode.
pub fn max_secondary_and_auxiliary(style: PassStyle, square_barcode: bool) -> Option<usize> {
    match style {
        PassStyle::Coupon | PassStyle::StoreCard => Some(4),
        PassStyle::Generic if square_barcode => Some(4),
        _ => None,
    }
}

/// An area, or the secondary and auxiliary areas together, holding more fields than
/// the pass style shows: the place (`fields.<area>`) and a message that says the fix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TooManyFields {
    pub param: String,
    pub message: String,
}

/// Every field-count limit a pass of `style` breaks, in area order, the combined
/// limit last. `count` gives the fields of an area, `max` the caller's limit of an
/// area (Apple's [`max_fields`], or a stricter one of its own); `square_barcode` is
/// `Some(how the caller names the square formats)` when the pass has a square barcode.
pub fn too_many_fields(
    style: PassStyle,
    count: impl Fn(FieldArea) -> usize,
    max: impl Fn(FieldArea) -> Option<usize>,
    square_barcode: Option<&str>,
) -> Vec<TooManyFields> {
    let mut found = Vec::new();
    for area in FieldArea::ALL {
        let (n, name) = (count(area), area.as_str());
        if let Some(max) = max(area).filter(|max| n > *max) {
            let fix = match area {
                FieldArea::Back => "remove some, or merge their text",
                FieldArea::Header | FieldArea::Primary => {
                    "move the others to the secondary, auxiliary or back fields"
                }
                FieldArea::Secondary | FieldArea::Auxiliary => "move the others to the back fields",
            };
            let word = if max == 1 { "field" } else { "fields" };
            found.push(TooManyFields {
                param: format!("fields.{name}"),
                message: format!(
                    "{style} passes show at most {max} {name} {word}, but {n} were given: {fix}"
                ),
            });
        }
    }
    let (secondary, auxiliary) = (count(FieldArea::Secondary), count(FieldArea::Auxiliary));
    if let Some(max) = max_secondary_and_auxiliary(style, square_barcode.is_some())
        && secondary + auxiliary > max
    {
        let which = match square_barcode {
            Some(names) if style == PassStyle::Generic => {
                format!("generic passes with a square ({names}) barcode")
            }
            _ => format!("{style} passes"),
        };
        found.push(TooManyFields {
            param: "fields.auxiliary".to_owned(),
            message: format!(
                "{which} show at most {max} secondary and auxiliary fields combined, but \
                 {secondary} secondary and {auxiliary} auxiliary were given: move some to \
                 the back fields"
            ),
        });
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apple_sets_no_limit_on_back_fields() {
        for style in PassStyle::ALL {
            assert_eq!(max_fields(style, FieldArea::Back), None, "{style}");
        }
    }

    #[test]
    fn boarding_passes_show_more_primary_and_auxiliary_fields() {
        assert_eq!(
            max_fields(PassStyle::BoardingPass, FieldArea::Primary),
            Some(2)
        );
        assert_eq!(max_fields(PassStyle::Generic, FieldArea::Primary), Some(1));
        assert_eq!(
            max_fields(PassStyle::BoardingPass, FieldArea::Auxiliary),
            Some(5)
        );
        assert_eq!(max_fields(PassStyle::Coupon, FieldArea::Header), Some(3));
    }

    #[test]
    fn too_many_fields_names_each_area_and_the_fix() {
        let counts = |area: FieldArea| match area {
            FieldArea::Primary => 2,
            FieldArea::Secondary | FieldArea::Auxiliary => 3,
            _ => 0,
        };
        let found = too_many_fields(
            PassStyle::Generic,
            counts,
            |area| max_fields(PassStyle::Generic, area),
            Some("qr or aztec"),
        );
        let params: Vec<&str> = found.iter().map(|f| f.param.as_str()).collect();
        assert_eq!(params, ["fields.primary", "fields.auxiliary"]);
        assert_eq!(
            found[0].message,
            "generic passes show at most 1 primary field, but 2 were given: move the \
             others to the secondary, auxiliary or back fields"
        );
        assert!(
            found[1]
                .message
                .starts_with("generic passes with a square (qr or aztec) barcode show at most 4"),
            "{}",
            found[1].message
        );
        let without_square = too_many_fields(
            PassStyle::Generic,
            counts,
            |a| max_fields(PassStyle::Generic, a),
            None,
        );
        assert_eq!(
            without_square.len(),
            1,
            "no combined limit without a square barcode"
        );
    }

    #[test]
    fn combined_limit() {
        assert_eq!(
            max_secondary_and_auxiliary(PassStyle::Coupon, false),
            Some(4)
        );
        assert_eq!(
            max_secondary_and_auxiliary(PassStyle::Generic, true),
            Some(4)
        );
        assert_eq!(max_secondary_and_auxiliary(PassStyle::Generic, false), None);
        assert_eq!(
            max_secondary_and_auxiliary(PassStyle::EventTicket, true),
            None
        );
    }
}
