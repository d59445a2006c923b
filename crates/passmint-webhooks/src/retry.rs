//! The retry policy: after a failed attempt, when to try again, or give up (`dead`).
//!
//! The first attempt is immediate; after the n-th failed attempt the n-th delay of the
//! schedule applies, scaled by a random factor in `[1 - jitter, 1 + jitter]` (±20 % by
//! default) so a receiver that comes back up is not hit by every queued retry at once.
//! After the last delay's attempt fails, the delivery is dead. The default schedule is
//! docs/api.md §8's: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h (ten attempts
//! in all). Operators and tests override it with `PASSMINT_WEBHOOK_RETRY_SCHEDULE`, a
//! comma list of durations such as `1s,2s,500ms,5m,2h` (units `ms`, `s`, `m`, `h`, `d`;
//! decimals allowed).
//!
//! ```
//! use std::time::Duration;
//! use passmint_webhooks::{Next, RetrySchedule};
//!
//! let schedule: RetrySchedule = "1s,500ms".parse().unwrap();
//! let schedule = schedule.without_jitter();
//! let mut rng = rand::rng();
//! assert_eq!(schedule.after_attempt_with(1, false, &mut rng), Next::RetryAt(Duration::from_secs(1)));
//! assert_eq!(schedule.after_attempt_with(2, false, &mut rng), Next::RetryAt(Duration::from_millis(500)));
//! assert_eq!(schedule.after_attempt_with(3, false, &mut rng), Next::Dead);
//! assert_eq!(schedule.after_attempt_with(3, true, &mut rng), Next::Delivered);
//! ```

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use rand::Rng;

use crate::delivery::DeliveryOutcome;

/// The environment variable holding the schedule.
pub const RETRY_SCHEDULE_ENV: &str = "PASSMINT_WEBHOOK_RETRY_SCHEDULE";
/// Default jitter: ±20 %.
pub const DEFAULT_JITTER: f64 = 0.2;

const SECOND: u64 = 1_000_000_000;
const MINUTE: u64 = 60 * SECOND;
const HOUR: u64 = 60 * MINUTE;
const DAY: u64 = 24 * HOUR;
/// Units accepted by the parser, in nanoseconds.
const UNITS: &[(&str, u64)] = &[
    ("ms", 1_000_000),
    ("s", SECOND),
    ("m", MINUTE),
    ("h", HOUR),
    ("d", DAY),
];

/// What to do with a delivery after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// The attempt succeeded (2xx): status `delivered`.
    Delivered,
    /// The attempt failed: status `failed`, try again this long from now
    /// (`next_attempt_at = now + delay`).
    RetryAt(Duration),
    /// The attempt failed and it was the last one: status `dead`.
    Dead,
}

/// Delays between attempts, with jitter.
#[derive(Debug, Clone, PartialEq)]
pub struct RetrySchedule {
    delays: Vec<Duration>,
    jitter: f64,
}

/// Why a schedule string does not parse. Positions count from 1.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    /// Nothing but whitespace.
    #[error(
        "the retry schedule is empty: give a comma-separated list of durations such as \"5s,5m,30m\""
    )]
    Empty,
    /// Two commas in a row, or a leading or trailing comma.
    #[error("retry schedule entry {position} is empty (a stray comma?)")]
    EmptyEntry {
        /// 1-based position.
        position: usize,
    },
    /// The entry does not start with a non-negative decimal number.
    #[error(
        "retry schedule entry {position} ({entry:?}) does not start with a non-negative number such as 5 or 1.5"
    )]
    InvalidNumber {
        /// 1-based position.
        position: usize,
        /// The entry, trimmed.
        entry: String,
    },
    /// A number without a unit.
    #[error(
        "retry schedule entry {position} ({entry:?}) has no unit: write e.g. \"{entry}s\" (units: ms, s, m, h, d)"
    )]
    MissingUnit {
        /// 1-based position.
        position: usize,
        /// The entry, trimmed.
        entry: String,
    },
    /// A unit other than `ms`, `s`, `m`, `h`, `d`.
    #[error(
        "retry schedule entry {position} ({entry:?}) has unknown unit {unit:?} (units: ms, s, m, h, d)"
    )]
    UnknownUnit {
        /// 1-based position.
        position: usize,
        /// The entry, trimmed.
        entry: String,
        /// The unit as written.
        unit: String,
    },
    /// Longer than about 584 years.
    #[error("retry schedule entry {position} ({entry:?}) is too large")]
    TooLarge {
        /// 1-based position.
        position: usize,
        /// The entry, trimmed.
        entry: String,
    },
    /// The environment variable is set but invalid.
    #[error("invalid {RETRY_SCHEDULE_ENV}={value:?}: {source}")]
    Env {
        /// The variable's value.
        value: String,
        /// What is wrong with it.
        #[source]
        source: Box<ScheduleError>,
    },
    /// The environment variable is not valid Unicode.
    #[error("{RETRY_SCHEDULE_ENV} is not valid Unicode")]
    EnvNotUnicode,
}

impl Default for RetrySchedule {
    /// 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h; ±20 % jitter.
    fn default() -> Self {
        let m = |minutes: u64| Duration::from_secs(minutes * 60);
        Self::new(vec![
            Duration::from_secs(5),
            m(5),
            m(30),
            m(2 * 60),
            m(5 * 60),
            m(10 * 60),
            m(14 * 60),
            m(20 * 60),
            m(24 * 60),
        ])
    }
}

impl RetrySchedule {
    /// A schedule of `delays` (one per retry) with the default jitter.
    pub fn new(delays: Vec<Duration>) -> Self {
        Self {
            delays,
            jitter: DEFAULT_JITTER,
        }
    }

    /// The same delays with jitter `fraction` (clamped to `0.0..=1.0`; NaN means 0).
    pub fn with_jitter(mut self, fraction: f64) -> Self {
        self.jitter = if fraction.is_nan() {
            0.0
        } else {
            fraction.clamp(0.0, 1.0)
        };
        self
    }

    /// The same delays, exactly (for deterministic tests).
    pub fn without_jitter(self) -> Self {
        self.with_jitter(0.0)
    }

    /// The un-jittered delays, one per retry.
    pub fn delays(&self) -> &[Duration] {
        &self.delays
    }

    /// The jitter fraction.
    pub fn jitter(&self) -> f64 {
        self.jitter
    }

    /// Attempts a delivery gets in all: the first plus one per delay.
    pub fn max_attempts(&self) -> u32 {
        u32::try_from(self.delays.len())
            .unwrap_or(u32::MAX)
            .saturating_add(1)
    }

    /// The delay before attempt `attempts_so_far + 1`, jittered: zero when nothing was
    /// attempted yet, `None` when `attempts_so_far` attempts exhaust the schedule.
    pub fn next_delay<R: Rng + ?Sized>(
        &self,
        attempts_so_far: u32,
        rng: &mut R,
    ) -> Option<Duration> {
        let Some(index) = attempts_so_far.checked_sub(1) else {
            return Some(Duration::ZERO);
        };
        let base = *self.delays.get(usize::try_from(index).ok()?)?;
        if self.jitter == 0.0 || base.is_zero() {
            return Some(base);
        }
        let factor = rng.random_range((1.0 - self.jitter)..=(1.0 + self.jitter));
        Some(Duration::try_from_secs_f64(base.as_secs_f64() * factor).unwrap_or(base))
    }

    /// The decision after attempt number `attempts_so_far` (counting it, so 1 after the
    /// first attempt) ended in `outcome`; jitter from the thread-local RNG.
    pub fn after_attempt(&self, attempts_so_far: u32, outcome: &DeliveryOutcome) -> Next {
        self.after_attempt_with(attempts_so_far, outcome.is_success(), &mut rand::rng())
    }

    /// [`Self::after_attempt`] from a success flag, with the caller's RNG.
    pub fn after_attempt_with<R: Rng + ?Sized>(
        &self,
        attempts_so_far: u32,
        succeeded: bool,
        rng: &mut R,
    ) -> Next {
        if succeeded {
            return Next::Delivered;
        }
        match self.next_delay(attempts_so_far.max(1), rng) {
            Some(delay) => Next::RetryAt(delay),
            None => Next::Dead,
        }
    }

    /// Parses a comma list of durations (`"5s, 5m,1.5h,500ms"`); whitespace around
    /// entries is ignored.
    pub fn parse(s: &str) -> Result<Self, ScheduleError> {
        if s.trim().is_empty() {
            return Err(ScheduleError::Empty);
        }
        s.split(',')
            .enumerate()
            .map(|(i, entry)| parse_entry(i + 1, entry.trim()))
            .collect::<Result<Vec<_>, _>>()
            .map(Self::new)
    }

    /// The schedule from `PASSMINT_WEBHOOK_RETRY_SCHEDULE`, or the default when the
    /// variable is unset.
    pub fn from_env() -> Result<Self, ScheduleError> {
        match std::env::var(RETRY_SCHEDULE_ENV) {
            Err(std::env::VarError::NotPresent) => Ok(Self::default()),
            Err(std::env::VarError::NotUnicode(_)) => Err(ScheduleError::EnvNotUnicode),
            Ok(value) => Self::parse(&value).map_err(|source| ScheduleError::Env {
                value,
                source: Box::new(source),
            }),
        }
    }
}

/// One duration in the schedule's syntax (`500ms`, `15s`, `1.5m`, `2h`, `1d`), for
/// the other settings of a delivery worker (its timeout, its poll interval).
pub fn parse_duration(s: &str) -> Result<Duration, ScheduleError> {
    if s.trim().is_empty() {
        return Err(ScheduleError::Empty);
    }
    parse_entry(1, s.trim())
}

fn parse_entry(position: usize, entry: &str) -> Result<Duration, ScheduleError> {
    if entry.is_empty() {
        return Err(ScheduleError::EmptyEntry { position });
    }
    let owned = || entry.to_owned();
    let split = entry
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(entry.len());
    let (number, unit) = entry.split_at(split);
    let unit = unit.trim_start();
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    let digits_ok = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if number.is_empty() || (whole.is_empty() && fraction.is_empty()) || !digits_ok(fraction) {
        return Err(ScheduleError::InvalidNumber {
            position,
            entry: owned(),
        });
    }
    if unit.is_empty() {
        return Err(ScheduleError::MissingUnit {
            position,
            entry: owned(),
        });
    }
    let &(_, unit_nanos) = UNITS
        .iter()
        .find(|(name, _)| *name == unit)
        .ok_or_else(|| ScheduleError::UnknownUnit {
            position,
            entry: owned(),
            unit: unit.to_owned(),
        })?;

    let too_large = || ScheduleError::TooLarge {
        position,
        entry: owned(),
    };
    let whole: u128 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| too_large())?
    };
    // Digits past nanosecond precision of the unit cannot matter; keep at most 18.
    let fraction = &fraction[..fraction.len().min(18)];
    let fraction_nanos = if fraction.is_empty() {
        0
    } else {
        let numerator: u128 = fraction.parse().map_err(|_| too_large())?;
        let denominator = 10u128.pow(u32::try_from(fraction.len()).unwrap_or(18));
        numerator * u128::from(unit_nanos) / denominator
    };
    let nanos = whole
        .checked_mul(u128::from(unit_nanos))
        .and_then(|n| n.checked_add(fraction_nanos))
        .ok_or_else(too_large)?;
    let nanos = u64::try_from(nanos).map_err(|_| too_large())?;
    Ok(Duration::from_nanos(nanos))
}

impl FromStr for RetrySchedule {
    type Err = ScheduleError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// The delays in the parser's syntax (`5s,5m,30m,2h,...`); the jitter is not shown.
impl fmt::Display for RetrySchedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, delay) in self.delays.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write_duration(f, *delay)?;
        }
        Ok(())
    }
}

fn write_duration(f: &mut fmt::Formatter<'_>, d: Duration) -> fmt::Result {
    let nanos = d.as_nanos();
    for (name, unit) in [("h", HOUR), ("m", MINUTE), ("s", SECOND), ("ms", 1_000_000)] {
        let unit = u128::from(unit);
        if nanos != 0 && nanos.is_multiple_of(unit) {
            return write!(f, "{}{name}", nanos / unit);
        }
    }
    if nanos == 0 {
        return f.write_str("0s");
    }
    let fraction = format!("{:09}", d.subsec_nanos());
    write!(f, "{}.{}s", d.as_secs(), fraction.trim_end_matches('0'))
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
    fn default_is_the_spec_schedule() {
        let d = RetrySchedule::default();
        assert_eq!(
            d.delays(),
            &[
                secs(5),
                secs(300),
                secs(1800),
                secs(7200),
                secs(5 * 3600),
                secs(10 * 3600),
                secs(14 * 3600),
                secs(20 * 3600),
                secs(24 * 3600),
            ]
        );
        assert_eq!(d.jitter(), 0.2);
        assert_eq!(d.max_attempts(), 10);
        assert_eq!(d.to_string(), "5s,5m,30m,2h,5h,10h,14h,20h,24h");
        assert_eq!(RetrySchedule::parse(&d.to_string()).unwrap(), d);
    }

    #[test]
    fn parses_the_documented_example() {
        let s: RetrySchedule = "1s,2s,500ms,5m,2h".parse().unwrap();
        assert_eq!(
            s.delays(),
            &[
                secs(1),
                secs(2),
                Duration::from_millis(500),
                secs(300),
                secs(7200)
            ]
        );
        assert_eq!(s.to_string(), "1s,2s,500ms,5m,2h");
    }

    #[test]
    fn parses_decimals_days_zero_and_whitespace() {
        let s = RetrySchedule::parse(" 1.5s , 0.25m,2d, 0s,.5h,3 ms,1.000000001s").unwrap();
        assert_eq!(
            s.delays(),
            &[
                Duration::from_millis(1500),
                secs(15),
                secs(2 * 86_400),
                Duration::ZERO,
                secs(1800),
                Duration::from_millis(3),
                Duration::new(1, 1),
            ]
        );
        assert_eq!(s.to_string(), "1500ms,15s,48h,0s,30m,3ms,1.000000001s");
        assert_eq!(RetrySchedule::parse(&s.to_string()).unwrap(), s);
    }

    #[test]
    fn parse_errors_are_precise() {
        let err = |s: &str| RetrySchedule::parse(s).unwrap_err();
        assert_eq!(err(""), ScheduleError::Empty);
        assert_eq!(err("  "), ScheduleError::Empty);
        assert_eq!(err("1s,,2s"), ScheduleError::EmptyEntry { position: 2 });
        assert_eq!(err("1s,"), ScheduleError::EmptyEntry { position: 2 });
        assert_eq!(
            err("5"),
            ScheduleError::MissingUnit {
                position: 1,
                entry: "5".into()
            }
        );
        assert_eq!(
            err("1s,5x"),
            ScheduleError::UnknownUnit {
                position: 2,
                entry: "5x".into(),
                unit: "x".into()
            }
        );
        assert!(matches!(err("1min"), ScheduleError::UnknownUnit { .. }));
        for bad in ["s", "-1s", "+1s", "1.2.3s", ".s", "1e3s", "inf"] {
            assert!(
                matches!(
                    err(bad),
                    ScheduleError::InvalidNumber { .. } | ScheduleError::UnknownUnit { .. }
                ),
                "{bad}: {:?}",
                err(bad)
            );
        }
        assert!(matches!(
            err("99999999999999999999999d"),
            ScheduleError::TooLarge { .. }
        ));
        assert!(matches!(err("300000d"), ScheduleError::TooLarge { .. }));
        assert_eq!(
            err("1s,5").to_string(),
            "retry schedule entry 2 (\"5\") has no unit: write e.g. \"5s\" (units: ms, s, m, h, d)"
        );
    }

    #[test]
    fn jitter_stays_within_twenty_percent_and_varies() {
        let schedule = RetrySchedule::default();
        let mut rng = StdRng::seed_from_u64(7);
        let mut seen = std::collections::HashSet::new();
        for _ in 0..1000 {
            let d = schedule.next_delay(2, &mut rng).unwrap();
            assert!(d >= secs(240) && d <= secs(360), "{d:?}");
            seen.insert(d.as_millis());
        }
        assert!(seen.len() > 100, "jitter barely varies: {}", seen.len());
    }

    #[test]
    fn next_delay_counts_attempts() {
        let s = RetrySchedule::parse("1s,2s").unwrap().without_jitter();
        let mut rng = StdRng::seed_from_u64(1);
        assert_eq!(s.next_delay(0, &mut rng), Some(Duration::ZERO));
        assert_eq!(s.next_delay(1, &mut rng), Some(secs(1)));
        assert_eq!(s.next_delay(2, &mut rng), Some(secs(2)));
        assert_eq!(s.next_delay(3, &mut rng), None);
        assert_eq!(s.next_delay(u32::MAX, &mut rng), None);
        assert_eq!(s.max_attempts(), 3);
    }

    #[test]
    fn after_attempt_walks_to_dead() {
        let s = RetrySchedule::default();
        let mut rng = StdRng::seed_from_u64(3);
        for attempt in 1..=9 {
            match s.after_attempt_with(attempt, false, &mut rng) {
                Next::RetryAt(d) => {
                    let base = s.delays()[attempt as usize - 1].as_secs_f64();
                    let ratio = d.as_secs_f64() / base;
                    assert!((0.8..=1.2).contains(&ratio), "attempt {attempt}: {ratio}");
                }
                other => panic!("attempt {attempt}: {other:?}"),
            }
        }
        assert_eq!(s.after_attempt_with(10, false, &mut rng), Next::Dead);
        assert_eq!(s.after_attempt_with(10, true, &mut rng), Next::Delivered);
        assert_eq!(s.after_attempt_with(1, true, &mut rng), Next::Delivered);
    }

    #[test]
    fn after_attempt_reads_the_outcome() {
        let s = RetrySchedule::parse("1s").unwrap().without_jitter();
        let ok = DeliveryOutcome {
            status: Some(200),
            body: Some("ok".into()),
            body_truncated: false,
            error: None,
            failure: None,
            duration: Duration::ZERO,
        };
        let failed = DeliveryOutcome {
            status: Some(500),
            failure: Some(crate::delivery::FailureKind::Status),
            error: Some("HTTP 500".into()),
            ..ok.clone()
        };
        assert_eq!(s.after_attempt(1, &ok), Next::Delivered);
        assert_eq!(s.after_attempt(1, &failed), Next::RetryAt(secs(1)));
        assert_eq!(s.after_attempt(2, &failed), Next::Dead);
    }

    #[test]
    fn empty_schedule_means_one_attempt() {
        let s = RetrySchedule::new(Vec::new());
        assert_eq!(s.max_attempts(), 1);
        assert_eq!(s.after_attempt_with(1, false, &mut rand::rng()), Next::Dead);
    }

    #[test]
    fn jitter_is_clamped() {
        assert_eq!(RetrySchedule::default().with_jitter(5.0).jitter(), 1.0);
        assert_eq!(RetrySchedule::default().with_jitter(-1.0).jitter(), 0.0);
        assert_eq!(RetrySchedule::default().with_jitter(f64::NAN).jitter(), 0.0);
    }
}
