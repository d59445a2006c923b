//! `/v1/passes`

use super::{ok_json, ok_list, stored_json};
use crate::dto::{CreatePassRequest, ListObject, PassObject, UpdatePassRequest};
use crate::http::auth::authenticate;
use crate::http::body::{parse_json, read_body};
use crate::http::error::{ApiError, ErrorEnvelope};
use crate::http::idempotency;
use crate::http::list::Query;
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, web};
use passmint_domain::idempotency::Renderer;
use passmint_domain::ids::TemplateId;
use passmint_domain::pass::{Pass, PassFilter};
use passmint_domain::service::{NewPass, PassPatch};
use std::sync::Arc;

fn render(state: &AppState) -> Renderer<Pass> {
    let base = state.public_url.clone();
    Arc::new(move |p: &Pass| stored_json(&PassObject::new(p, &base)))
}

/// Issue a pass
#[utoipa::path(post, path = "/v1/passes", tag = "Passes",
    request_body = CreatePassRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry")),
    responses((status = 200, body = PassObject), (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope), (status = 402, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let who = authenticate(&req, &state).await?;
    let body = read_body(&req, payload, state.max_body_bytes).await?;
    idempotency::run(&req, &state, &who, &body, render(&state), |finish| async {
        let input: CreatePassRequest = parse_json(&req, &body)?;
        let new = NewPass {
            template_id: input.template_id,
            holder_email: input.holder_email,
            holder_name: input.holder_name,
            field_values: input.field_values.unwrap_or_default(),
            metadata: input.metadata.unwrap_or_default(),
        };
        Ok(state.passmint.issue_pass(&who, new, finish).await?)
    })
    .await
}

/// List passes (newest first)
#[utoipa::path(get, path = "/v1/passes", tag = "Passes",
    params(
        ("template_id" = Option<String>, Query, description = "Only passes of this template"),
        ("holder_email" = Option<String>, Query, description = "Only passes of this holder"),
        ("limit" = Option<u32>, Query, description = "1 to 100, default 50"),
        ("starting_after" = Option<String>, Query, description = "Cursor: a pass id; returns older passes"),
        ("ending_before" = Option<String>, Query, description = "Cursor: a pass id; returns newer passes"),
    ),
    responses((status = 200, body = ListObject<PassObject>), (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn list(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let who = authenticate(&req, &state).await?;
    let q = Query::parse(
        &req,
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
    let res = state.passmint.list_passes(&who, &filter, &page).await?;
    let base = &state.public_url;
    ok_list(
        res.data.iter().map(|p| PassObject::new(p, base)).collect(),
        res.has_more,
    )
}

/// Retrieve a pass
#[utoipa::path(get, path = "/v1/passes/{id}", tag = "Passes",
    params(("id" = String, Path, description = "pass_…")),
    responses((status = 200, body = PassObject), (status = 401, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn retrieve(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let who = authenticate(&req, &state).await?;
    let p = state
        .passmint
        .get_pass(&who, req.match_info().query("id"))
        .await?;
    ok_json(&PassObject::new(&p, &state.public_url))
}

/// Update a pass's field values or metadata
#[utoipa::path(patch, path = "/v1/passes/{id}", tag = "Passes",
    params(("id" = String, Path, description = "pass_…"), ("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry")),
    request_body = UpdatePassRequest,
    responses((status = 200, body = PassObject), (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let who = authenticate(&req, &state).await?;
    let body = read_body(&req, payload, state.max_body_bytes).await?;
    let id = req.match_info().query("id").to_owned();
    idempotency::run(&req, &state, &who, &body, render(&state), |finish| async {
        let input: UpdatePassRequest = parse_json(&req, &body)?;
        let patch = PassPatch {
            field_values: input.field_values,
            metadata: input.metadata,
        };
        Ok(state.passmint.update_pass(&who, &id, patch, finish).await?)
    })
    .await
}

/// Void a pass
#[utoipa::path(delete, path = "/v1/passes/{id}", tag = "Passes",
    params(("id" = String, Path, description = "pass_…")),
    responses((status = 200, body = PassObject), (status = 401, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn void(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let who = authenticate(&req, &state).await?;
    let p = state
        .passmint
        .void_pass(&who, req.match_info().query("id"))
        .await?;
    ok_json(&PassObject::new(&p, &state.public_url))
}
