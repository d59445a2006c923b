//! API-key authentication: `Authorization: Bearer pmk_(test|live)_…`. The key is
//! hashed and looked up; it is never logged.

use super::error::ApiError;
use crate::state::AppState;
use actix_web::{HttpRequest, web};
use passmint_domain::service::Principal;

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
    let principal = state.passmint.authenticate(key.trim()).await?;
    Ok(principal)
}
