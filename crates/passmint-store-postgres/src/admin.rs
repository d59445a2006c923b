//! Server-level chores: naming databases in URLs and creating the configured database
//! on first start, so a newcomer's `make run` needs no manual `createdb`.

use crate::error::{PgStoreError, redact_url};
use diesel::QueryableByName;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};

/// `name` as a quoted SQL identifier.
pub(crate) fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `url` pointing at database `name` instead.
pub(crate) fn with_database(url: &str, name: &str) -> String {
    if let Some(scheme_end) = url.find("://") {
        let rest_start = scheme_end + 3;
        let rest = &url[rest_start..];
        let path_start = rest.find(['/', '?']).unwrap_or(rest.len());
        let query_start = rest[path_start..]
            .find('?')
            .map_or(rest.len(), |q| path_start + q);
        return format!(
            "{}/{name}{}",
            &url[..rest_start + path_start],
            &rest[query_start..]
        );
    }
    let mut parts: Vec<String> = url
        .split_whitespace()
        .filter(|p| !p.starts_with("dbname="))
        .map(str::to_owned)
        .collect();
    parts.push(format!("dbname={name}"));
    parts.join(" ")
}

/// The database a URL names, if it names one.
pub(crate) fn database_name(url: &str) -> Option<String> {
    if let Some(scheme_end) = url.find("://") {
        let rest = &url[scheme_end + 3..];
        let path_start = rest.find('/')?;
        let path = &rest[path_start + 1..];
        let name = path.split(['?', '#']).next().unwrap_or("");
        return (!name.is_empty()).then(|| name.to_owned());
    }
    url.split_whitespace()
        .find_map(|p| p.strip_prefix("dbname="))
        .map(str::to_owned)
}

#[derive(QueryableByName)]
struct Exists {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    exists: bool,
}

/// Creates the database `url` names if it does not exist yet (connecting to the
/// server's `postgres` database to do so). Answers whether it created it.
pub async fn create_database_if_missing(url: &str) -> Result<bool, PgStoreError> {
    let Some(name) = database_name(url) else {
        return Ok(false);
    };
    let connect_err = |e: &dyn std::fmt::Display| PgStoreError::Connect {
        url: redact_url(url),
        message: e.to_string(),
    };
    let admin_url = with_database(url, "postgres");
    let mut admin = AsyncPgConnection::establish(&admin_url)
        .await
        .map_err(|e| connect_err(&e))?;
    let rows: Vec<Exists> =
        diesel::sql_query("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) AS exists")
            .bind::<diesel::sql_types::Text, _>(&name)
            .load(&mut admin)
            .await
            .map_err(|e| connect_err(&e))?;
    if rows.iter().any(|r| r.exists) {
        return Ok(false);
    }
    match admin
        .batch_execute(&format!("CREATE DATABASE {}", quote(&name)))
        .await
    {
        Ok(()) => Ok(true),
        // Another process created it meanwhile.
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => Ok(false),
        Err(e) if e.to_string().contains("already exists") => Ok(false),
        Err(e) => Err(connect_err(&e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_names() {
        assert_eq!(
            database_name("postgres://u@h:5432/passmint").as_deref(),
            Some("passmint")
        );
        assert_eq!(
            database_name("postgres://u@h/db?sslmode=disable").as_deref(),
            Some("db")
        );
        assert_eq!(database_name("postgres://u@h:5432"), None);
        assert_eq!(
            database_name("host=h dbname=x user=u").as_deref(),
            Some("x")
        );
        assert_eq!(
            with_database("postgres://u@h:5432/a?x=1", "b"),
            "postgres://u@h:5432/b?x=1"
        );
    }
}
