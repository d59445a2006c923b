//! The public pages of a pass (docs/api.md §6), reached by its unguessable short
//! id without an API key: `GET /p/{short_id}` (the landing page, records
//! `url_viewed`) and `GET /p/{short_id}/download` (the signed .pkpass, records
//! `downloaded`; `ETag`/`If-None-Match` and `Last-Modified`/`If-Modified-Since`
//! answer 304, which records nothing since nothing was downloaded).
//!
//! These pages are for people, so an unknown short id answers a 404 HTML page,
//! not the JSON envelope.
//!
//! One client address requesting one pass too often is answered `429` with
//! `Retry-After` and the error envelope, and its repeated views and downloads are
//! recorded once per window (see [`crate::http::public_limits`]).

use super::page;
use crate::http::client_addr::client_addr;
use crate::http::error::ApiError;
use crate::pkpass::render::{RenderContext, pass_spec};
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, EntityTag, HttpDate};
use actix_web::{HttpMessage, HttpRequest, HttpResponse, HttpResponseBuilder, web};
use passmint_domain::DomainError;
use passmint_domain::event::EventType;
use passmint_domain::pass::Pass;
use passmint_domain::template::Template;
use std::net::IpAddr;
use std::time::{Duration, Instant, SystemTime};

pub const PKPASS: &str = "application/vnd.apple.pkpass";
const HTML: &str = "text/html; charset=utf-8";
/// No scripts, no outside resources: inline styles and data-URI images only.
const CSP: &str = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

pub(crate) fn html(status: StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .content_type(HTML)
        .insert_header((header::CONTENT_SECURITY_POLICY, CSP))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(body)
}

/// A pass of the public pages, with the client asking for it.
struct Found {
    pass: Pass,
    template: Template,
    client: IpAddr,
}

/// `429` for a client asking for one pass too often (docs/api.md §6).
fn too_many(retry_after: u64) -> HttpResponse {
    let mut res = actix_web::ResponseError::error_response(
        &ApiError::too_many(format!(
            "Too many requests for this pass from your address; retry in {retry_after} s."
        ))
        .code("rate_limit"),
    );
    res.headers_mut()
        .insert(header::RETRY_AFTER, header::HeaderValue::from(retry_after));
    res
}

/// The `429` of a client over its rate, answered after the refusal delay
/// (docs/api.md §6): waiting costs the server nothing, and a client hammering
/// over many connections gets few answers a second.
async fn refuse(state: &AppState, retry_after: u64) -> HttpResponse {
    actix_web::rt::time::sleep(state.public.refusal_delay(retry_after)).await;
    too_many(retry_after)
}

/// What the public pages look up (a pass, a bundle) under the client's rate for
/// `key`, or the answer to give instead: a 429 when the client is over its rate
/// (checked before the look-up and counted after it), the `missing` HTML page
/// (404) when there is nothing, the 500 page when the look-up failed.
pub(crate) async fn limited<T>(
    state: &AppState,
    client: IpAddr,
    key: &str,
    lookup: impl Future<Output = Result<T, DomainError>>,
    missing: fn() -> String,
) -> Result<T, HttpResponse> {
    // A client over its rate is answered before the look-up.
    if let Err(retry_after) = state.public.refused(key, client, Instant::now()) {
        return Err(refuse(state, retry_after).await);
    }
    let found = match lookup.await {
        Ok(found) => found,
        Err(DomainError::NotFound { .. }) => {
            return Err(html(StatusCode::NOT_FOUND, missing()));
        }
        Err(e) => {
            tracing::error!(error = %e, key, "public page look-up failed");
            return Err(html(StatusCode::INTERNAL_SERVER_ERROR, page::unavailable()));
        }
    };
    if let Err(retry_after) = state.public.admit(key, client, Instant::now()) {
        return Err(refuse(state, retry_after).await);
    }
    Ok(found)
}

/// The pass and its template, or the answer to give instead: an HTML 404 or 500,
/// or a 429 when the client is over its rate for the pass.
async fn find(state: &AppState, req: &HttpRequest) -> Result<Found, HttpResponse> {
    let short_id = req.match_info().query("short_id");
    let client = client_addr(req, &state.public.trusted_proxies);
    let lookup = state.passmint.public_pass(short_id);
    let (pass, template) = limited(state, client, short_id, lookup, page::not_found).await?;
    Ok(Found {
        pass,
        template,
        client,
    })
}

/// Records a view or a download, the first of its window for the client only; a
/// failure is logged, the page still served.
async fn record(state: &AppState, found: &Found, kind: EventType) {
    let pass = &found.pass;
    if !state
        .public
        .first_in_window(&pass.short_id, found.client, kind, Instant::now())
    {
        return;
    }
    if let Err(e) = state.pkpasses.record_event(pass, kind).await {
        tracing::error!(error = %e, pass_id = %pass.id, event = kind.as_str(), "could not record the event");
    }
}

/// Landing page of a pass
pub async fn landing(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let found = match find(&state, &req).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    let (pass, template) = (&found.pass, &found.template);
    let images = match state.pkpasses.images(template) {
        Ok(images) => images,
        Err(e) => {
            tracing::error!(error = %e, pass_id = %pass.id, "cannot render the landing page");
            return html(StatusCode::INTERNAL_SERVER_ERROR, page::unavailable());
        }
    };
    let spec = pass_spec(
        pass,
        template,
        &RenderContext {
            public_url: &state.public_url,
            pass_type_identifier: "",
            team_identifier: "",
            images: &images,
        },
    );
    record(&state, &found, EventType::UrlViewed).await;
    let page_url = format!("{}/p/{}", state.public_url, pass.short_id);
    let download_url = format!("{page_url}/download");
    html(
        StatusCode::OK,
        page::landing(
            pass,
            template,
            &spec,
            state.pkpasses.qr_svg(&page_url).as_deref(),
            &download_url,
        ),
    )
}

pub(crate) fn http_date(t: time::OffsetDateTime) -> HttpDate {
    let secs = u64::try_from(t.unix_timestamp()).unwrap_or(0);
    HttpDate::from(SystemTime::UNIX_EPOCH + Duration::from_secs(secs))
}

/// Whether the client's validators show it has this version (RFC 9110 13.2.2:
/// `If-None-Match` wins over `If-Modified-Since`).
fn not_modified(req: &HttpRequest, etag: &EntityTag, last_modified: SystemTime) -> bool {
    if let Some(inm) = req.get_header::<header::IfNoneMatch>() {
        return match inm {
            header::IfNoneMatch::Any => true,
            header::IfNoneMatch::Items(tags) => tags.iter().any(|t| t.weak_eq(etag)),
        };
    }
    if req.headers().contains_key(header::IF_NONE_MATCH) {
        // Present but unreadable: ignore If-Modified-Since, send the pass.
        return false;
    }
    match req.get_header::<header::IfModifiedSince>() {
        Some(header::IfModifiedSince(since)) => last_modified <= SystemTime::from(since),
        None => false,
    }
}

/// The start of a download's answer, with its validators and `Cache-Control:
/// no-cache`: a `304` (`true`: send it as it is) when the client's validators show
/// it has this version, else the `200` to complete (docs/api.md §6).
pub(crate) fn validated(
    req: &HttpRequest,
    etag: EntityTag,
    last_modified: time::OffsetDateTime,
) -> (HttpResponseBuilder, bool) {
    let last_modified = http_date(last_modified);
    let unchanged = not_modified(req, &etag, last_modified.into());
    let mut answer = if unchanged {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    answer
        .insert_header(header::ETag(etag))
        .insert_header(header::LastModified(last_modified))
        .insert_header((header::CACHE_CONTROL, "no-cache"));
    (answer, unchanged)
}

/// The signed .pkpass of a pass
pub async fn download(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let found = match find(&state, &req).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    let pass = &found.pass;
    let built = match state.pkpasses.build(pass, &found.template).await {
        Ok(built) => built,
        Err(e) => {
            tracing::error!(error = %e, pass_id = %pass.id, "cannot build the pass");
            return html(StatusCode::INTERNAL_SERVER_ERROR, page::unavailable());
        }
    };
    let etag = EntityTag::new_weak(built.etag.clone());
    let (mut ok, unchanged) = validated(&req, etag, built.last_modified);
    if unchanged {
        return ok.finish();
    }
    record(&state, &found, EventType::Downloaded).await;
    ok.content_type(PKPASS)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}.pkpass\"", pass.serial_number),
        ))
        .body(built.bytes.clone())
}
