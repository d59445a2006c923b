//! docs/scaling.md §4 ("Table by table") lists every table of the schema with the
//! column that names its account, or `none` for a global table. This test reads
//! the migrated schema from `information_schema` and fails when the two disagree:
//! a table the list does not name, a table it names that the schema does not have,
//! or a table whose account column the list gets wrong. A new table is placed in
//! that list (routed by its account, or global and why) before it lands.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use diesel::QueryableByName;
use diesel::sql_types::{Bool, Text};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use passmint_store_postgres::testing;
use std::collections::BTreeMap;

/// The account column the list gives a table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Account {
    /// `account_id`.
    Column,
    /// `id`: the table of the accounts themselves.
    Itself,
    /// `none`: a global table.
    Global,
}

#[derive(QueryableByName)]
struct Table {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Bool)]
    has_account_id: bool,
}

/// Each table of the public schema (diesel's own record aside) and whether it has
/// an `account_id` column.
async fn schema(url: &str) -> BTreeMap<String, bool> {
    let mut conn = AsyncPgConnection::establish(url).await.unwrap();
    diesel::sql_query(
        "SELECT t.table_name::text AS name, EXISTS (SELECT 1 FROM information_schema.columns c \
         WHERE c.table_schema = t.table_schema AND c.table_name = t.table_name \
         AND c.column_name = 'account_id') AS has_account_id \
         FROM information_schema.tables t \
         WHERE t.table_schema = 'public' AND t.table_type = 'BASE TABLE' \
         AND t.table_name <> '__diesel_schema_migrations'",
    )
    .load::<Table>(&mut conn)
    .await
    .unwrap()
    .into_iter()
    .map(|t| (t.name, t.has_account_id))
    .collect()
}

/// The rows of the "Table by table" list of docs/scaling.md: table -> its account.
fn documented() -> BTreeMap<String, Account> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/scaling.md");
    let doc = std::fs::read_to_string(path).expect("docs/scaling.md");
    let section = doc
        .split("### Table by table")
        .nth(1)
        .expect("docs/scaling.md has a \"Table by table\" section")
        .split("\n### ")
        .next()
        .unwrap_or_default();
    let mut tables = BTreeMap::new();
    for line in section.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let (name, account) = (cells[1].trim_matches('`'), cells[2]);
        let account = if account.starts_with("`account_id`") {
            Account::Column
        } else if account.starts_with("`id`") {
            Account::Itself
        } else if account.starts_with("none") {
            Account::Global
        } else {
            panic!("docs/scaling.md: the account of `{name}` reads {account:?}");
        };
        assert!(
            tables.insert(name.to_owned(), account).is_none(),
            "docs/scaling.md lists `{name}` twice"
        );
    }
    tables
}

/// The tables of `a` that `b` does not name.
fn absent<A, B>(a: &BTreeMap<String, A>, b: &BTreeMap<String, B>) -> Vec<String> {
    a.keys().filter(|t| !b.contains_key(*t)).cloned().collect()
}

#[tokio::test]
async fn every_table_is_placed_by_its_account_in_the_scaling_doc() {
    let db = testing::fresh_database().await;
    let schema = schema(db.url()).await;
    let documented = documented();

    let unmatched = (absent(&schema, &documented), absent(&documented, &schema));
    assert_eq!(
        unmatched,
        (Vec::new(), Vec::new()),
        "(tables missing from docs/scaling.md §4, tables it lists that the schema does not have)"
    );

    for (table, &has_account_id) in &schema {
        let expected = match documented[table] {
            Account::Column => true,
            // Only the accounts themselves are their own account.
            Account::Itself => {
                assert_eq!(table, "accounts", "`{table}` is not the accounts table");
                false
            }
            Account::Global => false,
        };
        assert_eq!(
            has_account_id,
            expected,
            "`{table}`: docs/scaling.md §4 says {:?}, the schema {} an account_id column",
            documented[table],
            if has_account_id { "has" } else { "has no" }
        );
    }
    // Most tables belong to an account; the global ones stay few.
    let global: Vec<&String> = documented
        .iter()
        .filter(|(_, a)| **a == Account::Global)
        .map(|(t, _)| t)
        .collect();
    assert_eq!(
        global,
        ["dev_identity", "key_revocations", "wallet_clock"],
        "the global tables"
    );
}
