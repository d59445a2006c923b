-- Bundles of passes (docs/api.md §12), written once and never changed. A bundle is
-- read by its id (its scope checked on the row found) or by its public short id,
-- each through its unique index. `pass_ids` is the JSON array of the pass ids in
-- the order given; the passes are never deleted, so no row refers to a missing one.
CREATE TABLE bundles (
    id         TEXT        PRIMARY KEY,
    account_id TEXT        NOT NULL REFERENCES accounts (id),
    mode       TEXT        NOT NULL CHECK (mode IN ('test', 'live')),
    short_id   TEXT        NOT NULL UNIQUE,
    pass_ids   JSONB       NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
