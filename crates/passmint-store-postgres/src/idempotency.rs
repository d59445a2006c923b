//! [`IdempotencyStore`], and the completion step the other writes embed.
//!
//! Taking a key is one upsert: `INSERT … ON CONFLICT DO UPDATE … WHERE <the key may
//! be taken>`. PostgreSQL serialises concurrent upserts of one key on its row lock
//! and re-evaluates the `WHERE` against the latest row, so of N concurrent begins
//! exactly one sees a returned row (`Started`). Only a begin that finds the key
//! held reads the row once more to say why (`Replay`, `Mismatch` or `InUse`).
//! Times come from the request (`req.now`), never from the database clock.

use crate::error::{decode_error, store_error};
use crate::sql::{Bind, Stmt};
use crate::{Conn, PgStore};
use async_trait::async_trait;
use diesel::QueryableByName;
use diesel::sql_types::{Binary, Integer, Nullable, Text, Timestamptz};
use diesel_async::RunQueryDsl;
use passmint_domain::StoreError;
use passmint_domain::idempotency::{
    IdemBegin, IdemCompletion, IdemRequest, IdemTicket, LOCK_TTL, RETENTION, StoredResponse,
};
use passmint_domain::ports::{IdempotencyStore, StoreResult};
use passmint_store_sql::statements::{COMPLETE_KEY, READ_KEY, RELEASE_KEY};
use time::OffsetDateTime;

/// Takes the key when it is new, expired, or held by a dead request with the same
/// fingerprint; returns a row only when it did.
///
/// Its commit does not wait for the WAL flush (`synchronous_commit` off for this
/// one transaction): that halves the disk flushes of an idempotent write. It is
/// safe because nothing else depends on the lock row being durable on its own: the
/// write that completes the key commits synchronously and so flushes the WAL up to
/// and including the lock, and a lock lost in a crash before that only frees a key
/// whose request had no effect. Visibility to concurrent requests is unchanged.
const BEGIN: &str = "INSERT INTO idempotency_keys AS k \
     (account_id, mode, key, fingerprint, lock_token, locked_until, created_at, expires_at) \
     SELECT $1, $2, $3, $4, $5, $6, $7, $8 \
     FROM (SELECT set_config('synchronous_commit', 'off', true)) AS async_commit \
     ON CONFLICT (account_id, mode, key) DO UPDATE SET \
     fingerprint = EXCLUDED.fingerprint, lock_token = EXCLUDED.lock_token, \
     locked_until = EXCLUDED.locked_until, created_at = EXCLUDED.created_at, \
     expires_at = EXCLUDED.expires_at, response_status = NULL, response_body = NULL \
     WHERE k.expires_at <= EXCLUDED.created_at \
     OR (k.response_status IS NULL AND k.locked_until <= EXCLUDED.created_at \
     AND k.fingerprint = EXCLUDED.fingerprint) \
     RETURNING k.fingerprint, k.locked_until, k.expires_at, k.response_status, k.response_body";

/// A begin that lost its race retries this many times when the row it lost to
/// vanished (released or purged) before it could be read.
const BEGIN_ATTEMPTS: usize = 4;

/// The `done` CTE of a write that completes a ticket atomically with it: it updates
/// the record only while the ticket still holds it, and returns one row when it
/// did. Its placeholders are `$first` to `$first + 5`, bound by
/// [`completion_binds`].
pub(crate) fn completion_cte(first: usize) -> String {
    let p = |i: usize| first + i;
    format!(
        "done AS (UPDATE idempotency_keys SET response_status = ${}, response_body = ${} \
         WHERE account_id = ${} AND mode = ${} AND key = ${} AND lock_token = ${} \
         AND response_status IS NULL RETURNING 1)",
        p(0),
        p(1),
        p(2),
        p(3),
        p(4),
        p(5)
    )
}

/// The writes of a row kept by version (its `updated_at`): its insert and its
/// versioned update (`updated`, `completed`, `found`), each alone and with an
/// idempotency completion after the row's values.
pub(crate) struct RowWrites {
    pub(crate) insert: String,
    pub(crate) insert_completing: String,
    pub(crate) update: String,
    pub(crate) update_completing: String,
}

impl RowWrites {
    /// The writes of `table`: its `columns` bound to `$1`, `$2`, … in order, `set`
    /// the update's new values, `scope` (an SQL condition) the rows it may update,
    /// the expected `updated_at` the placeholder after the columns.
    pub(crate) fn new(table: &str, columns: &str, set: &str, scope: &str) -> Self {
        let expected = columns.split(',').count() + 1;
        RowWrites {
            insert: insert_row_sql(table, columns, false),
            insert_completing: insert_row_sql(table, columns, true),
            update: versioned_update_sql(table, set, scope, expected, false),
            update_completing: versioned_update_sql(table, set, scope, expected, true),
        }
    }
}

/// The insert of one row of `table`, its `columns` bound to `$1`, `$2`, … in order;
/// `completing`, the same only while the `done` completion (its placeholders after
/// the row's) holds its ticket, so that a lost ticket inserts nothing.
pub(crate) fn insert_row_sql(table: &str, columns: &str, completing: bool) -> String {
    let n = columns.split(',').count();
    let values = (1..=n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ");
    if completing {
        format!(
            "WITH {} INSERT INTO {table} ({columns}) SELECT {values} FROM done",
            completion_cte(n + 1)
        )
    } else {
        format!("INSERT INTO {table} ({columns}) VALUES ({values})")
    }
}

/// `updated`, `completed`, `found`: the update of row `$1` of `table` within `scope`
/// (an SQL condition) to `set` while its `updated_at` is `$expected`; `completing`,
/// with the `done` completion, its placeholders after `$expected`.
fn versioned_update_sql(
    table: &str,
    set: &str,
    scope: &str,
    expected: usize,
    completing: bool,
) -> String {
    let (done, completed) = if completing {
        (
            format!("{}, ", completion_cte(expected + 1)),
            "(SELECT count(*) FROM done)",
        )
    } else {
        (String::new(), "1::bigint")
    };
    format!(
        "WITH {done}u AS (UPDATE {table} SET {set} \
         WHERE id = $1 AND {scope} AND updated_at = ${expected} RETURNING 1) \
         SELECT (SELECT count(*) FROM u) AS updated, {completed} AS completed, \
         EXISTS (SELECT 1 FROM {table} WHERE id = $1 AND {scope}) AS found"
    )
}

/// The statement of a write with or without an idempotency completion: `plain`, or
/// `completing` with the completion's binds after the write's.
pub(crate) fn with_completion<'a>(
    binds: &mut Vec<Bind<'a>>,
    idem: Option<&'a IdemCompletion>,
    plain: &'static str,
    completing: &'static str,
) -> &'static str {
    match idem {
        None => plain,
        Some(c) => {
            binds.extend(completion_binds(c));
            completing
        }
    }
}

/// Runs an insert of [`insert_row_sql`]: `IdempotencyKeyLost` when it inserted
/// nothing (its ticket lost its key).
pub(crate) async fn insert_row(
    conn: &mut Conn,
    sql: &'static str,
    binds: Vec<Bind<'_>>,
) -> StoreResult<()> {
    let inserted = Stmt::new(sql, binds).exec(conn).await?;
    if inserted == 0 {
        return Err(key_lost());
    }
    Ok(())
}

pub(crate) fn completion_binds(c: &IdemCompletion) -> [Bind<'_>; 6] {
    [
        Bind::Integer(i32::from(c.response.status)),
        Bind::Bytea(&c.response.body),
        Bind::Text(c.ticket.scope.account_id.as_str()),
        Bind::Text(c.ticket.scope.mode.as_str()),
        Bind::Text(&c.ticket.key),
        Bind::Text(&c.ticket.lock_token),
    ]
}

/// The refusal reported when a ticket no longer holds its key.
pub(crate) fn key_lost() -> StoreError {
    StoreError::IdempotencyKeyLost
}

/// Why a key could not be taken, from its current row; `None` when the row would
/// have let us take it (it changed between the two statements: try again).
fn verdict(row: &IdemRow, req: &IdemRequest) -> StoreResult<Option<IdemBegin>> {
    if row.expires_at <= req.now {
        return Ok(None);
    }
    if row.fingerprint != req.fingerprint {
        return Ok(Some(IdemBegin::Mismatch));
    }
    match (row.response_status, &row.response_body) {
        (Some(status), Some(body)) => Ok(Some(IdemBegin::Replay(StoredResponse {
            status: u16::try_from(status).map_err(|e| decode_error("response status", e))?,
            body: body.clone(),
        }))),
        _ if row.locked_until <= req.now => Ok(None),
        _ => Ok(Some(IdemBegin::InUse)),
    }
}

#[async_trait]
impl IdempotencyStore for PgStore {
    async fn begin_idempotent(&self, req: &IdemRequest) -> StoreResult<IdemBegin> {
        let mut conn = self.conn().await?;
        let locked_until: OffsetDateTime = req.now + LOCK_TTL;
        let expires_at: OffsetDateTime = req.now + RETENTION;
        for _ in 0..BEGIN_ATTEMPTS {
            let taken = Stmt::new(
                BEGIN,
                vec![
                    Bind::Text(req.scope.account_id.as_str()),
                    Bind::Text(req.scope.mode.as_str()),
                    Bind::Text(&req.key),
                    Bind::Text(&req.fingerprint),
                    Bind::Text(&req.lock_token),
                    Bind::Timestamptz(locked_until),
                    Bind::Timestamptz(req.now),
                    Bind::Timestamptz(expires_at),
                ],
            )
            .load::<IdemRow>(&mut conn)
            .await
            .map_err(store_error)?;
            if !taken.is_empty() {
                return Ok(IdemBegin::Started(IdemTicket {
                    scope: req.scope.clone(),
                    key: req.key.clone(),
                    lock_token: req.lock_token.clone(),
                }));
            }
            let current = Stmt::new(
                READ_KEY,
                vec![
                    Bind::Text(req.scope.account_id.as_str()),
                    Bind::Text(req.scope.mode.as_str()),
                    Bind::Text(&req.key),
                ],
            )
            .load::<IdemRow>(&mut conn)
            .await
            .map_err(store_error)?;
            if let Some(row) = <[IdemRow]>::first(&current)
                && let Some(verdict) = verdict(row, req)?
            {
                return Ok(verdict);
            }
        }
        // The key keeps changing hands under us: some other request holds it.
        Ok(IdemBegin::InUse)
    }

    async fn complete_idempotent(&self, completion: &IdemCompletion) -> StoreResult<()> {
        let mut conn = self.conn().await?;
        let updated = Stmt::new(COMPLETE_KEY, completion_binds(completion).into())
            .exec(&mut conn)
            .await?;
        if updated == 0 {
            return Err(key_lost());
        }
        Ok(())
    }

    async fn release_idempotent(&self, ticket: &IdemTicket) -> StoreResult<()> {
        let mut conn = self.conn().await?;
        Stmt::new(
            RELEASE_KEY,
            vec![
                Bind::Text(ticket.scope.account_id.as_str()),
                Bind::Text(ticket.scope.mode.as_str()),
                Bind::Text(&ticket.key),
                Bind::Text(&ticket.lock_token),
            ],
        )
        .exec(&mut conn)
        .await?;
        Ok(())
    }

    async fn purge_idempotent(&self, now: OffsetDateTime, limit: u32) -> StoreResult<u64> {
        let batch = passmint_store_sql::retention::purge_keys(now, limit);
        self.delete_batch(batch).await
    }
}

/// The stored state of an idempotency key that could not be taken.
#[derive(QueryableByName)]
pub(crate) struct IdemRow {
    #[diesel(sql_type = Text)]
    pub(crate) fingerprint: String,
    #[diesel(sql_type = Timestamptz)]
    pub(crate) locked_until: OffsetDateTime,
    #[diesel(sql_type = Timestamptz)]
    pub(crate) expires_at: OffsetDateTime,
    #[diesel(sql_type = Nullable<Integer>)]
    pub(crate) response_status: Option<i32>,
    #[diesel(sql_type = Nullable<Binary>)]
    pub(crate) response_body: Option<Vec<u8>>,
}
