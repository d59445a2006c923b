//! Errors: [`SqliteStoreError`] for setting the store up, and the mapping of driver
//! errors onto the ports' [`StoreError`].

use diesel::result::{DatabaseErrorKind, Error as DieselError};
use passmint_domain::StoreError;
use thiserror::Error;

/// Why [`crate::SqliteStore::open`] or [`crate::SqliteStore::migrate`] failed. Every
/// message is one line that names the file and the problem.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum SqliteStoreError {
    /// The URL names no usable file.
    #[error("invalid SQLite database URL '{url}': {message}")]
    Url { url: String, message: String },
    /// The file cannot be created, opened, read or written, or is no SQLite database.
    #[error("cannot open the SQLite database at {path}: {message}")]
    Open { path: String, message: String },
    /// The database records migrations this build does not know.
    #[error(
        "the SQLite database at {path} was migrated by a newer version of Passmint \
         (unknown migration {}); run that version or a later one, or use another database",
        .unknown.join(", ")
    )]
    NewerSchema { path: String, unknown: Vec<String> },
    #[error("migrating the SQLite database at {path} failed: {message}")]
    Migration { path: String, message: String },
}

/// `message` on one line.
pub(crate) fn one_line(message: impl std::fmt::Display) -> String {
    message
        .to_string()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Unique violation -> `Duplicate` (naming the constraint), foreign-key violation ->
/// `NotFound` (the row referred to does not exist), no row -> `NotFound`,
/// anything else -> `Backend`.
pub(crate) fn store_error(e: DieselError) -> StoreError {
    match e {
        DieselError::NotFound => StoreError::NotFound,
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
            StoreError::Duplicate(info.message().to_owned())
        }
        DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => {
            StoreError::NotFound
        }
        other => StoreError::Backend(other.to_string()),
    }
}

/// A failure of the connection machinery (a blocking task, opening a connection).
pub(crate) fn backend(message: String) -> StoreError {
    StoreError::Backend(message)
}

/// Carries a [`StoreError`] out of a diesel transaction (which wants an error type
/// it can build from a driver error), rolling the transaction back.
#[derive(Debug)]
pub(crate) struct TxError(pub(crate) StoreError);

impl From<DieselError> for TxError {
    fn from(e: DieselError) -> Self {
        TxError(store_error(e))
    }
}

pub(crate) use passmint_store_sql::decode_error;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_one_line() {
        assert_eq!(one_line("a\n  b\tc "), "a b c");
        let e = SqliteStoreError::NewerSchema {
            path: "/x.db".into(),
            unknown: vec!["20990101000000".into(), "20990102000000".into()],
        };
        let message = e.to_string();
        assert!(!message.contains('\n'), "{message}");
        assert!(
            message.contains("unknown migration 20990101000000, 20990102000000"),
            "{message}"
        );
    }
}
