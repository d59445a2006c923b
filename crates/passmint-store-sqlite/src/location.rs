//! Where a `DATABASE_URL` points: `sqlite://PATH`, `sqlite:PATH` or a bare path.

use crate::error::SqliteStoreError;
use std::path::PathBuf;

/// The absolute path of the database file `url` names.
///
/// `sqlite://data/passmint.db` and `sqlite:data/passmint.db` are relative to the
/// working directory; `sqlite:///var/lib/passmint.db` and `sqlite:/var/lib/…` are
/// absolute; anything without the `sqlite:` scheme is taken as a path. No query
/// string or percent-decoding is interpreted. An empty path, `:memory:` (every
/// connection would see a database of its own) and another scheme (`postgres://…`)
/// are refused.
pub fn database_path(url: &str) -> Result<PathBuf, SqliteStoreError> {
    let refuse = |message: &str| SqliteStoreError::Url {
        url: url.to_owned(),
        message: message.to_owned(),
    };
    let path = if let Some(rest) = url.strip_prefix("sqlite://") {
        rest
    } else if let Some(rest) = url.strip_prefix("sqlite:") {
        rest
    } else if let Some((scheme, _)) = url.split_once("://") {
        return Err(refuse(&format!(
            "the scheme '{scheme}' is not SQLite's (sqlite://PATH)"
        )));
    } else {
        url
    };
    if path.trim().is_empty() {
        return Err(refuse("no file path given (sqlite://PATH)"));
    }
    if path == ":memory:" || path.starts_with("file:") {
        return Err(refuse(
            "in-memory databases and SQLite URI filenames are not supported; give a file path",
        ));
    }
    if path.contains('\0') {
        return Err(refuse("the path contains a NUL character"));
    }
    std::path::absolute(path).map_err(|e| refuse(&e.to_string()))
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn urls_and_paths() {
        let cwd = std::env::current_dir().unwrap_or_default();
        let ok = |url: &str| database_path(url).map_err(|e| e.to_string());
        assert_eq!(ok("sqlite://data/p.db"), Ok(cwd.join("data/p.db")));
        assert_eq!(ok("sqlite:data/p.db"), Ok(cwd.join("data/p.db")));
        assert_eq!(ok("data/p.db"), Ok(cwd.join("data/p.db")));
        assert_eq!(
            ok("sqlite:///var/lib/p.db"),
            Ok(Path::new("/var/lib/p.db").into())
        );
        assert_eq!(
            ok("sqlite:/var/lib/p.db"),
            Ok(Path::new("/var/lib/p.db").into())
        );
        assert_eq!(ok("/var/lib/p.db"), Ok(Path::new("/var/lib/p.db").into()));
    }

    #[test]
    fn refusals_name_the_url() {
        for url in [
            "",
            "sqlite://",
            "sqlite:",
            "sqlite://:memory:",
            ":memory:",
            "sqlite:file:x.db?mode=memory",
            "postgres://u@h/db",
            "mysql://h/db",
        ] {
            let err = database_path(url).expect_err(url);
            assert!(
                matches!(err, SqliteStoreError::Url { .. }),
                "{url}: {err:?}"
            );
            assert!(err.to_string().contains(&format!("'{url}'")), "{err}");
        }
    }
}
