//! Route handlers: DTO in, use case, DTO out. No rules live here.

pub mod bundle_pages;
pub mod bundles;
pub mod events;
pub mod meta;
pub mod page;
pub mod passes;
pub mod public;
pub mod templates;
pub mod wallet;
pub mod webhooks;

use crate::dto::ListObject;
use crate::http::JSON;
use crate::http::error::ApiError;
use actix_web::HttpResponse;
use passmint_domain::idempotency::StoredResponse;
use serde::Serialize;

pub fn stored_json<T: Serialize>(value: &T) -> StoredResponse {
    StoredResponse {
        status: 200,
        body: serde_json::to_vec(value).unwrap_or_default(),
    }
}

pub fn ok_json<T: Serialize>(value: &T) -> Result<HttpResponse, ApiError> {
    let body = serde_json::to_vec(value).map_err(|e| {
        tracing::error!(error = %e, "response serialisation failed");
        ApiError::internal()
    })?;
    Ok(HttpResponse::Ok().content_type(JSON).body(body))
}

pub fn ok_list<T: Serialize + utoipa::ToSchema>(
    data: Vec<T>,
    has_more: bool,
) -> Result<HttpResponse, ApiError> {
    ok_json(&ListObject::new(data, has_more))
}
