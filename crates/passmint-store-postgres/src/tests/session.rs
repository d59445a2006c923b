//! The delivery worker's pool opens its connections with [`crate::WORKER_SESSION`];
//! the request pool keeps PostgreSQL's defaults.

use crate::PgStore;
use diesel::QueryableByName;
use diesel_async::RunQueryDsl;

#[derive(QueryableByName)]
struct Setting {
    #[diesel(sql_type = diesel::sql_types::Text)]
    setting: String,
}

/// `enable_seqscan` and `enable_bitmapscan` of the connection.
async fn scans(conn: &mut crate::Conn) -> (String, String) {
    let mut get = async |name: &str| {
        diesel::sql_query(format!("SELECT current_setting('{name}') AS setting"))
            .get_result::<Setting>(&mut *conn)
            .await
            .unwrap()
            .setting
    };
    (get("enable_seqscan").await, get("enable_bitmapscan").await)
}

#[tokio::test]
async fn only_the_worker_pool_plans_without_sequential_or_bitmap_scans() {
    let db = crate::testing::fresh_database().await;
    let store = PgStore::connect(db.url(), 1).await.unwrap();
    let off = ("off".to_owned(), "off".to_owned());
    let on = ("on".to_owned(), "on".to_owned());
    assert_eq!(scans(&mut store.worker_conn().await.unwrap()).await, off);
    assert_eq!(scans(&mut store.conn().await.unwrap()).await, on);
}

#[test]
fn the_session_joins_either_form_of_address() {
    assert_eq!(
        crate::with_worker_session("postgres://u@h/db"),
        "postgres://u@h/db?options=-c%20enable_seqscan%3Doff%20-c%20enable_bitmapscan%3Doff"
    );
    assert_eq!(
        crate::with_worker_session("postgres://u@h/db?sslmode=disable"),
        "postgres://u@h/db?sslmode=disable&options=-c%20enable_seqscan%3Doff%20-c%20enable_bitmapscan%3Doff"
    );
    assert_eq!(
        crate::with_worker_session("host=h dbname=db"),
        "host=h dbname=db options='-c enable_seqscan=off -c enable_bitmapscan=off'"
    );
    assert_eq!(
        crate::with_worker_session("postgres://h/db?options=-c%20x%3Dy"),
        "postgres://h/db?options=-c%20x%3Dy"
    );
}
