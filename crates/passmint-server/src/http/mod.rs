//! HTTP plumbing shared by every route: errors, bodies, authentication, lists,
//! idempotency and the idempotent JSON write, request ids and metrics.

pub mod auth;
pub mod body;
pub mod client_addr;
pub mod deadline;
pub mod endpoint;
pub mod error;
pub mod idempotency;
pub mod key_cache;
pub mod list;
pub mod metrics;
pub mod public_limits;
pub mod request_id;
pub mod unicode;
pub mod write;

pub const JSON: &str = "application/json; charset=utf-8";

/// `time` formatting for the API: RFC 3339, UTC, second precision, `Z`.
pub fn timestamp(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}
