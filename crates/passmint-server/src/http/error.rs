//! The API's error envelope, `{"error":{"type","code","message","param"}}`, and the
//! one place where domain errors become HTTP answers.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use passmint_domain::DomainError;
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorType {
    AuthenticationError,
    InvalidRequestError,
    NotFoundError,
    BillingError,
    IdempotencyError,
    ApiError,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    #[serde(rename = "type")]
    pub kind: ErrorType,
    pub code: Option<String>,
    pub message: String,
    pub param: Option<String>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorEnvelope {
    pub error: ErrorBody,
}

/// An error answer: status plus envelope.
#[derive(Clone, Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: ErrorBody,
}

impl ApiError {
    pub fn new(status: StatusCode, kind: ErrorType, message: impl Into<String>) -> Self {
        ApiError {
            status,
            body: ErrorBody {
                kind,
                code: None,
                message: message.into(),
                param: None,
            },
        }
    }

    pub fn param(mut self, param: impl Into<String>) -> Self {
        self.body.param = Some(param.into());
        self
    }

    pub fn code(mut self, code: impl Into<String>) -> Self {
        self.body.code = Some(code.into());
        self
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            ErrorType::InvalidRequestError,
            message,
        )
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, ErrorType::NotFoundError, message).code("resource_missing")
    }

    pub fn unauthenticated(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            ErrorType::AuthenticationError,
            message,
        )
    }

    /// `429 invalid_request_error`: too many requests or objects for now.
    pub fn too_many(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorType::InvalidRequestError,
            message,
        )
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorType::ApiError,
            "An internal error occurred. Retry later; quote the Request-Id if it persists.",
        )
    }

    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(&ErrorEnvelope {
            error: self.body.clone(),
        })
        .unwrap_or_default()
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.body.message)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status)
            .content_type(super::JSON)
            .body(self.to_json())
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::Invalid {
                param,
                message,
                code,
            } => {
                let mut err = ApiError::invalid(message);
                err.body.param = param;
                err.body.code = code.map(str::to_owned);
                err
            }
            e @ DomainError::NotFound { .. } => ApiError::not_found(e.to_string()).param("id"),
            DomainError::Unauthenticated(m) => ApiError::unauthenticated(m),
            DomainError::Billing { code, message } => ApiError::new(
                StatusCode::PAYMENT_REQUIRED,
                ErrorType::BillingError,
                message,
            )
            .code(code),
            DomainError::Idempotency { code, message } => {
                let mut err =
                    ApiError::new(StatusCode::CONFLICT, ErrorType::IdempotencyError, message);
                err.body.code = code.map(str::to_owned);
                err
            }
            DomainError::TooMany { code, message } => ApiError::too_many(message).code(code),
            DomainError::Internal(detail) => {
                tracing::error!(error = %detail, "internal error");
                ApiError::internal()
            }
        }
    }
}
