-- Apple Wallet devices: the wallet tag, device registrations and push jobs.
--
-- `passes.wallet_tag` is the tag of the pass's last change devices must hear about
-- (0 when issued). Tags come from `wallet_clock`, one row: a write that alters what
-- devices show opens its transaction with `UPDATE wallet_clock SET tag = tag + 1
-- RETURNING tag` (before it locks any pass) and writes that tag to its pass(es).
-- The row lock is held until commit, so tags commit in order: a statement that
-- reads the counter and the passes in one snapshot never sees a tag while a smaller
-- one is still uncommitted, and the counter it read is a valid `last_updated`.
--
-- `device_registrations` ties a device to a pass (deleted with the pass).
--
-- `push_jobs` is the push outbox: the write that moves a tag inserts one row per
-- registration of the pass in its own transaction (one INSERT … SELECT). A job is
-- due when `next_attempt_at` has passed and it is not under a lease that still
-- holds; its due time is GREATEST(next_attempt_at, lease_until) (GREATEST skips
-- NULL), the key of `push_jobs_due_idx`: a claim reads only due rows, the longest
-- due first, and leased rows sit past `now` in the index until their lease ends.

ALTER TABLE passes ADD COLUMN wallet_tag BIGINT NOT NULL DEFAULT 0;

CREATE TABLE wallet_clock (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    tag BIGINT  NOT NULL
);

INSERT INTO wallet_clock (id, tag) VALUES (1, 0);

CREATE TABLE device_registrations (
    device_library_id TEXT        NOT NULL,
    pass_id           TEXT        NOT NULL REFERENCES passes (id) ON DELETE CASCADE,
    seq               BIGINT      GENERATED ALWAYS AS IDENTITY,
    account_id        TEXT        NOT NULL,
    mode              TEXT        NOT NULL CHECK (mode IN ('test', 'live')),
    pass_type_id      TEXT        NOT NULL,
    push_token        TEXT        NOT NULL,
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (device_library_id, pass_id)
);

-- The registrations of a pass, oldest first (push fan-out, `registrations_of`, the
-- cascade of a pass delete).
CREATE INDEX device_registrations_pass_idx ON device_registrations (pass_id, seq);
-- The passes of a device under a pass type (`updated_serials`).
CREATE INDEX device_registrations_device_idx
    ON device_registrations (device_library_id, pass_type_id, pass_id);

CREATE TABLE push_jobs (
    id                BIGSERIAL   PRIMARY KEY,
    account_id        TEXT        NOT NULL,
    mode              TEXT        NOT NULL CHECK (mode IN ('test', 'live')),
    pass_id           TEXT        NOT NULL,
    device_library_id TEXT        NOT NULL,
    push_token        TEXT        NOT NULL,
    pass_type_id      TEXT        NOT NULL,
    attempts          INTEGER     NOT NULL DEFAULT 0,
    next_attempt_at   TIMESTAMPTZ NOT NULL,
    lease_token       TEXT,
    lease_until       TIMESTAMPTZ,
    last_error        TEXT,
    created_at        TIMESTAMPTZ NOT NULL,
    CHECK ((lease_token IS NULL) = (lease_until IS NULL))
);

-- What is due, the longest due first.
CREATE INDEX push_jobs_due_idx ON push_jobs ((GREATEST(next_attempt_at, lease_until)), id);
