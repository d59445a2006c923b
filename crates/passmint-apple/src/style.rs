//! Pass styles, field areas and the enumerations of a field or a barcode.
//!
//! The serde names are the API's (`eventTicket`, `air`, `pdf417`); Apple's own
//! constants for pass.json come from `as_apple_str`.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Apple's five pass styles: the key of pass.json that holds the fields.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum PassStyle {
    /// `eventTicket`
    EventTicket,
    /// `generic` (the default)
    #[default]
    Generic,
    /// `storeCard`
    StoreCard,
    /// `coupon`
    Coupon,
    /// `boardingPass`: needs a [`TransitType`].
    BoardingPass,
}

impl PassStyle {
    /// Every style, in a fixed order.
    pub const ALL: [PassStyle; 5] = [
        PassStyle::EventTicket,
        PassStyle::Generic,
        PassStyle::StoreCard,
        PassStyle::Coupon,
        PassStyle::BoardingPass,
    ];

    /// The style key of pass.json (`eventTicket`, ...), also its serde name.
    pub fn as_str(self) -> &'static str {
        match self {
            PassStyle::EventTicket => "eventTicket",
            PassStyle::Generic => "generic",
            PassStyle::StoreCard => "storeCard",
            PassStyle::Coupon => "coupon",
            PassStyle::BoardingPass => "boardingPass",
        }
    }

    /// The style named by [`PassStyle::as_str`], exactly.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

impl fmt::Display for PassStyle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A field area.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FieldArea {
    /// `headerFields`: visible when the pass is stacked.
    Header,
    /// `primaryFields`
    Primary,
    /// `secondaryFields`
    Secondary,
    /// `auxiliaryFields`
    Auxiliary,
    /// `backFields`
    Back,
}

impl FieldArea {
    /// The five areas in Apple's order.
    pub const ALL: [FieldArea; 5] = [
        FieldArea::Header,
        FieldArea::Primary,
        FieldArea::Secondary,
        FieldArea::Auxiliary,
        FieldArea::Back,
    ];

    /// `header`, `primary`, ... (the API's key and the start of error paths).
    pub fn as_str(self) -> &'static str {
        match self {
            FieldArea::Header => "header",
            FieldArea::Primary => "primary",
            FieldArea::Secondary => "secondary",
            FieldArea::Auxiliary => "auxiliary",
            FieldArea::Back => "back",
        }
    }

    /// The pass.json key (`headerFields`, ...).
    pub fn json_key(self) -> &'static str {
        match self {
            FieldArea::Header => "headerFields",
            FieldArea::Primary => "primaryFields",
            FieldArea::Secondary => "secondaryFields",
            FieldArea::Auxiliary => "auxiliaryFields",
            FieldArea::Back => "backFields",
        }
    }
}

/// `transitType` of a boarding pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TransitType {
    /// `PKTransitTypeAir`
    Air,
    /// `PKTransitTypeBoat`
    Boat,
    /// `PKTransitTypeBus`
    Bus,
    /// `PKTransitTypeTrain`
    Train,
    /// `PKTransitTypeGeneric`
    Generic,
}

impl TransitType {
    /// Apple's constant (`PKTransitTypeAir`, ...).
    pub fn as_apple_str(self) -> &'static str {
        match self {
            TransitType::Air => "PKTransitTypeAir",
            TransitType::Boat => "PKTransitTypeBoat",
            TransitType::Bus => "PKTransitTypeBus",
            TransitType::Train => "PKTransitTypeTrain",
            TransitType::Generic => "PKTransitTypeGeneric",
        }
    }
}

/// `textAlignment` of a field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TextAlignment {
    /// `PKTextAlignmentLeft`
    Left,
    /// `PKTextAlignmentCenter`
    Center,
    /// `PKTextAlignmentRight`
    Right,
    /// `PKTextAlignmentNatural`
    Natural,
}

impl TextAlignment {
    /// Apple's constant.
    pub fn as_apple_str(self) -> &'static str {
        match self {
            TextAlignment::Left => "PKTextAlignmentLeft",
            TextAlignment::Center => "PKTextAlignmentCenter",
            TextAlignment::Right => "PKTextAlignmentRight",
            TextAlignment::Natural => "PKTextAlignmentNatural",
        }
    }
}

/// `dateStyle` / `timeStyle` of a field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DateStyle {
    /// `PKDateStyleNone`
    None,
    /// `PKDateStyleShort`
    Short,
    /// `PKDateStyleMedium`
    Medium,
    /// `PKDateStyleLong`
    Long,
    /// `PKDateStyleFull`
    Full,
}

impl DateStyle {
    /// Apple's constant.
    pub fn as_apple_str(self) -> &'static str {
        match self {
            DateStyle::None => "PKDateStyleNone",
            DateStyle::Short => "PKDateStyleShort",
            DateStyle::Medium => "PKDateStyleMedium",
            DateStyle::Long => "PKDateStyleLong",
            DateStyle::Full => "PKDateStyleFull",
        }
    }
}

/// Barcode symbologies Wallet renders.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BarcodeFormat {
    /// `PKBarcodeFormatQR`
    Qr,
    /// `PKBarcodeFormatPDF417`
    Pdf417,
    /// `PKBarcodeFormatAztec`
    Aztec,
    /// `PKBarcodeFormatCode128`: only in the `barcodes` array (iOS 9+), so the
    /// legacy `barcode` key is left out for it.
    Code128,
}

impl BarcodeFormat {
    /// Apple's constant.
    pub fn as_apple_str(self) -> &'static str {
        match self {
            BarcodeFormat::Qr => "PKBarcodeFormatQR",
            BarcodeFormat::Pdf417 => "PKBarcodeFormatPDF417",
            BarcodeFormat::Aztec => "PKBarcodeFormatAztec",
            BarcodeFormat::Code128 => "PKBarcodeFormatCode128",
        }
    }

    /// Whether the symbol is square (QR, Aztec), which lowers the field limits of
    /// generic passes.
    pub fn is_square(self) -> bool {
        matches!(self, BarcodeFormat::Qr | BarcodeFormat::Aztec)
    }
}
