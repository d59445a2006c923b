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
#[schema(description = "Body of `POST /v1/templates`. Unknown keys are refused.")]
pub struct CreateTemplateRequest {
    /// Display name.
    #[schema(schema_with = crate::openapi::schemas::template_name)]
    pub name: String,
    /// One of: event, membership, coupon, loyalty, generic.
    #[serde(rename = "type")]
    #[schema(value_type = crate::openapi::schemas::TemplateTypeSchema)]
    pub kind: TemplateType,
    /// One of: eventTicket, generic, storeCard, coupon, boardingPass.
    #[schema(value_type = crate::openapi::schemas::AppleStyleSchema)]
    pub apple_style: AppleStyle,
    /// Design configuration.
    #[schema(value_type = crate::openapi::design::DesignSchema)]
    pub design: Design,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(
    description = "Body of `PATCH /v1/templates/{id}`: every key is optional, and omitted or null \
                   leaves that property unchanged. A new design is checked against the \
                   template's `apple_style` (which cannot change) and re-renders the \
                   template's existing passes. Unknown keys are refused."
)]
pub struct UpdateTemplateRequest {
    #[schema(schema_with = crate::openapi::schemas::template_name_patch)]
    pub name: Option<String>,
    #[schema(schema_with = crate::openapi::design::design_patch)]
    pub design: Option<Design>,
    /// `true` archives the template (no new passes can be issued from it), `false`
    /// restores it. Omitted or null: unchanged.
    pub archived: Option<bool>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(description = "Body of `POST /v1/passes`. Unknown keys are refused.")]
pub struct CreatePassRequest {
    /// The template to issue from.
    #[schema(schema_with = crate::openapi::schemas::template_id_to_issue_from)]
    pub template_id: String,
    #[schema(schema_with = crate::openapi::schemas::holder_email)]
    pub holder_email: Option<String>,
    #[schema(schema_with = crate::openapi::schemas::holder_name)]
    pub holder_name: Option<String>,
    #[schema(schema_with = crate::openapi::schemas::field_values_create)]
    pub field_values: Option<BTreeMap<String, String>>,
    #[schema(schema_with = crate::openapi::schemas::metadata_create)]
    pub metadata: Option<Map<String, Value>>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(
    description = "Body of `PATCH /v1/passes/{id}`: at least one of `field_values` or `metadata` \
                   (not null) is required. Both are merged into the pass. A PATCH that \
                   changes nothing records no event and pushes nothing. Unknown keys are \
                   refused."
)]
pub struct UpdatePassRequest {
    /// Field values to set; `null` resets a field to the design's default.
    #[schema(schema_with = crate::openapi::schemas::field_values_patch)]
    pub field_values: Option<BTreeMap<String, Option<String>>>,
    /// Metadata to merge; `null` removes a key.
    #[schema(schema_with = crate::openapi::schemas::metadata_patch)]
    pub metadata: Option<Map<String, Value>>,
}

// ----- responses -------------------------------------------------------------

#[derive(Serialize, ToSchema)]
#[schema(
    description = "A template: the design and structure of passes. Every pass is issued from one."
)]
pub struct TemplateObject {
    /// Always "template".
    #[schema(schema_with = crate::openapi::schemas::object_template)]
    pub object: &'static str,
    #[schema(schema_with = crate::openapi::schemas::template_id)]
    pub id: String,
    #[schema(schema_with = crate::openapi::schemas::template_name)]
    pub name: String,
    #[serde(rename = "type")]
    #[schema(value_type = crate::openapi::schemas::TemplateTypeSchema)]
    pub kind: &'static str,
    #[schema(value_type = crate::openapi::schemas::AppleStyleSchema)]
    pub apple_style: &'static str,
    #[schema(value_type = crate::openapi::design::DesignSchema)]
    pub design: Design,
    /// Whether the template is archived: it still resolves and serves its passes,
    /// but no new pass can be issued from it.
    pub archived: bool,
    #[schema(schema_with = crate::openapi::schemas::created_at)]
    pub created_at: String,
    #[schema(schema_with = crate::openapi::schemas::updated_at)]
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
#[schema(
    description = "The answer to `DELETE /v1/templates/{id}`: the template is archived, not \
                   deleted (it still resolves by id and serves its passes)."
)]
pub struct DeletedObject {
    #[schema(schema_with = crate::openapi::schemas::template_id)]
    pub id: String,
    #[schema(schema_with = crate::openapi::schemas::deleted_true)]
    pub deleted: bool,
}

#[derive(Serialize, ToSchema)]
#[schema(description = "A wallet pass issued from a template to one holder, in one mode.")]
pub struct PassObject {
    /// Always "pass".
    #[schema(schema_with = crate::openapi::schemas::object_pass)]
    pub object: &'static str,
    #[schema(schema_with = crate::openapi::schemas::pass_id)]
    pub id: String,
    #[schema(schema_with = crate::openapi::schemas::short_id)]
    pub short_id: String,
    #[schema(schema_with = crate::openapi::schemas::template_id)]
    pub template_id: String,
    #[schema(schema_with = crate::openapi::schemas::serial_number)]
    pub serial_number: String,
    /// "test" or "live".
    #[schema(value_type = crate::openapi::schemas::ModeSchema)]
    pub mode: &'static str,
    #[schema(schema_with = crate::openapi::schemas::holder_email, required = true)]
    pub holder_email: Option<String>,
    #[schema(schema_with = crate::openapi::schemas::holder_name, required = true)]
    pub holder_name: Option<String>,
    #[schema(schema_with = crate::openapi::schemas::field_values)]
    pub field_values: BTreeMap<String, String>,
    /// Whether the pass has been voided.
    pub voided: bool,
    #[schema(schema_with = crate::openapi::schemas::voided_at, required = true)]
    pub voided_at: Option<String>,
    #[schema(value_type = crate::openapi::schemas::MetadataSchema)]
    pub metadata: Map<String, Value>,
    /// Whether the pass was created through the API.
    pub created_via_api: bool,
    #[schema(schema_with = crate::openapi::schemas::url)]
    pub url: String,
    #[schema(schema_with = crate::openapi::schemas::download_url)]
    pub download_url: String,
    #[schema(schema_with = crate::openapi::schemas::created_at)]
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
#[schema(description = "One step of a pass's lifecycle.")]
pub struct PassEventObject {
    /// Always "pass_event".
    #[schema(schema_with = crate::openapi::schemas::object_pass_event)]
    pub object: &'static str,
    #[schema(schema_with = crate::openapi::schemas::event_id)]
    pub id: String,
    #[schema(schema_with = crate::openapi::schemas::pass_id)]
    pub pass_id: String,
    /// created, updated, voided, url_viewed, downloaded, installed, removed.
    #[serde(rename = "type")]
    #[schema(value_type = crate::openapi::schemas::EventTypeSchema)]
    pub kind: &'static str,
    #[schema(schema_with = crate::openapi::schemas::event_metadata)]
    pub metadata: Map<String, Value>,
    #[schema(schema_with = crate::openapi::schemas::created_at)]
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
