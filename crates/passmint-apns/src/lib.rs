#![doc = include_str!("../README.md")]

pub mod client;
pub mod error;
#[cfg(feature = "fake")]
pub mod fake;
pub mod identity;
pub mod retry;
pub mod token;

pub use client::{
    APNS_PRODUCTION_URL, APNS_SANDBOX_URL, ApnsClient, ApnsConfig, DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_KEEP_ALIVE_INTERVAL, DEFAULT_KEEP_ALIVE_TIMEOUT, DEFAULT_MAX_IN_FLIGHT,
    DEFAULT_REQUEST_TIMEOUT, PushOutcome, USER_AGENT,
};
pub use error::ApnsError;
pub use identity::ClientIdentity;
pub use retry::RetryPolicy;
pub use token::{MAX_DEVICE_TOKEN_LEN, is_valid_device_token};
