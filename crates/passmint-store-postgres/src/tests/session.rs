//! The delivery worker's pool opens its connections with [`crate::WORKER_SESSION`];
//! the request pool keeps PostgreSQL's defaults.

use crate::PgStore;
use diesel::QueryableByName;
use diesel_async::RunQueryDsl;

#[derive(QueryableByName)]
struct Setting {
    #[diesel(sql_type = diesel::sql_types::Text)]
    enable_seqscan: String,
}

async fn seqscan(conn: &mut crate::Conn) -> String {
    diesel::sql_query("SHOW enable_seqscan")
        .get_result::<Setting>(conn)
        .await
        .unwrap()
        .enable_seqscan
}

#[tokio::test]
async fn only_the_worker_pool_plans_without_sequential_scans() {
    let db = crate::testing::fresh_database().await;
    let store = PgStore::connect(db.url(), 1).await.unwrap();
    assert_eq!(
        seqscan(&mut store.worker_conn().await.unwrap()).await,
        "off"
    );
    assert_eq!(seqscan(&mut store.conn().await.unwrap()).await, "on");
}

#[test]
fn the_session_joins_either_form_of_address() {
    assert_eq!(
        crate::with_worker_session("postgres://u@h/db"),
        "postgres://u@h/db?options=-c%20enable_seqscan%3Doff"
    );
    assert_eq!(
        crate::with_worker_session("postgres://u@h/db?sslmode=disable"),
        "postgres://u@h/db?sslmode=disable&options=-c%20enable_seqscan%3Doff"
    );
    assert_eq!(
        crate::with_worker_session("host=h dbname=db"),
        "host=h dbname=db options='-c enable_seqscan=off'"
    );
    assert_eq!(
        crate::with_worker_session("postgres://h/db?options=-c%20x%3Dy"),
        "postgres://h/db?options=-c%20x%3Dy"
    );
}
