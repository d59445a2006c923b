//! The cache of recently authenticated API keys (see [`super::auth`]).

use passmint_domain::service::Principal;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Recently authenticated keys, by SHA-256 hash (never by the key itself).
pub struct KeyCache {
    ttl: Duration,
    max_entries: usize,
    entries: Mutex<HashMap<String, (Principal, Instant)>>,
}

impl KeyCache {
    pub fn new(ttl: Duration, max_entries: usize) -> Self {
        KeyCache {
            ttl,
            max_entries,
            entries: Mutex::new(HashMap::new()),
        }
    }

    pub(crate) fn get(&self, hash: &str) -> Option<Principal> {
        if self.ttl.is_zero() {
            return None;
        }
        let map = self.entries.lock().ok()?;
        match map.get(hash) {
            Some((p, at)) if at.elapsed() < self.ttl => Some(p.clone()),
            _ => None,
        }
    }

    pub(crate) fn put(&self, hash: String, principal: Principal) {
        if self.ttl.is_zero() {
            return;
        }
        let Ok(mut map) = self.entries.lock() else {
            return;
        };
        if map.len() >= self.max_entries {
            let ttl = self.ttl;
            map.retain(|_, (_, at)| at.elapsed() < ttl);
            if map.len() >= self.max_entries {
                map.clear();
            }
        }
        map.insert(hash, (principal, Instant::now()));
    }
}
