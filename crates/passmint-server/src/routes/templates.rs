//! `/v1/templates`

use super::{ok_json, ok_list, stored_json};
use crate::dto::{
    CreateTemplateRequest, DeletedObject, ListObject, TemplateObject, UpdateTemplateRequest,
};
use crate::http::auth::authenticate;
use crate::http::body::{parse_json, read_body};
use crate::http::error::{ApiError, ErrorEnvelope};
use crate::http::idempotency;
use crate::http::list::{PAGE_PARAMS, Query};
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, web};
use passmint_domain::idempotency::Renderer;
use passmint_domain::service::{NewTemplate, TemplatePatch};
use passmint_domain::template::Template;
use std::sync::Arc;

fn render() -> Renderer<Template> {
    Arc::new(|t: &Template| stored_json(&TemplateObject::from(t)))
}

/// Create a template
#[utoipa::path(post, path = "/v1/templates", tag = "Templates",
    request_body = CreateTemplateRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry")),
    responses((status = 200, body = TemplateObject), (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let who = authenticate(&req, &state).await?;
    let body = read_body(&req, payload, state.max_body_bytes).await?;
    idempotency::run(&req, &state, &who, &body, render(), |finish| async {
        let input: CreateTemplateRequest = parse_json(&req, &body)?;
        let new = NewTemplate {
            name: input.name,
            kind: input.kind,
            apple_style: input.apple_style,
            design: input.design,
        };
        Ok(state.passmint.create_template(&who, new, finish).await?)
    })
    .await
}

/// List templates (non-archived, newest first)
#[utoipa::path(get, path = "/v1/templates", tag = "Templates",
    params(
        ("limit" = Option<u32>, Query, description = "1 to 100, default 50"),
        ("starting_after" = Option<String>, Query, description = "Cursor: a template id; returns older templates"),
        ("ending_before" = Option<String>, Query, description = "Cursor: a template id; returns newer templates"),
    ),
    responses((status = 200, body = ListObject<TemplateObject>), (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn list(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let who = authenticate(&req, &state).await?;
    let q = Query::parse(&req, &PAGE_PARAMS)?;
    let page = q.page(50, 100)?;
    let res = state.passmint.list_templates(&who, &page).await?;
    ok_list(
        res.data.iter().map(TemplateObject::from).collect(),
        res.has_more,
    )
}

/// Retrieve a template (archived ones too)
#[utoipa::path(get, path = "/v1/templates/{id}", tag = "Templates",
    params(("id" = String, Path, description = "tmpl_…")),
    responses((status = 200, body = TemplateObject), (status = 401, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn retrieve(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let who = authenticate(&req, &state).await?;
    let id = req.match_info().query("id");
    let t = state.passmint.get_template(&who, id).await?;
    ok_json(&TemplateObject::from(&t))
}

/// Update a template's name, design or archived status
#[utoipa::path(patch, path = "/v1/templates/{id}", tag = "Templates",
    params(("id" = String, Path, description = "tmpl_…"), ("Idempotency-Key" = Option<String>, Header, description = "Makes the request safe to retry")),
    request_body = UpdateTemplateRequest,
    responses((status = 200, body = TemplateObject), (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let who = authenticate(&req, &state).await?;
    let body = read_body(&req, payload, state.max_body_bytes).await?;
    let id = req.match_info().query("id").to_owned();
    idempotency::run(&req, &state, &who, &body, render(), |finish| async {
        let input: UpdateTemplateRequest = parse_json(&req, &body)?;
        let patch = TemplatePatch {
            name: input.name,
            design: input.design,
            archived: input.archived,
        };
        Ok(state
            .passmint
            .update_template(&who, &id, patch, finish)
            .await?)
    })
    .await
}

/// Archive a template
#[utoipa::path(delete, path = "/v1/templates/{id}", tag = "Templates",
    params(("id" = String, Path, description = "tmpl_…")),
    responses((status = 200, body = DeletedObject), (status = 401, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn archive(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let who = authenticate(&req, &state).await?;
    let id = req.match_info().query("id");
    let t = state.passmint.archive_template(&who, id).await?;
    ok_json(&DeletedObject {
        id: t.id.to_string(),
        deleted: true,
    })
}
