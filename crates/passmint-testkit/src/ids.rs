//! A deterministic [`IdGen`]: the same sequence of calls yields the same strings.

use passmint_domain::ids::BASE62;
use passmint_domain::ports::IdGen;
use std::sync::atomic::{AtomicU64, Ordering};

/// Deterministic base62 strings of the asked length, unique per call.
///
/// Call `n` writes `n` in base62 at the end of the string (so strings stay unique
/// while `n < 62^len`) and fills the rest with characters derived from `n`, so the
/// strings look random enough to catch code that relies on a fixed shape. It is not a
/// CSPRNG and must never back a real server.
#[derive(Debug, Default)]
pub struct SeqIdGen {
    next: AtomicU64,
}

impl SeqIdGen {
    pub fn new() -> Self {
        Self::default()
    }

    /// A generator whose first call is number `n`.
    pub fn starting_at(n: u64) -> Self {
        SeqIdGen {
            next: AtomicU64::new(n),
        }
    }
}

impl IdGen for SeqIdGen {
    fn base62(&self, len: usize) -> String {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        base62_unique(n, 0x5eed, len)
    }

    /// `len` bytes drawn from the mixer, seeded by the call number.
    fn bytes(&self, len: usize) -> Vec<u8> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let mut state = mix(n ^ 0xb17e5);
        (0..len)
            .map(|_| {
                state = mix(state);
                state as u8
            })
            .collect()
    }
}

/// SplitMix64: a bijective mixer, so distinct inputs give distinct outputs.
pub(crate) fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// `len` base62 characters: `n` in base62 at the end, pseudo-random filler (seeded by
/// `n` and `salt`) before it.
pub(crate) fn base62_unique(n: u64, salt: u64, len: usize) -> String {
    let mut out = vec![0u8; len];
    let mut rest = n;
    let mut digits = 0;
    for slot in out.iter_mut().rev() {
        if rest == 0 && digits > 0 {
            break;
        }
        *slot = BASE62[(rest % 62) as usize];
        rest /= 62;
        digits += 1;
    }
    let mut state = mix(n ^ mix(salt));
    for slot in out.iter_mut().take(len - digits.min(len)) {
        state = mix(state);
        *slot = BASE62[(state % 62) as usize];
    }
    String::from_utf8(out).expect("base62 is ASCII")
}

#[cfg(test)]
mod tests {
    use super::*;
    use passmint_domain::ids::is_base62;
    use std::collections::HashSet;

    #[test]
    fn base62_of_asked_length_and_unique() {
        let ids = SeqIdGen::new();
        let mut seen = HashSet::new();
        for len in [1, 4, 12, 24, 40] {
            for _ in 0..50 {
                let s = ids.base62(len);
                assert_eq!(s.len(), len);
                assert!(is_base62(&s), "{s}");
                if len >= 2 {
                    assert!(seen.insert(s));
                }
            }
        }
    }

    #[test]
    fn deterministic() {
        let a = SeqIdGen::new();
        let b = SeqIdGen::new();
        for _ in 0..10 {
            assert_eq!(a.base62(24), b.base62(24));
        }
        assert_ne!(
            SeqIdGen::starting_at(7).base62(24),
            SeqIdGen::new().base62(24)
        );
    }
}
