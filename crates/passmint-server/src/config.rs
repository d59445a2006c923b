//! Configuration from the environment (SPEC section 9). Every variable may also be
//! given as a flag of `passmint serve`.

use clap::Args;

#[derive(Args, Clone, Debug)]
pub struct ServeConfig {
    /// Database URL: postgres://user@host:port/db or sqlite://PATH (default sqlite://passmint.db)
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,
    /// Address to listen on.
    #[arg(long, env = "PASSMINT_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: String,
    /// Public base URL of this server (for pass URLs); defaults to http://{addr}.
    #[arg(long, env = "PASSMINT_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Largest request body accepted, in bytes.
    #[arg(long, env = "PASSMINT_MAX_BODY_BYTES", default_value_t = 1024 * 1024)]
    pub max_body_bytes: usize,
    /// Database connections in the pool.
    #[arg(long, env = "PASSMINT_DB_POOL_SIZE", default_value_t = 16)]
    pub db_pool_size: usize,
    /// Seconds an authenticated API key is remembered; a revocation takes effect
    /// within this time (0 disables the cache).
    #[arg(long, env = "PASSMINT_KEY_CACHE_SECONDS", default_value_t = 5)]
    pub key_cache_seconds: u64,
    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "PASSMINT_WORKERS")]
    pub workers: Option<usize>,
}

impl ServeConfig {
    pub fn public_url(&self) -> String {
        match &self.public_url {
            Some(u) => u.trim_end_matches('/').to_owned(),
            None => format!("http://{}", self.addr),
        }
    }
}

/// The default database when `DATABASE_URL` is unset: an embedded SQLite file in
/// the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://passmint.db";

#[derive(Args, Clone, Debug)]
pub struct DbConfig {
    /// Database URL: postgres://user@host:port/db or sqlite://PATH (default sqlite://passmint.db)
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,
}

pub fn database_url(given: &Option<String>) -> String {
    given
        .clone()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned())
}
