//! The cache of recently authenticated API keys (see [`super::auth`]).
//!
//! A revocation anywhere makes every process forget what it remembers: the
//! revocation watcher ([`crate::workers::revocations`]) calls
//! [`KeyCache::forget_all`] when the store's revocation generation moves. A
//! look-up that started before that forgetting cannot put back what it read
//! ([`KeyCache::epoch`]).

use passmint_domain::service::Principal;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Recently authenticated keys, by SHA-256 hash (never by the key itself).
pub struct KeyCache {
    ttl: Duration,
    max_entries: usize,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    entries: HashMap<String, (Principal, Instant)>,
    /// Moves with every [`KeyCache::forget_all`].
    epoch: u64,
}

impl KeyCache {
    pub fn new(ttl: Duration, max_entries: usize) -> Self {
        KeyCache {
            ttl,
            max_entries,
            inner: Mutex::new(Inner::default()),
        }
    }

    pub(crate) fn get(&self, hash: &str) -> Option<Principal> {
        if self.ttl.is_zero() {
            return None;
        }
        let inner = self.inner.lock().ok()?;
        match inner.entries.get(hash) {
            Some((p, at)) if at.elapsed() < self.ttl => Some(p.clone()),
            _ => None,
        }
    }

    /// To read before looking a key up in the store, and to give back to
    /// [`KeyCache::put`].
    pub(crate) fn epoch(&self) -> u64 {
        self.inner.lock().map_or(u64::MAX, |inner| inner.epoch)
    }

    /// Remembers `principal`, unless the cache was emptied since `epoch` was read
    /// (the look-up may predate a revocation).
    pub(crate) fn put(&self, hash: String, principal: Principal, epoch: u64) {
        if self.ttl.is_zero() {
            return;
        }
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        if inner.epoch != epoch {
            return;
        }
        if inner.entries.len() >= self.max_entries {
            let ttl = self.ttl;
            inner.entries.retain(|_, (_, at)| at.elapsed() < ttl);
            if inner.entries.len() >= self.max_entries {
                inner.entries.clear();
            }
        }
        inner.entries.insert(hash, (principal, Instant::now()));
    }

    /// Forgets every key (a key was revoked somewhere).
    pub fn forget_all(&self) {
        if let Ok(mut inner) = self.inner.lock() {
            inner.entries.clear();
            inner.epoch = inner.epoch.wrapping_add(1);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use passmint_domain::ids::{AccountId, ApiKeyId};
    use passmint_domain::mode::Mode;

    fn principal() -> Principal {
        Principal {
            account_id: AccountId::parse("acct_000000000000000000000000").unwrap(),
            mode: Mode::Test,
            key_id: ApiKeyId::parse("key_000000000000000000000000").unwrap(),
        }
    }

    #[test]
    fn forgetting_empties_it_and_refuses_older_look_ups() {
        let cache = KeyCache::new(Duration::from_secs(60), 10);
        let before = cache.epoch();
        cache.put("a".into(), principal(), before);
        assert_eq!(cache.get("a"), Some(principal()));
        cache.forget_all();
        assert_eq!(cache.get("a"), None);
        cache.put("b".into(), principal(), before);
        assert_eq!(cache.get("b"), None, "a look-up from before the forgetting");
        cache.put("b".into(), principal(), cache.epoch());
        assert_eq!(cache.get("b"), Some(principal()));
    }
}
