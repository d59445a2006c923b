-- Webhooks and their deliveries.
--
-- `webhook_deliveries` is the outbox: every statement that writes a pass event also
-- inserts, in the same transaction, one row per enabled webhook of the event's
-- account and mode subscribed to its type, with a snapshot of the pass right after
-- the event (`pass_snapshot`, the pass row as JSON). Its id is
-- `whd_` + the first 24 hex digits of SHA-256('{event id}.{webhook id}').
--
-- `next_attempt_at` is what the API shows; `due_at` is when a worker may claim the
-- row: `next_attempt_at`, or, while a worker holds it (`lease_token`), the end of
-- that lease, so that a crashed worker's claim simply falls due again. Claims read
-- `webhook_deliveries_due_idx` with `FOR UPDATE SKIP LOCKED`.
--
-- Deleting a webhook deletes its deliveries (ON DELETE CASCADE): a hard delete.

CREATE TABLE webhooks (
    id                         TEXT        PRIMARY KEY,
    seq                        BIGINT      GENERATED ALWAYS AS IDENTITY,
    account_id                 TEXT        NOT NULL REFERENCES accounts (id),
    mode                       TEXT        NOT NULL CHECK (mode IN ('test', 'live')),
    url                        TEXT        NOT NULL,
    events                     JSONB       NOT NULL,
    description                TEXT,
    enabled                    BOOLEAN     NOT NULL,
    secret                     TEXT        NOT NULL,
    previous_secret            TEXT,
    previous_secret_expires_at TIMESTAMPTZ,
    created_at                 TIMESTAMPTZ NOT NULL,
    updated_at                 TIMESTAMPTZ NOT NULL,
    CHECK ((previous_secret IS NULL) = (previous_secret_expires_at IS NULL))
);

CREATE INDEX webhooks_scope_idx ON webhooks (account_id, mode, seq DESC);

CREATE TABLE webhook_deliveries (
    id              TEXT        PRIMARY KEY,
    seq             BIGINT      GENERATED ALWAYS AS IDENTITY,
    webhook_id      TEXT        NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    account_id      TEXT        NOT NULL,
    mode            TEXT        NOT NULL CHECK (mode IN ('test', 'live')),
    event_id        TEXT        NOT NULL REFERENCES pass_events (id),
    event_type      TEXT        NOT NULL,
    pass_snapshot   JSONB       NOT NULL,
    status          TEXT        NOT NULL
                                CHECK (status IN ('pending', 'failed', 'delivered', 'dead')),
    attempts        INTEGER     NOT NULL,
    last_attempt_at TIMESTAMPTZ,
    next_attempt_at TIMESTAMPTZ,
    response_status INTEGER,
    response_body   TEXT,
    created_at      TIMESTAMPTZ NOT NULL,
    due_at          TIMESTAMPTZ,
    lease_token     TEXT
);

-- The delivery log of a webhook, newest first (and the cascade of its delete).
CREATE INDEX webhook_deliveries_log_idx ON webhook_deliveries (webhook_id, seq DESC);
-- What is due, oldest first.
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (due_at, seq)
    WHERE due_at IS NOT NULL;
