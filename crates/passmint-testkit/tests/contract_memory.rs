//! The storage contract suites against [`MemoryStore`].

#![allow(clippy::unwrap_used, clippy::expect_used)]

use passmint_domain::ports::Store;
use passmint_testkit::MemoryStore;
use std::sync::Arc;

async fn fresh_store() -> Arc<dyn Store> {
    Arc::new(MemoryStore::new())
}

passmint_testkit::store_contract_tests!(fresh_store);
