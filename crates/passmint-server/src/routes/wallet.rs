//! Apple's PassKit web service under `/wallet/v1` (docs/api.md §7): what an
//! iPhone's Wallet calls for a pass whose `webServiceURL` is `{PUBLIC_URL}/wallet`.
//!
//! - `POST   /devices/{dli}/registrations/{ptid}/{serial}`: register (201 new with
//!   an `installed` event, 200 known, 429 for a new device of a pass with
//!   `PASSMINT_MAX_DEVICES_PER_PASS` devices), `ApplePass` token required.
//! - `DELETE /devices/{dli}/registrations/{ptid}/{serial}`: unregister (200, with a
//!   `removed` event when it was registered).
//! - `GET    /devices/{dli}/registrations/{ptid}?passesUpdatedSince=<tag>`: the
//!   serial numbers changed since the tag (200), or 204 when none.
//! - `GET|HEAD /passes/{ptid}/{serial}`: the latest .pkpass (`ApplePass` token),
//!   304 on `If-Modified-Since`.
//! - `POST   /log`: the device's log lines, written to the server log.
//!
//! A wrong or missing token, an unknown serial number or a pass type identifier
//! that is not the pass's all answer 401 alike, so nothing can be probed.
//!
//! `Last-Modified` has one-second resolution, so a change in the same second as a
//! fetch would be missed by a later `If-Modified-Since`. The validator is therefore
//! the end of the second of the last change, and until that second is over the
//! answer carries the second before it: the next conditional fetch then gets the
//! pass again (at worst once too often, never a stale 304).

use super::public::PKPASS;
use crate::http::JSON;
use crate::http::body::{parse_json, read_body};
use crate::http::error::ApiError;
use crate::http::list::Query;
use crate::state::AppState;
use actix_web::http::header::{self, HttpDate};
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use passmint_domain::pass::Pass;
use passmint_domain::wallet::{MAX_PASS_TYPE_ID_LEN, format_tag};
use serde::Deserialize;
use std::time::SystemTime;

/// Most log lines written per `/log` call.
const MAX_LOG_LINES: usize = 100;
/// The body limit of the web service's writes (registrations, device logs), which
/// need no API key: far below the API's limit (docs/api.md §10).
pub const WALLET_BODY_LIMIT: usize = 64 * 1024;
/// Longest log line written (longer ones are cut).
const MAX_LOG_LINE: usize = 1000;

fn unauthorized() -> ApiError {
    ApiError::unauthenticated("The pass or its authentication token is not valid.")
}

/// The token of `Authorization: ApplePass <token>`.
fn apple_pass_token(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("ApplePass")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// The pass of the path, if the request carries its token and the pass type
/// identifier of the path is the pass's.
async fn authorized_pass(
    req: &HttpRequest,
    state: &AppState,
    pass_type_id: &str,
    serial: &str,
) -> Result<Pass, ApiError> {
    if pass_type_id.len() > MAX_PASS_TYPE_ID_LEN {
        return Err(unauthorized());
    }
    let pass = state
        .passmint
        .wallet_pass(serial, apple_pass_token(req))
        .await?;
    let own = state.pkpasses.pass_type_id(&pass).await.map_err(|e| {
        tracing::error!(error = %e, pass_id = %pass.id, "cannot load the pass's signing identity");
        ApiError::internal()
    })?;
    if own != pass_type_id {
        return Err(unauthorized());
    }
    Ok(pass)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RegisterBody {
    #[serde(rename = "pushToken")]
    push_token: String,
}

/// Register a device for a pass's updates.
pub async fn register(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String, String)>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let (dli, ptid, serial) = path.into_inner();
    let pass = authorized_pass(&req, &state, &ptid, &serial).await?;
    let body = read_body(&req, payload, state.max_body_bytes.min(WALLET_BODY_LIMIT)).await?;
    let input: RegisterBody = parse_json(&req, &body)?;
    let created = state
        .passmint
        .register_device(&pass, &dli, &ptid, &input.push_token)
        .await?;
    Ok(if created {
        HttpResponse::Created().finish()
    } else {
        HttpResponse::Ok().finish()
    })
}

/// Unregister a device from a pass.
pub async fn unregister(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (dli, ptid, serial) = path.into_inner();
    let pass = authorized_pass(&req, &state, &ptid, &serial).await?;
    state.passmint.unregister_device(&pass, &dli).await?;
    Ok(HttpResponse::Ok().finish())
}

#[derive(serde::Serialize)]
struct SerialNumbers {
    #[serde(rename = "serialNumbers")]
    serial_numbers: Vec<String>,
    #[serde(rename = "lastUpdated")]
    last_updated: String,
}

/// The serial numbers of a device's passes changed since a tag.
pub async fn updated(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (dli, ptid) = path.into_inner();
    let query = Query::parse(&req, &["passesUpdatedSince"])?;
    let found = state
        .passmint
        .updated_serials(&dli, &ptid, query.get("passesUpdatedSince"))
        .await?;
    if found.serial_numbers.is_empty() {
        return Ok(HttpResponse::NoContent().finish());
    }
    super::ok_json(&SerialNumbers {
        serial_numbers: found.serial_numbers,
        last_updated: format_tag(found.last_updated),
    })
}

/// `Last-Modified` for whole seconds since the epoch.
fn http_date(secs: i64) -> HttpDate {
    super::public::http_date(
        time::OffsetDateTime::from_unix_timestamp(secs).unwrap_or(time::OffsetDateTime::UNIX_EPOCH),
    )
}

/// The latest version of a pass.
pub async fn pass(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (ptid, serial) = path.into_inner();
    let pass = authorized_pass(&req, &state, &ptid, &serial).await?;
    let template = state.passmint.pass_template(&pass).await.map_err(|e| {
        tracing::error!(error = %e, pass_id = %pass.id, "cannot read the pass's template");
        ApiError::internal()
    })?;
    let built = state.pkpasses.build(&pass, &template).await.map_err(|e| {
        tracing::error!(error = %e, pass_id = %pass.id, "cannot build the pass");
        ApiError::internal()
    })?;
    // The end of the second of the last change (see the module docs).
    let changed = built.last_modified;
    let validator = changed.unix_timestamp() + i64::from(changed.nanosecond() > 0);
    let now = state.passmint.now().unix_timestamp();
    let sent = if now >= validator {
        validator
    } else {
        validator - 1
    };
    if let Some(header::IfModifiedSince(since)) = req.get_header::<header::IfModifiedSince>() {
        let since = SystemTime::from(since)
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        if since >= validator {
            return Ok(HttpResponse::NotModified()
                .insert_header(header::LastModified(http_date(sent)))
                .finish());
        }
    }
    Ok(HttpResponse::Ok()
        .content_type(PKPASS)
        .insert_header(header::LastModified(http_date(sent)))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(built.bytes.clone()))
}

#[derive(Deserialize)]
struct LogBody {
    logs: Vec<String>,
}

/// Log lines from a device, written to the server log.
pub async fn log(
    req: HttpRequest,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body = read_body(&req, payload, state.max_body_bytes.min(WALLET_BODY_LIMIT)).await?;
    let input: LogBody = parse_json(&req, &body)?;
    for line in input.logs.iter().take(MAX_LOG_LINES) {
        let cut: String = line.chars().take(MAX_LOG_LINE).collect();
        tracing::warn!(target: "passmint::wallet_device", message = %cut, "device log");
    }
    Ok(HttpResponse::Ok().content_type(JSON).body("{}"))
}
