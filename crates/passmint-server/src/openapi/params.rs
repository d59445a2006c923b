//! Parameters of the operations, implemented by hand so that every constraint
//! (patterns, lengths, `limit`'s range and default) is in the document. The routes
//! name these types in `params(…)`.

use super::schemas::{id_pattern, idempotency_key, string};
use passmint_domain::idempotency::MAX_KEY_LEN;
use passmint_domain::ids::{BundleId, EventId, PassId, TemplateId, WebhookDeliveryId, WebhookId};
use serde_json::json;
use utoipa::IntoParams;
use utoipa::openapi::Required;
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};

fn path_id(prefix: &str, what: &str) -> Parameter {
    path_param("id", prefix, what)
}

fn path_param(name: &str, prefix: &str, what: &str) -> Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Path)
        .required(Required::True)
        .description(Some(format!(
            "Id of the {what} (`{prefix}…`). A malformed or unknown id, or one of another \
             account or mode, answers 404."
        )))
        .schema(Some(string().pattern(Some(id_pattern(prefix)))))
        .build()
}

fn query(name: &str, schema: ObjectBuilder, description: String) -> Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Query)
        .required(Required::False)
        .description(Some(description))
        .schema(Some(schema))
        .build()
}

/// `limit`, `starting_after` and `ending_before` of a list whose items have ids
/// with `prefix`.
fn page(prefix: &str, what: &str, default: u32, max: u32) -> Vec<Parameter> {
    vec![
        query(
            "limit",
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int32)))
                .minimum(Some(1))
                .maximum(Some(max))
                .default(Some(json!(default))),
            format!(
                "Number of {what} to return, 1 to {max} (default {default}). Anything \
                 else, or not an integer: 400 with `param: \"limit\"`."
            ),
        ),
        query(
            "starting_after",
            string().pattern(Some(id_pattern(prefix))),
            format!(
                "Cursor: the id (`{prefix}…`) of the last item of the previous page; \
                 returns the {what} that come after it (older). Cannot be combined with \
                 `ending_before`. An id that does not name an object of this list: 400 \
                 `resource_missing`."
            ),
        ),
        query(
            "ending_before",
            string().pattern(Some(id_pattern(prefix))),
            format!(
                "Cursor: the id (`{prefix}…`) of the first item of the current page; \
                 returns the {what} that come before it (newer). Cannot be combined with \
                 `starting_after`."
            ),
        ),
    ]
}

/// `id` of `/v1/passes/{id}…`.
pub struct PassIdPath;

impl IntoParams for PassIdPath {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![path_id(PassId::PREFIX, "pass")]
    }
}

/// `id` of `/v1/templates/{id}`.
pub struct TemplateIdPath;

impl IntoParams for TemplateIdPath {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![path_id(TemplateId::PREFIX, "template")]
    }
}

/// `id` of `/v1/bundles/{id}`.
pub struct BundleIdPath;

impl IntoParams for BundleIdPath {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![path_id(BundleId::PREFIX, "bundle")]
    }
}

/// The `Idempotency-Key` header of POST and PATCH.
pub struct IdempotencyKeyHeader;

impl IntoParams for IdempotencyKeyHeader {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![
            ParameterBuilder::new()
                .name("Idempotency-Key")
                .parameter_in(ParameterIn::Header)
                .required(Required::False)
                .description(Some(format!(
                    "Makes the request safe to retry: 1 to {MAX_KEY_LEN} printable ASCII \
                     characters (a UUID is a good choice), else 400. Keys are scoped to the \
                     account and mode. A retry with the same key, method, path and JSON \
                     body (key order and white space do not matter) within 24 hours \
                     returns the first response's status and body with \
                     `Idempotent-Replayed: true` and has no side effect; 5xx answers are \
                     not kept. The same key with a different request: 409 \
                     `idempotency_error`; while the first request is still running: 409 \
                     `idempotency_error`, code `idempotency_key_in_use`."
                )))
                .schema(Some(idempotency_key()))
                .build(),
        ]
    }
}

/// Query of `GET /v1/passes`.
pub struct PassListQuery;

impl IntoParams for PassListQuery {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let mut params = vec![
            query(
                "template_id",
                string().pattern(Some(id_pattern(TemplateId::PREFIX))),
                format!(
                    "Only passes of this template (`{}…`). A malformed id: 400 \
                     `resource_missing`.",
                    TemplateId::PREFIX
                ),
            ),
            query(
                "holder_email",
                string(),
                "Only passes of this holder (exact match).".to_owned(),
            ),
        ];
        params.extend(page(PassId::PREFIX, "passes", 50, 100));
        params
    }
}

/// Query of `GET /v1/templates`.
pub struct TemplateListQuery;

impl IntoParams for TemplateListQuery {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        page(TemplateId::PREFIX, "templates", 50, 100)
    }
}

/// Query of `GET /v1/events` and `GET /v1/passes/{id}/events`.
pub struct EventListQuery;

impl IntoParams for EventListQuery {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        page(EventId::PREFIX, "events", 100, 200)
    }
}

/// `id` of `/v1/webhooks/{id}…`.
pub struct WebhookIdPath;

impl IntoParams for WebhookIdPath {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![path_id(WebhookId::PREFIX, "webhook")]
    }
}

/// `id` and `delivery_id` of `/v1/webhooks/{id}/deliveries/{delivery_id}/…`.
pub struct WebhookDeliveryPath;

impl IntoParams for WebhookDeliveryPath {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![
            path_id(WebhookId::PREFIX, "webhook"),
            path_param(
                "delivery_id",
                WebhookDeliveryId::PREFIX,
                "delivery, one of this webhook's",
            ),
        ]
    }
}
