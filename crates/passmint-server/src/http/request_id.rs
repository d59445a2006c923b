//! Gives every request a `Request-Id` (echoed on every response) and a tracing span
//! carrying it, and writes one access-log line per request. Headers are not logged,
//! so neither are API keys.

use actix_web::HttpMessage;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use rand::Rng;
use std::time::Instant;
use tracing::Instrument;

pub static REQUEST_ID: HeaderName = HeaderName::from_static("request-id");

#[derive(Clone, Debug)]
pub struct RequestId(pub String);

fn new_request_id() -> String {
    let mut rng = rand::rng();
    let body: String = (0..24)
        .map(|_| passmint_domain::ids::BASE62[rng.random_range(0..62)] as char)
        .collect();
    format!("req_{body}")
}

pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, actix_web::Error> {
    let id = new_request_id();
    req.extensions_mut().insert(RequestId(id.clone()));
    let method = req.method().to_string();
    let path = req.path().to_owned();
    let span = tracing::info_span!("request", request_id = %id, %method, %path);
    let start = Instant::now();
    let res = next.call(req).instrument(span.clone()).await;
    let mut res = match res {
        Ok(r) => r,
        Err(e) => {
            // Errors from inner services still get a response with the id.
            let r = e.error_response();
            return Err(actix_web::error::InternalError::from_response(e, r).into());
        }
    };
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(REQUEST_ID.clone(), v);
    }
    let status = res.status().as_u16();
    let _e = span.enter();
    tracing::info!(
        status,
        latency_ms = start.elapsed().as_secs_f64() * 1e3,
        "request finished"
    );
    Ok(res)
}
