//! A page deep in a list reads no more rows than a first page.

use crate::sql::{Bind, Stmt};
use crate::testing;
use diesel::QueryableByName;
use diesel_async::{RunQueryDsl, SimpleAsyncConnection};
use passmint_domain::page::{Cursor, PageRequest};
use passmint_store_sql::{EVENT_COLUMNS, List, PASS_COLUMNS, TEMPLATE_COLUMNS};
use serde_json::Value;

#[derive(QueryableByName)]
struct Plan {
    #[diesel(sql_type = diesel::sql_types::Text)]
    #[diesel(column_name = "QUERY PLAN")]
    plan: String,
}

/// Every node of a JSON plan.
fn nodes(plan: &Value, out: &mut Vec<Value>) {
    out.push(plan.clone());
    if let Some(children) = plan.get("Plans").and_then(Value::as_array) {
        for child in children {
            nodes(child, out);
        }
    }
}

const DEPTH: i64 = 5_000;
const LIMIT: u32 = 10;

/// 6,000 passes of one scope (two templates, ten holder emails, one event each) and
/// 6,000 templates (a third of them archived), plus as many in the other mode.
const SEED: &str = "
INSERT INTO accounts (id, name, created_at) VALUES ('acct_000000000000000000000001', 'A', now());
INSERT INTO templates (id, account_id, name, kind, apple_style, design, archived, created_at, updated_at)
  SELECT 'tmpl_' || lpad(i::text, 24, '0'), 'acct_000000000000000000000001', 't', 'generic',
         'generic', '{}', i % 3 = 0, now(), now()
  FROM generate_series(1, 6000) i;
INSERT INTO passes (id, account_id, mode, template_id, short_id, serial_number, auth_token,
                    holder_email, field_values, metadata, created_via_api, created_at, updated_at, version)
  SELECT 'pass_' || lpad(i::text, 24, '0'), 'acct_000000000000000000000001',
         CASE WHEN i % 2 = 0 THEN 'live' ELSE 'test' END,
         'tmpl_' || lpad(((i / 2) % 2 + 1)::text, 24, '0'), 's' || i, 'n' || i, 'a',
         'h' || (i / 2 % 10) || '@example.com', '{}', '{}', true, now(), now(), 1
  FROM generate_series(1, 12000) i;
INSERT INTO pass_events (id, account_id, mode, pass_id, kind, metadata, created_at)
  SELECT 'evt_' || substr(id, 6), account_id, mode, id, 'created', '{}', now()
  FROM passes ORDER BY seq;
ANALYZE;
";

#[tokio::test]
async fn a_page_5000_rows_deep_reads_only_its_rows() {
    let db = testing::fresh_database().await;
    let store = db.store().await;
    let mut conn = store.conn().await.unwrap();
    conn.batch_execute(SEED).await.unwrap();

    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::Text)]
        id: String,
    }
    let deep_id = async |conn: &mut crate::Conn, sql: &'static str| {
        Stmt::new(sql, vec![Bind::BigInt(DEPTH)])
            .get_result::<Id>(conn)
            .await
            .unwrap()
            .id
    };
    let pass_cursor = deep_id(
        &mut conn,
        "SELECT id FROM passes WHERE mode = 'live' ORDER BY seq DESC OFFSET $1 LIMIT 1",
    )
    .await;
    let event_cursor = deep_id(
        &mut conn,
        "SELECT id FROM pass_events WHERE mode = 'live' ORDER BY seq DESC OFFSET $1 LIMIT 1",
    )
    .await;
    let template_cursor = deep_id(
        &mut conn,
        "SELECT id FROM templates WHERE NOT archived ORDER BY seq DESC OFFSET $1 / 2 LIMIT 1",
    )
    .await;

    let account = Bind::Text("acct_000000000000000000000001");
    let live = Bind::Text("live");
    let passes = |filters: Vec<(&'static str, Bind<'static>)>| List {
        table: "passes",
        columns: PASS_COLUMNS,
        scope: vec![("account_id", account.clone()), ("mode", live.clone())],
        filters,
        condition: None,
    };
    let lists = [
        ("passes", passes(vec![]), &pass_cursor),
        (
            "passes of a template",
            passes(vec![(
                "template_id",
                Bind::Text("tmpl_000000000000000000000001"),
            )]),
            &pass_cursor,
        ),
        (
            "passes of a holder",
            passes(vec![("holder_email", Bind::Text("h3@example.com"))]),
            &pass_cursor,
        ),
        (
            "events",
            List {
                table: "pass_events",
                columns: EVENT_COLUMNS,
                scope: vec![("account_id", account.clone()), ("mode", live.clone())],
                filters: vec![],
                condition: None,
            },
            &event_cursor,
        ),
        (
            "templates",
            List {
                table: "templates",
                columns: TEMPLATE_COLUMNS,
                scope: vec![("account_id", account.clone())],
                filters: vec![],
                condition: Some("NOT archived"),
            },
            &template_cursor,
        ),
    ];
    for (what, list, cursor) in &lists {
        for page in [
            PageRequest {
                limit: LIMIT,
                cursor: Cursor::After((*cursor).clone()),
            },
            PageRequest {
                limit: LIMIT,
                cursor: Cursor::Before((*cursor).clone()),
            },
        ] {
            let (sql, binds) = list.statement(&page);
            let plan: Plan = Stmt::new(sql, binds)
                .explain_analyze()
                .get_result(&mut conn)
                .await
                .unwrap();
            let plan: Value = serde_json::from_str(&plan.plan).unwrap();
            let mut all = Vec::new();
            nodes(&plan[0]["Plan"], &mut all);
            let returned = all[0]["Actual Rows"].as_f64().unwrap();
            assert_eq!(
                returned,
                f64::from(LIMIT + 1),
                "{what} {page:?}: a full probe"
            );
            for node in &all {
                let kind = node["Node Type"].as_str().unwrap();
                let read =
                    node["Actual Rows"].as_f64().unwrap() * node["Actual Loops"].as_f64().unwrap();
                let removed = node["Rows Removed by Filter"].as_f64().unwrap_or(0.0);
                assert!(
                    kind != "Seq Scan" && kind != "Sort" && kind != "Bitmap Heap Scan",
                    "{what} {page:?}: no scan or sort of the whole scope, got {kind}: {plan:#}"
                );
                assert!(
                    read + removed <= f64::from(LIMIT + 1),
                    "{what} {page:?}: {kind} read {read} rows and discarded {removed}: {plan:#}"
                );
            }
        }
    }
}
