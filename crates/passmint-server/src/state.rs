//! What every handler shares.

use crate::http::key_cache::KeyCache;
use crate::http::metrics::Metrics;
use passmint_domain::ports::{Clock, IdGen};
use passmint_domain::service::Passmint;
use rand::Rng;
use std::sync::Arc;

pub struct AppState {
    pub passmint: Passmint,
    /// Base URL for pass pages, without a trailing slash.
    pub public_url: String,
    pub max_body_bytes: usize,
    pub metrics: Arc<Metrics>,
    pub key_cache: KeyCache,
    /// Signed .pkpass files and their caches (the public download).
    pub pkpasses: Arc<crate::pkpass::Pkpasses>,
    /// The rate limit and recording window of the public pages.
    pub public: crate::http::public_limits::PublicLimits,
}

/// The system clock, in UTC, truncated to microseconds (what databases keep).
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> time::OffsetDateTime {
        let now = time::OffsetDateTime::now_utc();
        now.replace_nanosecond(now.nanosecond() / 1000 * 1000)
            .unwrap_or(now)
    }
}

/// Ids and tokens from the operating system's CSPRNG (rand's thread RNG is a
/// ChaCha generator seeded from it).
pub struct RandomIds;

impl IdGen for RandomIds {
    fn base62(&self, len: usize) -> String {
        let mut rng = rand::rng();
        (0..len)
            .map(|_| passmint_domain::ids::BASE62[rng.random_range(0..62)] as char)
            .collect()
    }

    fn bytes(&self, len: usize) -> Vec<u8> {
        let mut out = vec![0u8; len];
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut out);
        out
    }
}

pub fn system_parts() -> (Arc<dyn Clock>, Arc<dyn IdGen>) {
    (Arc::new(SystemClock), Arc::new(RandomIds))
}
