//! Templates: the design every pass of it is rendered from. Templates belong to an
//! account and are shared by its test and live modes.

use crate::design::Design;
use crate::ids::{AccountId, TemplateId};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// The product category of a template.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TemplateType {
    Event,
    Membership,
    Coupon,
    Loyalty,
    Generic,
}

impl TemplateType {
    pub const ALL: [TemplateType; 5] = [
        TemplateType::Event,
        TemplateType::Membership,
        TemplateType::Coupon,
        TemplateType::Loyalty,
        TemplateType::Generic,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TemplateType::Event => "event",
            TemplateType::Membership => "membership",
            TemplateType::Coupon => "coupon",
            TemplateType::Loyalty => "loyalty",
            TemplateType::Generic => "generic",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// Apple Wallet's pass style: the key of pass.json that holds the fields.
pub use passmint_apple::PassStyle as AppleStyle;

#[derive(Clone, Debug, PartialEq)]
pub struct Template {
    pub id: TemplateId,
    pub account_id: AccountId,
    pub name: String,
    pub kind: TemplateType,
    pub apple_style: AppleStyle,
    pub design: Design,
    pub archived: bool,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// Longest template name accepted.
pub const MAX_NAME_LEN: usize = 200;
