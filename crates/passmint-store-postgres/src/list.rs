//! Keyset pages (the statements are the shared [`List`]'s): a page is one
//! statement, and only an empty cursor page needs a second one, [`exists`], to tell
//! "nothing beyond the cursor" from "no such cursor" (`NotFound`).

use crate::Conn;
use crate::error::store_error;
use crate::rows::Found;
use crate::sql::{Bind, Stmt};
use diesel_async::RunQueryDsl;
use passmint_domain::StoreError;
use passmint_domain::page::{Cursor, Page, PageRequest};
use passmint_domain::ports::StoreResult;
use passmint_store_sql::{Decode, List};

/// The page of `list` that `page` asks for.
pub(crate) async fn fetch<'a, T: Decode + Send + 'static>(
    list: List<Bind<'a>>,
    conn: &mut Conn,
    page: &'a PageRequest,
) -> StoreResult<Page<T>> {
    let (sql, binds) = list.statement(page);
    let rows = Stmt::new(sql, binds).all::<T>(conn).await?;
    if rows.is_empty()
        && let Cursor::After(id) | Cursor::Before(id) = &page.cursor
        && !exists(conn, list.table, id, list.scope).await?
    {
        return Err(StoreError::NotFound);
    }
    Ok(Page::from_probe(rows, page))
}

/// Whether `id` names a row of `table` within the scope (`column = value` pairs).
pub(crate) async fn exists(
    conn: &mut Conn,
    table: &'static str,
    id: &str,
    scope: Vec<(&'static str, Bind<'_>)>,
) -> StoreResult<bool> {
    let (sql, binds) = passmint_store_sql::exists(table, id, scope);
    let found: Found = Stmt::new(sql, binds)
        .get_result(conn)
        .await
        .map_err(store_error)?;
    Ok(found.found)
}
