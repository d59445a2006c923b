//! The public pages of a bundle (docs/api.md §12), reached by its unguessable
//! short id without an API key: `GET /b/{short_id}` (the landing page: the "Add
//! all to Apple Wallet" button and each pass, linked to its own landing page) and
//! `GET /b/{short_id}/download` (every pass's signed .pkpass in one
//! `application/vnd.apple.pkpasses` zip, each built exactly as its own download;
//! records `downloaded` per pass; `ETag` and `Last-Modified` answer 304 as the
//! single download does).
//!
//! They answer like a pass's pages (docs/api.md §6): HTML 404 and 500 pages, the
//! same headers, and the rate limit counted per (bundle, client address).

use super::page;
use super::public::{html, limited, validated};
use crate::http::client_addr::client_addr;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, EntityTag};
use actix_web::{HttpRequest, HttpResponse, web};
use passmint_domain::bundle::PublicBundle;
use passmint_domain::event::EventType;
use std::net::IpAddr;
use std::time::Instant;

pub const PKPASSES: &str = "application/vnd.apple.pkpasses";

/// The bundle of the public pages, with the client asking for it.
struct Found {
    bundle: PublicBundle,
    client: IpAddr,
}

/// The rate limit's key of a bundle: apart from every pass's short id.
fn limit_key(short_id: &str) -> String {
    format!("bundle/{short_id}")
}

/// The bundle, or the answer to give instead: an HTML 404 or 500, or a 429 when
/// the client is over its rate for the bundle.
async fn find(state: &AppState, req: &HttpRequest) -> Result<Found, HttpResponse> {
    let short_id = req.match_info().query("short_id");
    let client = client_addr(req, &state.public.trusted_proxies);
    let lookup = state.passmint.public_bundle(short_id);
    let key = limit_key(short_id);
    let bundle = limited(state, client, &key, lookup, page::bundle_not_found).await?;
    Ok(Found { bundle, client })
}

/// Landing page of a bundle
pub async fn landing(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let found = match find(&state, &req).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    let bundle = &found.bundle;
    let items: Vec<page::BundleItem<'_>> = bundle
        .passes
        .iter()
        .map(|(pass, template)| page::BundleItem {
            pass,
            template,
            url: format!("{}/p/{}", state.public_url, pass.short_id),
        })
        .collect();
    let page_url = format!("{}/b/{}", state.public_url, bundle.bundle.short_id);
    html(
        StatusCode::OK,
        page::bundle_landing(
            &items,
            bundle.bundle.mode,
            state.pkpasses.qr_svg(&page_url).as_deref(),
            &format!("{page_url}/download"),
        ),
    )
}

/// Records `downloaded` for each pass, the first of its window for the client
/// only (docs/api.md §6), all queued at once so they share a commit.
async fn record_downloads(state: &AppState, found: &Found) {
    let now = Instant::now();
    let writes = found
        .bundle
        .passes
        .iter()
        .map(|(pass, _)| pass)
        .filter(|pass| {
            state
                .public
                .first_in_window(&pass.short_id, found.client, EventType::Downloaded, now)
        })
        .map(|pass| async move {
            if let Err(e) = state
                .pkpasses
                .record_event(pass, EventType::Downloaded)
                .await
            {
                tracing::error!(error = %e, pass_id = %pass.id, "could not record the download");
            }
        });
    futures::future::join_all(writes).await;
}

/// Every pass of a bundle, signed, in one .pkpasses file
pub async fn download(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let found = match find(&state, &req).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    let bundle = &found.bundle;
    let mut built = Vec::with_capacity(bundle.passes.len());
    for (pass, template) in &bundle.passes {
        match state.pkpasses.build(pass, template).await {
            Ok(b) => built.push((pass, b)),
            Err(e) => {
                tracing::error!(error = %e, pass_id = %pass.id, bundle_id = %bundle.bundle.id, "cannot build a pass of the bundle");
                return html(StatusCode::INTERNAL_SERVER_ERROR, page::unavailable());
            }
        }
    }
    // The validators of the bundle are those of its passes taken together.
    let material: String = built
        .iter()
        .map(|(_, b)| b.etag.as_str())
        .fold(bundle.bundle.id.to_string(), |acc, e| acc + "|" + e);
    let digest = ring::digest::digest(&ring::digest::SHA256, material.as_bytes());
    let etag = EntityTag::new_weak(hex::encode(&digest.as_ref()[..8]));
    let latest = built
        .iter()
        .map(|(_, b)| b.last_modified)
        .fold(bundle.bundle.created_at, time::OffsetDateTime::max);
    let (mut ok, unchanged) = validated(&req, etag, latest);
    if unchanged {
        return ok.finish();
    }
    let files: Vec<(String, &[u8])> = built
        .iter()
        .map(|(pass, b)| (format!("{}.pkpass", pass.serial_number), b.bytes.as_ref()))
        .collect();
    let zipped = match passmint_pkpass::build_pkpasses(&files) {
        Ok(zipped) => zipped,
        Err(e) => {
            tracing::error!(error = %e, bundle_id = %bundle.bundle.id, "cannot zip the bundle");
            return html(StatusCode::INTERNAL_SERVER_ERROR, page::unavailable());
        }
    };
    record_downloads(&state, &found).await;
    ok.content_type(PKPASSES)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}.pkpasses\"", bundle.bundle.id),
        ))
        .body(zipped)
}
