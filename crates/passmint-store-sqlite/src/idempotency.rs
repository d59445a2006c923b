//! [`IdempotencyStore`], and the completion step the other writes embed.
//!
//! Taking a key runs on the writer, in one `BEGIN IMMEDIATE` transaction: an
//! `INSERT … ON CONFLICT DO NOTHING` takes a new key in one statement; only a key
//! already present is read, judged, and taken over when it may be (expired, or held
//! past its lock by a request with the same fingerprint). Writes are serialised, so
//! of N concurrent begins of one key exactly one sees its insert land (`Started`).
//! Times come from the request (`req.now`), never from the database clock.

use crate::SqliteStore;
use crate::error::{decode_error, store_error};
use crate::rows::IdemRow;
use crate::sql::{Bind, Stmt, micros};
use async_trait::async_trait;
use diesel::{OptionalExtension, RunQueryDsl, SqliteConnection};
use passmint_domain::StoreError;
use passmint_domain::idempotency::{
    IdemBegin, IdemCompletion, IdemRequest, IdemTicket, LOCK_TTL, RETENTION, StoredResponse,
};
use passmint_domain::ports::{IdempotencyStore, StoreResult};
use passmint_store_sql::statements::{COMPLETE_KEY, READ_KEY, RELEASE_KEY};
use time::OffsetDateTime;

/// `$1..$8`: account, mode, key, fingerprint, lock token, locked until, now,
/// expires at.
const INSERT: &str = "INSERT INTO idempotency_keys \
     (account_id, mode, key, fingerprint, lock_token, locked_until, created_at, expires_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
     ON CONFLICT (account_id, mode, key) DO NOTHING";

/// A new key stored already completed: [`INSERT`]'s binds, then `$9` the response
/// status and `$10` its body.
const INSERT_COMPLETED: &str = "INSERT INTO idempotency_keys \
     (account_id, mode, key, fingerprint, lock_token, locked_until, created_at, expires_at, \
     response_status, response_body) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
     ON CONFLICT (account_id, mode, key) DO NOTHING";

/// The statement that stores `claim`'s key completed with `response` if the key is
/// new (one row changed), and changes nothing when any record of it exists.
pub(crate) fn claim_completed(claim: &IdemRequest, response: &StoredResponse) -> Stmt {
    Stmt::new(
        INSERT_COMPLETED,
        vec![
            Bind::text(claim.scope.account_id.as_str()),
            Bind::text(claim.scope.mode.as_str()),
            Bind::text(&claim.key),
            Bind::text(&claim.fingerprint),
            Bind::text(&claim.lock_token),
            Bind::time(claim.now + LOCK_TTL),
            Bind::time(claim.now),
            Bind::time(claim.now + RETENTION),
            Bind::Integer(i32::from(response.status)),
            Bind::Blob(response.body.clone()),
        ],
    )
}

/// The same binds as [`INSERT`]: the request becomes the key's holder.
pub(crate) const TAKE_OVER: &str = "UPDATE idempotency_keys SET fingerprint = $4, lock_token = $5, \
     locked_until = $6, created_at = $7, expires_at = $8, \
     response_status = NULL, response_body = NULL \
     WHERE account_id = $1 AND mode = $2 AND key = $3";

/// The statement that records `c`'s response, changing one row only while the
/// ticket still holds its key.
pub(crate) fn completion(c: &IdemCompletion) -> Stmt {
    Stmt::new(
        COMPLETE_KEY,
        vec![
            Bind::Integer(i32::from(c.response.status)),
            Bind::Blob(c.response.body.clone()),
            Bind::text(c.ticket.scope.account_id.as_str()),
            Bind::text(c.ticket.scope.mode.as_str()),
            Bind::text(&c.ticket.key),
            Bind::text(&c.ticket.lock_token),
        ],
    )
}

/// Runs the [`completion`] statement: `IdempotencyKeyLost` when the ticket lost its key (the
/// caller's transaction then rolls back).
pub(crate) fn complete(conn: &mut SqliteConnection, completion: Stmt) -> StoreResult<()> {
    match completion.execute(conn).map_err(store_error)? {
        0 => Err(key_lost()),
        _ => Ok(()),
    }
}

impl SqliteStore {
    /// Runs `insert`; with `idem`, in one transaction with the completion, so that
    /// a lost ticket inserts nothing.
    pub(crate) async fn insert_completing(
        &self,
        insert: Stmt,
        idem: Option<&IdemCompletion>,
    ) -> StoreResult<()> {
        match idem.map(completion) {
            None => {
                self.write(move |conn| insert.execute(conn).map(drop).map_err(store_error))
                    .await
            }
            Some(done) => {
                self.write_tx(move |conn| {
                    complete(conn, done)?;
                    insert.execute(conn).map(drop).map_err(store_error)
                })
                .await
            }
        }
    }
}

/// The refusal reported when a ticket no longer holds its key.
pub(crate) fn key_lost() -> StoreError {
    StoreError::IdempotencyKeyLost
}

/// Why a present key cannot be taken, from its row; `None` when it may be taken
/// (expired, or held past its lock by a request with the same fingerprint).
fn verdict(row: IdemRow, fingerprint: &str, now: i64) -> StoreResult<Option<IdemBegin>> {
    if row.expires_at <= now {
        return Ok(None);
    }
    if row.fingerprint != fingerprint {
        return Ok(Some(IdemBegin::Mismatch));
    }
    match (row.response_status, row.response_body) {
        (Some(status), Some(body)) => Ok(Some(IdemBegin::Replay(StoredResponse {
            status: u16::try_from(status).map_err(|e| decode_error("response status", e))?,
            body,
        }))),
        _ if row.locked_until <= now => Ok(None),
        _ => Ok(Some(IdemBegin::InUse)),
    }
}

#[async_trait]
impl IdempotencyStore for SqliteStore {
    async fn begin_idempotent(&self, req: &IdemRequest) -> StoreResult<IdemBegin> {
        let locked_until: OffsetDateTime = req.now + LOCK_TTL;
        let expires_at: OffsetDateTime = req.now + RETENTION;
        let now = micros(req.now);
        let binds = vec![
            Bind::text(req.scope.account_id.as_str()),
            Bind::text(req.scope.mode.as_str()),
            Bind::text(&req.key),
            Bind::text(&req.fingerprint),
            Bind::text(&req.lock_token),
            Bind::time(locked_until),
            Bind::BigInt(now),
            Bind::time(expires_at),
        ];
        let read = Stmt::new(READ_KEY, binds[..3].to_vec());
        let insert = Stmt::new(INSERT, binds);
        let fingerprint = req.fingerprint.clone();
        let ticket = IdemTicket {
            scope: req.scope.clone(),
            key: req.key.clone(),
            lock_token: req.lock_token.clone(),
        };
        self.write_tx(move |conn| {
            if (&insert).execute(conn).map_err(store_error)? == 1 {
                return Ok(IdemBegin::Started(ticket));
            }
            let row = read
                .get_result::<IdemRow>(conn)
                .optional()
                .map_err(store_error)?
                .ok_or_else(|| {
                    StoreError::Backend("an idempotency key conflicted but cannot be read".into())
                })?;
            if let Some(verdict) = verdict(row, &fingerprint, now)? {
                return Ok(verdict);
            }
            Stmt::new(TAKE_OVER, insert.into_binds())
                .execute(conn)
                .map_err(store_error)?;
            Ok(IdemBegin::Started(ticket))
        })
        .await
    }

    async fn complete_idempotent(&self, c: &IdemCompletion) -> StoreResult<()> {
        let stmt = completion(c);
        self.write(move |conn| complete(conn, stmt)).await
    }

    async fn release_idempotent(&self, ticket: &IdemTicket) -> StoreResult<()> {
        let stmt = Stmt::new(
            RELEASE_KEY,
            vec![
                Bind::text(ticket.scope.account_id.as_str()),
                Bind::text(ticket.scope.mode.as_str()),
                Bind::text(&ticket.key),
                Bind::text(&ticket.lock_token),
            ],
        );
        self.write(move |conn| stmt.execute(conn).map(drop).map_err(store_error))
            .await
    }

    async fn purge_idempotent(&self, now: OffsetDateTime, limit: u32) -> StoreResult<u64> {
        let batch = passmint_store_sql::retention::purge_keys(now, limit);
        self.delete_batch(batch).await
    }
}
