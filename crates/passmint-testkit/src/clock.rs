//! A clock that only moves when told to.

use passmint_domain::ports::Clock;
use std::sync::Mutex;
use time::{Duration, OffsetDateTime, UtcOffset, macros::datetime};

/// A [`Clock`] standing still at a settable instant (always reported in UTC).
#[derive(Debug)]
pub struct FixedClock {
    now: Mutex<OffsetDateTime>,
}

impl FixedClock {
    /// Where [`FixedClock::default`] starts.
    pub const EPOCH: OffsetDateTime = datetime!(2025-01-01 00:00:00 UTC);

    pub fn new(at: OffsetDateTime) -> Self {
        FixedClock {
            now: Mutex::new(at.to_offset(UtcOffset::UTC)),
        }
    }

    /// Moves the clock to `at`.
    pub fn set(&self, at: OffsetDateTime) {
        *self.now.lock().unwrap_or_else(|e| e.into_inner()) = at.to_offset(UtcOffset::UTC);
    }

    /// Moves the clock by `by` (which may be negative) and returns the new time.
    pub fn advance(&self, by: Duration) -> OffsetDateTime {
        let mut now = self.now.lock().unwrap_or_else(|e| e.into_inner());
        *now += by;
        *now
    }
}

impl Default for FixedClock {
    fn default() -> Self {
        FixedClock::new(Self::EPOCH)
    }
}

impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        *self.now.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stands_still_until_moved() {
        let clock = FixedClock::default();
        assert_eq!(clock.now(), FixedClock::EPOCH);
        assert_eq!(clock.now(), FixedClock::EPOCH);
        assert_eq!(
            clock.advance(Duration::seconds(5)),
            FixedClock::EPOCH + Duration::seconds(5)
        );
        let later = datetime!(2030-02-03 04:05:06 +2);
        clock.set(later);
        assert_eq!(clock.now(), later);
        assert_eq!(clock.now().offset(), UtcOffset::UTC);
    }
}
