//! Errors of the domain layer and of the storage ports.

use thiserror::Error;

/// What a storage adapter may answer. Adapters map their driver's errors onto these:
/// a unique violation is `Duplicate`, no row is `NotFound`, a conditional write that
/// found its row moved is `VersionChanged`, anything else `Backend`. Each variant
/// means one thing, so a caller never re-reads a row to learn what happened.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A row with the same unique key exists (the constraint or key is named):
    /// nothing was written.
    #[error("duplicate: {0}")]
    Duplicate(String),
    /// A conditional write found the row changed since it was read (its version
    /// or `updated_at` moved): nothing was written, read again and retry.
    #[error("the row changed since it was read")]
    VersionChanged,
    /// The idempotency ticket no longer holds its key (another request took it
    /// over): nothing was written.
    #[error("the idempotency key is no longer held by this request")]
    IdempotencyKeyLost,
    /// A worker's lease on a delivery or push job was taken by another worker
    /// (or the job is finished): nothing was written.
    #[error("the lease is not held by this token")]
    LeaseLost,
    #[error("storage backend error: {0}")]
    Backend(String),
    /// A live pass beyond the account's `live_pass_limit`: nothing was written.
    #[error("the account's live pass limit is reached")]
    LimitReached,
}

/// Every failure a use case can report. The server maps each variant to the API's
/// error envelope in one place.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum DomainError {
    /// A client mistake in the request: 400 `invalid_request_error`.
    #[error("{message}")]
    Invalid {
        param: Option<String>,
        message: String,
        code: Option<&'static str>,
    },
    /// The object does not exist for this account and mode: 404.
    #[error("No such {resource}: '{id}'")]
    NotFound { resource: &'static str, id: String },
    /// Missing, malformed, unknown or revoked API key: 401.
    #[error("{0}")]
    Unauthenticated(String),
    /// Billing limit: 402.
    #[error("{message}")]
    Billing { code: &'static str, message: String },
    /// Idempotency key reused or in use: 409.
    #[error("{message}")]
    Idempotency {
        code: Option<&'static str>,
        message: String,
    },
    /// Too many of something for now (a rate, a count that may go down): 429.
    #[error("{message}")]
    TooMany { code: &'static str, message: String },
    /// Anything the client cannot fix: 500 `api_error`.
    #[error("internal error: {0}")]
    Internal(String),
}

impl DomainError {
    pub fn invalid(param: impl Into<String>, message: impl Into<String>) -> Self {
        DomainError::Invalid {
            param: Some(param.into()),
            message: message.into(),
            code: None,
        }
    }

    pub fn invalid_code(
        param: impl Into<String>,
        code: &'static str,
        message: impl Into<String>,
    ) -> Self {
        DomainError::Invalid {
            param: Some(param.into()),
            message: message.into(),
            code: Some(code),
        }
    }

    pub fn not_found(resource: &'static str, id: impl Into<String>) -> Self {
        DomainError::NotFound {
            resource,
            id: id.into(),
        }
    }

    /// Prefixes the `param` of a validation error (`fields.primary[0].key` becomes
    /// `design.fields.primary[0].key`).
    pub fn under(self, prefix: &str) -> Self {
        match self {
            DomainError::Invalid {
                param,
                message,
                code,
            } => DomainError::Invalid {
                param: Some(match param {
                    Some(p) if p.starts_with('[') => format!("{prefix}{p}"),
                    Some(p) => format!("{prefix}.{p}"),
                    None => prefix.to_owned(),
                }),
                message,
                code,
            },
            other => other,
        }
    }
}

impl From<StoreError> for DomainError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::IdempotencyKeyLost => DomainError::Idempotency {
                code: Some("idempotency_key_in_use"),
                message: "This Idempotency-Key was taken over by another request.".into(),
            },
            other => DomainError::Internal(other.to_string()),
        }
    }
}
