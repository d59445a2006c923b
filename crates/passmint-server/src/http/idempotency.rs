//! `Idempotency-Key` on POST and PATCH (docs/api.md §2). The key is taken before the
//! request runs; a successful write stores its response in its own transaction (the
//! use case receives an `IdemFinish`); a 4xx is stored afterwards (it wrote nothing);
//! a 5xx releases the key so the request can be retried.
//!
//! `POST /v1/passes` first tries a shorter way when the key is new (see
//! `routes::passes::create`): the key is taken and completed by the very statement
//! that writes the pass. When that does not apply it writes nothing, and the request
//! takes the way of [`run`].

use super::JSON;
use super::error::{ApiError, ErrorType};
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use passmint_domain::idempotency::{
    IdemBegin, IdemCompletion, IdemFinish, Renderer, StoredResponse,
};
use passmint_domain::service::Principal;
use std::future::Future;

pub const HEADER: &str = "Idempotency-Key";
pub const REPLAYED: &str = "Idempotent-Replayed";

/// Hex SHA-256 of method, path and the canonical JSON of the body (key order and
/// white space do not matter); a body that is not JSON counts byte for byte.
pub fn fingerprint(method: &str, path: &str, body: &[u8]) -> String {
    let canonical = match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(v) => serde_json::to_vec(&v).unwrap_or_else(|_| body.to_vec()),
        Err(_) if body.iter().all(u8::is_ascii_whitespace) => b"{}".to_vec(),
        Err(_) => body.to_vec(),
    };
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    ctx.update(method.as_bytes());
    ctx.update(b"\n");
    ctx.update(path.as_bytes());
    ctx.update(b"\n");
    ctx.update(&canonical);
    hex::encode(ctx.finish().as_ref())
}

/// The request's `Idempotency-Key`, when it has one that is printable ASCII (any
/// other is answered by [`run`]).
pub fn key(req: &HttpRequest) -> Option<&str> {
    req.headers().get(HEADER).and_then(|v| v.to_str().ok())
}

/// The response to send for a stored one.
pub fn respond(stored: &StoredResponse, replayed: bool) -> HttpResponse {
    let mut b = HttpResponse::build(StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK));
    b.content_type(JSON);
    if replayed {
        b.insert_header((REPLAYED, "true"));
    }
    b.body(stored.body.clone())
}

/// Runs `op` under the request's idempotency key, if any. `render` turns the
/// successful result into the response that is sent and stored.
pub async fn run<T, F, Fut>(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    who: &Principal,
    body: &[u8],
    render: Renderer<T>,
    op: F,
) -> Result<HttpResponse, ApiError>
where
    F: FnOnce(Option<IdemFinish<T>>) -> Fut,
    Fut: Future<Output = Result<T, ApiError>>,
{
    let key = match req.headers().get(HEADER) {
        None => None,
        Some(v) => Some(
            v.to_str()
                .map_err(|_| ApiError::invalid("Idempotency-Key must be printable ASCII"))?
                .to_owned(),
        ),
    };
    let Some(key) = key else {
        let value = op(None).await?;
        return Ok(respond(&render(&value), false));
    };
    let fp = fingerprint(req.method().as_str(), req.path(), body);
    let ticket = match state
        .passmint
        .begin_idempotent(who.scope(), &key, fp)
        .await?
    {
        IdemBegin::Started(t) => t,
        IdemBegin::Replay(stored) => return Ok(respond(&stored, true)),
        IdemBegin::Mismatch => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                ErrorType::IdempotencyError,
                "Keys for idempotent requests can only be used with the same method, path and body as the first request.",
            ));
        }
        IdemBegin::InUse => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                ErrorType::IdempotencyError,
                "A request with this Idempotency-Key is still being processed. Retry later.",
            )
            .code("idempotency_key_in_use"));
        }
    };
    let finish = IdemFinish {
        ticket: ticket.clone(),
        render: render.clone(),
    };
    match op(Some(finish)).await {
        Ok(value) => Ok(respond(&render(&value), false)),
        Err(err) if err.status.is_server_error() => {
            if let Err(e) = state.passmint.release_idempotent(&ticket).await {
                tracing::warn!(error = %e, "could not release idempotency key");
            }
            Err(err)
        }
        Err(err) => {
            let completion = IdemCompletion {
                ticket,
                response: StoredResponse {
                    status: err.status.as_u16(),
                    body: err.to_json(),
                },
            };
            if let Err(e) = state.passmint.complete_idempotent(&completion).await {
                tracing::warn!(error = %e, "could not store idempotent error response");
            }
            Err(err)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fingerprint;

    #[test]
    fn fingerprint_ignores_key_order_and_whitespace() {
        let a = fingerprint("POST", "/v1/passes", br#"{"a":1,"b":[1,2]}"#);
        let b = fingerprint("POST", "/v1/passes", b"{ \"b\" : [1, 2],\n \"a\": 1 }");
        assert_eq!(a, b);
        assert_ne!(
            a,
            fingerprint("POST", "/v1/passes", br#"{"a":2,"b":[1,2]}"#)
        );
        assert_ne!(
            a,
            fingerprint("PATCH", "/v1/passes", br#"{"a":1,"b":[1,2]}"#)
        );
        assert_eq!(
            fingerprint("POST", "/x", b""),
            fingerprint("POST", "/x", b"{}")
        );
    }
}
