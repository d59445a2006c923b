-- Apple Wallet devices: registrations of a device for a pass, the wallet tag
-- devices ask "what changed since" with, and the durable push jobs written with
-- the change that causes them.
--
-- - `passes.wallet_tag` is the tag of the pass's last change devices must hear
--   about (0 when issued). Tags come from the one-row `wallet_clock`, incremented
--   inside the writer's `BEGIN IMMEDIATE` transaction: every write of the process
--   goes through one connection (and other processes wait for the lock), so a tag
--   is never visible while an older one is uncommitted.
-- - `device_registrations`: one row per (device, pass); deleting a pass deletes its
--   registrations.
-- - `push_jobs`: one row per registration of a changed pass, deleted once pushed.
--   A claim leases the row to a worker (`lease_token`, until `lease_until`); a job
--   is due once `next_attempt_at` is reached and any lease has ended, that is when
--   max(next_attempt_at, coalesce(lease_until, next_attempt_at)) <= now: the
--   expression `push_jobs_due_idx` is ordered by, so a claim reads only due rows
--   (the queries spell the expression exactly so, for SQLite to use the index).
--   AUTOINCREMENT: an id handed to a worker is never given to another job (SQLite
--   keeps the counter in its `sqlite_sequence` table, which outlives down.sql).

ALTER TABLE passes ADD COLUMN wallet_tag INTEGER NOT NULL DEFAULT 0;

CREATE TABLE wallet_clock (
    id  INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    tag INTEGER NOT NULL
) STRICT;

INSERT INTO wallet_clock (id, tag) VALUES (1, 0);

CREATE TABLE device_registrations (
    device_library_id TEXT    NOT NULL,
    pass_id           TEXT    NOT NULL REFERENCES passes (id) ON DELETE CASCADE,
    account_id        TEXT    NOT NULL,
    mode              TEXT    NOT NULL CHECK (mode IN ('test', 'live')),
    pass_type_id      TEXT    NOT NULL,
    push_token        TEXT    NOT NULL,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    PRIMARY KEY (device_library_id, pass_id)
) STRICT;

-- A pass's registrations (push fan-out, oldest first) and a device's passes under
-- a pass type (the "serials updated since" query).
CREATE INDEX device_registrations_pass_idx ON device_registrations (pass_id, created_at);
CREATE INDEX device_registrations_device_idx
    ON device_registrations (device_library_id, pass_type_id);

CREATE TABLE push_jobs (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id        TEXT    NOT NULL,
    mode              TEXT    NOT NULL CHECK (mode IN ('test', 'live')),
    pass_id           TEXT    NOT NULL,
    device_library_id TEXT    NOT NULL,
    push_token        TEXT    NOT NULL,
    pass_type_id      TEXT    NOT NULL,
    attempts          INTEGER NOT NULL DEFAULT 0,
    next_attempt_at   INTEGER NOT NULL,
    lease_token       TEXT,
    lease_until       INTEGER,
    last_error        TEXT,
    created_at        INTEGER NOT NULL
) STRICT;

CREATE INDEX push_jobs_due_idx
    ON push_jobs (max(next_attempt_at, coalesce(lease_until, next_attempt_at)), id);
