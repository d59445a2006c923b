//! The statements both engines run with the same text: reads by key, the simple
//! inserts and upserts, and the webhook log. Each adapter keeps those that differ.
//!
//! A row found by its unique key is found through that key's index alone, whatever
//! the planner's statistics say. Its other conditions (the scope: account, mode,
//! webhook) are checked on the row found, written `(account_id, mode) IS NOT
//! DISTINCT FROM ($2, $3)`: the same test as `=` on these NOT NULL columns, but one
//! no index serves, so an index that leads with the scope (every list index does)
//! cannot compete with the key's. Without it, PostgreSQL may answer
//! `id = $1 AND account_id = $2 AND mode = $3` from a list index and filter every
//! pass of the account (a table never ANALYZEd estimates both paths alike).

use crate::rows::{
    ACCOUNT_COLUMNS, API_KEY_COLUMNS, EXPIRY_COLUMNS, PASS_COLUMNS, SIGNING_COLUMNS,
    TEMPLATE_COLUMNS,
};
use crate::webhooks::{DELIVERY_COLUMNS, WEBHOOK_COLUMNS};
use std::sync::LazyLock;

/// The scope `$2`, `$3` of a row found by its key `$1`, checked on the row found
/// (see the module's documentation).
pub const SCOPE: &str = "(account_id, mode) IS NOT DISTINCT FROM ($2, $3)";
/// The account `$2` of a template found by its key `$1`, checked on the row found.
pub const TEMPLATE_SCOPE: &str = "account_id IS NOT DISTINCT FROM $2";

pub const INSERT_ACCOUNT: &str =
    "INSERT INTO accounts (id, name, live_pass_limit, created_at) VALUES ($1, $2, $3, $4)";
pub const INSERT_API_KEY: &str = "INSERT INTO api_keys \
     (id, account_id, mode, key_hash, display_prefix, created_at, revoked_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7)";
pub static GET_ACCOUNT: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = $1"));
pub static FIND_API_KEY: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {API_KEY_COLUMNS} FROM api_keys WHERE key_hash = $1"));
pub static REVOKE_API_KEY: LazyLock<String> = LazyLock::new(|| {
    format!(
        "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $2) WHERE key_hash = $1 \
         RETURNING {API_KEY_COLUMNS}"
    )
});

pub static LIST_API_KEYS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {API_KEY_COLUMNS} FROM api_keys WHERE account_id = $1 \
         ORDER BY created_at DESC, id DESC"
    )
});
pub static REVOKE_API_KEY_BY_ID: LazyLock<String> = LazyLock::new(|| {
    format!(
        "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1 \
         RETURNING {API_KEY_COLUMNS}"
    )
});

/// Moved by a trigger on `api_keys.revoked_at` (the `key_revocations` migration).
pub const REVOCATION_GENERATION: &str = "SELECT generation AS n FROM key_revocations WHERE id = 1";

/// `$1` the account, `$2..$8` the identity.
pub static SET_SIGNING: LazyLock<String> = LazyLock::new(|| {
    format!(
        "INSERT INTO signing_identities (account_id, {SIGNING_COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (account_id) DO UPDATE SET \
         pass_type_identifier = excluded.pass_type_identifier, \
         team_identifier = excluded.team_identifier, \
         certificate_pem = excluded.certificate_pem, \
         private_key_pem = excluded.private_key_pem, wwdr_pem = excluded.wwdr_pem, \
         not_after = excluded.not_after, updated_at = excluded.updated_at"
    )
});
pub static GET_SIGNING: LazyLock<String> = LazyLock::new(|| {
    format!("SELECT {SIGNING_COLUMNS} FROM signing_identities WHERE account_id = $1")
});
pub static GET_DEV: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {SIGNING_COLUMNS} FROM dev_identity WHERE id = 1"));
pub static INSERT_DEV: LazyLock<String> = LazyLock::new(|| {
    format!(
        "INSERT INTO dev_identity (id, {SIGNING_COLUMNS}) VALUES (1, $1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (id) DO NOTHING"
    )
});
pub static EXPIRING: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {EXPIRY_COLUMNS} FROM signing_identities WHERE not_after < $1 \
         ORDER BY not_after, account_id"
    )
});

pub static GET_TEMPLATE: LazyLock<String> = LazyLock::new(|| {
    format!("SELECT {TEMPLATE_COLUMNS} FROM templates WHERE id = $1 AND {TEMPLATE_SCOPE}")
});

pub static GET_PASS: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {PASS_COLUMNS} FROM passes WHERE id = $1 AND {SCOPE}"));
pub static FIND_BY_SHORT_ID: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {PASS_COLUMNS} FROM passes WHERE short_id = $1"));
pub static FIND_BY_SERIAL: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {PASS_COLUMNS} FROM passes WHERE serial_number = $1"));

pub static GET_WEBHOOK: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE id = $1 AND {SCOPE}"));
pub static LIST_WEBHOOKS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE account_id = $1 AND mode = $2 \
         ORDER BY seq DESC"
    )
});
/// `$1` the webhook, `$2`, `$3` its scope ([`SCOPE`]).
pub const DELETE_WEBHOOK: &str =
    "DELETE FROM webhooks WHERE id = $1 AND (account_id, mode) IS NOT DISTINCT FROM ($2, $3)";
/// `$1` the webhook, `$2`, `$3` its scope, `$4` the limit.
pub static LIST_DELIVERIES: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries \
         WHERE webhook_id = $1 AND account_id = $2 AND mode = $3 ORDER BY seq DESC LIMIT $4"
    )
});
/// `$1` the delivery, `$2` its webhook, `$3`, `$4` their scope, `$5` when it is due.
pub static RETRY_DELIVERY: LazyLock<String> = LazyLock::new(|| {
    format!(
        "UPDATE webhook_deliveries SET next_attempt_at = $5, due_at = $5, lease_token = NULL \
         WHERE id = $1 AND (webhook_id, account_id, mode) IS NOT DISTINCT FROM ($2, $3, $4) \
         RETURNING {DELIVERY_COLUMNS}"
    )
});

/// `$1`, `$2` the scope, `$3` the key.
pub const READ_KEY: &str = "SELECT fingerprint, locked_until, expires_at, response_status, \
     response_body FROM idempotency_keys WHERE account_id = $1 AND mode = $2 AND key = $3";
/// `$1`, `$2` the response, `$3..$5` the key, `$6` the ticket's lock token.
pub const COMPLETE_KEY: &str = "UPDATE idempotency_keys SET response_status = $1, \
     response_body = $2 \
     WHERE account_id = $3 AND mode = $4 AND key = $5 AND lock_token = $6 \
     AND response_status IS NULL";
/// `$1..$3` the key, `$4` the ticket's lock token.
pub const RELEASE_KEY: &str = "DELETE FROM idempotency_keys \
     WHERE account_id = $1 AND mode = $2 AND key = $3 AND lock_token = $4 \
     AND response_status IS NULL";
/// `$1` now, `$2` the most records deleted (docs/api.md §10).
pub const PURGE_KEYS: &str = "DELETE FROM idempotency_keys \
     WHERE (account_id, mode, key) IN (SELECT account_id, mode, key FROM idempotency_keys \
     WHERE expires_at <= $1 LIMIT $2)";

/// `$1` the cutoff, `$2` the most events deleted: the oldest events created at or
/// before the cutoff that no delivery refers to (`pass_events_created_idx`, and
/// `webhook_deliveries_event_idx` for the reference, docs/api.md §10); answers
/// the creation time of each.
pub const PURGE_EVENTS: &str = "DELETE FROM pass_events WHERE id IN (\
     SELECT e.id FROM pass_events e WHERE e.created_at <= $1 \
     AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = e.id) \
     ORDER BY e.created_at LIMIT $2) RETURNING created_at";

/// [`PURGE_EVENTS`] from `$3` on (created at or after it): the index scan starts
/// where the previous batch ended instead of walking over the entries of the rows
/// the earlier batches deleted, which stay in the index until a vacuum.
pub const PURGE_EVENTS_FROM: &str = "DELETE FROM pass_events WHERE id IN (\
     SELECT e.id FROM pass_events e WHERE e.created_at <= $1 AND e.created_at >= $3 \
     AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = e.id) \
     ORDER BY e.created_at LIMIT $2) RETURNING created_at";

/// `$1` the deliveries kept per webhook minus one, `$2` the most deleted: for each
/// webhook the `seq` of its newest kept delivery (`cut`, read from
/// `webhook_deliveries_log_idx`), then its settled deliveries before it
/// (docs/api.md §10).
pub const PRUNE_DELIVERIES: &str = "WITH cut AS (SELECT w.id AS webhook_id, \
     (SELECT x.seq FROM webhook_deliveries x WHERE x.webhook_id = w.id \
     ORDER BY x.seq DESC LIMIT 1 OFFSET $1) AS seq FROM webhooks w) \
     DELETE FROM webhook_deliveries WHERE id IN (\
     SELECT d.id FROM cut JOIN webhook_deliveries d \
     ON d.webhook_id = cut.webhook_id AND d.seq < cut.seq \
     WHERE d.status IN ('delivered', 'dead') AND d.due_at IS NULL AND d.lease_token IS NULL \
     LIMIT $2)";

/// `$1` the cutoff, `$2` now, `$3` the most jobs deleted: jobs created at or before
/// the cutoff and not under a lease that holds (docs/api.md §10).
pub const PURGE_PUSH_JOBS: &str = "DELETE FROM push_jobs WHERE id IN (\
     SELECT id FROM push_jobs WHERE created_at <= $1 \
     AND (lease_until IS NULL OR lease_until <= $2) ORDER BY id LIMIT $3)";
