#![doc = include_str!("../README.md")]

pub mod builder;
pub mod cms;
pub mod error;
pub mod identity;
pub mod images;
pub mod lint;
pub mod pass_image;
pub mod pass_json;
pub mod pkpasses;
pub mod spec;

pub use builder::{PkpassBuilder, build_pkpass};
pub use error::PkpassError;
pub use identity::SigningIdentity;
pub use lint::{LintError, LintRule, lint};
pub use pass_json::pass_json;
/// `{{name}}` placeholders, rendered in one pass (Apple's grammar, from `passmint-apple`).
pub use passmint_apple::render_placeholders;
pub use pkpasses::build_pkpasses;
pub use spec::{
    Barcode, BarcodeFormat, Colors, DateStyle, FieldArea, Localization, Location, Mode, Nfc,
    PassField, PassFields, PassImage, PassSpec, PassStyle, RelevantDate, Rgb, StyleScheme,
    TextAlignment, TransitType,
};
