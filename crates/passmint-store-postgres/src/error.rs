//! Errors: [`PgStoreError`] for setting the store up, and the mapping of driver
//! errors onto the ports' [`StoreError`].

use diesel::result::{DatabaseErrorKind, Error as DieselError};
use passmint_domain::StoreError;
use thiserror::Error;

/// Why [`crate::PgStore::connect`] or [`crate::PgStore::migrate`] failed. URLs are
/// shown without their password.
#[derive(Debug, Error)]
pub enum PgStoreError {
    #[error("invalid PostgreSQL pool configuration for {url}: {message}")]
    Config { url: String, message: String },
    #[error("cannot connect to PostgreSQL at {url}: {message}")]
    Connect { url: String, message: String },
    #[error("PostgreSQL at {url} did not answer within {seconds} s")]
    Timeout { url: String, seconds: u64 },
    #[error("migrating the PostgreSQL database at {url} failed: {message}")]
    Migration { url: String, message: String },
}

/// The URL with its password replaced by `***`, fit for logs and error messages.
/// Handles both URLs (`postgres://user:secret@host/db`) and key/value strings
/// (`host=... password=secret`).
pub fn redact_url(url: &str) -> String {
    if let Some(scheme_end) = url.find("://") {
        let rest = &url[scheme_end + 3..];
        let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let authority = &rest[..authority_end];
        let redacted = match authority.rfind('@') {
            Some(at) => {
                let userinfo = &authority[..at];
                match userinfo.find(':') {
                    Some(colon) => format!("{}:***{}", &userinfo[..colon], &authority[at..]),
                    None => authority.to_owned(),
                }
            }
            None => authority.to_owned(),
        };
        let query = &rest[authority_end..];
        return format!(
            "{}{}{}",
            &url[..scheme_end + 3],
            redacted,
            redact_query_password(query)
        );
    }
    url.split_whitespace()
        .map(|part| match part.split_once('=') {
            Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
            _ => part.to_owned(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn redact_query_password(path_and_query: &str) -> String {
    let Some(q) = path_and_query.find('?') else {
        return path_and_query.to_owned();
    };
    let params = path_and_query[q + 1..]
        .split('&')
        .map(|p| match p.split_once('=') {
            Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
            _ => p.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&");
    format!("{}?{}", &path_and_query[..q], params)
}

/// Unique violation -> `Duplicate` (naming the constraint), foreign-key violation ->
/// `NotFound` (the row referred to does not exist), no row -> `NotFound`,
/// anything else -> `Backend`.
pub(crate) fn store_error(e: DieselError) -> StoreError {
    match e {
        DieselError::NotFound => StoreError::NotFound,
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
            StoreError::Duplicate(info.constraint_name().unwrap_or(info.message()).to_owned())
        }
        DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => {
            StoreError::NotFound
        }
        other => StoreError::Backend(other.to_string()),
    }
}

/// Wraps a [`StoreError`] so that it can leave a diesel-async transaction (which
/// wants an error type it can build from a driver error).
#[derive(Debug)]
pub(crate) struct TxError(pub(crate) StoreError);

impl From<DieselError> for TxError {
    fn from(e: DieselError) -> Self {
        TxError(store_error(e))
    }
}

impl From<StoreError> for TxError {
    fn from(e: StoreError) -> Self {
        TxError(e)
    }
}

pub(crate) fn pool_error(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(format!("connection pool: {e}"))
}

pub(crate) use passmint_store_sql::decode_error;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact_url("postgres://app:s3cr@t@db.example:5432/passmint?sslmode=disable"),
            "postgres://app:***@db.example:5432/passmint?sslmode=disable"
        );
        assert_eq!(
            redact_url("postgres://postgres@127.0.0.1:5432/postgres"),
            "postgres://postgres@127.0.0.1:5432/postgres"
        );
        assert_eq!(
            redact_url("postgresql://localhost/db?user=a&password=b"),
            "postgresql://localhost/db?user=a&password=***"
        );
        assert_eq!(
            redact_url("host=localhost password=hunter2 dbname=x"),
            "host=localhost password=*** dbname=x"
        );
    }
}
