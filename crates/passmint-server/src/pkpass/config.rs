//! Configuration of the .pkpass service (docs/api.md §10).

use clap::Args;

/// Default budget of the built-pass cache: 64 MiB.
pub const DEFAULT_PKPASS_CACHE_BYTES: usize = 64 * 1024 * 1024;

/// The built-pass cache of `passmint serve`.
#[derive(Args, Clone, Debug)]
pub struct PkpassCacheConfig {
    /// Bytes of signed .pkpass files kept in memory per process (least recently
    /// used first out; 0 keeps none).
    #[arg(
        long = "pkpass-cache-bytes",
        env = "PASSMINT_PKPASS_CACHE_BYTES",
        default_value_t = DEFAULT_PKPASS_CACHE_BYTES
    )]
    pub pkpass_cache_bytes: usize,
}

impl Default for PkpassCacheConfig {
    fn default() -> Self {
        PkpassCacheConfig {
            pkpass_cache_bytes: DEFAULT_PKPASS_CACHE_BYTES,
        }
    }
}
