//! Keyset pagination over `seq`, newest first.
//!
//! A page is one statement: the scope's index is read from the cursor's `seq`
//! (looked up by id in a subquery) for `limit + 1` rows, so a page 5,000 pages
//! deep costs what the first does. Only an empty cursor page needs a second
//! statement, [`exists`], to tell "nothing beyond the cursor" from "no such
//! cursor" (`NotFound`). Both are SQL text with `$n` placeholders and their binds.

use crate::dialect::SqlBind;
use crate::rows::{EVENT_COLUMNS, PASS_COLUMNS, TEMPLATE_COLUMNS};
use passmint_domain::ids::{AccountId, PassId};
use passmint_domain::mode::Scope;
use passmint_domain::page::{Cursor, PageRequest};
use passmint_domain::pass::PassFilter;
use std::fmt::Write;

/// What a list reads.
pub struct List<B> {
    pub table: &'static str,
    pub columns: &'static str,
    /// `column = value` conditions that a cursor must satisfy too (the owner).
    pub scope: Vec<(&'static str, B)>,
    /// `column = value` conditions on the listed rows only.
    pub filters: Vec<(&'static str, B)>,
    /// A constant condition on the listed rows only (matching a partial index).
    pub condition: Option<&'static str>,
}

impl<B: Clone> List<B> {
    /// The page's statement: `limit + 1` rows in the direction of travel. The
    /// cursor's subquery reuses the scope's placeholders.
    pub fn statement<'a>(&self, page: &'a PageRequest) -> (String, Vec<B>)
    where
        B: SqlBind<'a>,
    {
        let mut binds = Vec::with_capacity(self.scope.len() + self.filters.len() + 2);
        let mut scope_sql = String::new();
        for (column, value) in &self.scope {
            binds.push(value.clone());
            if binds.len() > 1 {
                scope_sql.push_str(" AND ");
            }
            let _ = write!(scope_sql, "{column} = ${}", binds.len());
        }
        let columns: Vec<&str> = self.scope.iter().map(|(column, _)| *column).collect();
        let cursor_scope = scope_check(&columns, 1);
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
            binds.push(B::text(id));
            let _ = write!(
                sql,
                " AND seq {op} (SELECT seq FROM {} WHERE id = ${}{cursor_scope})",
                self.table,
                binds.len()
            );
            order = direction;
        }
        binds.push(B::big_int(i64::from(page.limit) + 1));
        let _ = write!(sql, " ORDER BY seq {order} LIMIT ${}", binds.len());
        (sql, binds)
    }
}

/// Whether `id` names a row of `table` within the scope (`column = value` pairs),
/// as `SELECT EXISTS (…) AS found`.
pub fn exists<'a, B: SqlBind<'a>>(
    table: &str,
    id: &'a str,
    scope: Vec<(&'static str, B)>,
) -> (String, Vec<B>) {
    let columns: Vec<&str> = scope.iter().map(|(column, _)| *column).collect();
    let sql = format!(
        "SELECT EXISTS (SELECT 1 FROM {table} WHERE id = $1{}) AS found",
        scope_check(&columns, 2)
    );
    let mut binds = vec![B::text(id)];
    binds.extend(scope.into_iter().map(|(_, value)| value));
    (sql, binds)
}

/// ` AND (a, b) IS NOT DISTINCT FROM ($n, $n+1)` for the scope columns, the
/// placeholders numbered from `first` (nothing for no columns): the scope of a row
/// found by its id is checked on that row, never used to find it, so no index on
/// the scope columns competes with the id's unique index, whatever the planner's
/// statistics say (on a table never ANALYZEd, a scope index may otherwise be
/// chosen and every row of the account filtered).
fn scope_check(columns: &[&str], first: usize) -> String {
    if columns.is_empty() {
        return String::new();
    }
    let placeholders: Vec<String> = (first..first + columns.len())
        .map(|n| format!("${n}"))
        .collect();
    format!(
        " AND ({}) IS NOT DISTINCT FROM ({})",
        columns.join(", "),
        placeholders.join(", ")
    )
}

/// The owner's `account_id` and `mode`, as a list's scope.
fn owner<'a, B: SqlBind<'a>>(scope: &'a Scope) -> Vec<(&'static str, B)> {
    vec![
        ("account_id", B::text(scope.account_id.as_str())),
        ("mode", B::text(scope.mode.as_str())),
    ]
}

/// The passes of `scope`, narrowed by `filter`.
pub fn pass_list<'a, B: SqlBind<'a>>(scope: &'a Scope, filter: &'a PassFilter) -> List<B> {
    let mut filters = Vec::new();
    if let Some(t) = &filter.template_id {
        filters.push(("template_id", B::text(t.as_str())));
    }
    if let Some(email) = &filter.holder_email {
        filters.push(("holder_email", B::text(email)));
    }
    List {
        table: "passes",
        columns: PASS_COLUMNS,
        scope: owner(scope),
        filters,
        condition: None,
    }
}

/// The events of `scope`, of one pass or of all.
pub fn event_list<'a, B: SqlBind<'a>>(scope: &'a Scope, pass: Option<&'a PassId>) -> List<B> {
    List {
        table: "pass_events",
        columns: EVENT_COLUMNS,
        scope: owner(scope),
        filters: pass
            .map(|p| ("pass_id", B::text(p.as_str())))
            .into_iter()
            .collect(),
        condition: None,
    }
}

/// The templates of `account` that are not archived, `not_archived` saying so in
/// the engine's words (the condition of `templates_list_idx`).
pub fn template_list<'a, B: SqlBind<'a>>(
    account: &'a AccountId,
    not_archived: &'static str,
) -> List<B> {
    List {
        table: "templates",
        columns: TEMPLATE_COLUMNS,
        scope: vec![("account_id", B::text(account.as_str()))],
        filters: Vec::new(),
        condition: Some(not_archived),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A bind that shows what it was made from.
    #[derive(Clone, Debug, PartialEq)]
    enum B {
        Text(String),
        Int(i64),
        Other,
    }

    impl<'a> SqlBind<'a> for B {
        fn text(s: &'a str) -> Self {
            B::Text(s.to_owned())
        }
        fn opt_text(_: Option<&'a str>) -> Self {
            B::Other
        }
        fn big_int(n: i64) -> Self {
            B::Int(n)
        }
        fn opt_big_int(_: Option<i64>) -> Self {
            B::Other
        }
        fn bool(_: bool) -> Self {
            B::Other
        }
        fn time(_: time::OffsetDateTime) -> Self {
            B::Other
        }
        fn opt_time(_: Option<time::OffsetDateTime>) -> Self {
            B::Other
        }
        fn json<T: serde::Serialize + ?Sized>(_: &T) -> Result<Self, serde_json::Error> {
            Ok(B::Other)
        }
    }

    fn list() -> List<B> {
        List {
            table: "t",
            columns: "id, x",
            scope: vec![("account_id", B::text("a")), ("mode", B::text("m"))],
            filters: vec![("f", B::text("v"))],
            condition: Some("c"),
        }
    }

    #[test]
    fn a_first_page_reads_limit_plus_one_newest_first() {
        let (sql, binds) = list().statement(&PageRequest::first(10));
        assert_eq!(
            sql,
            "SELECT id, x FROM t WHERE account_id = $1 AND mode = $2 AND f = $3 AND c \
             ORDER BY seq DESC LIMIT $4"
        );
        assert_eq!(
            binds,
            [B::text("a"), B::text("m"), B::text("v"), B::Int(11)]
        );
    }

    #[test]
    fn a_cursor_seeks_from_its_seq_within_the_scope() {
        for (cursor, op, order) in [
            (Cursor::After("x".into()), "<", "DESC"),
            (Cursor::Before("x".into()), ">", "ASC"),
        ] {
            let page = PageRequest { limit: 5, cursor };
            let (sql, binds) = list().statement(&page);
            assert_eq!(
                sql,
                format!(
                    "SELECT id, x FROM t WHERE account_id = $1 AND mode = $2 AND f = $3 AND c \
                     AND seq {op} (SELECT seq FROM t WHERE id = $4 AND (account_id, mode) \
                     IS NOT DISTINCT FROM ($1, $2)) ORDER BY seq {order} LIMIT $5"
                )
            );
            assert_eq!(binds[3..], [B::text("x"), B::Int(6)]);
        }
    }

    #[test]
    fn exists_names_the_id_then_the_scope() {
        let (sql, binds) = exists("t", "x", vec![("account_id", B::text("a"))]);
        assert_eq!(
            sql,
            "SELECT EXISTS (SELECT 1 FROM t WHERE id = $1 \
             AND (account_id) IS NOT DISTINCT FROM ($2)) AS found"
        );
        assert_eq!(binds, [B::text("x"), B::text("a")]);
        let (sql, _) = exists::<B>("t", "x", Vec::new());
        assert_eq!(
            sql,
            "SELECT EXISTS (SELECT 1 FROM t WHERE id = $1) AS found"
        );
    }
}
