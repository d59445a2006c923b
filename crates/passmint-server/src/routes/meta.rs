//! Health, readiness, metrics, the OpenAPI document, and the envelope for unknown
//! routes (wrong methods are answered by `http::endpoint`).

use crate::http::JSON;
use crate::http::error::{ApiError, ErrorType};
use crate::http::metrics::Metrics;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok()
        .content_type(JSON)
        .body(r#"{"status":"ok"}"#)
}

pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    match state.passmint.ping().await {
        Ok(()) => HttpResponse::Ok()
            .content_type(JSON)
            .body(r#"{"status":"ready"}"#),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            HttpResponse::ServiceUnavailable()
                .content_type(JSON)
                .body(r#"{"status":"unavailable","reason":"database unreachable"}"#)
        }
    }
}

pub async fn metrics(state: web::Data<AppState>, metrics: web::Data<Metrics>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(metrics.render(state.passmint.pool_status()))
}

pub async fn openapi() -> HttpResponse {
    HttpResponse::Ok()
        .content_type(JSON)
        .body(crate::openapi::document_json())
}

pub async fn not_found(req: HttpRequest) -> HttpResponse {
    use actix_web::ResponseError;
    ApiError::new(
        StatusCode::NOT_FOUND,
        ErrorType::NotFoundError,
        format!("Unrecognized request URL ({} {})", req.method(), req.path()),
    )
    .error_response()
}
