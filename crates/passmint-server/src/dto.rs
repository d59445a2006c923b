//! Request and response bodies of the public API. Requests refuse unknown fields;
//! responses follow the reference's objects key for key.

use crate::http::timestamp;
use passmint_domain::bundle::Bundle;
use passmint_domain::design::Design;
use passmint_domain::event::PassEvent;
use passmint_domain::pass::Pass;
use passmint_domain::service::{
    NewBundle, NewPass, NewTemplate, NewWebhook, PassPatch, TemplatePatch, WebhookPatch,
};
use passmint_domain::template::{AppleStyle, Template, TemplateType};
use passmint_domain::webhook::{Webhook, WebhookDelivery};
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

#[derive(Clone, Deserialize, ToSchema)]
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

impl From<CreateTemplateRequest> for NewTemplate {
    fn from(r: CreateTemplateRequest) -> Self {
        NewTemplate {
            name: r.name,
            kind: r.kind,
            apple_style: r.apple_style,
            design: r.design,
        }
    }
}

impl From<UpdateTemplateRequest> for TemplatePatch {
    fn from(r: UpdateTemplateRequest) -> Self {
        TemplatePatch {
            name: r.name,
            design: r.design,
            archived: r.archived,
        }
    }
}

impl From<CreatePassRequest> for NewPass {
    fn from(r: CreatePassRequest) -> Self {
        NewPass {
            template_id: r.template_id,
            holder_email: r.holder_email,
            holder_name: r.holder_name,
            field_values: r.field_values.unwrap_or_default(),
            metadata: r.metadata.unwrap_or_default(),
        }
    }
}

impl From<UpdatePassRequest> for PassPatch {
    fn from(r: UpdatePassRequest) -> Self {
        PassPatch {
            field_values: r.field_values,
            metadata: r.metadata,
        }
    }
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

// ----- webhooks --------------------------------------------------------------

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(description = "Body of `POST /v1/webhooks`. Unknown keys are refused.")]
pub struct CreateWebhookRequest {
    #[schema(schema_with = crate::openapi::webhook_schemas::webhook_url)]
    pub url: String,
    #[schema(schema_with = crate::openapi::webhook_schemas::webhook_events)]
    pub events: Vec<String>,
    #[schema(schema_with = crate::openapi::webhook_schemas::webhook_description_request)]
    pub description: Option<String>,
    /// Whether the webhook is active (default true). A disabled webhook gets no
    /// deliveries.
    pub enabled: Option<bool>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(
    description = "Body of `PATCH /v1/webhooks/{id}`: every key is optional, and omitted or null \
                   leaves that property unchanged; an empty `description` removes it. The \
                   secret is changed with `POST /v1/webhooks/{id}/rotate_secret`. Unknown \
                   keys are refused."
)]
pub struct UpdateWebhookRequest {
    #[schema(schema_with = crate::openapi::webhook_schemas::webhook_url_patch)]
    pub url: Option<String>,
    #[schema(schema_with = crate::openapi::webhook_schemas::webhook_events_patch)]
    pub events: Option<Vec<String>>,
    #[schema(schema_with = crate::openapi::webhook_schemas::webhook_description_request)]
    pub description: Option<String>,
    /// `false` disables the webhook: it gets no new deliveries and its pending ones
    /// wait until it is enabled again. Omitted or null: unchanged.
    pub enabled: Option<bool>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(
    description = "The body of an action that takes no parameters: nothing, or an empty \
                   object. Any key is refused."
)]
pub struct EmptyRequest {}

impl From<CreateWebhookRequest> for NewWebhook {
    fn from(r: CreateWebhookRequest) -> Self {
        NewWebhook {
            url: r.url,
            events: r.events,
            description: r.description,
            enabled: r.enabled,
        }
    }
}

impl From<UpdateWebhookRequest> for WebhookPatch {
    fn from(r: UpdateWebhookRequest) -> Self {
        WebhookPatch {
            url: r.url,
            events: r.events,
            description: r.description,
            enabled: r.enabled,
        }
    }
}

fn subscription_names(w: &Webhook) -> Vec<&'static str> {
    w.events.iter().map(|s| s.as_str()).collect()
}

#[derive(Serialize, ToSchema)]
#[schema(
    description = "A webhook endpoint: where the events of one mode are delivered. Its secret \
                   is shown only when it is created and when it is rotated \
                   (`WebhookWithSecretObject`)."
)]
pub struct WebhookObject {
    /// Always "webhook".
    #[schema(schema_with = crate::openapi::webhook_schemas::object_webhook)]
    pub object: &'static str,
    #[schema(schema_with = crate::openapi::webhook_schemas::webhook_id)]
    pub id: String,
    #[schema(schema_with = crate::openapi::webhook_schemas::webhook_url)]
    pub url: String,
    #[schema(schema_with = crate::openapi::webhook_schemas::webhook_events)]
    pub events: Vec<&'static str>,
    #[schema(schema_with = crate::openapi::webhook_schemas::webhook_description, required = true)]
    pub description: Option<String>,
    /// Whether the webhook is active.
    pub enabled: bool,
    #[schema(schema_with = crate::openapi::schemas::created_at)]
    pub created_at: String,
}

impl From<&Webhook> for WebhookObject {
    fn from(w: &Webhook) -> Self {
        WebhookObject {
            object: "webhook",
            id: w.id.to_string(),
            url: w.url.clone(),
            events: subscription_names(w),
            description: w.description.clone(),
            enabled: w.enabled,
            created_at: timestamp(w.created_at),
        }
    }
}

#[derive(Serialize, ToSchema)]
#[schema(
    description = "A webhook with its signing secret: the answer to its creation and to a \
                   rotation, the only times the secret is shown. Store it securely."
)]
pub struct WebhookWithSecretObject {
    /// Always "webhook".
    #[schema(schema_with = crate::openapi::webhook_schemas::object_webhook)]
    pub object: &'static str,
    #[schema(schema_with = crate::openapi::webhook_schemas::webhook_id)]
    pub id: String,
    #[schema(schema_with = crate::openapi::webhook_schemas::webhook_url)]
    pub url: String,
    #[schema(schema_with = crate::openapi::webhook_schemas::webhook_events)]
    pub events: Vec<&'static str>,
    #[schema(schema_with = crate::openapi::webhook_schemas::webhook_description, required = true)]
    pub description: Option<String>,
    /// Whether the webhook is active.
    pub enabled: bool,
    #[schema(schema_with = crate::openapi::webhook_schemas::webhook_secret)]
    pub secret: String,
    #[schema(schema_with = crate::openapi::schemas::created_at)]
    pub created_at: String,
}

impl From<&Webhook> for WebhookWithSecretObject {
    fn from(w: &Webhook) -> Self {
        WebhookWithSecretObject {
            object: "webhook",
            id: w.id.to_string(),
            url: w.url.clone(),
            events: subscription_names(w),
            description: w.description.clone(),
            enabled: w.enabled,
            secret: w.secret.expose().to_owned(),
            created_at: timestamp(w.created_at),
        }
    }
}

#[derive(Serialize, ToSchema)]
#[schema(
    description = "The answer to `DELETE /v1/webhooks/{id}`: the webhook and its delivery \
                   history are gone for good."
)]
pub struct DeletedWebhookObject {
    #[schema(schema_with = crate::openapi::webhook_schemas::webhook_id)]
    pub id: String,
    #[schema(schema_with = crate::openapi::schemas::deleted_true)]
    pub deleted: bool,
}

#[derive(Serialize, ToSchema)]
#[schema(description = "One event's delivery to one webhook, with its last attempt.")]
pub struct WebhookDeliveryObject {
    /// Always "webhook_delivery".
    #[schema(schema_with = crate::openapi::webhook_schemas::object_webhook_delivery)]
    pub object: &'static str,
    #[schema(schema_with = crate::openapi::webhook_schemas::webhook_delivery_id)]
    pub id: String,
    #[schema(schema_with = crate::openapi::webhook_schemas::webhook_id)]
    pub webhook_id: String,
    #[schema(schema_with = crate::openapi::webhook_schemas::webhook_event_type)]
    pub event_type: &'static str,
    #[schema(value_type = crate::openapi::webhook_schemas::DeliveryStatusSchema)]
    pub status: &'static str,
    /// Number of delivery attempts so far.
    #[schema(minimum = 0)]
    pub attempts: u32,
    #[schema(schema_with = crate::openapi::webhook_schemas::last_attempt_at, required = true)]
    pub last_attempt_at: Option<String>,
    #[schema(schema_with = crate::openapi::webhook_schemas::next_attempt_at, required = true)]
    pub next_attempt_at: Option<String>,
    #[schema(schema_with = crate::openapi::webhook_schemas::response_status, required = true)]
    pub response_status: Option<u16>,
    #[schema(schema_with = crate::openapi::webhook_schemas::response_body, required = true)]
    pub response_body: Option<String>,
    #[schema(schema_with = crate::openapi::schemas::created_at)]
    pub created_at: String,
}

impl From<&WebhookDelivery> for WebhookDeliveryObject {
    fn from(d: &WebhookDelivery) -> Self {
        WebhookDeliveryObject {
            object: "webhook_delivery",
            id: d.id.to_string(),
            webhook_id: d.webhook_id.to_string(),
            event_type: d.event_type.webhook_type(),
            status: d.status.as_str(),
            attempts: d.attempts,
            last_attempt_at: d.last_attempt_at.map(timestamp),
            next_attempt_at: d.next_attempt_at.map(timestamp),
            response_status: d.response_status,
            response_body: d.response_body.clone(),
            created_at: timestamp(d.created_at),
        }
    }
}

/// What a webhook receives: `{"id", "object": "event", "type", "mode", "created_at",
/// "data": {"object": <pass after the event>, "event": <pass_event>}}`.
#[derive(Serialize, ToSchema)]
#[schema(
    description = "The body of a webhook delivery (not an API response): the event, with \
                   the pass as it was right after it. Signed with the Standard Webhooks \
                   scheme: `webhook-id` is the event id, the same on every retry."
)]
pub struct WebhookEventObject {
    #[schema(schema_with = crate::openapi::schemas::event_id)]
    pub id: String,
    /// Always "event".
    #[schema(schema_with = crate::openapi::webhook_schemas::object_event)]
    pub object: &'static str,
    #[serde(rename = "type")]
    #[schema(schema_with = crate::openapi::webhook_schemas::webhook_event_type)]
    pub kind: &'static str,
    /// "test" or "live".
    #[schema(value_type = crate::openapi::schemas::ModeSchema)]
    pub mode: &'static str,
    #[schema(schema_with = crate::openapi::schemas::created_at)]
    pub created_at: String,
    pub data: WebhookEventData,
}

#[derive(Serialize, ToSchema)]
pub struct WebhookEventData {
    /// The pass right after the event.
    pub object: PassObject,
    /// The event itself.
    pub event: PassEventObject,
}

impl WebhookEventObject {
    pub fn new(event: &PassEvent, pass: &Pass, public_url: &str) -> Self {
        WebhookEventObject {
            id: event.id.to_string(),
            object: "event",
            kind: event.kind.webhook_type(),
            mode: event.mode.as_str(),
            created_at: timestamp(event.created_at),
            data: WebhookEventData {
                object: PassObject::new(pass, public_url),
                event: PassEventObject::from(event),
            },
        }
    }
}

// ----- bundles ---------------------------------------------------------------

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(description = "Body of `POST /v1/bundles`. Unknown keys are refused.")]
pub struct CreateBundleRequest {
    #[schema(schema_with = crate::openapi::bundle_schemas::pass_ids_request)]
    pub pass_ids: Vec<String>,
}

impl From<CreateBundleRequest> for NewBundle {
    fn from(r: CreateBundleRequest) -> Self {
        NewBundle {
            pass_ids: r.pass_ids,
        }
    }
}

/// A bundle as the API answers it (docs/api.md §12).
#[derive(Serialize, ToSchema)]
#[schema(
    description = "Several passes of one mode, added to Apple Wallet in one tap: a landing page \
                   listing them and one download of them all."
)]
pub struct BundleObject {
    /// Always "bundle".
    #[schema(schema_with = crate::openapi::bundle_schemas::object_bundle)]
    pub object: &'static str,
    #[schema(schema_with = crate::openapi::bundle_schemas::bundle_id)]
    pub id: String,
    #[schema(schema_with = crate::openapi::bundle_schemas::pass_ids)]
    pub pass_ids: Vec<String>,
    #[schema(schema_with = crate::openapi::bundle_schemas::bundle_url)]
    pub url: String,
    #[schema(schema_with = crate::openapi::bundle_schemas::bundle_download_url)]
    pub download_url: String,
    #[schema(schema_with = crate::openapi::schemas::created_at)]
    pub created_at: String,
}

impl BundleObject {
    pub fn new(b: &Bundle, public_url: &str) -> Self {
        let url = format!("{public_url}/b/{}", b.short_id);
        BundleObject {
            object: "bundle",
            id: b.id.to_string(),
            pass_ids: b.pass_ids.iter().map(ToString::to_string).collect(),
            download_url: format!("{url}/download"),
            url,
            created_at: timestamp(b.created_at),
        }
    }
}
