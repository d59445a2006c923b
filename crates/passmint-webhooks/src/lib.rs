#![doc = include_str!("../README.md")]

pub mod delivery;
pub mod headers;
pub mod retry;
pub mod signing;
pub mod ssrf;
pub mod verify;

pub use delivery::{
    BuildError, DEFAULT_MAX_RESPONSE_BODY, DEFAULT_TIMEOUT, Deliverer, DelivererConfig,
    DeliveryOutcome, FailureKind,
};
pub use headers::{HeaderError, USER_AGENT, unix_now, webhook_headers};
pub use retry::{Next, RETRY_SCHEDULE_ENV, RetrySchedule, ScheduleError, parse_duration};
pub use signing::{Secret, SecretError, sign, signature_header};
pub use ssrf::{AddressError, Forbidden, forbidden_reason};
pub use verify::{DEFAULT_TOLERANCE, VerifyError, verify, verify_at};
