#![doc = include_str!("../README.md")]

mod accounts;
mod bundles;
mod conn;
mod error;
mod events;
mod idempotency;
mod list;
mod location;
mod passes;
mod retention;
mod rows;
mod sealing;
mod signing;
mod sql;
mod templates;
#[cfg(feature = "testing")]
pub mod testing;
#[cfg(all(test, feature = "testing"))]
mod tests;
mod wallet;
mod webhooks;

pub use error::SqliteStoreError;
pub use location::database_path;

use async_trait::async_trait;
use conn::{Readers, Writer};
use diesel::SqliteConnection;
use diesel::connection::SimpleConnection;
use diesel_migrations::{EmbeddedMigrations, embed_migrations};
use error::{TxError, backend};
use passmint_domain::ports::{PoolStatus, Store, StoreResult};
use passmint_store_sql::sealing::{Keyring, opening};
use std::any::Any;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The schema, embedded from `migrations/sqlite` at the workspace root.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");

/// Reader connections [`SqliteStore::open`] allows: one per core, between 2 and 8.
pub fn default_readers() -> usize {
    std::thread::available_parallelism().map_or(4, |n| n.get().clamp(2, 8))
}

/// The SQLite implementation of every storage port: one writer connection that runs
/// every write, and a pool of reader connections.
pub struct SqliteStore {
    path: PathBuf,
    writer: Writer,
    readers: Arc<Readers>,
    /// Seals credentials on write and opens them on read (docs/api.md §11).
    keyring: Arc<Keyring>,
    /// Kept alive as long as the store (a test directory), dropped last.
    _guard: Option<Box<dyn Any + Send + Sync>>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .field("readers", &self.pool_status())
            .finish()
    }
}

impl SqliteStore {
    /// Opens (creating it when missing) the database at `url`: `sqlite://PATH`,
    /// `sqlite:PATH` or a bare path, relative to the working directory unless
    /// absolute. Opens the writer connection and checks the file is a SQLite
    /// database in WAL mode not migrated by a newer version; reader connections
    /// (at most [`default_readers`]) are opened when first needed.
    pub async fn open(url: &str) -> Result<SqliteStore, SqliteStoreError> {
        Self::open_with_readers(url, default_readers()).await
    }

    /// [`SqliteStore::open`] with at most `readers` reader connections (at least 1).
    pub async fn open_with_readers(
        url: &str,
        readers: usize,
    ) -> Result<SqliteStore, SqliteStoreError> {
        let path = database_path(url)?;
        let opened = path.clone();
        let writer = tokio::task::spawn_blocking(move || conn::open_writer(&opened))
            .await
            .map_err(|e| SqliteStoreError::Open {
                path: path.display().to_string(),
                message: format!("the opening task failed: {e}"),
            })??;
        let writer = Writer::spawn(path.clone(), writer).map_err(|e| SqliteStoreError::Open {
            path: path.display().to_string(),
            message: format!("cannot start the writer thread: {e}"),
        })?;
        Ok(SqliteStore {
            writer,
            readers: Arc::new(Readers::new(path.clone(), readers.max(1))),
            path,
            keyring: Arc::new(Keyring::empty()),
            _guard: None,
        })
    }

    /// Applies the pending embedded migrations and returns how many ran. Idempotent;
    /// the migrations run in one `BEGIN IMMEDIATE` transaction, so several processes
    /// migrating one file apply each migration once. Refuses a database migrated by
    /// a newer version.
    pub async fn migrate(&self) -> Result<usize, SqliteStoreError> {
        let path = self.path.display().to_string();
        let ran = self.writer.run(conn::migrate).await.map_err(|message| {
            SqliteStoreError::Migration {
                path: path.clone(),
                message,
            }
        })?;
        let ran = ran.map_err(|e| e.into_store_error(&path))?;
        if ran > 0 {
            tracing::info!(migrations = ran, path = %path, "applied SQLite migrations");
        }
        Ok(ran)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The store sealing and opening credentials with `keyring` (docs/api.md §11).
    pub fn with_keyring(mut self, keyring: Arc<Keyring>) -> Self {
        self.keyring = keyring;
        self
    }

    /// Keeps `guard` alive until the store is dropped (after its connections).
    pub fn with_guard(mut self, guard: impl Any + Send + Sync) -> Self {
        self._guard = Some(Box::new(guard));
        self
    }

    /// Runs `f` on a reader connection, on the blocking pool.
    async fn read<T, F>(&self, f: F) -> StoreResult<T>
    where
        F: FnOnce(&mut SqliteConnection) -> StoreResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let keyring = self.keyring.clone();
        self.readers
            .run(move |conn| opening(&keyring, || f(conn)))
            .await
            .map_err(backend)?
    }

    /// Runs `f` on the writer connection, on the writer's thread, after the writes
    /// queued before it. For a single statement (atomic by itself).
    async fn write<T, F>(&self, f: F) -> StoreResult<T>
    where
        F: FnOnce(&mut SqliteConnection) -> StoreResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let keyring = self.keyring.clone();
        self.writer
            .run(move |conn| opening(&keyring, || f(conn)))
            .await
            .map_err(backend)?
    }

    /// [`SqliteStore::write`] inside `BEGIN IMMEDIATE` … `COMMIT`; an error rolls
    /// everything back.
    async fn write_tx<T, F>(&self, f: F) -> StoreResult<T>
    where
        F: FnOnce(&mut SqliteConnection) -> StoreResult<T> + Send + 'static,
        T: Send + 'static,
    {
        self.write(move |conn| in_transaction(conn, f)).await
    }

    /// [`SqliteStore::write`] ahead of the writes queued (the delivery worker's
    /// claims and records: a claim never waits behind the requests' writes).
    async fn write_urgent<T, F>(&self, f: F) -> StoreResult<T>
    where
        F: FnOnce(&mut SqliteConnection) -> StoreResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let keyring = self.keyring.clone();
        self.writer
            .run_urgent(move |conn| opening(&keyring, || f(conn)))
            .await
            .map_err(backend)?
    }
}

/// Runs `f` inside `BEGIN IMMEDIATE` … `COMMIT`; an error rolls everything back.
fn in_transaction<T, F>(conn: &mut SqliteConnection, f: F) -> StoreResult<T>
where
    F: FnOnce(&mut SqliteConnection) -> StoreResult<T>,
{
    conn.immediate_transaction::<T, TxError, _>(|conn| f(conn).map_err(TxError))
        .map_err(|e| e.0)
}

#[async_trait]
impl Store for SqliteStore {
    async fn ping(&self) -> StoreResult<()> {
        self.read(|conn| conn.batch_execute("SELECT 1").map_err(error::store_error))
            .await
    }

    /// The reader pool (the writer is one connection, always open).
    fn pool_status(&self) -> Option<PoolStatus> {
        Some(self.readers.status())
    }
}
