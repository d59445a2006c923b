-- Passmint's storage: accounts and keys, templates, passes, pass events and
-- idempotency records.
--
-- Every listed table carries `seq`, an identity column giving the insertion order:
-- lists are newest first by `seq`, and a cursor page seeks from the cursor's `seq`
-- through an index that starts with the list's scope, so any page costs O(limit).

CREATE TABLE accounts (
    id              TEXT        PRIMARY KEY,
    name            TEXT        NOT NULL,
    live_pass_limit BIGINT,
    created_at      TIMESTAMPTZ NOT NULL
);

CREATE TABLE api_keys (
    id             TEXT        PRIMARY KEY,
    account_id     TEXT        NOT NULL REFERENCES accounts (id),
    mode           TEXT        NOT NULL CHECK (mode IN ('test', 'live')),
    key_hash       TEXT        NOT NULL UNIQUE,
    display_prefix TEXT        NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    revoked_at     TIMESTAMPTZ
);

CREATE INDEX api_keys_account_idx ON api_keys (account_id);

CREATE TABLE templates (
    id          TEXT        PRIMARY KEY,
    seq         BIGINT      GENERATED ALWAYS AS IDENTITY,
    account_id  TEXT        NOT NULL REFERENCES accounts (id),
    name        TEXT        NOT NULL,
    kind        TEXT        NOT NULL,
    apple_style TEXT        NOT NULL,
    design      JSONB       NOT NULL,
    archived    BOOLEAN     NOT NULL DEFAULT FALSE,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);

-- The template list shows only templates in use.
CREATE INDEX templates_list_idx ON templates (account_id, seq DESC) WHERE NOT archived;

CREATE TABLE passes (
    id              TEXT        PRIMARY KEY,
    seq             BIGINT      GENERATED ALWAYS AS IDENTITY,
    account_id      TEXT        NOT NULL REFERENCES accounts (id),
    mode            TEXT        NOT NULL CHECK (mode IN ('test', 'live')),
    template_id     TEXT        NOT NULL REFERENCES templates (id),
    short_id        TEXT        NOT NULL UNIQUE,
    serial_number   TEXT        NOT NULL UNIQUE,
    auth_token      TEXT        NOT NULL,
    holder_email    TEXT,
    holder_name     TEXT,
    field_values    JSONB       NOT NULL,
    metadata        JSONB       NOT NULL,
    voided_at       TIMESTAMPTZ,
    created_via_api BOOLEAN     NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    version         BIGINT      NOT NULL
);

CREATE INDEX passes_list_idx ON passes (account_id, mode, seq DESC);
CREATE INDEX passes_template_idx ON passes (account_id, mode, template_id, seq DESC);
CREATE INDEX passes_holder_email_idx ON passes (account_id, mode, holder_email, seq DESC);

CREATE TABLE pass_events (
    id         TEXT        PRIMARY KEY,
    seq        BIGINT      GENERATED ALWAYS AS IDENTITY,
    account_id TEXT        NOT NULL,
    mode       TEXT        NOT NULL CHECK (mode IN ('test', 'live')),
    pass_id    TEXT        NOT NULL REFERENCES passes (id),
    kind       TEXT        NOT NULL,
    metadata   JSONB       NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE INDEX pass_events_list_idx ON pass_events (account_id, mode, seq DESC);
CREATE INDEX pass_events_pass_idx ON pass_events (pass_id, seq DESC);

-- One row per (account, mode, Idempotency-Key). `lock_token` names the request that
-- holds the key; the response columns stay NULL until it completes.
CREATE TABLE idempotency_keys (
    account_id      TEXT        NOT NULL,
    mode            TEXT        NOT NULL CHECK (mode IN ('test', 'live')),
    key             TEXT        NOT NULL,
    fingerprint     TEXT        NOT NULL,
    lock_token      TEXT        NOT NULL,
    locked_until    TIMESTAMPTZ NOT NULL,
    response_status INTEGER,
    response_body   BYTEA,
    created_at      TIMESTAMPTZ NOT NULL,
    expires_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (account_id, mode, key),
    CHECK ((response_status IS NULL) = (response_body IS NULL))
);

CREATE INDEX idempotency_keys_expires_idx ON idempotency_keys (expires_at);
