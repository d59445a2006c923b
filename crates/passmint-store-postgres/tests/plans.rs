//! Every statement that finds a row by a unique key is answered from that key's
//! unique index, whatever the planner's statistics say: on tables never ANALYZEd,
//! after ANALYZE of tables whose rows all share one account and mode, and with
//! statistics that call the scope columns unique. Each statement is the adapter's
//! own text (`testing::keyed_statements`), planned both as a custom plan (values
//! known) and as the generic plan a long-lived prepared statement ends up with.
//! The same holds for the row a list's cursor names (`testing::cursor_statements`):
//! a page deep in a list costs what the first one does.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use diesel::QueryableByName;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use passmint_store_postgres::testing;
use serde_json::Value;
use std::collections::BTreeSet;

const ACCOUNT: &str = "acct_plans0000000000000000000";
const ROWS: i64 = 50_000;

/// `ROWS` rows in every keyed table, all of one account and mode (one webhook's
/// deliveries, one device's registrations), and as many other accounts.
fn seed() -> String {
    format!(
        "
INSERT INTO accounts (id, name, created_at) VALUES ('{ACCOUNT}', 'A', now());
INSERT INTO accounts (id, name, created_at)
  SELECT 'acct_' || i, 'A', now() FROM generate_series(1, {ROWS}) i;
INSERT INTO api_keys (id, account_id, mode, key_hash, display_prefix, created_at)
  SELECT 'key_' || i, '{ACCOUNT}', 'live', 'hash' || i, 'pm_', now()
  FROM generate_series(1, {ROWS}) i;
INSERT INTO templates (id, account_id, name, kind, apple_style, design, created_at, updated_at)
  SELECT 'tmpl_' || i, '{ACCOUNT}', 't', 'generic', 'generic', '{{}}', now(), now()
  FROM generate_series(1, {ROWS}) i;
INSERT INTO passes (id, account_id, mode, template_id, short_id, serial_number, auth_token,
                    field_values, metadata, created_via_api, created_at, updated_at, version)
  SELECT 'pass_' || i, '{ACCOUNT}', 'live', 'tmpl_1', 's' || i, 'n' || i, 'a', '{{}}', '{{}}',
         true, now(), now(), 1
  FROM generate_series(1, {ROWS}) i;
INSERT INTO pass_events (id, account_id, mode, pass_id, kind, metadata, created_at)
  SELECT 'evt_' || i, '{ACCOUNT}', 'live', 'pass_' || i, 'created', '{{}}', now()
  FROM generate_series(1, {ROWS}) i;
INSERT INTO webhooks (id, account_id, mode, url, events, enabled, secret, created_at, updated_at)
  SELECT 'wh_' || i, '{ACCOUNT}', 'live', 'https://example.com/', '[\"*\"]', true, 's', now(), now()
  FROM generate_series(1, {ROWS}) i;
INSERT INTO webhook_deliveries (id, webhook_id, account_id, mode, event_id, event_type,
                                pass_snapshot, status, attempts, created_at, due_at, lease_token)
  SELECT 'whd_' || i, 'wh_1', '{ACCOUNT}', 'live', 'evt_' || i, 'pass.created', '{{}}',
         'pending', 0, now(), now(), 'lease'
  FROM generate_series(1, {ROWS}) i;
INSERT INTO bundles (id, account_id, mode, short_id, pass_ids, created_at)
  SELECT 'bndl_' || i, '{ACCOUNT}', 'live', 'b' || i, '[\"pass_1\"]', now()
  FROM generate_series(1, {ROWS}) i;
INSERT INTO device_registrations (device_library_id, pass_id, account_id, mode, pass_type_id,
                                  push_token, created_at, updated_at)
  SELECT 'device', 'pass_' || i, '{ACCOUNT}', 'live', 'pass.com.example', 'token', now(), now()
  FROM generate_series(1, {ROWS}) i;
INSERT INTO idempotency_keys (account_id, mode, key, fingerprint, lock_token, locked_until,
                              created_at, expires_at)
  SELECT '{ACCOUNT}', 'live', 'k' || i, 'f', 'lock', now(), now(), now()
  FROM generate_series(1, {ROWS}) i;
INSERT INTO push_jobs (account_id, mode, pass_id, device_library_id, push_token, pass_type_id,
                       next_attempt_at, lease_token, lease_until, created_at)
  SELECT '{ACCOUNT}', 'live', 'pass_' || i, 'device', 'token', 'pass.com.example', now(),
         'lease', now(), now()
  FROM generate_series(1, {ROWS}) i;
"
    )
}

const TABLES: [&str; 11] = [
    "accounts",
    "api_keys",
    "templates",
    "passes",
    "bundles",
    "pass_events",
    "webhooks",
    "webhook_deliveries",
    "device_registrations",
    "idempotency_keys",
    "push_jobs",
];

/// Statistics that call every scope column unique: an index leading with the scope
/// then looks as selective as the key's.
const LYING_STATISTICS: &[(&str, &str)] = &[
    ("api_keys", "account_id"),
    ("api_keys", "mode"),
    ("templates", "account_id"),
    ("passes", "account_id"),
    ("passes", "mode"),
    ("bundles", "account_id"),
    ("bundles", "mode"),
    ("webhooks", "account_id"),
    ("webhooks", "mode"),
    ("webhook_deliveries", "webhook_id"),
    ("webhook_deliveries", "account_id"),
    ("webhook_deliveries", "mode"),
    ("device_registrations", "device_library_id"),
    ("device_registrations", "pass_type_id"),
    ("device_registrations", "pass_id"),
    ("idempotency_keys", "account_id"),
    ("idempotency_keys", "mode"),
];

/// The unique index each table's scans must use, by the call's name: every call of
/// `keyed_statements` is listed (a new one must say what it expects).
fn expected(call: &str) -> &'static [(&'static str, &'static str)] {
    const PASS: &[(&str, &str)] = &[("passes", "passes_pkey")];
    const PASS_AND_KEY: &[(&str, &str)] = &[
        ("passes", "passes_pkey"),
        ("idempotency_keys", "idempotency_keys_pkey"),
    ];
    const TEMPLATE: &[(&str, &str)] = &[("templates", "templates_pkey")];
    const WEBHOOK: &[(&str, &str)] = &[("webhooks", "webhooks_pkey")];
    const DELIVERY: &[(&str, &str)] = &[("webhook_deliveries", "webhook_deliveries_pkey")];
    const KEY: &[(&str, &str)] = &[("idempotency_keys", "idempotency_keys_pkey")];
    const REGISTRATION: &[(&str, &str)] = &[("device_registrations", "device_registrations_pkey")];
    match call {
        "get_account" => &[("accounts", "accounts_pkey")],
        "find_api_key" | "revoke_api_key" => &[("api_keys", "api_keys_key_hash_key")],
        "find_public_pass" => &[
            ("passes", "passes_short_id_key"),
            ("templates", "templates_pkey"),
        ],
        "get_bundle" => &[("bundles", "bundles_pkey")],
        "find_public_bundle" => &[("bundles", "bundles_short_id_key")],
        "find_public_bundle, passes" => {
            &[("passes", "passes_pkey"), ("templates", "templates_pkey")]
        }
        "find_pass_by_serial" => &[("passes", "passes_serial_number_key")],
        "get_pass"
        | "insert_event"
        | "insert_events"
        | "register_device, lock"
        | "register_device" => PASS,
        "get_template" | "update_template" => TEMPLATE,
        "update_template, completing" => &[
            ("templates", "templates_pkey"),
            ("idempotency_keys", "idempotency_keys_pkey"),
        ],
        "get_webhook" | "update_webhook" | "webhook exists" | "delete_webhook" => WEBHOOK,
        "update_webhook, completing" => &[
            ("webhooks", "webhooks_pkey"),
            ("idempotency_keys", "idempotency_keys_pkey"),
        ],
        "retry_delivery" | "record_attempt" => DELIVERY,
        "read idempotency key" | "complete_idempotent" | "release_idempotent" => KEY,
        "register_device, again" | "unregister_device" => REGISTRATION,
        "reschedule_push" => &[("push_jobs", "push_jobs_pkey")],
        "insert_pass_claiming, live false" => TEMPLATE,
        "insert_pass_claiming, live true" => &[
            ("templates", "templates_pkey"),
            ("accounts", "accounts_pkey"),
        ],
        c if c.starts_with("update_pass") && c.contains("completing true") => PASS_AND_KEY,
        c if c.starts_with("update_pass") => PASS,
        other => panic!("no expected index for {other}: list it in `expected`"),
    }
}

#[derive(QueryableByName)]
struct Plan {
    #[diesel(sql_type = diesel::sql_types::Text)]
    #[diesel(column_name = "QUERY PLAN")]
    plan: String,
}

#[derive(QueryableByName)]
struct Types {
    #[diesel(sql_type = diesel::sql_types::Array<diesel::sql_types::Text>)]
    types: Vec<String>,
}

/// A value of each parameter type: the account for every text (the most common
/// value once ANALYZEd, the one that favours a scope index most).
fn literal(ty: &str) -> &'static str {
    match ty {
        "text" => "'acct_plans0000000000000000000'",
        "bigint" | "integer" | "smallint" => "1",
        "boolean" => "true",
        "timestamp with time zone" => "'2026-01-01 00:00:00+00'",
        "jsonb" => "'{}'",
        "bytea" => "'\\x00'",
        "bigint[]" => "'{1}'",
        "text[]" => "'{pass_1,pass_2}'",
        other => panic!("no sample value for a parameter of type {other}"),
    }
}

/// Every scan node of a JSON plan: (node type, relation, index).
fn scans(plan: &Value, out: &mut Vec<(String, String, String)>) {
    let text = |key: &str| {
        plan.get(key)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    let node = text("Node Type");
    if node.ends_with("Scan") && !text("Relation Name").is_empty() {
        out.push((node, text("Relation Name"), text("Index Name")));
    }
    for child in plan
        .get("Plans")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        scans(child, out);
    }
}

/// The scans of `sql` under both plan cache modes.
async fn plans(
    conn: &mut AsyncPgConnection,
    sql: &str,
) -> Vec<(String, Vec<(String, String, String)>)> {
    conn.batch_execute(&format!("PREPARE keyed AS {sql}"))
        .await
        .unwrap_or_else(|e| panic!("cannot prepare {sql}: {e}"));
    let types = diesel::sql_query(
        "SELECT parameter_types::text[] AS types FROM pg_prepared_statements WHERE name = 'keyed'",
    )
    .get_result::<Types>(conn)
    .await
    .unwrap()
    .types;
    let args: Vec<&str> = types.iter().map(|t| literal(t)).collect();
    let execute = if args.is_empty() {
        "EXECUTE keyed".to_owned()
    } else {
        format!("EXECUTE keyed({})", args.join(", "))
    };
    let mut out = Vec::new();
    for mode in ["force_custom_plan", "force_generic_plan"] {
        conn.batch_execute(&format!("SET plan_cache_mode = {mode}"))
            .await
            .unwrap();
        let plan = diesel::sql_query(format!("EXPLAIN (FORMAT JSON) {execute}"))
            .get_result::<Plan>(conn)
            .await
            .unwrap_or_else(|e| panic!("cannot explain {sql}: {e}"))
            .plan;
        let json: Value = serde_json::from_str(&plan).unwrap();
        let mut found = Vec::new();
        scans(&json[0]["Plan"], &mut found);
        out.push((mode.to_owned(), found));
    }
    conn.batch_execute("DEALLOCATE keyed; RESET plan_cache_mode")
        .await
        .unwrap();
    out
}

/// The misplans of every keyed statement under the statistics as they stand.
async fn misplans(conn: &mut AsyncPgConnection, round: &str) -> Vec<String> {
    let mut wrong = Vec::new();
    for (call, sql) in testing::keyed_statements() {
        let expected = expected(&call);
        for (mode, found) in plans(conn, &sql).await {
            for (table, index) in expected {
                let on_table: Vec<_> = found.iter().filter(|(_, t, _)| t == table).collect();
                let right = !on_table.is_empty()
                    && on_table.iter().all(|(node, _, i)| {
                        (node == "Index Scan" || node == "Index Only Scan") && i == index
                    });
                if !right {
                    wrong.push(format!(
                        "{round}, {mode}: {call} reads {table} by {on_table:?}, not {index}"
                    ));
                }
            }
        }
    }
    for (call, sql) in testing::cursor_statements() {
        let table = sql
            .split(" FROM ")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or_default()
            .to_owned();
        let key = format!("{table}_pkey");
        for (mode, found) in plans(conn, &sql).await {
            // The cursor's row by the primary key, and no scan that reads the
            // whole table.
            let by_key = found.iter().any(|(node, t, i)| {
                *t == table && (node == "Index Scan" || node == "Index Only Scan") && *i == key
            });
            let whole = found
                .iter()
                .any(|(node, _, _)| node == "Seq Scan" || node.starts_with("Bitmap"));
            if !by_key || whole {
                wrong.push(format!(
                    "{round}, {mode}: {call} reads {found:?}, not the cursor by {key}"
                ));
            }
        }
    }
    wrong
}

/// A fresh database with autovacuum off on every keyed table and [`seed`] loaded,
/// never ANALYZEd, and a connection to it.
async fn seeded() -> (testing::TestDatabase, AsyncPgConnection) {
    let db = testing::fresh_database().await;
    let mut conn = AsyncPgConnection::establish(db.url()).await.unwrap();
    for table in TABLES {
        conn.batch_execute(&format!(
            "ALTER TABLE {table} SET (autovacuum_enabled = false)"
        ))
        .await
        .unwrap();
    }
    conn.batch_execute(&seed()).await.unwrap();
    (db, conn)
}

#[tokio::test]
async fn keyed_statements_read_their_unique_index_whatever_the_statistics() {
    let (_db, mut conn) = seeded().await;

    let names: BTreeSet<String> = testing::keyed_statements()
        .into_iter()
        .map(|(call, _)| call)
        .collect();
    assert!(names.contains("get_pass"), "{names:?}");

    let mut wrong = misplans(&mut conn, "never analyzed").await;
    conn.batch_execute("ANALYZE").await.unwrap();
    wrong.extend(misplans(&mut conn, "analyzed, one scope").await);
    for (table, column) in LYING_STATISTICS {
        conn.batch_execute(&format!(
            "ALTER TABLE {table} ALTER COLUMN {column} SET (n_distinct = -1)"
        ))
        .await
        .unwrap();
    }
    conn.batch_execute("ANALYZE").await.unwrap();
    wrong.extend(misplans(&mut conn, "scope columns said unique").await);
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The delivery worker's claim on tables never ANALYZEd, planned under the session
/// its pool sets (`WORKER_SESSION`): the deliveries under a lease are counted from
/// their partial index and the due ones read from theirs, never the whole table
/// (without the session, the planner takes `lease_token IS NOT NULL` for nearly
/// every row and reads all of them on every claim).
#[tokio::test]
async fn the_claim_reads_no_table_whole_never_analyzed() {
    let (_db, mut conn) = seeded().await;
    conn.batch_execute(passmint_store_postgres::WORKER_SESSION)
        .await
        .unwrap();
    for (mode, found) in plans(&mut conn, &testing::claim_statement()).await {
        let whole: Vec<_> = found
            .iter()
            .filter(|(node, table, _)| node == "Seq Scan" && table == "webhook_deliveries")
            .collect();
        assert!(whole.is_empty(), "{mode}: the claim reads {found:?}");
    }
}

/// One webhook with `BACKLOG` due deliveries and 32 more in flight (a lease that
/// holds until long after the claim), on tables never ANALYZEd.
const BACKLOG: i64 = 50_000;
fn capped_backlog() -> String {
    format!(
        "
INSERT INTO accounts (id, name, created_at) VALUES ('{ACCOUNT}', 'A', now());
INSERT INTO templates (id, account_id, name, kind, apple_style, design, created_at, updated_at)
  VALUES ('tmpl_1', '{ACCOUNT}', 't', 'generic', 'generic', '{{}}', now(), now());
INSERT INTO passes (id, account_id, mode, template_id, short_id, serial_number, auth_token,
                    field_values, metadata, created_via_api, created_at, updated_at, version)
  VALUES ('pass_1', '{ACCOUNT}', 'live', 'tmpl_1', 's1', 'n1', 'a', '{{}}', '{{}}', true,
          now(), now(), 1);
INSERT INTO pass_events (id, account_id, mode, pass_id, kind, metadata, created_at)
  VALUES ('evt_1', '{ACCOUNT}', 'live', 'pass_1', 'created', '{{}}', now());
INSERT INTO webhooks (id, account_id, mode, url, events, enabled, secret, created_at, updated_at)
  VALUES ('wh_1', '{ACCOUNT}', 'live', 'https://example.com/', '[\"*\"]', true, 's', now(), now());
INSERT INTO webhook_deliveries (id, webhook_id, account_id, mode, event_id, event_type,
                                pass_snapshot, status, attempts, created_at, due_at, lease_token)
  SELECT 'whd_' || i, 'wh_1', '{ACCOUNT}', 'live', 'evt_1', 'pass.created', '{{}}',
         'pending', 0, now(),
         CASE WHEN i <= 32 THEN '2027-01-01 00:00:00+00'::timestamptz
              ELSE '2026-01-01 00:00:00+00'::timestamptz + i * interval '1 ms' END,
         CASE WHEN i <= 32 THEN 'held' END
  FROM generate_series(1, {BACKLOG}) i;
"
    )
}

/// The rows a claim (with a cap of `cap`) leases at 2026-06-01 and the buffers it
/// touches, executed under the worker's session and rolled back.
async fn claim_cost(conn: &mut AsyncPgConnection, cap: u32) -> (i64, i64) {
    conn.batch_execute(&format!(
        "BEGIN; PREPARE claim AS {}",
        testing::claim_statement()
    ))
    .await
    .unwrap();
    let plan = diesel::sql_query(format!(
        "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) EXECUTE claim('2026-06-01 00:00:00+00', 64, \
         'token', '2026-06-01 00:00:35+00', {cap})"
    ))
    .get_result::<Plan>(conn)
    .await
    .unwrap()
    .plan;
    conn.batch_execute("ROLLBACK; DEALLOCATE claim")
        .await
        .unwrap();
    let json: Value = serde_json::from_str(&plan).unwrap();
    let top = &json[0]["Plan"];
    let n = |key: &str| {
        top[key]
            .as_i64()
            .unwrap_or_else(|| panic!("{key} in {top}"))
    };
    (
        n("Actual Rows"),
        n("Shared Hit Blocks") + n("Shared Read Blocks"),
    )
}

/// A webhook at its cap of deliveries in flight costs a claim a few index probes,
/// not a read of its backlog (docs/api.md §8): a claim that finds it capped reads
/// no more than one that leases its next delivery when the cap is one higher, and
/// both stay far below the backlog's size in blocks.
#[tokio::test]
async fn a_capped_webhooks_backlog_costs_a_claim_nothing() {
    let db = testing::fresh_database().await;
    let mut conn = AsyncPgConnection::establish(db.url()).await.unwrap();
    conn.batch_execute("ALTER TABLE webhook_deliveries SET (autovacuum_enabled = false)")
        .await
        .unwrap();
    conn.batch_execute(&capped_backlog()).await.unwrap();
    conn.batch_execute(passmint_store_postgres::WORKER_SESSION)
        .await
        .unwrap();

    let (capped, capped_blocks) = claim_cost(&mut conn, 32).await;
    assert_eq!(capped, 0, "the webhook is at its cap");
    let (open, open_blocks) = claim_cost(&mut conn, 33).await;
    assert_eq!(open, 1, "one place free: its longest due delivery");
    // The backlog fills hundreds of heap and index blocks; reading past it would
    // touch them all.
    assert!(
        capped_blocks < 100 && open_blocks < 200,
        "a claim touched {capped_blocks} blocks (capped) and {open_blocks} (one place free)"
    );
}
