//! Apple's field counts per pass style, and the size cap of pass.json.

use crate::style::{FieldArea, PassStyle};

/// The largest pass.json a pass may render to, in bytes (docs/api.md §10). Apple
/// sets no figure; Wallet is made for passes of a few KiB, and this bound keeps
/// every .pkpass, its signature and the caches holding it small.
pub const MAX_PASS_JSON_BYTES: usize = 64 * 1024;

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
