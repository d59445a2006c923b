//! Request and response bodies of the public API. Requests refuse unknown fields;
//! responses follow the reference's objects key for key.

use crate::http::timestamp;
use passmint_domain::design::Design;
use passmint_domain::event::PassEvent;
use passmint_domain::pass::Pass;
use passmint_domain::template::{AppleStyle, Template, TemplateType};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use utoipa::ToSchema;

// ----- requests --------------------------------------------------------------

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTemplateRequest {
    /// Display name.
    pub name: String,
    /// One of: event, membership, coupon, loyalty, generic.
    #[serde(rename = "type")]
    #[schema(value_type = String, example = "event")]
    pub kind: TemplateType,
    /// One of: eventTicket, generic, storeCard, coupon, boardingPass.
    #[schema(value_type = String, example = "eventTicket")]
    pub apple_style: AppleStyle,
    /// Design configuration.
    #[schema(value_type = Object)]
    pub design: Design,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateTemplateRequest {
    pub name: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub design: Option<Design>,
    pub archived: Option<bool>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePassRequest {
    /// The template to issue from.
    pub template_id: String,
    pub holder_email: Option<String>,
    pub holder_name: Option<String>,
    pub field_values: Option<BTreeMap<String, String>>,
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Map<String, Value>>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdatePassRequest {
    /// Field values to set; `null` resets a field to the design's default.
    pub field_values: Option<BTreeMap<String, Option<String>>>,
    /// Metadata to merge; `null` removes a key.
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Map<String, Value>>,
}

// ----- responses -------------------------------------------------------------

#[derive(Serialize, ToSchema)]
pub struct TemplateObject {
    /// Always "template".
    pub object: &'static str,
    pub id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub apple_style: &'static str,
    #[schema(value_type = Object)]
    pub design: Design,
    pub archived: bool,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&Template> for TemplateObject {
    fn from(t: &Template) -> Self {
        TemplateObject {
            object: "template",
            id: t.id.to_string(),
            name: t.name.clone(),
            kind: t.kind.as_str(),
            apple_style: t.apple_style.as_str(),
            design: t.design.clone(),
            archived: t.archived,
            created_at: timestamp(t.created_at),
            updated_at: timestamp(t.updated_at),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DeletedObject {
    pub id: String,
    pub deleted: bool,
}

#[derive(Serialize, ToSchema)]
pub struct PassObject {
    /// Always "pass".
    pub object: &'static str,
    pub id: String,
    pub short_id: String,
    pub template_id: String,
    pub serial_number: String,
    /// "test" or "live".
    pub mode: &'static str,
    pub holder_email: Option<String>,
    pub holder_name: Option<String>,
    pub field_values: BTreeMap<String, String>,
    pub voided: bool,
    pub voided_at: Option<String>,
    #[schema(value_type = Object)]
    pub metadata: Map<String, Value>,
    pub created_via_api: bool,
    pub url: String,
    pub download_url: String,
    pub created_at: String,
}

impl PassObject {
    pub fn new(p: &Pass, public_url: &str) -> Self {
        let url = format!("{public_url}/p/{}", p.short_id);
        PassObject {
            object: "pass",
            id: p.id.to_string(),
            short_id: p.short_id.clone(),
            template_id: p.template_id.to_string(),
            serial_number: p.serial_number.clone(),
            mode: p.mode.as_str(),
            holder_email: p.holder_email.clone(),
            holder_name: p.holder_name.clone(),
            field_values: p.field_values.clone(),
            voided: p.voided(),
            voided_at: p.voided_at.map(timestamp),
            metadata: p.metadata.clone(),
            created_via_api: p.created_via_api,
            download_url: format!("{url}/download"),
            url,
            created_at: timestamp(p.created_at),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PassEventObject {
    /// Always "pass_event".
    pub object: &'static str,
    pub id: String,
    pub pass_id: String,
    /// created, updated, voided, url_viewed, downloaded, installed, removed.
    #[serde(rename = "type")]
    pub kind: &'static str,
    #[schema(value_type = Object)]
    pub metadata: Map<String, Value>,
    pub created_at: String,
}

impl From<&PassEvent> for PassEventObject {
    fn from(e: &PassEvent) -> Self {
        PassEventObject {
            object: "pass_event",
            id: e.id.to_string(),
            pass_id: e.pass_id.to_string(),
            kind: e.kind.as_str(),
            metadata: e.metadata.clone(),
            created_at: timestamp(e.created_at),
        }
    }
}

/// The list envelope.
#[derive(Serialize, ToSchema)]
pub struct ListObject<T: ToSchema> {
    /// Always "list".
    pub object: &'static str,
    pub data: Vec<T>,
    pub has_more: bool,
}

impl<T: ToSchema> ListObject<T> {
    pub fn new(data: Vec<T>, has_more: bool) -> Self {
        ListObject {
            object: "list",
            data,
            has_more,
        }
    }
}
