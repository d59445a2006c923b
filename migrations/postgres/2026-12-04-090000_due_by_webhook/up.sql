-- The due deliveries by webhook, longest due first. A claim walks the webhooks
-- that have deliveries waiting (a skip scan: one probe per webhook) and reads
-- each open one's longest due from here, so the backlog of a webhook at its cap of
-- deliveries in flight costs a claim nothing (docs/api.md §8). It replaces the
-- index of all due deliveries in due order, which a claim had to read past a
-- capped webhook's whole backlog.
CREATE INDEX webhook_deliveries_due_by_webhook_idx
    ON webhook_deliveries (webhook_id, due_at, seq)
    WHERE due_at IS NOT NULL;
DROP INDEX webhook_deliveries_due_idx;
