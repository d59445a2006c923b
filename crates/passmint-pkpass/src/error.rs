//! The crate's one error type.

use crate::lint::LintError;
use openssl::error::ErrorStack;

/// Why a pass could not be built or an identity could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PkpassError {
    /// The spec breaks Apple's rules; every problem is listed.
    #[error("the pass was refused: {}", join(.0))]
    Lint(Vec<LintError>),
    /// The spec's identifiers differ from the signing certificate's.
    #[error("{0}")]
    IdentityMismatch(String),
    /// The signing identity could not be loaded or made; the message says why.
    #[error("signing identity: {0}")]
    Identity(String),
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// OpenSSL failed (signing, key generation).
    #[error("OpenSSL: {0}")]
    OpenSsl(#[from] ErrorStack),
    /// pass.json or manifest.json could not be written.
    #[error("writing JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// The zip archive could not be written.
    #[error("writing the zip archive: {0}")]
    Zip(String),
}

impl PkpassError {
    /// The lint errors, when the spec was refused.
    pub fn lint_errors(&self) -> Option<&[LintError]> {
        match self {
            PkpassError::Lint(errors) => Some(errors),
            _ => None,
        }
    }
}

fn join(errors: &[LintError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}
