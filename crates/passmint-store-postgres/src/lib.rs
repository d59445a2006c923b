#![doc = include_str!("../README.md")]

mod accounts;
mod admin;
mod bundles;
mod error;
mod idempotency;
mod list;
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

pub use admin::create_database_if_missing;
pub use error::{PgStoreError, redact_url};

use async_trait::async_trait;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::pooled_connection::deadpool::{Object, Pool};
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod, SetupCallback,
};
use diesel_async::{AsyncPgConnection, SimpleAsyncConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use passmint_domain::ports::{PoolStatus, Store, StoreResult};
use passmint_store_sql::sealing::{Keyring, opening_async};
use std::any::Any;
use std::sync::Arc;
use std::time::Duration;

/// The schema, embedded from `migrations/postgres` at the workspace root.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");

/// Session advisory lock held while migrating, so that several `passmint` processes
/// starting against one database apply each migration once.
const MIGRATION_LOCK: i64 = 0x7061_7373_6d69_6e74; // "passmint"

/// How long [`PgStore::connect`] waits for the first connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Connections of the delivery worker's own pool (claims and records of webhook
/// deliveries), beside the pool of `max_pool_size` every other call uses: a claim
/// never waits for a connection behind the requests' queue.
pub const WORKER_POOL_SIZE: usize = 2;

/// The session of each connection of the delivery worker's pool. Its statements
/// read rows by keys and by the partial indexes of the claim (the deliveries due,
/// those under a lease); on a table never ANALYZEd the planner takes
/// `lease_token IS NOT NULL` for nearly every row and would read the whole table on
/// every claim. Without statistics it also guesses a webhook's due deliveries at a
/// few dozen rows, and would fetch all of them through a bitmap to sort them
/// rather than read the first ones in the index's order. No statement of the
/// worker needs a sequential or a bitmap scan, so the planner is told to use
/// neither. Sent with the connection's start-up (no statement).
pub const WORKER_SESSION: &str = "SET enable_seqscan = off; SET enable_bitmapscan = off";

/// `database_url` with [`WORKER_SESSION`] as the connection's start-up options (as
/// a URL parameter or a `key=value` pair). A URL that sets `options` itself is kept
/// as it is.
fn with_worker_session(database_url: &str) -> String {
    if database_url.contains("options=") {
        database_url.to_owned()
    } else if database_url.starts_with("postgres://") || database_url.starts_with("postgresql://") {
        let sep = if database_url.contains('?') { '&' } else { '?' };
        format!(
            "{database_url}{sep}options=-c%20enable_seqscan%3Doff%20-c%20enable_bitmapscan%3Doff"
        )
    } else {
        format!("{database_url} options='-c enable_seqscan=off -c enable_bitmapscan=off'")
    }
}

pub(crate) type Conn = Object<AsyncPgConnection>;

/// The PostgreSQL implementation of every storage port, over a deadpool pool of
/// diesel-async connections, and a small one of its own ([`WORKER_POOL_SIZE`]) for
/// the delivery worker's claims and records.
pub struct PgStore {
    pool: Pool<AsyncPgConnection>,
    worker_pool: Pool<AsyncPgConnection>,
    database_url: String,
    /// Seals credentials on write and opens them on read (docs/api.md §11).
    keyring: Arc<Keyring>,
    /// Kept alive as long as the store (a test database, dropped after the pool).
    _guard: Option<Box<dyn Any + Send + Sync>>,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("url", &redact_url(&self.database_url))
            .field("pool", &self.pool.status())
            .finish()
    }
}

impl PgStore {
    /// Builds a pool of at most `max_pool_size` connections and checks that the
    /// database answers, so that a wrong URL fails at start-up rather than on the
    /// first request.
    pub async fn connect(
        database_url: &str,
        max_pool_size: usize,
    ) -> Result<PgStore, PgStoreError> {
        Self::connect_with(database_url, max_pool_size, ManagerConfig::default()).await
    }

    async fn connect_with(
        database_url: &str,
        max_pool_size: usize,
        config: ManagerConfig<AsyncPgConnection>,
    ) -> Result<PgStore, PgStoreError> {
        let redacted = redact_url(database_url);
        // Both pools open their connections the same way.
        let setup: Arc<SetupCallback<AsyncPgConnection>> = Arc::new(config.custom_setup);
        let pool = |max_size: usize, url: &str| {
            let setup = Arc::clone(&setup);
            let mut config = ManagerConfig::<AsyncPgConnection>::default();
            config.custom_setup = Box::new(move |url| setup(url));
            // A checked-out connection is not pinged first (that would cost a round
            // trip per port call); a broken one is discarded on its next return to
            // the pool.
            config.recycling_method = RecyclingMethod::Fast;
            let manager =
                AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(url, config);
            Pool::builder(manager)
                .max_size(max_size)
                .build()
                .map_err(|e| PgStoreError::Config {
                    url: redacted.clone(),
                    message: e.to_string(),
                })
        };
        let store = PgStore {
            pool: pool(max_pool_size.max(1), database_url)?,
            worker_pool: pool(WORKER_POOL_SIZE, &with_worker_session(database_url))?,
            database_url: database_url.to_owned(),
            keyring: Arc::new(Keyring::empty()),
            _guard: None,
        };
        match tokio::time::timeout(CONNECT_TIMEOUT, store.pool.get()).await {
            Ok(Ok(conn)) => {
                // A connection's I/O task runs on the runtime that opened it. Callers
                // often connect on a start-up runtime and serve from others (one per
                // actix worker), so this probe is closed rather than pooled: pooled
                // connections are opened where they are first needed.
                drop(Object::take(conn));
                Ok(store)
            }
            Ok(Err(e)) => Err(PgStoreError::Connect {
                url: redacted,
                message: e.to_string(),
            }),
            Err(_) => Err(PgStoreError::Timeout {
                url: redacted,
                seconds: CONNECT_TIMEOUT.as_secs(),
            }),
        }
    }

    /// Applies the pending embedded migrations and returns how many ran. Idempotent,
    /// and safe when several processes migrate the same database at once.
    pub async fn migrate(&self) -> Result<usize, PgStoreError> {
        run_migrations(&self.database_url).await
    }

    /// The store sealing and opening credentials with `keyring` (docs/api.md §11).
    pub fn with_keyring(mut self, keyring: Arc<Keyring>) -> Self {
        self.keyring = keyring;
        self
    }

    /// Runs `f`, which decodes rows holding sealed credentials, with the keyring.
    async fn opening<F: std::future::Future>(&self, f: F) -> F::Output {
        opening_async(&self.keyring, f).await
    }

    /// Keeps `guard` alive until the store is dropped (after its pool).
    pub fn with_guard(mut self, guard: impl Any + Send + Sync) -> Self {
        self._guard = Some(Box::new(guard));
        self
    }

    async fn conn(&self) -> StoreResult<Conn> {
        self.pool.get().await.map_err(error::pool_error)
    }

    /// A connection of the delivery worker's pool.
    async fn worker_conn(&self) -> StoreResult<Conn> {
        self.worker_pool.get().await.map_err(error::pool_error)
    }
}

/// Runs the embedded migrations on a dedicated connection. diesel's migration
/// harness is synchronous, so it runs on a blocking thread through
/// [`AsyncConnectionWrapper`].
async fn run_migrations(database_url: &str) -> Result<usize, PgStoreError> {
    let url = database_url.to_owned();
    let redacted = redact_url(database_url);
    let migration_error = |message: String| PgStoreError::Migration {
        url: redacted.clone(),
        message,
    };
    let ran = tokio::task::spawn_blocking(move || -> Result<usize, String> {
        use diesel::Connection;
        let mut conn = AsyncConnectionWrapper::<AsyncPgConnection>::establish(&url)
            .map_err(|e| format!("cannot connect: {e}"))?;
        diesel::connection::SimpleConnection::batch_execute(
            &mut conn,
            &format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"),
        )
        .map_err(|e| e.to_string())?;
        let result = conn
            .run_pending_migrations(MIGRATIONS)
            .map(|applied| applied.len())
            .map_err(|e| e.to_string());
        // Closing the connection releases the lock too; unlock explicitly anyway.
        let _ = diesel::connection::SimpleConnection::batch_execute(
            &mut conn,
            &format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"),
        );
        result
    })
    .await
    .map_err(|e| migration_error(format!("migration task failed: {e}")))?
    .map_err(migration_error)?;
    if ran > 0 {
        tracing::info!(migrations = ran, "applied PostgreSQL migrations");
    }
    Ok(ran)
}

#[async_trait]
impl Store for PgStore {
    async fn ping(&self) -> StoreResult<()> {
        let mut conn = self.conn().await?;
        conn.batch_execute("SELECT 1")
            .await
            .map_err(error::store_error)
    }

    fn pool_status(&self) -> Option<PoolStatus> {
        let s = self.pool.status();
        Some(PoolStatus {
            in_use: s.size.saturating_sub(s.available) as u64,
            open: s.size as u64,
            max: s.max_size as u64,
        })
    }
}
