#![doc = include_str!("../README.md")]

mod binds;
pub mod blocking;
mod bundles;
mod claims;
mod dialect;
mod diesel_glue;
mod list;
pub mod placeholders;
pub mod retention;
mod rows;
pub mod sealing;
pub mod statements;
mod webhooks;

pub use binds::{
    account_binds, api_key_binds, event_binds, pass_binds, scope_binds, signing_binds,
    template_binds,
};
pub use bundles::{BUNDLE_COLUMNS, FIND_BUNDLE, GET_BUNDLE, INSERT_BUNDLE, bundle_binds};
pub use claims::{Claimable, Lenient, decoded};
pub use dialect::{Columns, Prefixed, SqlBind, decode_error, json_error};
pub use list::{List, event_list, exists, pass_list, template_list};
pub use rows::{
    ACCOUNT_COLUMNS, API_KEY_COLUMNS, CreatedAt, Decode, EVENT_COLUMNS, EXPIRY_COLUMNS,
    PASS_COLUMNS, PUSH_JOB_COLUMNS, PassSnapshot, REGISTRATION_COLUMNS, SIGNING_COLUMNS,
    SnapshotTime, TEMPLATE_COLUMNS,
};
pub use webhooks::{Claimed, DELIVERY_COLUMNS, WEBHOOK_COLUMNS, claim_select, webhook_binds};
