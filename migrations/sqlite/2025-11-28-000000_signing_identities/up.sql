-- Signing identities and the live pass limit (see migrations/postgres for the
-- design): `accounts.live_pass_count` is incremented conditionally in the pass
-- insert's transaction; `signing_identities` has one row per account and
-- `dev_identity` the deployment's one development identity (id = 1).

ALTER TABLE accounts ADD COLUMN live_pass_count INTEGER NOT NULL DEFAULT 0;

UPDATE accounts SET live_pass_count = (
    SELECT count(*) FROM passes WHERE passes.account_id = accounts.id AND passes.mode = 'live'
);

CREATE TABLE signing_identities (
    account_id           TEXT    NOT NULL PRIMARY KEY REFERENCES accounts (id),
    pass_type_identifier TEXT    NOT NULL,
    team_identifier      TEXT    NOT NULL,
    certificate_pem      TEXT    NOT NULL,
    private_key_pem      TEXT    NOT NULL,
    wwdr_pem             TEXT    NOT NULL,
    not_after            INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL
) STRICT;

CREATE TABLE dev_identity (
    id                   INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    pass_type_identifier TEXT    NOT NULL,
    team_identifier      TEXT    NOT NULL,
    certificate_pem      TEXT    NOT NULL,
    private_key_pem      TEXT    NOT NULL,
    wwdr_pem             TEXT    NOT NULL,
    not_after            INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL
) STRICT;
