//! Examples of the API's objects, produced by the DTOs' own serde from domain
//! objects, so they have exactly the shape the server sends.

use super::schemas::example_id;
use crate::dto::{
    BundleObject, DeletedObject, DeletedWebhookObject, ListObject, PassEventObject, PassObject,
    TemplateObject, WebhookDeliveryObject, WebhookEventObject, WebhookObject,
    WebhookWithSecretObject,
};
use passmint_domain::bundle::Bundle;
use passmint_domain::design::Design;
use passmint_domain::event::{EventType, PassEvent};
use passmint_domain::ids::{AccountId, BundleId, EventId, PassId, TemplateId};
use passmint_domain::ids::{WebhookDeliveryId, WebhookId};
use passmint_domain::mode::Mode;
use passmint_domain::pass::Pass;
use passmint_domain::template::{AppleStyle, Template, TemplateType};
use passmint_domain::webhook::{
    DeliveryStatus, Subscription, Webhook, WebhookDelivery, WebhookSecret,
};
use serde::Serialize;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use time::macros::datetime;

/// The public URL of the examples.
pub const PUBLIC_URL: &str = "https://passmint.example.com";

fn body(prefix: &str) -> String {
    example_id(prefix)[prefix.len()..].to_owned()
}

fn to_value<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

pub fn template() -> Template {
    Template {
        id: TemplateId::from_body(&body(TemplateId::PREFIX)),
        account_id: AccountId::from_body(&body(AccountId::PREFIX)),
        name: "VIP Concert Pass".into(),
        kind: TemplateType::Event,
        apple_style: AppleStyle::EventTicket,
        design: serde_json::from_value::<Design>(super::design::example()).unwrap_or_default(),
        archived: false,
        created_at: datetime!(2026-04-16 12:00:00 UTC),
        updated_at: datetime!(2026-04-16 12:00:00 UTC),
    }
}

pub fn pass() -> Pass {
    let template = template();
    let mut metadata = Map::new();
    metadata.insert("order_id".into(), json!("ord_123"));
    Pass {
        id: PassId::from_body(&body(PassId::PREFIX)),
        account_id: template.account_id.clone(),
        mode: Mode::Test,
        template_id: template.id,
        short_id: "aB3dE5gH7j".into(),
        serial_number: "Zq81LmN0pRs4TuV6wXy2Ab9C".into(),
        auth_token: "not-part-of-the-api-0123456789".into(),
        holder_email: Some("alice@example.com".into()),
        holder_name: Some("Alice Johnson".into()),
        field_values: BTreeMap::from([("seatNumber".to_owned(), "A12".to_owned())]),
        metadata,
        voided_at: None,
        created_via_api: true,
        created_at: datetime!(2026-04-16 12:00:00 UTC),
        updated_at: datetime!(2026-04-16 12:00:00 UTC),
        version: 1,
    }
}

pub fn voided_pass() -> Pass {
    let mut p = pass();
    p.voided_at = Some(datetime!(2026-04-16 14:30:00 UTC));
    p
}

pub fn event() -> PassEvent {
    let pass = pass();
    let mut metadata = Map::new();
    metadata.insert("field_values".into(), json!(["seatNumber"]));
    PassEvent {
        id: EventId::from_body(&body(EventId::PREFIX)),
        account_id: pass.account_id.clone(),
        mode: pass.mode,
        pass_id: pass.id,
        kind: EventType::Updated,
        metadata,
        created_at: datetime!(2026-04-16 13:00:00 UTC),
    }
}

pub fn webhook() -> Webhook {
    Webhook {
        id: WebhookId::from_body(&body(WebhookId::PREFIX)),
        account_id: AccountId::from_body(&body(AccountId::PREFIX)),
        mode: Mode::Test,
        url: "https://example.com/webhooks/passmint".into(),
        events: vec![
            Subscription::Event(EventType::Created),
            Subscription::Event(EventType::Installed),
        ],
        description: Some("Production webhook".into()),
        enabled: true,
        secret: WebhookSecret::from_key_bytes(b"an example key of 32 bytes long!"),
        previous_secret: None,
        created_at: datetime!(2026-04-16 12:00:00 UTC),
        updated_at: datetime!(2026-04-16 12:00:00 UTC),
    }
}

pub fn delivery() -> WebhookDelivery {
    let event = event();
    let webhook = webhook();
    WebhookDelivery {
        id: WebhookDeliveryId::derive(&event.id, &webhook.id),
        webhook_id: webhook.id,
        account_id: event.account_id,
        mode: event.mode,
        event_id: event.id,
        event_type: EventType::Created,
        status: DeliveryStatus::Delivered,
        attempts: 1,
        last_attempt_at: Some(datetime!(2026-04-16 12:01:00 UTC)),
        next_attempt_at: None,
        response_status: Some(200),
        response_body: Some("ok".into()),
        created_at: datetime!(2026-04-16 12:00:00 UTC),
    }
}

/// A delivery whose last attempt failed, with its retry scheduled.
pub fn failed_delivery() -> WebhookDelivery {
    WebhookDelivery {
        status: DeliveryStatus::Failed,
        attempts: 2,
        next_attempt_at: Some(datetime!(2026-04-16 12:06:00 UTC)),
        response_status: Some(500),
        response_body: Some("Internal Server Error".into()),
        ..delivery()
    }
}

/// Examples of the response objects by component name.
pub fn bundle() -> Bundle {
    let pass = pass();
    Bundle {
        id: BundleId::from_body(&body(BundleId::PREFIX)),
        account_id: pass.account_id.clone(),
        mode: pass.mode,
        short_id: "Bq7Lr2NcYh8A".into(),
        pass_ids: vec![pass.id, PassId::from_body("Wc5Hn2TqLx9BvR4kMz7Jd3Pf")],
        created_at: datetime!(2026-04-16 12:00:00 UTC),
    }
}

pub fn objects() -> Vec<(&'static str, Vec<Value>)> {
    let pass = PassObject::new(&pass(), PUBLIC_URL);
    let voided = PassObject::new(&voided_pass(), PUBLIC_URL);
    let template = TemplateObject::from(&template());
    let event = PassEventObject::from(&event());
    let deleted = DeletedObject {
        id: template.id.clone(),
        deleted: true,
    };
    vec![
        (
            "PassList",
            vec![to_value(&ListObject::new(vec![pass], false))],
        ),
        (
            "PassObject",
            vec![
                to_value(&PassObject::new(&self::pass(), PUBLIC_URL)),
                to_value(&voided),
            ],
        ),
        (
            "TemplateList",
            vec![to_value(&ListObject::new(
                vec![TemplateObject::from(&self::template())],
                false,
            ))],
        ),
        ("TemplateObject", vec![to_value(&template)]),
        (
            "PassEventList",
            vec![to_value(&ListObject::new(
                vec![PassEventObject::from(&self::event())],
                true,
            ))],
        ),
        ("PassEventObject", vec![to_value(&event)]),
        ("DeletedObject", vec![to_value(&deleted)]),
        (
            "BundleObject",
            vec![to_value(&BundleObject::new(&bundle(), PUBLIC_URL))],
        ),
        (
            "WebhookObject",
            vec![to_value(&WebhookObject::from(&webhook()))],
        ),
        (
            "WebhookWithSecretObject",
            vec![to_value(&WebhookWithSecretObject::from(&webhook()))],
        ),
        (
            "WebhookList",
            vec![to_value(&ListObject::new(
                vec![WebhookObject::from(&webhook())],
                false,
            ))],
        ),
        (
            "DeletedWebhookObject",
            vec![to_value(&DeletedWebhookObject {
                id: webhook().id.to_string(),
                deleted: true,
            })],
        ),
        (
            "WebhookDeliveryObject",
            vec![
                to_value(&WebhookDeliveryObject::from(&delivery())),
                to_value(&WebhookDeliveryObject::from(&failed_delivery())),
            ],
        ),
        (
            "WebhookDeliveryList",
            vec![to_value(&ListObject::new(
                vec![WebhookDeliveryObject::from(&delivery())],
                false,
            ))],
        ),
        (
            "WebhookEventObject",
            vec![to_value(&WebhookEventObject::new(
                &PassEvent {
                    kind: EventType::Created,
                    metadata: Map::new(),
                    created_at: datetime!(2026-04-16 12:00:00 UTC),
                    ..self::event()
                },
                &self::pass(),
                PUBLIC_URL,
            ))],
        ),
    ]
}

/// Examples of the request bodies by component name (the reference's).
pub fn requests() -> Vec<(&'static str, Vec<Value>)> {
    vec![
        (
            "CreateTemplateRequest",
            vec![json!({
                "name": "VIP Concert Pass",
                "type": "event",
                "apple_style": "eventTicket",
                "design": super::design::example()
            })],
        ),
        (
            "UpdateTemplateRequest",
            vec![
                json!({"name": "Updated Template Name"}),
                json!({"archived": true}),
            ],
        ),
        (
            "CreatePassRequest",
            vec![json!({
                "template_id": example_id(TemplateId::PREFIX),
                "holder_email": "alice@example.com",
                "holder_name": "Alice Johnson",
                "field_values": {"seatNumber": "A12"},
                "metadata": {"order_id": "ord_123"}
            })],
        ),
        (
            "CreateBundleRequest",
            vec![json!({"pass_ids": bundle().pass_ids})],
        ),
        (
            "CreateWebhookRequest",
            vec![json!({
                "url": "https://example.com/webhooks/passmint",
                "events": ["pass.created", "pass.installed"],
                "description": "Production webhook"
            })],
        ),
        (
            "UpdateWebhookRequest",
            vec![
                json!({"events": ["*"], "description": "All events"}),
                json!({"enabled": false}),
            ],
        ),
        ("EmptyRequest", vec![json!({})]),
        (
            "UpdatePassRequest",
            vec![
                json!({"field_values": {"seatNumber": "B7"}}),
                json!({"metadata": {"order_id": null}}),
            ],
        ),
    ]
}
