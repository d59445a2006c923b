//! Passes: one wallet pass issued from a template to one holder, in one mode.

use crate::ids::{AccountId, PassId, TemplateId};
use crate::mode::{Mode, Scope};
use std::collections::BTreeMap;
use time::OffsetDateTime;

#[derive(Clone, Debug, PartialEq)]
pub struct Pass {
    pub id: PassId,
    pub account_id: AccountId,
    pub mode: Mode,
    pub template_id: TemplateId,
    /// Public URL slug: unguessable, base62, unique.
    pub short_id: String,
    /// Apple's `serialNumber`: unique, opaque, URL-safe.
    pub serial_number: String,
    /// Apple's `authenticationToken` for the wallet web service.
    pub auth_token: String,
    pub holder_email: Option<String>,
    pub holder_name: Option<String>,
    /// Overrides of the design's field values, by field key.
    pub field_values: BTreeMap<String, String>,
    pub metadata: serde_json::Map<String, serde_json::Value>,
    pub voided_at: Option<OffsetDateTime>,
    pub created_via_api: bool,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    /// Bumped by every change; writes are conditional on it (optimistic concurrency).
    pub version: i64,
}

impl Pass {
    pub fn scope(&self) -> Scope {
        Scope::new(self.account_id.clone(), self.mode)
    }

    pub fn voided(&self) -> bool {
        self.voided_at.is_some()
    }
}

/// Filters of the pass list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PassFilter {
    pub template_id: Option<TemplateId>,
    pub holder_email: Option<String>,
}
