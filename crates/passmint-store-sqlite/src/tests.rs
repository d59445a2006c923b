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

/// The details of the query plan of `stmt`, one a step.
async fn explain(store: &crate::SqliteStore, stmt: Stmt) -> Vec<String> {
    let stmt = stmt.explain();
    store
        .read(move |conn| {
            stmt.load::<PlanRow>(conn)
                .map_err(crate::error::store_error)
        })
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.detail)
        .collect()
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
            let plan = explain(&store, Stmt::new(sql, binds)).await;
            let details: Vec<&str> = plan.iter().map(String::as_str).collect();
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
        let plan = explain(&store, stmt).await;
        let details: Vec<&str> = plan.iter().map(String::as_str).collect();
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

/// 50,000 rows in every keyed table, all of one account and mode (one webhook's
/// deliveries, one device's registrations), and as many other accounts.
const KEYED_SEED: &str = "
INSERT INTO accounts (id, name, created_at) VALUES ('acct_k', 'A', 0);
WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < 50000)
  INSERT INTO accounts (id, name, created_at) SELECT 'acct_' || i, 'A', 0 FROM g;
WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < 50000)
  INSERT INTO api_keys (id, account_id, mode, key_hash, display_prefix, created_at)
  SELECT 'key_' || i, 'acct_k', 'live', 'hash' || i, 'pm_', 0 FROM g;
WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < 50000)
  INSERT INTO templates (id, account_id, name, kind, apple_style, design, created_at, updated_at)
  SELECT 'tmpl_' || i, 'acct_k', 't', 'generic', 'generic', '{}', 0, 0 FROM g;
WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < 50000)
  INSERT INTO passes (id, account_id, mode, template_id, short_id, serial_number, auth_token,
                      field_values, metadata, created_via_api, created_at, updated_at, version)
  SELECT 'pass_' || i, 'acct_k', 'live', 'tmpl_1', 's' || i, 'n' || i, 'a', '{}', '{}', 1, 0, 0, 1
  FROM g;
WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < 50000)
  INSERT INTO pass_events (id, account_id, mode, pass_id, kind, metadata, created_at)
  SELECT 'evt_' || i, 'acct_k', 'live', 'pass_' || i, 'created', '{}', 0 FROM g;
WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < 50000)
  INSERT INTO webhooks (id, account_id, mode, url, events, enabled, secret, created_at, updated_at)
  SELECT 'wh_' || i, 'acct_k', 'live', 'https://example.com/', '[\"*\"]', 1, 's', 0, 0 FROM g;
WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < 50000)
  INSERT INTO webhook_deliveries (id, webhook_id, account_id, mode, event_id, event_type,
                                  pass_snapshot, status, attempts, created_at, due_at, lease_token)
  SELECT 'whd_' || i, 'wh_1', 'acct_k', 'live', 'evt_' || i, 'pass.created', '{}', 'pending',
         0, 0, 0, 'lease' FROM g;
WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < 50000)
  INSERT INTO device_registrations (device_library_id, pass_id, account_id, mode, pass_type_id,
                                    push_token, created_at, updated_at)
  SELECT 'device', 'pass_' || i, 'acct_k', 'live', 'pass.com.example', 'token', 0, 0 FROM g;
WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < 50000)
  INSERT INTO idempotency_keys (account_id, mode, key, fingerprint, lock_token, locked_until,
                                created_at, expires_at)
  SELECT 'acct_k', 'live', 'k' || i, 'f', 'lock', 0, 0, 0 FROM g;
WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < 50000)
  INSERT INTO push_jobs (account_id, mode, pass_id, device_library_id, push_token, pass_type_id,
                         next_attempt_at, lease_token, lease_until, created_at)
  SELECT 'acct_k', 'live', 'pass_' || i, 'device', 'token', 'pass.com.example', 0, 'lease', 0, 0
  FROM g;
";

/// Every statement of this adapter that finds a row by a unique key, with the
/// index (and the terms) its plan must search.
fn keyed_statements() -> Vec<(&'static str, &'static str)> {
    use passmint_store_sql::statements as shared;
    const PASS: &str = "sqlite_autoindex_passes_1 (id=?)";
    const TEMPLATE: &str = "sqlite_autoindex_templates_1 (id=?)";
    const WEBHOOK: &str = "sqlite_autoindex_webhooks_1 (id=?)";
    const DELIVERY: &str = "sqlite_autoindex_webhook_deliveries_1 (id=?)";
    const KEY: &str = "sqlite_autoindex_idempotency_keys_1 \
         (account_id=? AND mode=? AND key=?)";
    const API_KEY: &str = "sqlite_autoindex_api_keys_2 (key_hash=?)";
    const REGISTRATION: &str =
        "sqlite_autoindex_device_registrations_1 (device_library_id=? AND pass_id=?)";
    const JOB: &str = "INTEGER PRIMARY KEY (rowid=?)";
    vec![
        (&shared::GET_ACCOUNT, "sqlite_autoindex_accounts_1 (id=?)"),
        (&shared::FIND_API_KEY, API_KEY),
        (&shared::REVOKE_API_KEY, API_KEY),
        (&shared::GET_PASS, PASS),
        (
            &shared::FIND_BY_SHORT_ID,
            "sqlite_autoindex_passes_2 (short_id=?)",
        ),
        (
            &shared::FIND_BY_SERIAL,
            "sqlite_autoindex_passes_3 (serial_number=?)",
        ),
        (crate::passes::UPDATE, PASS),
        (&crate::webhooks::PASS, PASS),
        (crate::wallet::REGISTER, PASS),
        (crate::wallet::PASS_EXISTS, PASS),
        (&shared::GET_TEMPLATE, TEMPLATE),
        (
            &passmint_store_sql::GET_BUNDLE,
            "sqlite_autoindex_bundles_1 (id=?)",
        ),
        (
            &passmint_store_sql::FIND_BUNDLE,
            "sqlite_autoindex_bundles_2 (short_id=?)",
        ),
        (crate::templates::UPDATE, TEMPLATE),
        (&shared::GET_WEBHOOK, WEBHOOK),
        (crate::webhooks::UPDATE, WEBHOOK),
        (shared::DELETE_WEBHOOK, WEBHOOK),
        (&shared::RETRY_DELIVERY, DELIVERY),
        (&crate::webhooks::CLAIMED, DELIVERY),
        (crate::webhooks::LEASE, DELIVERY),
        (crate::webhooks::RECORD, DELIVERY),
        (shared::READ_KEY, KEY),
        (shared::COMPLETE_KEY, KEY),
        (shared::RELEASE_KEY, KEY),
        (crate::idempotency::TAKE_OVER, KEY),
        (crate::wallet::REREGISTER, REGISTRATION),
        (crate::wallet::UNREGISTER, REGISTRATION),
        (crate::wallet::RESCHEDULE, JOB),
        (crate::wallet::JOB_EXISTS, JOB),
    ]
}

/// The plan of `sql` with every placeholder bound to the seeded account.
async fn plan_of(store: &crate::SqliteStore, sql: &'static str) -> Vec<String> {
    let placeholders = sql
        .split('$')
        .skip(1)
        .filter_map(|s| {
            let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
            digits.parse::<usize>().ok()
        })
        .max()
        .unwrap_or(0);
    explain(
        store,
        Stmt::new(sql, vec![Bind::text("acct_k"); placeholders]),
    )
    .await
}

#[tokio::test]
async fn keyed_statements_search_their_unique_index_whatever_the_statistics() {
    let store = testing::fresh_store().await;
    store
        .write(|conn| {
            diesel::connection::SimpleConnection::batch_execute(conn, KEYED_SEED)
                .map_err(crate::error::store_error)
        })
        .await
        .unwrap();
    let mut wrong = Vec::new();
    for round in ["never analyzed", "analyzed, one scope"] {
        for (sql, search) in keyed_statements() {
            let plan = plan_of(&store, sql).await;
            let searches = |d: &String| d.starts_with("SEARCH") && d.ends_with(search);
            if !plan.iter().any(searches) {
                wrong.push(format!("{round}: {sql}\n  {plan:?}\n  wants {search}"));
            }
        }
        store
            .write(|conn| {
                diesel::connection::SimpleConnection::batch_execute(conn, "ANALYZE")
                    .map_err(crate::error::store_error)
            })
            .await
            .unwrap();
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
