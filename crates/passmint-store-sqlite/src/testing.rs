//! Throw-away databases for tests (feature `testing`).
//!
//! Every test gets a database file of its own in a fresh temporary directory, so
//! tests share nothing and run in parallel. Dropping the [`TestDatabase`] (or the
//! store that owns it) deletes the directory, WAL and shared-memory files included.
//!
//! ```no_run
//! # async fn demo() {
//! use passmint_store_sqlite::testing;
//! let db = testing::fresh_database().await; // migrated, empty, no connection open
//! let url = db.url();                       // e.g. `DATABASE_URL` of a spawned server
//! // ... keep `db` alive while the database is in use; dropping it deletes the file.
//! let store = testing::fresh_store().await; // or a `SqliteStore` that owns its file
//! # }
//! ```

#![allow(clippy::expect_used, clippy::unwrap_used)]

use crate::{MIGRATIONS, SqliteStore, SqliteStoreError};
use diesel::{Connection, SqliteConnection};
use diesel_migrations::MigrationHarness;
use passmint_store_sql::sealing::test_keyring;
use std::path::{Path, PathBuf};

/// The file name of the database inside its directory.
pub const FILE_NAME: &str = "passmint.db";

/// A database file that exists as long as this value; dropping it deletes its
/// directory.
#[derive(Debug)]
pub struct TestDatabase {
    path: PathBuf,
    dir: tempfile::TempDir,
}

impl TestDatabase {
    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The directory holding the file (and its `-wal` and `-shm` companions).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// `sqlite://` + the absolute path, as `DATABASE_URL` takes it.
    pub fn url(&self) -> String {
        format!("sqlite://{}", self.path.display())
    }

    /// A store on this database that owns it: the file is deleted with the store.
    pub async fn store(self) -> SqliteStore {
        let store = SqliteStore::open(&self.url())
            .await
            .unwrap_or_else(|e| panic!("cannot open test database: {e}"));
        store.with_keyring(test_keyring()).with_guard(self)
    }
}

/// A path for a database in a new temporary directory; the file does not exist yet.
pub fn empty_database() -> TestDatabase {
    let dir = tempfile::Builder::new()
        .prefix("passmint-sqlite-")
        .tempdir()
        .unwrap_or_else(|e| panic!("cannot create a temporary directory: {e}"));
    TestDatabase {
        path: dir.path().join(FILE_NAME),
        dir,
    }
}

/// A new database file with the schema migrated and no rows (no connection is left
/// open to it).
pub async fn fresh_database() -> TestDatabase {
    let db = empty_database();
    drop(migrated_store(&db).await);
    db
}

/// A store on `db`, its schema migrated.
async fn migrated_store(db: &TestDatabase) -> SqliteStore {
    let store = SqliteStore::open(&db.url())
        .await
        .unwrap_or_else(|e| panic!("cannot create test database: {e}"));
    store
        .migrate()
        .await
        .unwrap_or_else(|e| panic!("cannot migrate test database: {e}"));
    store
}

/// [`fresh_database`] for synchronous code (blocking end-to-end tests): runs on a
/// thread of its own with its own runtime.
pub fn fresh_database_blocking() -> TestDatabase {
    passmint_store_sql::blocking::on_own_runtime(fresh_database)
}

/// A migrated store on a database of its own, which it owns (deleted with it).
pub async fn fresh_store() -> SqliteStore {
    let db = empty_database();
    let store = migrated_store(&db).await;
    store.with_keyring(test_keyring()).with_guard(db)
}

/// Reverts every applied migration of the database at `path` (the down half of the
/// migration round-trip test); returns how many were reverted.
pub fn revert_all_migrations(path: &Path) -> Result<usize, SqliteStoreError> {
    let failed = |message: String| SqliteStoreError::Migration {
        path: path.display().to_string(),
        message,
    };
    let name = path
        .to_str()
        .ok_or_else(|| failed("non-UTF-8 path".into()))?;
    let mut conn = SqliteConnection::establish(name).map_err(|e| failed(e.to_string()))?;
    conn.revert_all_migrations(MIGRATIONS)
        .map(|reverted| reverted.len())
        .map_err(|e| failed(e.to_string()))
}
