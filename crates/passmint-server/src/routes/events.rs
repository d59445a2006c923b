//! `/v1/events` and `/v1/passes/{id}/events`

use super::ok_list;
use crate::dto::PassEventObject;
use crate::http::auth::Caller;
use crate::http::error::ApiError;
use crate::http::list::{PAGE_PARAMS, Query};
use actix_web::HttpResponse;

async fn list_inner(c: &Caller, pass_id: Option<&str>) -> Result<HttpResponse, ApiError> {
    let q = Query::parse(&c.req, &PAGE_PARAMS)?;
    let page = q.page(100, 200)?;
    let res = c.passmint().list_events(&c.who, pass_id, &page).await?;
    ok_list(
        res.data.iter().map(PassEventObject::from).collect(),
        res.has_more,
    )
}

/// List recent events
///
/// The events of every pass of the API key's mode, newest first. Unknown query
/// parameters are refused.
#[utoipa::path(get, path = "/v1/events", tag = "Events", operation_id = "listEvents",
    params(crate::openapi::params::EventListQuery),
    responses((status = 200, description = "A page of events.", body = crate::openapi::schemas::PassEventList)),
    security(("bearer" = [])))]
pub async fn list(c: Caller) -> Result<HttpResponse, ApiError> {
    list_inner(&c, None).await
}

/// List events for a pass
///
/// The events of one pass, newest first. Unknown query parameters are refused.
#[utoipa::path(get, path = "/v1/passes/{id}/events", tag = "Events", operation_id = "listPassEvents",
    params(crate::openapi::params::PassIdPath, crate::openapi::params::EventListQuery),
    responses((status = 200, description = "A page of the pass's events.", body = crate::openapi::schemas::PassEventList)),
    security(("bearer" = [])))]
pub async fn list_for_pass(c: Caller) -> Result<HttpResponse, ApiError> {
    list_inner(&c, Some(c.id())).await
}
