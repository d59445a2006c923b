-- Bundles of passes (docs/api.md §12), as in migrations/postgres: written once,
-- read by id or by public short id through their unique indexes; `pass_ids` is
-- the JSON array of the pass ids in the order given.
CREATE TABLE bundles (
    id         TEXT    NOT NULL PRIMARY KEY,
    account_id TEXT    NOT NULL REFERENCES accounts (id),
    mode       TEXT    NOT NULL CHECK (mode IN ('test', 'live')),
    short_id   TEXT    NOT NULL UNIQUE,
    pass_ids   TEXT    NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
