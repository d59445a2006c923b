-- Signing identities and the live pass limit.
--
-- `accounts.live_pass_count` counts the live passes an account has issued; issuing
-- a live pass increments it conditionally (below `live_pass_limit`) in the same
-- transaction as the pass insert, so the limit holds under concurrency. Voiding
-- does not decrement it.
--
-- `signing_identities` holds one identity per account (private key included: it
-- never leaves the server); `dev_identity` holds the single generated development
-- identity of the deployment (one row, id = 1), shared by every process.

ALTER TABLE accounts ADD COLUMN live_pass_count BIGINT NOT NULL DEFAULT 0;

UPDATE accounts SET live_pass_count = (
    SELECT count(*) FROM passes WHERE passes.account_id = accounts.id AND passes.mode = 'live'
);

CREATE TABLE signing_identities (
    account_id           TEXT        PRIMARY KEY REFERENCES accounts (id),
    pass_type_identifier TEXT        NOT NULL,
    team_identifier      TEXT        NOT NULL,
    certificate_pem      TEXT        NOT NULL,
    private_key_pem      TEXT        NOT NULL,
    wwdr_pem             TEXT        NOT NULL,
    not_after            TIMESTAMPTZ NOT NULL,
    updated_at           TIMESTAMPTZ NOT NULL
);

CREATE TABLE dev_identity (
    id                   INTEGER     PRIMARY KEY CHECK (id = 1),
    pass_type_identifier TEXT        NOT NULL,
    team_identifier      TEXT        NOT NULL,
    certificate_pem      TEXT        NOT NULL,
    private_key_pem      TEXT        NOT NULL,
    wwdr_pem             TEXT        NOT NULL,
    not_after            TIMESTAMPTZ NOT NULL,
    updated_at           TIMESTAMPTZ NOT NULL
);
