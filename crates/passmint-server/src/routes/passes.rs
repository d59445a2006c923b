//! `/v1/passes`

use super::{ok_json, ok_list, stored_json};
use crate::dto::{CreatePassRequest, PassObject, UpdatePassRequest};
use crate::http::auth::Caller;
use crate::http::error::ApiError;
use crate::http::idempotency;
use crate::http::list::Query;
use crate::http::write::{JsonWrite, Write};
use crate::state::AppState;
use actix_web::HttpResponse;
use passmint_domain::idempotency::Renderer;
use passmint_domain::ids::TemplateId;
use passmint_domain::pass::{Pass, PassFilter};
use passmint_domain::service::ClaimedIssue;
use std::sync::Arc;

fn render(state: &AppState) -> Renderer<Pass> {
    let base = state.public_url.clone();
    Arc::new(move |p: &Pass| stored_json(&PassObject::new(p, &base)))
}

/// Issue a pass
///
/// Creates a pass from a template, in the mode of the API key. Records a `created`
/// event. Supports idempotency.
#[utoipa::path(post, path = "/v1/passes", tag = "Passes", operation_id = "createPass",
    request_body(content = CreatePassRequest, description = "The pass to issue."),
    params(crate::openapi::params::IdempotencyKeyHeader),
    responses((status = 200, description = "The new pass.", body = PassObject)),
    security(("bearer" = [])))]
pub async fn create(write: Write) -> Result<HttpResponse, ApiError> {
    let write = write.read::<CreatePassRequest>().await?;
    let render = render(&write.caller().state);
    if let Some(issued) = issue_claiming(&write, &render).await? {
        return Ok(issued);
    }
    write
        .run(render, async |c, input, finish| {
            c.passmint().issue_pass(&c.who, input.into(), finish).await
        })
        .await
}

/// Issues the pass in one write that also takes and completes a new
/// `Idempotency-Key` ([`passmint_domain::service::Passmint::issue_pass_claiming`]).
/// `None` (nothing written) when there is no key, or the request is not a valid
/// issue, or the key exists, ...: the request then takes [`JsonWrite::run`],
/// which answers those.
async fn issue_claiming(
    write: &JsonWrite<CreatePassRequest>,
    render: &Renderer<Pass>,
) -> Result<Option<HttpResponse>, ApiError> {
    let c = write.caller();
    let (Some(key), Some(input)) = (idempotency::key(&c.req), write.input()) else {
        return Ok(None);
    };
    let fingerprint = idempotency::fingerprint(c.req.method().as_str(), c.req.path(), write.body());
    match c
        .passmint()
        .issue_pass_claiming(&c.who, input.clone().into(), key, fingerprint, render)
        .await?
    {
        ClaimedIssue::Issued { response, .. } => Ok(Some(idempotency::respond(&response, false))),
        ClaimedIssue::Fallback => Ok(None),
    }
}

/// List passes
///
/// The passes of the API key's mode, newest first, optionally filtered. Unknown query
/// parameters are refused.
#[utoipa::path(get, path = "/v1/passes", tag = "Passes", operation_id = "listPasses",
    params(crate::openapi::params::PassListQuery),
    responses((status = 200, description = "A page of passes.", body = crate::openapi::schemas::PassList)),
    security(("bearer" = [])))]
pub async fn list(c: Caller) -> Result<HttpResponse, ApiError> {
    let q = Query::parse(
        &c.req,
        &[
            "limit",
            "starting_after",
            "ending_before",
            "template_id",
            "holder_email",
        ],
    )?;
    let page = q.page(50, 100)?;
    let template_id = match q.get("template_id") {
        None => None,
        Some(s) => Some(TemplateId::parse(s).ok_or_else(|| {
            ApiError::invalid(format!("No such template: '{s}'"))
                .param("template_id")
                .code("resource_missing")
        })?),
    };
    let filter = PassFilter {
        template_id,
        holder_email: q.get("holder_email").map(str::to_owned),
    };
    let res = c.passmint().list_passes(&c.who, &filter, &page).await?;
    let base = &c.state.public_url;
    ok_list(
        res.data.iter().map(|p| PassObject::new(p, base)).collect(),
        res.has_more,
    )
}

/// Retrieve a pass
#[utoipa::path(get, path = "/v1/passes/{id}", tag = "Passes", operation_id = "retrievePass",
    params(crate::openapi::params::PassIdPath),
    responses((status = 200, description = "The pass.", body = PassObject)),
    security(("bearer" = [])))]
pub async fn retrieve(c: Caller) -> Result<HttpResponse, ApiError> {
    let p = c.passmint().get_pass(&c.who, c.id()).await?;
    ok_json(&PassObject::new(&p, &c.state.public_url))
}

/// Update a pass
///
/// Merges field values and metadata into the pass (at least one is required). A
/// voided pass cannot be updated (400, code `pass_voided`). A change records an
/// `updated` event and is pushed to the devices that installed the pass; a PATCH
/// that changes nothing does neither. Supports idempotency.
#[utoipa::path(patch, path = "/v1/passes/{id}", tag = "Passes", operation_id = "updatePass",
    params(crate::openapi::params::PassIdPath, crate::openapi::params::IdempotencyKeyHeader),
    request_body(content = UpdatePassRequest, description = "What to change."),
    responses((status = 200, description = "The pass after the update.", body = PassObject)),
    security(("bearer" = [])))]
pub async fn update(write: Write) -> Result<HttpResponse, ApiError> {
    let render = render(&write.caller().state);
    write
        .json(render, async |c, input: UpdatePassRequest, finish| {
            c.passmint()
                .update_pass(&c.who, c.id(), input.into(), finish)
                .await
        })
        .await
}

/// Void a pass
///
/// The pass is not deleted: it is returned with `voided: true` and `voided_at`, records
/// a `voided` event and is pushed to its devices. Voiding a voided pass returns it
/// unchanged.
#[utoipa::path(delete, path = "/v1/passes/{id}", tag = "Passes", operation_id = "voidPass",
    params(crate::openapi::params::PassIdPath),
    responses((status = 200, description = "The voided pass.", body = PassObject)),
    security(("bearer" = [])))]
pub async fn void(c: Caller) -> Result<HttpResponse, ApiError> {
    let p = c.passmint().void_pass(&c.who, c.id()).await?;
    ok_json(&PassObject::new(&p, &c.state.public_url))
}
