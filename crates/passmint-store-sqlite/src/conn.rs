//! Connections: opening them with Passmint's pragmas, the single writer, the reader
//! pool, and the migration step.
//!
//! Every port call is one closure run with a connection off the async runtime. The
//! writer is one connection on a thread of its own that runs write jobs in arrival
//! order: writes queue there rather than in SQLite's lock, so they never fail with
//! `database is locked`. Readers are at most `max` connections, opened on first need
//! and reused, each read a closure on tokio's blocking pool.

use crate::MIGRATIONS;
use crate::error::{SqliteStoreError, one_line};
use diesel::connection::SimpleConnection;
use diesel::migration::MigrationSource;
use diesel::sql_types::{BigInt, Text};
use diesel::sqlite::Sqlite;
use diesel::{Connection, QueryableByName, RunQueryDsl, SqliteConnection};
use diesel_migrations::MigrationHarness;
use passmint_domain::ports::PoolStatus;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How long a connection waits for a lock held by another process (the CLI, a
/// second server) before failing with `SQLITE_BUSY`.
const BUSY_TIMEOUT_MS: u32 = 5_000;
/// Set on every connection after `journal_mode` (see the crate docs for the choice of
/// `synchronous`).
const PRAGMAS: &str = "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON";

#[derive(QueryableByName)]
struct JournalMode {
    #[diesel(sql_type = Text)]
    journal_mode: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct Version {
    #[diesel(sql_type = Text)]
    version: String,
}

/// A connection to `path` with the pragmas every connection gets.
fn establish(path: &Path) -> Result<SqliteConnection, String> {
    let name = path
        .to_str()
        .ok_or_else(|| "the path is not valid UTF-8".to_owned())?;
    let mut conn = SqliteConnection::establish(name).map_err(one_line)?;
    // First, so that the following pragmas already wait for locks.
    conn.batch_execute(&format!("PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}"))
        .map_err(one_line)?;
    // Persistent in the file once set; asked on every connection all the same, and
    // checked, since a file system without shared memory cannot do WAL.
    let mode = diesel::sql_query("PRAGMA journal_mode = WAL")
        .get_result::<JournalMode>(&mut conn)
        .map_err(one_line)?;
    if !mode.journal_mode.eq_ignore_ascii_case("wal") {
        return Err(format!(
            "cannot switch to WAL journal mode (the file stays in '{}' mode)",
            mode.journal_mode
        ));
    }
    conn.batch_execute(PRAGMAS).map_err(one_line)?;
    Ok(conn)
}

/// Creates the file when missing and checks it can be read and written, so that the
/// error names the operating system's reason (no such directory, permission denied,
/// is a directory) rather than SQLite's "unable to open database file".
///
/// A new file is created readable and writable by its owner only (0600, whatever the
/// umask): it holds every account's credentials. SQLite gives the `-wal` and `-shm`
/// files it creates the mode of the database file (docs/api.md §9).
fn check_file(path: &Path) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        if !dir.exists() {
            return Err(format!("the directory {} does not exist", dir.display()));
        }
        if !dir.is_dir() {
            return Err(format!("{} is not a directory", dir.display()));
        }
    }
    let mut options = std::fs::OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).map(drop).map_err(one_line)
}

/// Opens the writer connection of a store: the file is created if missing, must be
/// a SQLite database that accepts WAL mode, and must not record migrations this
/// build does not know.
pub(crate) fn open_writer(path: &Path) -> Result<SqliteConnection, SqliteStoreError> {
    let shown = path.display().to_string();
    let open_error = |message: String| SqliteStoreError::Open {
        path: shown.clone(),
        message,
    };
    check_file(path).map_err(open_error)?;
    let mut conn = establish(path).map_err(open_error)?;
    let unknown = unknown_migrations(&mut conn).map_err(|e| open_error(one_line(e)))?;
    if !unknown.is_empty() {
        return Err(SqliteStoreError::NewerSchema {
            path: shown,
            unknown,
        });
    }
    Ok(conn)
}

fn open_reader(path: &Path) -> Result<SqliteConnection, String> {
    let mut conn = establish(path)?;
    // A reader never writes: a mistake routing a write here fails loudly instead of
    // competing with the writer for the lock.
    conn.batch_execute("PRAGMA query_only = ON")
        .map_err(one_line)?;
    Ok(conn)
}

/// Versions of the migrations recorded in the database that [`MIGRATIONS`] does not
/// have (reading the file's first page, which also tells a non-database file).
pub(crate) fn unknown_migrations(conn: &mut SqliteConnection) -> diesel::QueryResult<Vec<String>> {
    let tables = diesel::sql_query(
        "SELECT count(*) AS n FROM sqlite_schema \
         WHERE type = 'table' AND name = '__diesel_schema_migrations'",
    )
    .get_result::<Count>(conn)?;
    if tables.n == 0 {
        return Ok(Vec::new());
    }
    let known = known_versions();
    Ok(
        diesel::sql_query("SELECT version FROM __diesel_schema_migrations ORDER BY version")
            .load::<Version>(conn)?
            .into_iter()
            .map(|v| v.version)
            .filter(|v| !known.contains(v))
            .collect(),
    )
}

/// Versions of the embedded migrations, as diesel records them.
pub(crate) fn known_versions() -> BTreeSet<String> {
    MigrationSource::<Sqlite>::migrations(&MIGRATIONS)
        .unwrap_or_default()
        .iter()
        .map(|m| m.name().version().to_string())
        .collect()
}

/// Why a migration run failed.
#[derive(Debug)]
pub(crate) enum MigrateError {
    Sql(diesel::result::Error),
    Harness(String),
    Newer(Vec<String>),
}

impl From<diesel::result::Error> for MigrateError {
    fn from(e: diesel::result::Error) -> Self {
        MigrateError::Sql(e)
    }
}

impl MigrateError {
    pub(crate) fn into_store_error(self, path: &str) -> SqliteStoreError {
        let path = path.to_owned();
        match self {
            MigrateError::Newer(unknown) => SqliteStoreError::NewerSchema { path, unknown },
            MigrateError::Sql(e) => SqliteStoreError::Migration {
                path,
                message: one_line(e),
            },
            MigrateError::Harness(message) => SqliteStoreError::Migration {
                path,
                message: one_line(message),
            },
        }
    }
}

/// Applies the pending migrations in one `BEGIN IMMEDIATE` transaction (diesel's
/// per-migration transactions become savepoints in it), after checking that the
/// database knows no migration this build does not.
pub(crate) fn migrate(conn: &mut SqliteConnection) -> Result<usize, MigrateError> {
    conn.immediate_transaction(|conn| {
        let unknown = unknown_migrations(conn)?;
        if !unknown.is_empty() {
            return Err(MigrateError::Newer(unknown));
        }
        conn.run_pending_migrations(MIGRATIONS)
            .map(|applied| applied.len())
            .map_err(|e| MigrateError::Harness(e.to_string()))
    })
}

type Job = Box<dyn FnOnce(&mut Option<SqliteConnection>) + Send>;

/// What the writer's queue carries: a job, or word that an urgent job waits on
/// the urgent queue.
enum Queued {
    Job(Job),
    Urgent,
}

/// Runs a job with the writer connection: a job that panics loses the connection
/// (dropping it rolls back), and the next job opens a new one.
fn run_job(job: Job, slot: &mut Option<SqliteConnection>) {
    let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(slot)));
    if ran.is_err() {
        *slot = None;
    }
}

/// The single writer connection, owned by a thread of its own that runs the write
/// jobs one after the other in arrival order. Under load the thread goes from one
/// job to the next without waiting for any task to be scheduled; each caller awaits
/// its result on a oneshot channel.
///
/// Urgent jobs ([`Writer::run_urgent`]: the delivery worker's claims and records)
/// run before the jobs queued ahead of them, so that a claim never waits behind the
/// queue of request writes. Each is a transaction of its own like any job: it
/// only runs sooner, as if it had been sent first.
///
/// A job that panics (leaving, perhaps, a transaction open) loses the connection:
/// it is dropped, which rolls back, and the next job opens a new one. Dropping the
/// writer lets the queued jobs finish, then closes the connection and joins the
/// thread.
pub(crate) struct Writer {
    jobs: Option<std::sync::mpsc::Sender<Queued>>,
    urgent: Option<std::sync::mpsc::Sender<Job>>,
    thread: Option<std::thread::JoinHandle<()>>,
    path: Arc<PathBuf>,
}

impl Writer {
    pub(crate) fn spawn(path: PathBuf, conn: SqliteConnection) -> std::io::Result<Self> {
        let (jobs, queue) = std::sync::mpsc::channel::<Queued>();
        let (urgent, urgent_queue) = std::sync::mpsc::channel::<Job>();
        let thread = std::thread::Builder::new()
            .name("passmint-sqlite-writer".into())
            .spawn(move || {
                let mut slot = Some(conn);
                while let Ok(queued) = queue.recv() {
                    // Every urgent job is announced on the queue after it was sent:
                    // none waits longer than the job running when it came.
                    while let Ok(job) = urgent_queue.try_recv() {
                        run_job(job, &mut slot);
                    }
                    if let Queued::Job(job) = queued {
                        run_job(job, &mut slot);
                    }
                }
            })?;
        Ok(Writer {
            jobs: Some(jobs),
            urgent: Some(urgent),
            thread: Some(thread),
            path: Arc::new(path),
        })
    }

    /// Runs `f` with the writer connection once the writes queued before it are
    /// done. Errs only when the job could not run (the connection could not be
    /// reopened, the job panicked).
    pub(crate) async fn run<T, F>(&self, f: F) -> Result<T, String>
    where
        F: FnOnce(&mut SqliteConnection) -> T + Send + 'static,
        T: Send + 'static,
    {
        let (job, answer) = self.job(f);
        self.send(Queued::Job(job))?;
        Self::answer(answer).await
    }

    /// [`Writer::run`] ahead of the jobs queued (after the job running, and the
    /// urgent jobs sent before it).
    pub(crate) async fn run_urgent<T, F>(&self, f: F) -> Result<T, String>
    where
        F: FnOnce(&mut SqliteConnection) -> T + Send + 'static,
        T: Send + 'static,
    {
        let (job, answer) = self.job(f);
        self.urgent
            .as_ref()
            .and_then(|urgent| urgent.send(job).ok())
            .ok_or_else(stopped)?;
        self.send(Queued::Urgent)?;
        Self::answer(answer).await
    }

    /// The job running `f`, and where its result comes.
    fn job<T, F>(&self, f: F) -> (Job, tokio::sync::oneshot::Receiver<Result<T, String>>)
    where
        F: FnOnce(&mut SqliteConnection) -> T + Send + 'static,
        T: Send + 'static,
    {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let path = Arc::clone(&self.path);
        let job: Job = Box::new(move |slot| {
            let out = match slot {
                Some(conn) => Ok(f(conn)),
                None => match open_writer(&path) {
                    Ok(conn) => Ok(f(slot.insert(conn))),
                    Err(e) => Err(e.to_string()),
                },
            };
            // The caller may have gone away (a cancelled request): the write stands.
            let _ = reply.send(out);
        });
        (job, answer)
    }

    fn send(&self, queued: Queued) -> Result<(), String> {
        self.jobs
            .as_ref()
            .and_then(|jobs| jobs.send(queued).ok())
            .ok_or_else(stopped)
    }

    async fn answer<T>(
        answer: tokio::sync::oneshot::Receiver<Result<T, String>>,
    ) -> Result<T, String> {
        answer
            .await
            .map_err(|_| "the SQLite write job panicked".to_owned())?
    }
}

fn stopped() -> String {
    "the SQLite writer thread has stopped".to_owned()
}

impl Drop for Writer {
    fn drop(&mut self) {
        drop(self.urgent.take());
        drop(self.jobs.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The reader connections: a semaphore of `max` permits, and the idle connections.
pub(crate) struct Readers {
    path: PathBuf,
    idle: Mutex<Vec<SqliteConnection>>,
    permits: Arc<Semaphore>,
    open: AtomicU64,
    max: usize,
}

/// A reader connection in use; returns it to the idle list when dropped (also when
/// the closure panicked: a reader holds no transaction between statements).
struct Lease {
    pool: Arc<Readers>,
    conn: Option<SqliteConnection>,
    _permit: OwnedSemaphorePermit,
}

impl Drop for Lease {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            self.pool
                .idle
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(conn);
        }
    }
}

impl Readers {
    pub(crate) fn new(path: PathBuf, max: usize) -> Self {
        Readers {
            path,
            idle: Mutex::new(Vec::with_capacity(max)),
            permits: Arc::new(Semaphore::new(max)),
            open: AtomicU64::new(0),
            max,
        }
    }

    /// Runs `f` with a reader connection, waiting for one when all are busy.
    pub(crate) async fn run<T, F>(self: &Arc<Self>, f: F) -> Result<T, String>
    where
        F: FnOnce(&mut SqliteConnection) -> T + Send + 'static,
        T: Send + 'static,
    {
        let permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .map_err(|e| format!("the SQLite reader pool is closed: {e}"))?;
        let pool = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            let idle = pool
                .idle
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .pop();
            let conn = match idle {
                Some(conn) => conn,
                None => {
                    let conn = open_reader(&pool.path).map_err(|e| {
                        format!(
                            "cannot open a reader connection to {}: {e}",
                            pool.path.display()
                        )
                    })?;
                    pool.open.fetch_add(1, Ordering::Relaxed);
                    conn
                }
            };
            let mut lease = Lease {
                pool,
                conn: None,
                _permit: permit,
            };
            Ok(f(lease.conn.insert(conn)))
        })
        .await
        .map_err(|e| format!("the SQLite read task failed: {e}"))?
    }

    pub(crate) fn status(&self) -> PoolStatus {
        let max = self.max as u64;
        PoolStatus {
            in_use: max.saturating_sub(self.permits.available_permits() as u64),
            open: self.open.load(Ordering::Relaxed),
            max,
        }
    }
}
