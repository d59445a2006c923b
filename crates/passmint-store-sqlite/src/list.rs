//! Keyset pagination over `seq`, newest first.
//!
//! A page is one statement: the scope's index is read from the cursor's `seq`
//! (looked up by id in a subquery) for `limit + 1` rows, so a page 5,000 pages deep
//! costs what the first does. Only an empty cursor page needs a second statement,
//! to tell "nothing beyond the cursor" from "no such cursor" (`NotFound`).

use crate::error::store_error;
use crate::rows::Found;
use crate::sql::{Bind, Stmt};
use diesel::sqlite::Sqlite;
use diesel::{QueryableByName, RunQueryDsl, SqliteConnection};
use passmint_domain::StoreError;
use passmint_domain::page::{Cursor, Page, PageRequest};
use passmint_domain::ports::StoreResult;
use std::fmt::Write;

/// What a list reads.
pub(crate) struct List {
    pub(crate) table: &'static str,
    pub(crate) columns: &'static str,
    /// `column = value` conditions that a cursor must satisfy too (the owner).
    pub(crate) scope: Vec<(&'static str, Bind)>,
    /// `column = value` conditions on the listed rows only.
    pub(crate) filters: Vec<(&'static str, Bind)>,
    /// A constant condition on the listed rows only (matching a partial index).
    pub(crate) condition: Option<&'static str>,
}

impl List {
    /// The page's statement: `limit + 1` rows in the direction of travel. The
    /// cursor's subquery reuses the scope's placeholders.
    pub(crate) fn statement(&self, page: &PageRequest) -> Stmt {
        let mut binds = Vec::with_capacity(self.scope.len() + self.filters.len() + 2);
        let mut scope_sql = String::new();
        for (column, value) in &self.scope {
            binds.push(value.clone());
            if binds.len() > 1 {
                scope_sql.push_str(" AND ");
            }
            let _ = write!(scope_sql, "{column} = ${}", binds.len());
        }
        let mut sql = format!(
            "SELECT {} FROM {} WHERE {scope_sql}",
            self.columns, self.table
        );
        for (column, value) in &self.filters {
            binds.push(value.clone());
            let _ = write!(sql, " AND {column} = ${}", binds.len());
        }
        if let Some(condition) = self.condition {
            let _ = write!(sql, " AND {condition}");
        }
        let seek = match &page.cursor {
            Cursor::First => None,
            Cursor::After(id) => Some((id, "<", "DESC")),
            Cursor::Before(id) => Some((id, ">", "ASC")),
        };
        let mut order = "DESC";
        if let Some((id, op, direction)) = seek {
            binds.push(Bind::text(id));
            let _ = write!(
                sql,
                " AND seq {op} (SELECT seq FROM {} WHERE id = ${} AND {scope_sql})",
                self.table,
                binds.len()
            );
            order = direction;
        }
        binds.push(Bind::BigInt(i64::from(page.limit) + 1));
        let _ = write!(sql, " ORDER BY seq {order} LIMIT ${}", binds.len());
        Stmt::new(sql, binds)
    }

    pub(crate) fn fetch<R, T>(
        self,
        conn: &mut SqliteConnection,
        page: &PageRequest,
    ) -> StoreResult<Page<T>>
    where
        R: QueryableByName<Sqlite> + 'static,
        T: TryFrom<R, Error = StoreError>,
    {
        let rows = self.statement(page).load::<R>(conn).map_err(store_error)?;
        if rows.is_empty()
            && let Cursor::After(id) | Cursor::Before(id) = &page.cursor
            && !exists(conn, self.table, id, self.scope)?
        {
            return Err(StoreError::NotFound);
        }
        let rows = rows
            .into_iter()
            .map(T::try_from)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Page::from_probe(rows, page))
    }
}

/// Whether `id` names a row of `table` within the scope (`column = value` pairs).
pub(crate) fn exists(
    conn: &mut SqliteConnection,
    table: &'static str,
    id: &str,
    scope: Vec<(&'static str, Bind)>,
) -> StoreResult<bool> {
    let mut sql = format!("SELECT EXISTS (SELECT 1 FROM {table} WHERE id = $1");
    let mut binds = vec![Bind::text(id)];
    for (column, value) in scope {
        binds.push(value);
        let _ = write!(sql, " AND {column} = ${}", binds.len());
    }
    sql.push_str(") AS found");
    let found: Found = Stmt::new(sql, binds)
        .get_result(conn)
        .map_err(store_error)?;
    Ok(found.found)
}
