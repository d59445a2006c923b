//! Test support for Passmint: in-memory fakes of every port and the contract suites
//! every storage adapter runs.
//!
//! - [`MemoryStore`]: the whole [`passmint_domain::ports::Store`] in memory, behind one
//!   mutex, so every multi-write call is atomic. Lists are newest first by insertion
//!   order.
//! - [`FixedClock`] and [`SeqIdGen`]: a settable clock and a deterministic id generator
//!   (deliberately not a CSPRNG: the real one lives with the server).
//! - [`memory_passmint`]: the [`Passmint`] use cases wired over those fakes.
//! - [`fixtures`]: valid domain objects with fresh, unique ids and microsecond
//!   timestamps (what PostgreSQL stores), so they round-trip through any adapter.
//! - [`contract`]: one async function per obligation (every MUST of
//!   `passmint_domain::ports`), and [`store_contract_tests!`] to stamp them as
//!   `#[tokio::test]`s in an adapter's test file.
//!
//! An adapter's test file (here with the in-memory store standing in for it):
//!
//! ```
//! use passmint_domain::ports::Store;
//! use std::sync::Arc;
//!
//! async fn fresh_store() -> Arc<dyn Store> {
//!     Arc::new(passmint_testkit::MemoryStore::new())
//! }
//!
//! passmint_testkit::store_contract_tests!(fresh_store);
//! # fn main() {}
//! ```

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod clock;
pub mod contract;
mod failing;
pub mod fixtures;
mod ids;
mod macros;
mod memory;

pub use clock::FixedClock;
pub use failing::FailingStore;
pub use ids::SeqIdGen;
pub use memory::MemoryStore;

use passmint_domain::service::Passmint;
use std::sync::Arc;

/// The use cases over a fresh [`MemoryStore`], a [`FixedClock`] (at
/// [`FixedClock::EPOCH`]) and a [`SeqIdGen`]. The store and the clock are returned
/// too, to inspect the one and move the other.
pub fn memory_passmint() -> (Passmint, Arc<MemoryStore>, Arc<FixedClock>) {
    let store = Arc::new(MemoryStore::new());
    let clock = Arc::new(FixedClock::default());
    let passmint = Passmint::new(store.clone(), clock.clone(), Arc::new(SeqIdGen::new()));
    (passmint, store, clock)
}
