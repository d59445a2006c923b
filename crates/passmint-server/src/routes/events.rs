//! `/v1/events` and `/v1/passes/{id}/events`

use super::ok_list;
use crate::dto::{ListObject, PassEventObject};
use crate::http::auth::authenticate;
use crate::http::error::{ApiError, ErrorEnvelope};
use crate::http::list::{PAGE_PARAMS, Query};
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, web};

async fn list_inner(
    req: HttpRequest,
    state: web::Data<AppState>,
    pass_id: Option<&str>,
) -> Result<HttpResponse, ApiError> {
    let who = authenticate(&req, &state).await?;
    let q = Query::parse(&req, &PAGE_PARAMS)?;
    let page = q.page(100, 200)?;
    let res = state.passmint.list_events(&who, pass_id, &page).await?;
    ok_list(
        res.data.iter().map(PassEventObject::from).collect(),
        res.has_more,
    )
}

/// List recent events across all passes
#[utoipa::path(get, path = "/v1/events", tag = "Events",
    params(
        ("limit" = Option<u32>, Query, description = "1 to 200, default 100"),
        ("starting_after" = Option<String>, Query, description = "Cursor: an event id; returns older events"),
        ("ending_before" = Option<String>, Query, description = "Cursor: an event id; returns newer events"),
    ),
    responses((status = 200, body = ListObject<PassEventObject>), (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn list(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    list_inner(req, state, None).await
}

/// List events for a pass
#[utoipa::path(get, path = "/v1/passes/{id}/events", tag = "Events",
    params(
        ("id" = String, Path, description = "pass_…"),
        ("limit" = Option<u32>, Query, description = "1 to 200, default 100"),
        ("starting_after" = Option<String>, Query, description = "Cursor: an event id; returns older events"),
        ("ending_before" = Option<String>, Query, description = "Cursor: an event id; returns newer events"),
    ),
    responses((status = 200, body = ListObject<PassEventObject>), (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn list_for_pass(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = req.match_info().query("id").to_owned();
    list_inner(req, state, Some(&id)).await
}
