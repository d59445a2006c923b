//! The OpenAPI 3.1 document of the public API, served at `/v1/openapi.json`.
//!
//! The operations come from the handlers' `#[utoipa::path]` annotations and the
//! request and response objects from the DTOs' derives. What those cannot express is
//! built here by hand from the domain's own values and limits:
//!
//! - [`schemas`]: the enums, ids, timestamps, metadata, list and error envelopes;
//! - [`webhook_schemas`]: the webhook objects, their deliveries and events;
//! - [`bundle_schemas`]: the bundle object's fields;
//! - [`design`]: a template's `design`, key for key as its serde shape;
//! - [`params`]: the path, header and query parameters with their constraints;
//! - [`errors`]: every operation's error answers with real examples, the only
//!   place its error statuses are declared (the annotations list the success);
//! - [`responses`]: completes every operation with those error answers and the
//!   `Request-Id` and `Idempotent-Replayed` headers;
//! - [`examples`]: examples of the objects, produced by the DTOs' serde.

/// A component schema implemented by hand: the marker types below are used only
/// for documentation, in `value_type = …` attributes and response bodies.
macro_rules! component {
    ($(#[$doc:meta])* $ty:ident, $name:literal, $build:expr) => {
        $(#[$doc])*
        pub struct $ty;

        impl PartialSchema for $ty {
            fn schema() -> RefOr<Schema> {
                $build.into()
            }
        }

        impl ToSchema for $ty {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed($name)
            }
        }
    };
}

pub mod bundle_schemas;
pub mod design;
pub mod errors;
pub mod examples;
pub mod params;
pub mod responses;
pub mod schemas;
pub mod semantics;
pub mod webhook_schemas;

use crate::dto;
use crate::routes::{bundles, events, passes, templates, webhooks};
use serde_json::{Value, json};
use std::sync::LazyLock;
use utoipa::openapi::path::Operation;
use utoipa::openapi::schema::Schema;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{RefOr, Required};
use utoipa::{Modify, OpenApi, PartialSchema, ToSchema};

const DESCRIPTION: &str = r#"Issue, update and void Apple Wallet passes from templates.

**Authentication.** Send an API key as a bearer token: `Authorization: Bearer pmk_test_…`. The key's prefix decides the mode: `pmk_test_` keys see only test objects and `pmk_live_` keys only live ones (passes, events, webhooks, their deliveries and idempotency keys belong to one mode; templates are shared by both modes of an account). A missing, malformed, unknown or revoked key answers 401.

**Requests and responses.** Bodies are JSON objects (`Content-Type: application/json`), at most 1 MiB unless the operator changes `PASSMINT_MAX_BODY_BYTES` (413 beyond), sent in full within 10 s unless the operator changes `PASSMINT_BODY_TIMEOUT` (408 after it); another content type answers 415. Unknown body keys, unknown query parameters and repeated query parameters are refused with 400. Responses are `application/json; charset=utf-8`; timestamps are RFC 3339 in UTC (`2026-04-16T12:00:00Z`); ids are a type prefix and 24 base62 characters (`pass_…`, `tmpl_…`, `bndl_…`, `evt_…`, `whk_…`, `whd_…`). Every response carries a `Request-Id` header. Single objects have an `object` key naming their type.

**Lists** are newest first, wrapped in `{"object": "list", "data": [...], "has_more": ...}`. Page with `limit` and the cursors `starting_after` (older) or `ending_before` (newer), which take an id of the listed type.

**Idempotency.** Send an `Idempotency-Key` header on POST and PATCH to retry safely: a replay within 24 hours returns the first answer with `Idempotent-Replayed: true` and does nothing again. Keys are scoped to the account and mode; reusing one with a different method, path or body answers 409.

**Errors** all have the envelope `{"error": {"type", "code", "message", "param"}}` (see `ErrorEnvelope`), also for unknown routes (404, `components/responses/UnknownRoute`) and methods a path does not have (405, `components/responses/MethodNotAllowed`). A client mistake is never a 500.

| type | status | meaning |
| --- | --- | --- |
| `invalid_request_error` | 400, 405, 408, 413, 415 | malformed or invalid request |
| `authentication_error` | 401 | invalid or missing API key |
| `billing_error` | 402 | account billing issue |
| `not_found_error` | 404 | resource or route does not exist |
| `idempotency_error` | 409 | Idempotency-Key reused with a different request, or in use |
| `api_error` | 500 | internal server error |"#;

#[derive(OpenApi)]
#[openapi(
    info(title = "Passmint API", version = "1", description = DESCRIPTION),
    paths(
        passes::create, passes::list, passes::retrieve, passes::update, passes::void,
        templates::create, templates::list, templates::retrieve, templates::update, templates::archive,
        events::list, events::list_for_pass,
        webhooks::create, webhooks::list, webhooks::retrieve, webhooks::update, webhooks::delete,
        webhooks::deliveries, webhooks::retry, webhooks::rotate_secret,
        bundles::create, bundles::retrieve,
    ),
    components(schemas(
        dto::PassObject, dto::TemplateObject, dto::PassEventObject, dto::DeletedObject,
        dto::CreatePassRequest, dto::UpdatePassRequest, dto::CreateTemplateRequest, dto::UpdateTemplateRequest,
        dto::WebhookObject, dto::WebhookWithSecretObject, dto::DeletedWebhookObject, dto::WebhookDeliveryObject,
        dto::WebhookEventObject, dto::WebhookEventData,
        dto::CreateWebhookRequest, dto::UpdateWebhookRequest, dto::EmptyRequest,
        dto::BundleObject, dto::CreateBundleRequest,
    )),
    tags(
        (name = "Passes", description = "Passes are the core resource: each is a single wallet pass issued from a template, in the mode of the key that issued it."),
        (name = "Templates", description = "Templates define the design and structure of passes. Every pass is issued from a template; templates are shared by the test and live modes of an account."),
        (name = "Events", description = "Events track the lifecycle of passes, from creation through installation and removal."),
        (name = "Bundles", description = "A bundle gathers up to 10 passes of one mode so a holder adds them all to Apple Wallet in one tap: its landing page lists each pass, and its download is every signed pass in one `application/vnd.apple.pkpasses` file. Each download records a `downloaded` event per pass."),
        (name = "Webhooks", description = "Webhooks deliver the events of one mode to your server as they happen, signed with the Standard Webhooks scheme (`webhook-id`, `webhook-timestamp`, `webhook-signature`): `{\"id\": \"evt_…\", \"object\": \"event\", \"type\": \"pass.created\", \"mode\", \"created_at\", \"data\": {\"object\": <the pass after the event>, \"event\": <the pass_event>}}` (schema `WebhookEventObject`). Any 2xx answer within 15 seconds is a success; anything else is retried after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h and 24 h (±20 %), then the delivery is `dead`. Redirects are not followed. `webhook-id` is the event id, the same on every retry: use it to ignore repeats."),
    ),
    security(("bearer" = [])),
    modifiers(&Components, &Security, &Operations),
)]
pub struct ApiDoc;

/// The hand-built schemas and the examples of the objects.
struct Components;

impl Modify for Components {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let schemas = &mut components.schemas;
        let mut add = |name: &str, schema: RefOr<Schema>| {
            schemas.insert(name.to_owned(), schema);
        };
        for (name, schema) in design::components() {
            add(name, schema);
        }
        // The error envelope is written by the server with all four keys; these
        // replace the derives of `http::error`.
        for (name, schema) in schemas::error_components() {
            add(name, schema);
        }
        add_marker::<schemas::TemplateTypeSchema>(&mut add);
        add_marker::<schemas::AppleStyleSchema>(&mut add);
        add_marker::<schemas::ModeSchema>(&mut add);
        add_marker::<schemas::EventTypeSchema>(&mut add);
        add_marker::<schemas::MetadataSchema>(&mut add);
        add_marker::<schemas::PassList>(&mut add);
        add_marker::<schemas::TemplateList>(&mut add);
        add_marker::<schemas::PassEventList>(&mut add);
        add_marker::<webhook_schemas::DeliveryStatusSchema>(&mut add);
        add_marker::<webhook_schemas::WebhookList>(&mut add);
        add_marker::<webhook_schemas::WebhookDeliveryList>(&mut add);
        for (name, values) in examples::objects().into_iter().chain(examples::requests()) {
            if let Some(RefOr::T(Schema::Object(o))) = schemas.get_mut(name) {
                o.examples = values;
            }
        }
        for (name, response) in responses::component_responses() {
            components
                .responses
                .insert(name.to_owned(), RefOr::T(response));
        }
    }
}

fn add_marker<T: ToSchema>(add: &mut impl FnMut(&str, RefOr<Schema>)) {
    add(&T::name(), <T as PartialSchema>::schema());
}

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("pmk_test_… or pmk_live_…")
                    .description(Some(
                        "An API key: `pmk_test_` or `pmk_live_` followed by at least 32 \
                         base62 characters. The prefix decides the mode of every object \
                         the request sees or creates.",
                    ))
                    .build(),
            ),
        );
    }
}

/// Completes the operations: responses (see [`responses::complete`]), the optional
/// body of a template update, and the 405 of every path.
struct Operations;

impl Modify for Operations {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            let methods: Vec<&str> = [
                (item.get.is_some(), "GET"),
                (item.post.is_some(), "POST"),
                (item.patch.is_some(), "PATCH"),
                (item.delete.is_some(), "DELETE"),
            ]
            .into_iter()
            .filter_map(|(has, m)| has.then_some(m))
            .collect();
            item.description = Some(format!(
                "Other methods than {} answer 405 (see `components/responses/MethodNotAllowed`).",
                methods.join(", ")
            ));
            for op in operations_mut(item) {
                responses::complete(op);
                if matches!(
                    op.operation_id.as_deref(),
                    Some(
                        "updateTemplate"
                            | "updateWebhook"
                            | "retryWebhookDelivery"
                            | "rotateWebhookSecret"
                    )
                ) && let Some(body) = &mut op.request_body
                {
                    // An empty body reads as `{}`, which changes nothing.
                    body.required = Some(Required::False);
                }
            }
        }
    }
}

fn operations_mut(item: &mut utoipa::openapi::PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        item.get.as_mut(),
        item.post.as_mut(),
        item.patch.as_mut(),
        item.put.as_mut(),
        item.delete.as_mut(),
        item.head.as_mut(),
        item.options.as_mut(),
        item.trace.as_mut(),
    ]
    .into_iter()
    .flatten()
}

/// The few keywords utoipa's model has no field for, added to the JSON.
fn finish(doc: &mut Value) {
    // `Request-Id` is on every response.
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut().filter_map(Value::as_object_mut) {
            for op in item.values_mut().filter_map(Value::as_object_mut) {
                let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
                    continue;
                };
                for response in responses.values_mut() {
                    mark_request_id_required(response);
                }
            }
        }
    }
    if let Some(root) = doc.as_object_mut() {
        root.insert("webhooks".into(), webhook_deliveries());
    }
    if let Some(components) = doc.get_mut("components") {
        if let Some(responses) = components
            .get_mut("responses")
            .and_then(Value::as_object_mut)
        {
            for response in responses.values_mut() {
                mark_request_id_required(response);
            }
        }
        // `relevant_date` and `relevant_dates` are exclusive (one absent, null or
        // empty).
        if let Some(design) = components.pointer_mut("/schemas/Design")
            && let Some(design) = design.as_object_mut()
        {
            design.insert(
                "anyOf".into(),
                json!([
                    {"properties": {"relevant_date": {"type": "null"}}},
                    {"properties": {"relevant_dates": {"maxItems": 0}}}
                ]),
            );
        }
        // The poster scheme needs its semantic tags (docs/api.md §3).
        if let Some(schema) = components.pointer_mut("/schemas/Design")
            && let Some(schema) = schema.as_object_mut()
        {
            schema.insert("allOf".into(), semantics::poster_rules());
        }
        // A pass update needs `field_values` or `metadata`, and not null.
        if let Some(update) = components.pointer_mut("/schemas/UpdatePassRequest")
            && let Some(update) = update.as_object_mut()
        {
            update.insert(
                "anyOf".into(),
                json!([
                    {"required": ["field_values"], "properties": {"field_values": {"type": "object"}}},
                    {"required": ["metadata"], "properties": {"metadata": {"type": "object"}}}
                ]),
            );
        }
    }
}

/// OpenAPI 3.1's `webhooks`: the request Passmint sends to a webhook's URL.
fn webhook_deliveries() -> Value {
    let header = |name: &str, description: &str, schema: Value| json!({"name": name, "in": "header", "required": true, "description": description, "schema": schema});
    json!({
        "passEvent": {
            "post": {
                "summary": "A pass event, delivered to a webhook",
                "description": "Sent to the `url` of every enabled webhook of the event's mode that subscribes to its type. Verify the signature with any Standard Webhooks library and the webhook's secret before trusting the body. Answer 2xx within 15 seconds: anything else (another status, a redirect, a timeout, a connection error) is a failure, retried after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h and 24 h (±20 %). Deliveries are at least once: ignore a `webhook-id` you have already processed.",
                "operationId": "passEventWebhook",
                "tags": ["Webhooks"],
                "parameters": [
                    header("webhook-id", "The event id (`evt_…`), the same on every attempt.", json!({"type": "string", "pattern": "^evt_[0-9A-Za-z]{24}$"})),
                    header("webhook-timestamp", "Unix time of this attempt, in seconds.", json!({"type": "string", "pattern": "^[0-9]+$"})),
                    header("webhook-signature", "`v1,` and the base64 HMAC-SHA256 of `{webhook-id}.{webhook-timestamp}.{body}` keyed with the decoded secret; during the 24 hours after a rotation, one such entry per secret, separated by a space.", json!({"type": "string", "pattern": "^v1,[A-Za-z0-9+/=]+( v1,[A-Za-z0-9+/=]+)*$"})),
                ],
                "requestBody": {
                    "required": true,
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/WebhookEventObject"}}}
                },
                "responses": {
                    "2XX": {"description": "Received: the delivery is `delivered`."},
                    "default": {"description": "Anything else fails the attempt; it is retried on the schedule."}
                }
            }
        }
    })
}

fn mark_request_id_required(response: &mut Value) {
    if let Some(header) = response.pointer_mut(&format!("/headers/{}", responses::REQUEST_ID))
        && let Some(header) = header.as_object_mut()
    {
        header.insert("required".into(), Value::Bool(true));
    }
}

/// The document as JSON.
pub fn document() -> Value {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or(Value::Null);
    finish(&mut doc);
    doc
}

static DOCUMENT_JSON: LazyLock<String> =
    LazyLock::new(|| serde_json::to_string(&document()).unwrap_or_default());

pub fn document_json() -> String {
    DOCUMENT_JSON.clone()
}
