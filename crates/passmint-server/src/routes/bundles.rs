//! `/v1/bundles` (docs/api.md §12).

use super::{ok_json, stored_json};
use crate::dto::{BundleObject, CreateBundleRequest};
use crate::http::auth::Caller;
use crate::http::error::ApiError;
use crate::http::write::Write;
use actix_web::HttpResponse;
use passmint_domain::bundle::Bundle;
use std::sync::Arc;

/// Create a bundle
///
/// Gathers 1 to 10 distinct passes of the API key's mode, none voided, behind one
/// landing page and one download that adds them all to Apple Wallet. Supports
/// idempotency.
#[utoipa::path(post, path = "/v1/bundles", tag = "Bundles", operation_id = "createBundle",
    request_body(content = CreateBundleRequest, description = "The passes to bundle."),
    params(crate::openapi::params::IdempotencyKeyHeader),
    responses((status = 200, description = "The new bundle.", body = BundleObject)),
    security(("bearer" = [])))]
pub async fn create(write: Write) -> Result<HttpResponse, ApiError> {
    let base = write.caller().state.public_url.clone();
    let render = Arc::new(move |b: &Bundle| stored_json(&BundleObject::new(b, &base)));
    write
        .json(render, async |c, input: CreateBundleRequest, finish| {
            c.passmint()
                .create_bundle(&c.who, input.into(), finish)
                .await
        })
        .await
}

/// Retrieve a bundle
#[utoipa::path(get, path = "/v1/bundles/{id}", tag = "Bundles", operation_id = "retrieveBundle",
    params(crate::openapi::params::BundleIdPath),
    responses((status = 200, description = "The bundle.", body = BundleObject)),
    security(("bearer" = [])))]
pub async fn retrieve(c: Caller) -> Result<HttpResponse, ApiError> {
    let b = c.passmint().get_bundle(&c.who, c.id()).await?;
    ok_json(&BundleObject::new(&b, &c.state.public_url))
}
