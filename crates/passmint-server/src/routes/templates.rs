//! `/v1/templates`

use super::{ok_json, ok_list, stored_json};
use crate::dto::{CreateTemplateRequest, DeletedObject, TemplateObject, UpdateTemplateRequest};
use crate::http::auth::Caller;
use crate::http::error::ApiError;
use crate::http::list::{PAGE_PARAMS, Query};
use crate::http::write::Write;
use actix_web::HttpResponse;
use passmint_domain::idempotency::Renderer;
use passmint_domain::template::Template;
use std::sync::Arc;

fn render() -> Renderer<Template> {
    Arc::new(|t: &Template| stored_json(&TemplateObject::from(t)))
}

/// Create a template
///
/// Templates belong to the account and are shared by its test and live modes. The
/// design is checked against Apple's rules for the `apple_style`. Supports
/// idempotency.
#[utoipa::path(post, path = "/v1/templates", tag = "Templates", operation_id = "createTemplate",
    request_body(content = CreateTemplateRequest, description = "The template to create."),
    params(crate::openapi::params::IdempotencyKeyHeader),
    responses((status = 200, description = "The new template.", body = TemplateObject)),
    security(("bearer" = [])))]
pub async fn create(write: Write) -> Result<HttpResponse, ApiError> {
    write
        .json(render(), async |c, input: CreateTemplateRequest, finish| {
            c.passmint()
                .create_template(&c.who, input.into(), finish)
                .await
        })
        .await
}

/// List templates
///
/// The account's templates that are not archived, newest first. Unknown query
/// parameters are refused.
#[utoipa::path(get, path = "/v1/templates", tag = "Templates", operation_id = "listTemplates",
    params(crate::openapi::params::TemplateListQuery),
    responses((status = 200, description = "A page of templates.", body = crate::openapi::schemas::TemplateList)),
    security(("bearer" = [])))]
pub async fn list(c: Caller) -> Result<HttpResponse, ApiError> {
    let q = Query::parse(&c.req, &PAGE_PARAMS)?;
    let page = q.page(50, 100)?;
    let res = c.passmint().list_templates(&c.who, &page).await?;
    ok_list(
        res.data.iter().map(TemplateObject::from).collect(),
        res.has_more,
    )
}

/// Retrieve a template
///
/// Archived templates are returned too.
#[utoipa::path(get, path = "/v1/templates/{id}", tag = "Templates", operation_id = "retrieveTemplate",
    params(crate::openapi::params::TemplateIdPath),
    responses((status = 200, description = "The template.", body = TemplateObject)),
    security(("bearer" = [])))]
pub async fn retrieve(c: Caller) -> Result<HttpResponse, ApiError> {
    let t = c.passmint().get_template(&c.who, c.id()).await?;
    ok_json(&TemplateObject::from(&t))
}

/// Update a template
///
/// Changes the name, the design or the archived status; every key is optional. A
/// new design changes the rendering of the template's existing passes, which are
/// re-signed and pushed like an update. Once the template has live passes, only a
/// live key may change its design or archive it (400, code
/// `live_template_requires_live_key`). Supports idempotency.
#[utoipa::path(patch, path = "/v1/templates/{id}", tag = "Templates", operation_id = "updateTemplate",
    params(crate::openapi::params::TemplateIdPath, crate::openapi::params::IdempotencyKeyHeader),
    request_body(content = UpdateTemplateRequest, description = "What to change; an empty body changes nothing."),
    responses((status = 200, description = "The template after the update.", body = TemplateObject)),
    security(("bearer" = [])))]
pub async fn update(write: Write) -> Result<HttpResponse, ApiError> {
    write
        .json(render(), async |c, input: UpdateTemplateRequest, finish| {
            c.passmint()
                .update_template(&c.who, c.id(), input.into(), finish)
                .await
        })
        .await
}

/// Archive a template
///
/// Existing passes remain valid, but no new pass can be issued from an archived
/// template (400, code `template_archived`). Archiving an archived template succeeds
/// again. A template with live passes is archived with a live key only (400, code
/// `live_template_requires_live_key`, param `archived`).
#[utoipa::path(delete, path = "/v1/templates/{id}", tag = "Templates", operation_id = "archiveTemplate",
    params(crate::openapi::params::TemplateIdPath),
    responses((status = 200, description = "The template is archived.", body = DeletedObject)),
    security(("bearer" = [])))]
pub async fn archive(c: Caller) -> Result<HttpResponse, ApiError> {
    let t = c.passmint().archive_template(&c.who, c.id()).await?;
    ok_json(&DeletedObject {
        id: t.id.to_string(),
        deleted: true,
    })
}
