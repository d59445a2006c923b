//! Adapter internals: every list statement seeks an index and needs no sort, so a
//! page costs O(limit) however deep it is.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::sql::{Bind, Stmt};
use crate::testing;
use diesel::sql_types::Text;
use diesel::{QueryableByName, RunQueryDsl};
use passmint_domain::page::{Cursor, PageRequest};
use passmint_store_sql::{EVENT_COLUMNS, List, PASS_COLUMNS, TEMPLATE_COLUMNS};

#[derive(QueryableByName, Debug)]
struct PlanRow {
    #[diesel(sql_type = Text)]
    detail: String,
}

fn pages() -> Vec<PageRequest> {
    let id = "x_000000000000000000000000".to_owned();
    vec![
        PageRequest::first(10),
        PageRequest {
            limit: 10,
            cursor: Cursor::After(id.clone()),
        },
        PageRequest {
            limit: 10,
            cursor: Cursor::Before(id),
        },
    ]
}

fn scope() -> Vec<(&'static str, Bind)> {
    vec![
        ("account_id", Bind::text("acct_x")),
        ("mode", Bind::text("test")),
    ]
}

/// Every list the ports run, with the index each must seek.
fn lists() -> Vec<(&'static str, List<Bind>)> {
    let list = |table, columns, scope, filters, condition| List {
        table,
        columns,
        scope,
        filters,
        condition,
    };
    vec![
        (
            "templates_list_idx",
            list(
                "templates",
                TEMPLATE_COLUMNS,
                vec![("account_id", Bind::text("acct_x"))],
                vec![],
                Some("archived = 0"),
            ),
        ),
        (
            "passes_list_idx",
            list("passes", PASS_COLUMNS, scope(), vec![], None),
        ),
        (
            "passes_template_idx",
            list(
                "passes",
                PASS_COLUMNS,
                scope(),
                vec![("template_id", Bind::text("tmpl_x"))],
                None,
            ),
        ),
        (
            "passes_holder_email_idx",
            list(
                "passes",
                PASS_COLUMNS,
                scope(),
                vec![("holder_email", Bind::text("x@example.com"))],
                None,
            ),
        ),
        (
            "passes_",
            list(
                "passes",
                PASS_COLUMNS,
                scope(),
                vec![
                    ("template_id", Bind::text("tmpl_x")),
                    ("holder_email", Bind::text("x@example.com")),
                ],
                None,
            ),
        ),
        (
            "pass_events_list_idx",
            list("pass_events", EVENT_COLUMNS, scope(), vec![], None),
        ),
        (
            "pass_events_pass_idx",
            list(
                "pass_events",
                EVENT_COLUMNS,
                scope(),
                vec![("pass_id", Bind::text("pass_x"))],
                None,
            ),
        ),
    ]
}

#[tokio::test]
async fn every_list_page_seeks_an_index_without_sorting() {
    let store = testing::fresh_store().await;
    for (index, list) in lists() {
        for page in pages() {
            let (sql, binds) = list.statement(&page);
            let stmt = Stmt::new(sql, binds).explain();
            let plan = store
                .read(move |conn| {
                    stmt.load::<PlanRow>(conn)
                        .map_err(crate::error::store_error)
                })
                .await
                .unwrap();
            let details: Vec<&str> = plan.iter().map(|r| r.detail.as_str()).collect();
            let what = format!("{} {page:?}: {details:#?}", list.table);
            assert!(
                details.iter().all(|d| !d.contains("TEMP B-TREE")),
                "no sort: {what}"
            );
            assert!(
                details.iter().all(|d| d.starts_with("SEARCH")
                    || d.starts_with("SCALAR SUBQUERY")
                    || d.starts_with("CORRELATED")),
                "only index searches: {what}"
            );
            let main = format!("SEARCH {} USING INDEX {index}", list.table);
            assert!(
                details.iter().any(|d| d.starts_with(&main)),
                "the list seeks {index}: {what}"
            );
            if !matches!(page.cursor, Cursor::First) {
                assert!(
                    details
                        .iter()
                        .any(|d| d.contains("seq<?") || d.contains("seq>?")),
                    "the cursor page seeks from the cursor's seq: {what}"
                );
            }
        }
    }
}

#[tokio::test]
async fn a_panicking_write_loses_its_connection_not_the_writer() {
    use passmint_domain::ports::AccountStore;
    let store = testing::fresh_store().await;
    let account = passmint_testkit::fixtures::account();
    let failed = store
        .write::<(), _>(move |conn| {
            diesel::connection::SimpleConnection::batch_execute(conn, "BEGIN IMMEDIATE").unwrap();
            panic!("a write job that dies inside its transaction");
        })
        .await;
    assert!(
        matches!(&failed, Err(passmint_domain::StoreError::Backend(m)) if m.contains("panicked")),
        "{failed:?}"
    );
    // The next write gets a new connection, with no transaction left open.
    store.insert_account(&account).await.unwrap();
    assert_eq!(store.get_account(&account.id).await, Ok(account));
}

#[tokio::test]
async fn webhook_and_wallet_statements_seek_their_index_without_sorting() {
    let store = testing::fresh_store().await;
    let statements = crate::webhooks::indexed_statements()
        .into_iter()
        .chain(crate::wallet::indexed_statements())
        .chain([(
            "passes_template_idx",
            crate::templates::cascade_passes("x", "x", time::OffsetDateTime::UNIX_EPOCH, 0),
        )]);
    for (index, stmt) in statements {
        let stmt = stmt.explain();
        let plan = store
            .read(move |conn| {
                stmt.load::<PlanRow>(conn)
                    .map_err(crate::error::store_error)
            })
            .await
            .unwrap();
        let details: Vec<&str> = plan.iter().map(|r| r.detail.as_str()).collect();
        assert!(
            details.iter().all(|d| !d.contains("TEMP B-TREE")),
            "no sort: {details:#?}"
        );
        assert!(
            details
                .iter()
                .any(|d| d.contains(&format!("USING INDEX {index}"))),
            "seeks {index}: {details:#?}"
        );
        assert!(
            details
                .iter()
                .all(|d| !d.starts_with("SCAN") || d.starts_with("SCAN json_each")),
            "no table scan: {details:#?}"
        );
    }
}
