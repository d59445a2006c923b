//! API-key authentication: `Authorization: Bearer pmk_(test|live)_…`. The key is
//! hashed and looked up; it is never logged.
//!
//! Successful look-ups are remembered for a few seconds ([`super::key_cache::KeyCache`]), so a busy
//! client costs one database query per key per TTL instead of one per request. A
//! revocation (made by `passmint keys revoke`, possibly in another process) empties
//! that memory in every process within the revocation poll interval
//! (docs/api.md §1). Failed look-ups are never cached.

use super::error::ApiError;
use crate::state::AppState;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use passmint_domain::account::{hash_key, key_mode};
use passmint_domain::service::{Passmint, Principal};
use std::future::Future;
use std::pin::Pin;

pub async fn authenticate(
    req: &HttpRequest,
    state: &web::Data<AppState>,
) -> Result<Principal, ApiError> {
    let header = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .ok_or_else(|| {
            ApiError::unauthenticated(
                "No API key provided. Send it as 'Authorization: Bearer pmk_test_…'.",
            )
        })?;
    let header = header
        .to_str()
        .map_err(|_| ApiError::unauthenticated("Invalid Authorization header"))?;
    let (scheme, key) = header.split_once(' ').unwrap_or((header, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(ApiError::unauthenticated(
            "Authorization header must use the Bearer scheme: 'Authorization: Bearer pmk_test_…'",
        ));
    }
    let key = key.trim();
    if key_mode(key).is_none() {
        return Err(ApiError::unauthenticated("Invalid API key provided."));
    }
    let hash = hash_key(key);
    if let Some(p) = state.key_cache.get(&hash) {
        return Ok(p);
    }
    let epoch = state.key_cache.epoch();
    let principal = state.passmint.authenticate(key).await?;
    state.key_cache.put(hash, principal.clone(), epoch);
    Ok(principal)
}

/// The caller of an API route, as a handler parameter: the request, the app's state
/// and the principal of the request's API key, checked by [`authenticate`] before
/// the handler's body runs. Every `/v1` handler but the OpenAPI document takes one
/// (a write takes `Write`, which holds one), so no handler can forget to
/// authenticate.
pub struct Caller {
    pub req: HttpRequest,
    pub state: web::Data<AppState>,
    pub who: Principal,
}

impl Caller {
    /// Authenticates the request.
    pub async fn of(req: HttpRequest) -> Result<Self, ApiError> {
        let state = req
            .app_data::<web::Data<AppState>>()
            .cloned()
            .ok_or_else(ApiError::internal)?;
        let who = authenticate(&req, &state).await?;
        Ok(Caller { req, state, who })
    }

    pub fn passmint(&self) -> &Passmint {
        &self.state.passmint
    }

    /// A segment of the route's path (`id`, `delivery_id`).
    pub fn path(&self, name: &str) -> &str {
        self.req.match_info().query(name)
    }

    /// The `{id}` of the route's path.
    pub fn id(&self) -> &str {
        self.path("id")
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        Box::pin(Caller::of(req.clone()))
    }
}
