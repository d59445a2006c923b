//! Hand-built schemas of the webhook objects (webhooks, deliveries, the events they
//! carry), on the building blocks of [`super::schemas`]. Every limit is read from
//! the domain's constants, never copied.

use super::schemas::*;
use passmint_domain::event::EventType;
use passmint_domain::ids::{WebhookDeliveryId, WebhookId};
use passmint_domain::webhook::{
    ALL_EVENTS, DeliveryStatus, MAX_DESCRIPTION_LEN, MAX_RESPONSE_BODY, MAX_URL_LEN,
};
use serde_json::json;
use std::borrow::Cow;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{
    ArrayBuilder, KnownFormat, Object, ObjectBuilder, Schema, SchemaFormat, Type,
};
use utoipa::{PartialSchema, ToSchema};

// ----- webhooks ----------------------------------------------------------------

fn delivery_status() -> Object {
    let meaning = |s: DeliveryStatus| match s {
        DeliveryStatus::Pending => "not attempted yet",
        DeliveryStatus::Failed => {
            "the last attempt failed; another is scheduled at `next_attempt_at`"
        }
        DeliveryStatus::Delivered => "your server answered 2xx",
        DeliveryStatus::Dead => "every scheduled attempt failed (a manual retry may still send it)",
    };
    let lines: Vec<String> = DeliveryStatus::ALL
        .into_iter()
        .map(|s| format!("- `{}`: {}.", s.as_str(), meaning(s)))
        .collect();
    desc(
        string_enum(DeliveryStatus::ALL.map(DeliveryStatus::as_str)),
        format!("Where a delivery stands:\n\n{}", lines.join("\n")),
    )
    .build()
}

component!(
    /// `DeliveryStatus`: pending, failed, delivered, dead.
    DeliveryStatusSchema,
    "DeliveryStatus",
    delivery_status()
);
component!(
    /// The list envelope of webhooks.
    WebhookList,
    "WebhookList",
    list_of("WebhookObject", "webhooks")
);
component!(
    /// The list envelope of webhook deliveries.
    WebhookDeliveryList,
    "WebhookDeliveryList",
    list_of("WebhookDeliveryObject", "deliveries (the last 100)")
);

/// `*` and the seven `pass.*` types.
pub fn webhook_event_names() -> Vec<&'static str> {
    EventType::ALL
        .iter()
        .map(|t| t.webhook_type())
        .chain([ALL_EVENTS])
        .collect()
}

pub fn object_webhook() -> Object {
    object_const("webhook")
}

pub fn object_webhook_delivery() -> Object {
    object_const("webhook_delivery")
}

pub fn object_event() -> Object {
    object_const("event")
}

pub fn webhook_id() -> Object {
    id_schema(WebhookId::PREFIX, "the webhook").build()
}

pub fn webhook_delivery_id() -> Object {
    id_schema(WebhookDeliveryId::PREFIX, "the delivery").build()
}

fn url_schema() -> ObjectBuilder {
    string()
        .format(Some(SchemaFormat::Custom("uri".into())))
        .pattern(Some("^[Hh][Tt][Tt][Pp][Ss]?://[^\\s]+$"))
        .max_length(Some(MAX_URL_LEN))
        .examples(["https://example.com/webhooks/passmint"])
}

pub fn webhook_url() -> Object {
    desc(
        url_schema(),
        format!(
            "The URL events are delivered to: absolute `http` or `https`, at most \
             {MAX_URL_LEN} characters (else 400, `param: \"url\"`). Deliveries to private, \
             loopback or link-local addresses (checked after DNS resolution) are refused \
             unless the operator allows them."
        ),
    )
    .build()
}

pub fn webhook_url_patch() -> Object {
    let mut o = webhook_url();
    o.schema_type = or_null(Type::String);
    o.description = Some(format!(
        "{} Omitted or null: unchanged.",
        o.description.unwrap_or_default()
    ));
    o
}

fn events_array() -> ArrayBuilder {
    ArrayBuilder::new()
        .items(string_enum(webhook_event_names()))
        .min_items(Some(1))
}

const EVENTS_DESCRIPTION: &str = "The event types delivered to the webhook: any of \
     `pass.created`, `pass.updated`, `pass.voided`, `pass.url_viewed`, `pass.downloaded`, \
     `pass.installed`, `pass.removed`, or `*` for all. At least one; an unknown type \
     answers 400 with `param: \"events[i]\"`; repeats are kept once.";

pub fn webhook_events() -> utoipa::openapi::schema::Array {
    events_array()
        .description(Some(EVENTS_DESCRIPTION))
        .examples([json!(["pass.created", "pass.installed"])])
        .build()
}

pub fn webhook_events_patch() -> utoipa::openapi::schema::Array {
    events_array()
        .schema_type(or_null(Type::Array))
        .description(Some(format!(
            "{EVENTS_DESCRIPTION} Replaces the list. Omitted or null: unchanged."
        )))
        .examples([json!(["*"])])
        .build()
}

pub fn webhook_description() -> Object {
    desc(
        nullable_string().max_length(Some(MAX_DESCRIPTION_LEN)),
        format!("A description of your own (at most {MAX_DESCRIPTION_LEN} characters), or null."),
    )
    .examples(["Production webhook"])
    .build()
}

pub fn webhook_description_request() -> Object {
    desc(
        nullable_string().max_length(Some(MAX_DESCRIPTION_LEN)),
        format!(
            "A description of your own, at most {MAX_DESCRIPTION_LEN} characters. Empty: \
             none. Omitted or null: none (on create) or unchanged (on update)."
        ),
    )
    .examples(["Production webhook"])
    .build()
}

pub fn webhook_secret() -> Object {
    desc(
        nullable_string().pattern(Some("^whsec_[A-Za-z0-9+/]+={0,2}$")),
        "The signing secret: `whsec_` and the base64 of 32 random bytes. Every delivery \
         carries a Standard Webhooks signature (`webhook-signature: v1,<base64 \
         HMAC-SHA256>` of `{webhook-id}.{webhook-timestamp}.{body}`, keyed with the \
         decoded secret), so any Standard Webhooks library verifies it. After a \
         rotation the previous secret signs too, for 24 hours. `null` only in an \
         idempotent replay, once the secret it showed has been rotated or the webhook \
         deleted.",
    )
    .examples(["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwMfKQ9r8GKYo="])
    .build()
}

pub fn webhook_event_type() -> Object {
    desc(
        string_enum(EventType::ALL.map(EventType::webhook_type)),
        "The type of the event: `pass.` and the pass event's type.",
    )
    .build()
}

fn nullable_date_time(what: &str) -> Object {
    desc(
        ObjectBuilder::new()
            .schema_type(or_null(Type::String))
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime))),
        what,
    )
    .build()
}

pub fn last_attempt_at() -> Object {
    nullable_date_time("When the last attempt was made (RFC 3339, UTC), or null before the first.")
}

pub fn next_attempt_at() -> Object {
    nullable_date_time(
        "When the next attempt is due (RFC 3339, UTC): set while `pending` or `failed` and \
         after a manual retry, null once `delivered` or `dead`.",
    )
}

pub fn response_status() -> Object {
    desc(
        ObjectBuilder::new()
            .schema_type(or_null(Type::Integer))
            .minimum(Some(100))
            .maximum(Some(599)),
        "The HTTP status your server answered the last attempt with, or null (not attempted \
         yet, or no answer: refused address, connection error, timeout).",
    )
    .build()
}

pub fn response_body() -> Object {
    desc(
        nullable_string(),
        format!(
            "The body of your server's last answer, at most {} bytes (cut on a character \
             boundary), or null.",
            MAX_RESPONSE_BODY
        ),
    )
    .build()
}
