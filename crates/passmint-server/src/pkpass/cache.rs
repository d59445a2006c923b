//! A least-recently-used map bounded by the bytes of its values, not their count:
//! the built .pkpass files (docs/api.md §6) vary from a few KiB to a few MiB, so a
//! bound by count alone bounds no memory.

use lru::LruCache;
use std::hash::Hash;

/// Something whose size counts against a [`ByteLru`]'s budget.
pub trait Weighed {
    /// Bytes held.
    fn weight(&self) -> usize;
}

/// An LRU map holding at most `max_bytes` of values (by [`Weighed::weight`]).
/// A value larger than the whole budget is not kept.
pub struct ByteLru<K: Hash + Eq, V: Weighed> {
    entries: LruCache<K, V>,
    bytes: usize,
    max_bytes: usize,
}

impl<K: Hash + Eq, V: Weighed + Clone> ByteLru<K, V> {
    /// An empty map with a budget of `max_bytes` (0 keeps nothing).
    pub fn new(max_bytes: usize) -> Self {
        ByteLru {
            entries: LruCache::unbounded(),
            bytes: 0,
            max_bytes,
        }
    }

    /// The value of `key`, now the most recently used.
    pub fn get(&mut self, key: &K) -> Option<V> {
        self.entries.get(key).cloned()
    }

    /// Keeps `value` under `key`, dropping the least recently used values until
    /// the total fits the budget.
    pub fn put(&mut self, key: K, value: V) {
        let weight = value.weight();
        if let Some(old) = self.entries.pop(&key) {
            self.bytes -= old.weight();
        }
        if weight > self.max_bytes {
            return;
        }
        while self.bytes + weight > self.max_bytes {
            match self.entries.pop_lru() {
                Some((_, old)) => self.bytes -= old.weight(),
                None => break,
            }
        }
        self.bytes += weight;
        self.entries.put(key, value);
    }

    /// Bytes held.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Values held.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Debug, PartialEq)]
    struct Blob(usize);

    impl Weighed for Blob {
        fn weight(&self) -> usize {
            self.0
        }
    }

    #[test]
    fn evicts_the_least_recently_used_by_bytes() {
        let mut cache = ByteLru::new(100);
        cache.put("a", Blob(40));
        cache.put("b", Blob(40));
        assert_eq!(cache.get(&"a"), Some(Blob(40)), "a is now the most recent");
        cache.put("c", Blob(40));
        assert_eq!(cache.get(&"b"), None, "b was the least recently used");
        assert_eq!(cache.get(&"a"), Some(Blob(40)));
        assert_eq!(cache.get(&"c"), Some(Blob(40)));
        assert_eq!(cache.bytes(), 80);
        cache.put("d", Blob(100));
        assert_eq!((cache.len(), cache.bytes()), (1, 100), "one value fills it");
    }

    #[test]
    fn keeps_nothing_larger_than_the_budget_and_replaces_in_place() {
        let mut cache = ByteLru::new(100);
        cache.put("a", Blob(60));
        cache.put("big", Blob(101));
        assert_eq!(cache.get(&"big"), None);
        assert_eq!(cache.get(&"a"), Some(Blob(60)));
        cache.put("a", Blob(70));
        assert_eq!((cache.len(), cache.bytes()), (1, 70));
        let mut none = ByteLru::new(0);
        none.put("a", Blob(1));
        assert!(none.is_empty());
    }
}
