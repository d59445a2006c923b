//! When to push again after a [`crate::PushOutcome::Retry`].
//!
//! Exponential backoff from [`RetryPolicy::base`], doubling per failed attempt up to
//! [`RetryPolicy::max`], scaled by a random factor in `[0.8, 1.2]` (±20 % jitter, then
//! capped at `max` again) so that pushes queued during an outage do not all come back
//! at once. A `Retry-After` from APNs wins when it asks for a longer wait. After
//! [`RetryPolicy::max_attempts`] attempts the push is given up.
//!
//! ```
//! use std::time::Duration;
//! use passmint_apns::RetryPolicy;
//!
//! let policy = RetryPolicy::default(); // 1 s, doubling, at most 5 min, 12 attempts
//! let first = policy.delay(1, None).unwrap();
//! assert!(first >= Duration::from_millis(800) && first <= Duration::from_millis(1200));
//! assert_eq!(policy.delay(3, Some(Duration::from_secs(60))), Some(Duration::from_secs(60)));
//! assert_eq!(policy.delay(12, None), None);
//! ```

use std::time::Duration;

use rand::Rng;

/// Jitter: ±20 %.
pub const JITTER: f64 = 0.2;

/// Backoff between attempts of one push.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Delay after the first failed attempt (before jitter). Default 1 s.
    pub base: Duration,
    /// Longest delay (before a `Retry-After`). Default 5 min.
    pub max: Duration,
    /// Attempts in all, the first included. Default 12.
    pub max_attempts: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            base: Duration::from_secs(1),
            max: Duration::from_secs(5 * 60),
            max_attempts: 12,
        }
    }
}

impl RetryPolicy {
    /// The wait before the next attempt, after `attempt` attempts (counting the one
    /// that just failed, so 1 after the first) and the server's `retry_after`, with
    /// jitter from the thread-local RNG. `Some(0)` when nothing was attempted yet;
    /// `None` when `attempt` reached [`Self::max_attempts`]: give up.
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Option<Duration> {
        self.delay_with(attempt, retry_after, &mut rand::rng())
    }

    /// [`Self::delay`] with the caller's RNG.
    pub fn delay_with<R: Rng + ?Sized>(
        &self,
        attempt: u32,
        retry_after: Option<Duration>,
        rng: &mut R,
    ) -> Option<Duration> {
        if attempt == 0 {
            return Some(Duration::ZERO);
        }
        if attempt >= self.max_attempts {
            return None;
        }
        let backoff = self.backoff(attempt);
        let factor = rng.random_range((1.0 - JITTER)..=(1.0 + JITTER));
        let jittered = Duration::try_from_secs_f64(backoff.as_secs_f64() * factor)
            .unwrap_or(backoff)
            .min(self.max);
        Some(match retry_after {
            Some(wait) if wait > jittered => wait,
            _ => jittered,
        })
    }

    /// The un-jittered delay after `attempt` failed attempts:
    /// `min(base * 2^(attempt - 1), max)`.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(1).min(63);
        let factor = 1u64 << doublings;
        let factor = u32::try_from(factor).unwrap_or(u32::MAX);
        self.base
            .checked_mul(factor)
            .unwrap_or(Duration::MAX)
            .min(self.max)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    #[test]
    fn defaults() {
        let p = RetryPolicy::default();
        assert_eq!(p.base, secs(1));
        assert_eq!(p.max, secs(300));
        assert_eq!(p.max_attempts, 12);
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let p = RetryPolicy::default();
        let expected = [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300];
        for (attempt, want) in (1..).zip(expected) {
            assert_eq!(p.backoff(attempt), secs(want), "attempt {attempt}");
        }
        assert_eq!(p.backoff(40), secs(300));
        assert_eq!(p.backoff(u32::MAX), secs(300));
        assert_eq!(p.backoff(0), secs(1));
    }

    #[test]
    fn jittered_delays_stay_within_bounds_and_vary() {
        let p = RetryPolicy::default();
        let mut rng = StdRng::seed_from_u64(42);
        for attempt in 1..p.max_attempts {
            let backoff = p.backoff(attempt).as_secs_f64();
            let mut seen = std::collections::HashSet::new();
            for _ in 0..500 {
                let d = p.delay_with(attempt, None, &mut rng).unwrap();
                let s = d.as_secs_f64();
                assert!(s >= backoff * 0.8 - 1e-9, "attempt {attempt}: {d:?}");
                assert!(s <= backoff * 1.2 + 1e-9, "attempt {attempt}: {d:?}");
                assert!(d <= p.max, "attempt {attempt}: {d:?}");
                seen.insert(d.as_micros());
            }
            assert!(seen.len() > 50, "attempt {attempt}: jitter barely varies");
        }
    }

    #[test]
    fn the_real_rng_stays_within_bounds() {
        let p = RetryPolicy::default();
        for _ in 0..200 {
            let d = p.delay(2, None).unwrap();
            assert!(d >= Duration::from_millis(1600) && d <= Duration::from_millis(2400));
        }
    }

    #[test]
    fn retry_after_wins_when_longer() {
        let p = RetryPolicy::default();
        let mut rng = StdRng::seed_from_u64(1);
        assert_eq!(p.delay_with(1, Some(secs(30)), &mut rng), Some(secs(30)));
        // Longer than `max`: the server's word still wins.
        assert_eq!(p.delay_with(11, Some(secs(900)), &mut rng), Some(secs(900)));
        // Shorter than the backoff: the backoff stays.
        let d = p.delay_with(5, Some(secs(1)), &mut rng).unwrap();
        assert!(d >= Duration::from_secs_f64(12.8) && d <= Duration::from_secs_f64(19.2));
        assert!(p.delay_with(1, Some(Duration::ZERO), &mut rng).unwrap() >= secs(0));
    }

    #[test]
    fn gives_up_after_max_attempts() {
        let p = RetryPolicy::default();
        assert_eq!(p.delay(0, None), Some(Duration::ZERO));
        assert!(p.delay(11, None).is_some());
        assert_eq!(p.delay(12, None), None);
        assert_eq!(p.delay(12, Some(secs(1))), None);
        assert_eq!(p.delay(u32::MAX, None), None);
        let once = RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        };
        assert_eq!(once.delay(1, None), None);
    }

    #[test]
    fn odd_settings_do_not_panic() {
        let p = RetryPolicy {
            base: Duration::MAX,
            max: Duration::MAX,
            max_attempts: u32::MAX,
        };
        assert!(p.delay(70, None).is_some());
        let zero = RetryPolicy {
            base: Duration::ZERO,
            max: Duration::ZERO,
            max_attempts: 3,
        };
        assert_eq!(zero.delay(1, None), Some(Duration::ZERO));
        assert_eq!(zero.delay(2, Some(secs(2))), Some(secs(2)));
    }
}
