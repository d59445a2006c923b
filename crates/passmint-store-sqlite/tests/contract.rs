//! The storage contract suites of `passmint-testkit`, each case on a fresh database
//! file.

use passmint_domain::ports::Store;
use std::sync::Arc;

async fn fresh_store() -> Arc<dyn Store> {
    Arc::new(passmint_store_sqlite::testing::fresh_store().await)
}

passmint_testkit::store_contract_tests!(fresh_store);
