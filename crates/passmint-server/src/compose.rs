//! The composition root: opens the store a `DATABASE_URL` names, builds the use
//! cases over it with the system clock and ids, starts the workers (webhook
//! deliveries, APNs pushes, retention) and binds the HTTP app. `serve`
//! and the end-to-end tests start the server through [`bind`] and
//! [`bind_with_store`]; nothing else wires parts together.

use crate::app;
use crate::config::{ServeConfig, database_url};
use crate::http::metrics::Metrics;
use crate::secrets::SecretKeyConfig;
use crate::state::{AppState, system_parts};
use crate::workers::{self, NotifyWaker};
use actix_web::{HttpServer, web};
use passmint_domain::ports::Store;
use passmint_domain::service::Passmint;
use passmint_store_postgres::PgStore;
use passmint_store_sql::sealing::{Reseal, ResealReport};
use passmint_store_sqlite::SqliteStore;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Store(String),
    #[error("{0}")]
    Domain(#[from] passmint_domain::DomainError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Usage(String),
}

/// Opens and migrates the database a URL names: PostgreSQL for `postgres://` and
/// `postgresql://`, the embedded SQLite for `sqlite://PATH` (and plain paths); then
/// seals the credentials an earlier version stored in plain text (docs/api.md §11).
pub async fn open_store(
    url: &str,
    pool: usize,
    secrets: &SecretKeyConfig,
) -> Result<Arc<dyn Store>, CliError> {
    Ok(
        match open_sealed(url, pool, secrets, Reseal::Plain).await?.0 {
            Opened::Postgres(store) => Arc::new(store),
            Opened::Sqlite(store) => Arc::new(store),
        },
    )
}

/// `passmint secrets rotate-key`: every stored credential sealed under the current
/// key (docs/api.md §11).
pub async fn rotate_key(url: &str, secrets: &SecretKeyConfig) -> Result<ResealReport, CliError> {
    Ok(open_sealed(url, 1, secrets, Reseal::All).await?.1)
}

enum Opened {
    Postgres(PgStore),
    Sqlite(SqliteStore),
}

async fn open_sealed(
    url: &str,
    pool: usize,
    secrets: &SecretKeyConfig,
    which: Reseal,
) -> Result<(Opened, ResealReport), CliError> {
    let store_err = |e: &dyn std::fmt::Display| CliError::Store(e.to_string());
    let (opened, report) = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let keyring = Arc::new(secrets.postgres_keyring()?);
        if passmint_store_postgres::create_database_if_missing(url)
            .await
            .map_err(|e| store_err(&e))?
        {
            tracing::info!(url = %passmint_store_postgres::redact_url(url), "created the database");
        }
        let store = PgStore::connect(url, pool)
            .await
            .map_err(|e| store_err(&e))?
            .with_keyring(keyring);
        store.migrate().await.map_err(|e| store_err(&e))?;
        let report = store.reseal(which).await.map_err(|e| store_err(&e))?;
        (Opened::Postgres(store), report)
    } else {
        let store = SqliteStore::open_with_readers(url, pool.clamp(1, 8))
            .await
            .map_err(|e| store_err(&e))?;
        let keyring = Arc::new(secrets.sqlite_keyring(store.path())?);
        let store = store.with_keyring(keyring);
        store.migrate().await.map_err(|e| store_err(&e))?;
        let report = store.reseal(which).await.map_err(|e| store_err(&e))?;
        (Opened::Sqlite(store), report)
    };
    if report.resealed > 0 {
        tracing::info!(
            resealed = report.resealed,
            values = report.values,
            "sealed stored credentials with the current secret key"
        );
    }
    Ok((opened, report))
}

/// The use cases over a store, with the system clock and the CSPRNG.
pub fn passmint_over(store: Arc<dyn Store>) -> Passmint {
    let (clock, ids) = system_parts();
    Passmint::new(store, clock, ids)
}

/// Opens the database, applies migrations, builds the app and binds it; the caller
/// awaits the returned server. Used by `serve` and by the end-to-end tests.
pub async fn bind(
    cfg: &ServeConfig,
) -> Result<(actix_web::dev::Server, Vec<std::net::SocketAddr>), CliError> {
    let url = database_url(&cfg.database_url);
    let store = open_store(&url, cfg.db_pool_size, &cfg.secrets).await?;
    bind_with_store(cfg, store)
}

/// [`bind`] over a store that is already open (the tests' in-memory fake).
///
/// Starts the webhook delivery worker on a thread of its own and the other workers
/// (pushes, retention, revocations) on the current actix runtime: they all stop
/// with that runtime.
pub fn bind_with_store(
    cfg: &ServeConfig,
    store: Arc<dyn Store>,
) -> Result<(actix_web::dev::Server, Vec<std::net::SocketAddr>), CliError> {
    // Bind first, so that the default public URL names the port really bound
    // (`PASSMINT_ADDR=127.0.0.1:0` picks a free one).
    let listener = std::net::TcpListener::bind(&cfg.addr).map_err(|source| CliError::Bind {
        addr: cfg.addr.clone(),
        source,
    })?;
    let bound = listener.local_addr().map_err(|source| CliError::Bind {
        addr: cfg.addr.clone(),
        source,
    })?;
    let public_url = match &cfg.public_url {
        Some(u) => u.trim_end_matches('/').to_owned(),
        None => format!("http://{bound}"),
    };
    let wake = Arc::new(tokio::sync::Notify::new());
    let push_wake = Arc::new(tokio::sync::Notify::new());
    let passmint = passmint_over(store)
        .with_waker(Arc::new(NotifyWaker(wake.clone())))
        .with_push_waker(Arc::new(NotifyWaker(push_wake.clone())))
        .with_max_devices_per_pass(cfg.public.max_devices_per_pass);
    let metrics = Arc::new(Metrics::default());
    let worker = workers::delivery::Worker::new(
        passmint.clone(),
        wake,
        &cfg.webhooks,
        public_url.clone(),
        metrics.clone(),
    )
    .map_err(|e| CliError::Usage(e.to_string()))?
    .with_endpoint_concurrency(cfg.slow.webhook_endpoint_concurrency);
    tracing::info!(
        retry_schedule = %cfg.webhooks.schedule(),
        timeout_ms = cfg.webhooks.timeout.as_millis() as u64,
        concurrency = cfg.webhooks.concurrency,
        endpoint_concurrency = cfg.slow.webhook_endpoint_concurrency,
        allow_private = cfg.webhooks.allow_private,
        "webhook delivery worker started"
    );
    worker.start().map_err(|e| CliError::Usage(e.to_string()))?;
    let pkpasses = Arc::new(
        crate::pkpass::Pkpasses::new(passmint.clone(), public_url.clone())
            .with_built_cache_bytes(cfg.pkpass.pkpass_cache_bytes),
    );
    // The development identity, loaded (or generated once per deployment) before
    // the first download needs it.
    let warming = pkpasses.clone();
    actix_web::rt::spawn(async move {
        if let Err(e) = warming.warm_up().await {
            tracing::warn!(error = %e, "the development signing identity is not loaded yet (retried on first use)");
        }
    });
    let pusher = workers::push::PushWorker::new(
        passmint.clone(),
        pkpasses.clone(),
        push_wake,
        &cfg.apns,
        metrics.clone(),
    )
    .map_err(|e| CliError::Usage(e.to_string()))?;
    tracing::info!(
        apns_url = %cfg.apns.apns_url,
        concurrency = cfg.apns.apns_concurrency,
        "APNs push worker started"
    );
    actix_web::rt::spawn(pusher.run());
    let state = web::Data::new(AppState {
        passmint: passmint.clone(),
        public_url: public_url.clone(),
        max_body_bytes: cfg.max_body_bytes,
        metrics,
        key_cache: crate::http::key_cache::KeyCache::new(
            Duration::from_secs(cfg.key_cache_seconds),
            100_000,
        ),
        pkpasses,
        public: crate::http::public_limits::PublicLimits::new(&cfg.public),
    });
    let metrics = web::Data::from(state.metrics.clone());
    crate::pkpass::warnings::startup_warnings(&public_url, &passmint);

    actix_web::rt::spawn(workers::retention::run(
        passmint.clone(),
        cfg.retention.clone(),
    ));
    actix_web::rt::spawn(workers::revocations::run(
        state.clone(),
        cfg.revocation_poll_interval,
    ));

    let workers = cfg
        .workers
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
    let body_timeout = cfg.slow.body_timeout;
    let server = HttpServer::new(move || {
        app::build(state.clone(), metrics.clone()).wrap(actix_web::middleware::from_fn(
            move |req, next| crate::http::deadline::middleware(body_timeout, req, next),
        ))
    })
    // A connection must send its request's headers in time (docs/api.md §10).
    .client_request_timeout(cfg.slow.header_timeout)
    .workers(workers)
    .listen(listener)
    .map_err(|source| CliError::Bind {
        addr: cfg.addr.clone(),
        source,
    })?;
    let addrs = server.addrs();
    Ok((server.run(), addrs))
}
