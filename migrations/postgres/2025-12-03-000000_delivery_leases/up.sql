-- The deliveries under a lease, by webhook: a claim counts each webhook's
-- deliveries in flight (`lease_token` set, `due_at` = the lease's end still ahead)
-- to keep it under PASSMINT_WEBHOOK_ENDPOINT_CONCURRENCY, reading only leased rows.
CREATE INDEX webhook_deliveries_leased_idx ON webhook_deliveries (webhook_id)
    WHERE lease_token IS NOT NULL;
