-- Passmint's storage on SQLite: the tables of migrations/postgres, in SQLite's types.
--
-- - Every table is STRICT, so a value of the wrong type is refused, not coerced.
-- - Timestamps are INTEGER microseconds since the Unix epoch (UTC): exact to the
--   microsecond the domain keeps, compact, and ordered as numbers.
-- - JSON documents are TEXT (serde_json in and out); booleans are INTEGER 0 or 1.
-- - Every listed table's `seq INTEGER PRIMARY KEY` is its rowid: SQLite gives a new
--   row max(seq) + 1, so `seq` is the insertion order (rows are never deleted, and
--   a new row is newer than every existing one even if they were, so AUTOINCREMENT's
--   extra bookkeeping buys nothing). Lists are newest first by `seq`, and a cursor
--   page seeks from the cursor's `seq` through an index that starts with the list's
--   scope, so any page costs O(limit). The public `id` is UNIQUE.

CREATE TABLE accounts (
    id              TEXT    NOT NULL PRIMARY KEY,
    name            TEXT    NOT NULL,
    live_pass_limit INTEGER,
    created_at      INTEGER NOT NULL
) STRICT;

CREATE TABLE api_keys (
    id             TEXT    NOT NULL PRIMARY KEY,
    account_id     TEXT    NOT NULL REFERENCES accounts (id),
    mode           TEXT    NOT NULL CHECK (mode IN ('test', 'live')),
    key_hash       TEXT    NOT NULL UNIQUE,
    display_prefix TEXT    NOT NULL,
    created_at     INTEGER NOT NULL,
    revoked_at     INTEGER
) STRICT;

CREATE INDEX api_keys_account_idx ON api_keys (account_id);

CREATE TABLE templates (
    seq         INTEGER PRIMARY KEY,
    id          TEXT    NOT NULL UNIQUE,
    account_id  TEXT    NOT NULL REFERENCES accounts (id),
    name        TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    apple_style TEXT    NOT NULL,
    design      TEXT    NOT NULL,
    archived    INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1)),
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;

-- The template list shows only templates in use (queries say `archived = 0`, the
-- same term as this index's, so that SQLite may use it).
CREATE INDEX templates_list_idx ON templates (account_id, seq DESC) WHERE archived = 0;

CREATE TABLE passes (
    seq             INTEGER PRIMARY KEY,
    id              TEXT    NOT NULL UNIQUE,
    account_id      TEXT    NOT NULL REFERENCES accounts (id),
    mode            TEXT    NOT NULL CHECK (mode IN ('test', 'live')),
    template_id     TEXT    NOT NULL REFERENCES templates (id),
    short_id        TEXT    NOT NULL UNIQUE,
    serial_number   TEXT    NOT NULL UNIQUE,
    auth_token      TEXT    NOT NULL,
    holder_email    TEXT,
    holder_name     TEXT,
    field_values    TEXT    NOT NULL,
    metadata        TEXT    NOT NULL,
    voided_at       INTEGER,
    created_via_api INTEGER NOT NULL CHECK (created_via_api IN (0, 1)),
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    version         INTEGER NOT NULL
) STRICT;

CREATE INDEX passes_list_idx ON passes (account_id, mode, seq DESC);
CREATE INDEX passes_template_idx ON passes (account_id, mode, template_id, seq DESC);
CREATE INDEX passes_holder_email_idx ON passes (account_id, mode, holder_email, seq DESC);

CREATE TABLE pass_events (
    seq        INTEGER PRIMARY KEY,
    id         TEXT    NOT NULL UNIQUE,
    account_id TEXT    NOT NULL,
    mode       TEXT    NOT NULL CHECK (mode IN ('test', 'live')),
    pass_id    TEXT    NOT NULL REFERENCES passes (id),
    kind       TEXT    NOT NULL,
    metadata   TEXT    NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;

CREATE INDEX pass_events_list_idx ON pass_events (account_id, mode, seq DESC);
-- PostgreSQL's pass_events_pass_idx is (pass_id, seq DESC); SQLite's planner, which
-- has no statistics here, prefers the index with the most equality columns, so the
-- one-pass list gets an index that starts with the scope too.
CREATE INDEX pass_events_pass_idx ON pass_events (account_id, mode, pass_id, seq DESC);

-- One row per (account, mode, Idempotency-Key). `lock_token` names the request that
-- holds the key; the response columns stay NULL until it completes.
CREATE TABLE idempotency_keys (
    account_id      TEXT    NOT NULL,
    mode            TEXT    NOT NULL CHECK (mode IN ('test', 'live')),
    key             TEXT    NOT NULL,
    fingerprint     TEXT    NOT NULL,
    lock_token      TEXT    NOT NULL,
    locked_until    INTEGER NOT NULL,
    response_status INTEGER,
    response_body   BLOB,
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    PRIMARY KEY (account_id, mode, key),
    CHECK ((response_status IS NULL) = (response_body IS NULL))
) STRICT;

CREATE INDEX idempotency_keys_expires_idx ON idempotency_keys (expires_at);
