-- Webhooks and their deliveries (see migrations/postgres for the design): the
-- deliveries are the outbox, written in each event's transaction with a snapshot
-- of the pass (`pass_snapshot`, JSON); `due_at` is `next_attempt_at`, or the end of
-- the lease of the worker holding the row (`lease_token`). Deleting a webhook
-- deletes its deliveries.
--
-- `seq` is the insertion order as in the other tables: rows of these two tables are
-- deleted, but SQLite gives a new row max(seq) + 1, still newer than every row left.

CREATE TABLE webhooks (
    seq                        INTEGER PRIMARY KEY,
    id                         TEXT    NOT NULL UNIQUE,
    account_id                 TEXT    NOT NULL REFERENCES accounts (id),
    mode                       TEXT    NOT NULL CHECK (mode IN ('test', 'live')),
    url                        TEXT    NOT NULL,
    events                     TEXT    NOT NULL,
    description                TEXT,
    enabled                    INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    secret                     TEXT    NOT NULL,
    previous_secret            TEXT,
    previous_secret_expires_at INTEGER,
    created_at                 INTEGER NOT NULL,
    updated_at                 INTEGER NOT NULL,
    CHECK ((previous_secret IS NULL) = (previous_secret_expires_at IS NULL))
) STRICT;

CREATE INDEX webhooks_scope_idx ON webhooks (account_id, mode, seq DESC);

CREATE TABLE webhook_deliveries (
    seq             INTEGER PRIMARY KEY,
    id              TEXT    NOT NULL UNIQUE,
    webhook_id      TEXT    NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    account_id      TEXT    NOT NULL,
    mode            TEXT    NOT NULL CHECK (mode IN ('test', 'live')),
    event_id        TEXT    NOT NULL REFERENCES pass_events (id),
    event_type      TEXT    NOT NULL,
    pass_snapshot   TEXT    NOT NULL,
    status          TEXT    NOT NULL
                            CHECK (status IN ('pending', 'failed', 'delivered', 'dead')),
    attempts        INTEGER NOT NULL,
    last_attempt_at INTEGER,
    next_attempt_at INTEGER,
    response_status INTEGER,
    response_body   TEXT,
    created_at      INTEGER NOT NULL,
    due_at          INTEGER,
    lease_token     TEXT
) STRICT;

CREATE INDEX webhook_deliveries_log_idx ON webhook_deliveries (webhook_id, seq DESC);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (due_at, seq)
    WHERE due_at IS NOT NULL;
