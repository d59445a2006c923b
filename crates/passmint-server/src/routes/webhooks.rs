//! `/v1/webhooks`: endpoints, their delivery log, manual retries and secret
//! rotation.

use super::{ok_json, ok_list, stored_json};
use crate::dto::{
    CreateWebhookRequest, DeletedWebhookObject, EmptyRequest, UpdateWebhookRequest,
    WebhookDeliveryObject, WebhookObject, WebhookWithSecretObject,
};
use crate::http::auth::Caller;
use crate::http::error::ApiError;
use crate::http::idempotency::{REPLAYED, respond};
use crate::http::list::Query;
use crate::http::write::Write;
use crate::state::AppState;
use actix_web::{HttpResponse, web};
use passmint_domain::DomainError;
use passmint_domain::idempotency::{IdemFinish, Renderer, StoredResponse};
use passmint_domain::service::Principal;
use passmint_domain::webhook::{Webhook, WebhookDelivery};
use std::sync::Arc;

/// The webhook with its secret (creation and rotation).
fn render_with_secret() -> Renderer<Webhook> {
    Arc::new(|w: &Webhook| stored_json(&WebhookWithSecretObject::from(w)))
}

/// What stands for the secret in an answer stored under an `Idempotency-Key`: the
/// secret's SHA-256, never the secret (docs/api.md §8).
const SEALED: &str = "sealed:sha256:";

fn seal(secret: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, secret.as_bytes());
    format!("{SEALED}{}", hex::encode(digest.as_ref()))
}

/// The answer of a creation or rotation as it is stored for replays: the secret
/// sealed (docs/api.md §8).
fn sealing(finish: Option<IdemFinish<Webhook>>) -> Option<IdemFinish<Webhook>> {
    finish.map(|f| IdemFinish {
        ticket: f.ticket,
        render: Arc::new(|w: &Webhook| {
            let mut sealed = WebhookWithSecretObject::from(w);
            sealed.secret = seal(w.secret.expose());
            stored_json(&sealed)
        }),
    })
}

/// A replayed creation or rotation answers the webhook's current secret while it is
/// still the one the first answer showed, and `null` once it was rotated or the
/// webhook deleted (docs/api.md §8). Other answers pass unchanged.
async fn unseal(
    c: (web::Data<AppState>, Principal),
    answer: HttpResponse,
) -> Result<HttpResponse, ApiError> {
    if answer.status() != actix_web::http::StatusCode::OK
        || !answer.headers().contains_key(REPLAYED)
    {
        return Ok(answer);
    }
    let body = actix_web::body::to_bytes(answer.into_body())
        .await
        .map_err(|_| ApiError::internal())?;
    let stored: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let (Some(id), Some(shown)) = (stored["id"].as_str(), stored["secret"].as_str()) else {
        return Ok(respond(
            &StoredResponse {
                status: 200,
                body: body.to_vec(),
            },
            true,
        ));
    };
    // Answers stored before secrets were sealed hold the secret itself.
    let sealed = if shown.starts_with(SEALED) {
        shown.to_owned()
    } else {
        seal(shown)
    };
    let current = match c.0.passmint.get_webhook(&c.1, id).await {
        Ok(w) if seal(w.secret.expose()) == sealed => serde_json::json!(w.secret.expose()),
        Ok(_) | Err(DomainError::NotFound { .. }) => serde_json::Value::Null,
        Err(e) => return Err(e.into()),
    };
    let text = String::from_utf8_lossy(&body).replacen(
        &serde_json::json!(shown).to_string(),
        &current.to_string(),
        1,
    );
    Ok(respond(
        &StoredResponse {
            status: 200,
            body: text.into_bytes(),
        },
        true,
    ))
}

/// Runs a creation or rotation: the answer shows the secret, what is stored for
/// replays holds it sealed.
async fn with_secret<In: serde::de::DeserializeOwned>(
    write: Write,
    op: impl AsyncFnOnce(&Caller, In, Option<IdemFinish<Webhook>>) -> Result<Webhook, DomainError>,
) -> Result<HttpResponse, ApiError> {
    let who = (write.caller().state.clone(), write.caller().who.clone());
    let answer = write
        .json(render_with_secret(), async |c, input: In, finish| {
            op(c, input, sealing(finish)).await
        })
        .await?;
    unseal(who, answer).await
}

fn render() -> Renderer<Webhook> {
    Arc::new(|w: &Webhook| stored_json(&WebhookObject::from(w)))
}

fn render_delivery() -> Renderer<WebhookDelivery> {
    Arc::new(|d: &WebhookDelivery| stored_json(&WebhookDeliveryObject::from(d)))
}

/// Create a webhook
///
/// Registers an endpoint for the events of the API key's mode. The answer includes
/// the `secret`: the only time it is returned besides a rotation, so store it
/// securely. An account may have at most 16 webhooks per mode. Supports idempotency.
#[utoipa::path(post, path = "/v1/webhooks", tag = "Webhooks", operation_id = "createWebhook",
    request_body(content = CreateWebhookRequest, description = "The webhook to create."),
    params(crate::openapi::params::IdempotencyKeyHeader),
    responses((status = 200, description = "The new webhook, with its secret.", body = WebhookWithSecretObject)),
    security(("bearer" = [])))]
pub async fn create(write: Write) -> Result<HttpResponse, ApiError> {
    with_secret(write, async |c, input: CreateWebhookRequest, finish| {
        c.passmint()
            .create_webhook(&c.who, input.into(), finish)
            .await
    })
    .await
}

/// List webhooks
///
/// Every webhook of the API key's mode, newest first (never their secrets).
/// Unknown query parameters are refused.
#[utoipa::path(get, path = "/v1/webhooks", tag = "Webhooks", operation_id = "listWebhooks",
    responses((status = 200, description = "The webhooks of this mode.", body = crate::openapi::webhook_schemas::WebhookList)),
    security(("bearer" = [])))]
pub async fn list(c: Caller) -> Result<HttpResponse, ApiError> {
    Query::parse(&c.req, &[])?;
    let webhooks = c.passmint().list_webhooks(&c.who).await?;
    ok_list(webhooks.iter().map(WebhookObject::from).collect(), false)
}

/// Retrieve a webhook
///
/// The secret is not included.
#[utoipa::path(get, path = "/v1/webhooks/{id}", tag = "Webhooks", operation_id = "retrieveWebhook",
    params(crate::openapi::params::WebhookIdPath),
    responses((status = 200, description = "The webhook.", body = WebhookObject)),
    security(("bearer" = [])))]
pub async fn retrieve(c: Caller) -> Result<HttpResponse, ApiError> {
    let w = c.passmint().get_webhook(&c.who, c.id()).await?;
    ok_json(&WebhookObject::from(&w))
}

/// Update a webhook
///
/// Changes the URL, the subscribed events, the description or the enabled status;
/// every key is optional. A disabled webhook gets no new deliveries, and its
/// pending ones wait until it is enabled again. Supports idempotency.
#[utoipa::path(patch, path = "/v1/webhooks/{id}", tag = "Webhooks", operation_id = "updateWebhook",
    params(crate::openapi::params::WebhookIdPath, crate::openapi::params::IdempotencyKeyHeader),
    request_body(content = UpdateWebhookRequest, description = "What to change; an empty body changes nothing."),
    responses((status = 200, description = "The webhook after the update.", body = WebhookObject)),
    security(("bearer" = [])))]
pub async fn update(write: Write) -> Result<HttpResponse, ApiError> {
    write
        .json(render(), async |c, input: UpdateWebhookRequest, finish| {
            c.passmint()
                .update_webhook(&c.who, c.id(), input.into(), finish)
                .await
        })
        .await
}

/// Delete a webhook
///
/// Permanently deletes the webhook and its delivery history: a hard delete, which
/// cannot be undone. Deliveries not yet made are dropped.
#[utoipa::path(delete, path = "/v1/webhooks/{id}", tag = "Webhooks", operation_id = "deleteWebhook",
    params(crate::openapi::params::WebhookIdPath),
    responses((status = 200, description = "The webhook is deleted.", body = DeletedWebhookObject)),
    security(("bearer" = [])))]
pub async fn delete(c: Caller) -> Result<HttpResponse, ApiError> {
    let deleted = c.passmint().delete_webhook(&c.who, c.id()).await?;
    ok_json(&DeletedWebhookObject {
        id: deleted.to_string(),
        deleted: true,
    })
}

/// List recent deliveries
///
/// The webhook's last 100 deliveries, newest first: one per event it received,
/// with the outcome of its last attempt. Unknown query parameters are refused.
#[utoipa::path(get, path = "/v1/webhooks/{id}/deliveries", tag = "Webhooks", operation_id = "listWebhookDeliveries",
    params(crate::openapi::params::WebhookIdPath),
    responses((status = 200, description = "The last 100 deliveries, newest first.", body = crate::openapi::webhook_schemas::WebhookDeliveryList)),
    security(("bearer" = [])))]
pub async fn deliveries(c: Caller) -> Result<HttpResponse, ApiError> {
    Query::parse(&c.req, &[])?;
    let page = c.passmint().list_deliveries(&c.who, c.id()).await?;
    ok_list(
        page.data.iter().map(WebhookDeliveryObject::from).collect(),
        page.has_more,
    )
}

/// Retry a delivery
///
/// Sends the delivery again now, whatever its status (a `dead` or `delivered` one
/// too), with the same `webhook-id`. Answers at once with the delivery, due now;
/// its outcome shows in the delivery log. Takes no parameters. Supports
/// idempotency.
#[utoipa::path(post, path = "/v1/webhooks/{id}/deliveries/{delivery_id}/retry", tag = "Webhooks", operation_id = "retryWebhookDelivery",
    params(crate::openapi::params::WebhookDeliveryPath, crate::openapi::params::IdempotencyKeyHeader),
    request_body(content = EmptyRequest, description = "Nothing, or an empty object."),
    responses((status = 200, description = "The delivery, scheduled now.", body = WebhookDeliveryObject)),
    security(("bearer" = [])))]
pub async fn retry(write: Write) -> Result<HttpResponse, ApiError> {
    write
        .json(render_delivery(), async |c, _: EmptyRequest, finish| {
            let delivery_id = c.path("delivery_id");
            match c
                .passmint()
                .retry_delivery(&c.who, c.id(), delivery_id, finish)
                .await
            {
                Ok(d) => Ok(d),
                Err(
                    e @ DomainError::NotFound {
                        resource: "webhook_delivery",
                        ..
                    },
                ) => Err(ApiError::from(e).param("delivery_id")),
                Err(e) => Err(e.into()),
            }
        })
        .await
}

/// Rotate the secret
///
/// Replaces the webhook's signing secret with a new one, returned in the answer
/// (the only time it is shown). For 24 hours every delivery is signed with both
/// the new and the previous secret, so receivers can switch without missing one.
/// Takes no parameters. Supports idempotency.
#[utoipa::path(post, path = "/v1/webhooks/{id}/rotate_secret", tag = "Webhooks", operation_id = "rotateWebhookSecret",
    params(crate::openapi::params::WebhookIdPath, crate::openapi::params::IdempotencyKeyHeader),
    request_body(content = EmptyRequest, description = "Nothing, or an empty object."),
    responses((status = 200, description = "The webhook, with its new secret.", body = WebhookWithSecretObject)),
    security(("bearer" = [])))]
pub async fn rotate_secret(write: Write) -> Result<HttpResponse, ApiError> {
    with_secret(write, async |c, _: EmptyRequest, finish| {
        c.passmint()
            .rotate_webhook_secret(&c.who, c.id(), finish)
            .await
    })
    .await
}
